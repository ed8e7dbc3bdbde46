"""Written Markdown interviews: the front matter names the interviewee; the interviewer's
questions are lines of their own; every other paragraph after the first question is the
interviewee's answer.

A question is a line that is only

* emphasised text (``___…___``, ``**_…_**``, ``_…_``, ``*…*``, ``**…**``, ``__…__``), or
* a Markdown heading (level 2 or deeper, or any level ending in "?"),

that ends in "?" or is followed by an answer paragraph; or a ``Q:`` line (its answer an ``A:``
line). Text before the first question (disclaimers, recording notes, a bio) is *notes*: kept,
never an answer and never anybody's quote.

Front matter keys: ``name`` or ``speaker`` (the interviewee; else a ``title`` that is a person's
name, for files whose questions are headings), ``interviewer`` (label of the questions, default
``Interviewer``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.markup import LINK_DEFINITION
from interview_qa.ingest.parsers.lines import Line, blocks
from interview_qa.ingest.people import person_from_title
from interview_qa.ingest.speakers import normalize_label
from interview_qa.ingest.turns import NOTES_SPEAKER, Role, Segment, Turn

_HEADING_RE = re.compile(r"^\s{0,3}(?P<h>#{1,6})\s+(?P<q>.+?)\s*#*\s*$")
_EMPHASIS_RE = re.compile(r"^\s*(?P<m>[*_]{1,3})(?P<q>[^*_\s](?:.*?[^*_\s])?)(?P<e>[*_]{1,3})\s*$")
_QA_RE = re.compile(
    r"^\s*(?:\*\*|__)?(?P<who>Q|A|Question|Answer)(?:\*\*|__)?\s*[:.]\s*(?:\*\*|__)?\s*", re.I
)
_END_PUNCT = "?”\"'’)*_ "
#: Fewest question lines that make a titled file with no ``name:`` a written interview.
MIN_QUESTIONS = 2


def interviewee_of(front: dict[str, Any]) -> str | None:
    """The interviewee named by front matter (``name`` or ``speaker``), if any."""
    value = front.get("name") or front.get("speaker")
    return str(value) if value else None


def _emphasised(line: str) -> tuple[str, int] | None:
    """The text of a wholly emphasised line and its offset, markers of any nesting removed."""
    m = _EMPHASIS_RE.match(line)
    if not m or m.group("e") != m.group("m")[::-1]:
        return None
    return m.group("q"), m.start("q")


def question_of(line: str, *, alone: bool) -> tuple[str, int] | None:
    """The question text of a question line and its offset in the line, else None.

    ``alone``: the line is followed by an answer paragraph (so it needs no "?").
    """
    heading = _HEADING_RE.match(line)
    if heading:
        q, at = heading.group("q"), heading.start("q")
        inner = _emphasised(q)
        if inner:
            q, at = inner[0], at + inner[1]
        asks = q.rstrip(_END_PUNCT.replace("?", "")).endswith("?")
        if asks or (alone and len(heading.group("h")) > 1):
            return q, at
        return None
    found = _emphasised(line)
    if found and (found[0].rstrip(_END_PUNCT.replace("?", "")).endswith("?") or alone):
        return found
    return None


def looks_written(front: dict[str, Any], text: str, body_start: int) -> str | None:
    """For a file with no ``name:``: the interviewee when the title is a person's name (or a
    one-word handle) and the body asks at least :data:`MIN_QUESTIONS` questions as lines of
    their own; else None."""
    title = front.get("title")
    person = None
    if isinstance(title, str):
        # A person's name, or a one-word handle ("jonobr1") that names the interviewee.
        person = person_from_title(title) or (title.strip() if len(title.split()) == 1 else None)
    if not person:
        return None
    asked = sum(
        1
        for block in blocks(text, body_start)
        for line in block
        if question_of(line.text, alone=False) is not None
    )
    return person if asked >= MIN_QUESTIONS else None


def parse_written(
    path: Path, text: str, front: dict[str, Any], body_start: int, name: str | None = None
) -> list[Turn]:
    """Read a written interview into notes, interviewer and interviewee turns."""
    name = name or interviewee_of(front)
    if not name:
        raise InputError(path, "front matter names no interviewee (`name:` or `speaker:`)")
    speaker = normalize_label(name)
    interviewer = normalize_label(str(front.get("interviewer") or "Interviewer"))
    lines = [
        (line, i, len(block))
        for i, block in enumerate(blocks(text, body_start))
        for line in block
        if not LINK_DEFINITION.match(line.text)
    ]
    # Until the first question that asks ("…?" or "Q:"), an emphasised line is a notice, not a
    # question, unless the file asks no question that way at all.
    asks = any(
        question_of(line.text, alone=False) is not None or _is_q(line.text) for line, _, _ in lines
    )
    turns: list[Turn] = []
    asked = False
    for n, (line, _, size) in enumerate(lines):
        follows = lines[n + 1] if n + 1 < len(lines) else None
        alone = (
            (asked or not asks)
            and follows is not None
            and question_of(follows[0].text, alone=False) is None
            and (size == 1 or _starts(lines, n))
        )
        qa = _QA_RE.match(line.text)
        q = None if qa else question_of(line.text, alone=alone)
        if qa and qa.group("who")[0].lower() == "q":
            asked = True
            turns.append(_turn(interviewer, "interviewer", line, qa.end()))
        elif q is not None:
            asked = True
            body, at = q
            seg = Segment(body, line.start + at, line.start + at + len(body))
            turns.append(Turn(interviewer, "interviewer", [seg]))
        elif not asked:
            _add(turns, NOTES_SPEAKER, "notes", line, 0, new_paragraph=_starts(lines, n))
        else:
            _add(turns, speaker, "interviewee", line, qa.end() if qa else 0, _starts(lines, n))
    if not any(t.role == "interviewee" for t in turns):
        raise InputError(path, "written interview has no answer paragraphs")
    return turns


def _is_q(line: str) -> bool:
    qa = _QA_RE.match(line)
    return bool(qa and qa.group("who")[0].lower() == "q")


def _starts(lines: list[tuple[Line, int, int]], n: int) -> bool:
    """Whether line ``n`` starts a new paragraph (block)."""
    return n == 0 or lines[n - 1][1] != lines[n][1]


def _turn(speaker: str, role: Role, line: Line, skip: int) -> Turn:
    raw = line.text[skip:]
    body = raw.strip()
    start = line.start + skip + len(raw) - len(raw.lstrip())
    return Turn(speaker, role, [Segment(body, start, start + len(body))])


def _add(
    turns: list[Turn], speaker: str, role: Role, line: Line, skip: int, new_paragraph: bool
) -> None:
    """Add a line to the current turn of ``speaker``: a new paragraph, or a wrapped line."""
    turn = _turn(speaker, role, line, skip)
    seg = turn.segments[0]
    if not seg.text:
        return
    last = turns[-1] if turns else None
    if last is None or last.speaker != speaker or last.role != role:
        turns.append(turn)
    elif new_paragraph:
        last.segments.append(seg)
    else:
        prev = last.segments[-1]
        last.segments[-1] = Segment(f"{prev.text}\n{seg.text}", prev.start, seg.end)
