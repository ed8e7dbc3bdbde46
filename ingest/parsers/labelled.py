"""Plain text and Markdown transcripts of labelled turns.

Accepted line forms: ``Name: text``, ``**Name:** text``, ``**Name**: text``,
``Name (12:34): text`` and ``[00:12:34] Name: text``. A line or paragraph with no label continues
the previous speaker's turn. Markdown heading lines and horizontal rules are layout, not speech,
and are skipped. Text before the first label is *notes* (kind ``notes``, nobody's words); so is
everything before a ``## Transcript`` heading (show notes, links), whose labels are not speakers.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.markup import LINK_DEFINITION
from interview_qa.ingest.parsers.lines import Line, blocks, stripped_span
from interview_qa.ingest.parsers.timecodes import TIME_RE, parse_time
from interview_qa.ingest.speakers import normalize_label, role_of
from interview_qa.ingest.turns import NOTES_SPEAKER, Segment, Turn

_NAME = r"[^\W\d_][\w.'’ \-]{0,48}?"
LABEL_RE = re.compile(
    rf"""^\s*
    (?:\[(?P<ts1>{TIME_RE})\]\s*)?
    (?:
        (?P<b>\*\*|__)(?P<name1>{_NAME})\s*(?::(?P=b)|(?P=b)\s*:)
      | (?P<name2>{_NAME})(?:\s*\((?P<ts2>{TIME_RE})\))?\s*:
    )
    (?=\s|$)""",
    re.X,
)
_SKIP_RE = re.compile(r"^\s*(?:#{1,6}\s|(?:-{3,}|\*{3,}|_{3,})\s*$)")
_MAX_LABEL_WORDS = 4
_TIME = re.compile(TIME_RE)
_TRANSCRIPT_HEADING = re.compile(
    r"^\s{0,3}#{1,6}\s+(?:full\s+|episode\s+)?transcript(?:ion)?\b[^\n]*$", re.I | re.M
)


def match_label(line: str) -> tuple[str, float | None, int] | None:
    """If ``line`` opens with a speaker label, return (label, seconds or None, end of label).

    A label followed by no words (``**Break**: [16:43]``) is a marker, not a speaker.
    """
    m = LABEL_RE.match(line)
    if not m:
        return None
    name = m.group("name1") or m.group("name2") or ""
    if len(name.split()) > _MAX_LABEL_WORDS or is_marker(line[m.end() :]):
        return None
    stamp = m.group("ts1") or m.group("ts2")
    return normalize_label(name), parse_time(stamp) if stamp else None, m.end()


def is_marker(rest: str) -> bool:
    """Whether the text after a label holds no words, only a time or punctuation
    (``\\[16:43\\]``): the line marks a break, nobody speaks."""
    rest = rest.strip()
    return bool(rest) and not any(c.isalpha() for c in _TIME.sub("", rest))


def _turn(label: str, text: str, start: int, end: int, seconds: float | None) -> Turn:
    role = role_of(label)
    seg = Segment(text, start, end, start_time=seconds)
    return Turn(label, role, [seg], joiner="\n\n", start_time=seconds)


def transcript_start(text: str, body_start: int = 0) -> int | None:
    """Offset just past a ``## Transcript`` heading, when the document has one."""
    m = _TRANSCRIPT_HEADING.search(text, body_start)
    return m.end() if m else None


def _notes(text: str, start: int, end: int) -> list[Turn]:
    """The notes before a transcript heading: one notes turn per paragraph."""
    out = []
    for block in blocks(text[:end], start):
        first, last = block[0], block[-1]
        body = text[first.start : last.end].strip()
        if body and not _SKIP_RE.match(body):
            lead = len(text[first.start : last.end]) - len(text[first.start : last.end].lstrip())
            seg = Segment(body, first.start + lead, first.start + lead + len(body))
            out.append(Turn(NOTES_SPEAKER, "notes", [seg], joiner="\n\n"))
    return out


def parse_labelled(path: Path, text: str, body_start: int = 0) -> list[Turn]:
    """Read labelled turns from ``text[body_start:]``; raise InputError when no line is labelled."""
    turns: list[Turn] = []
    labelled = False
    heading = transcript_start(text, body_start)
    if heading is not None:
        turns.extend(_notes(text, body_start, heading))
        body_start = heading
    for block in blocks(text, body_start):
        current: Turn | None = None
        for line in block:
            if _SKIP_RE.match(line.text) or LINK_DEFINITION.match(line.text):
                current = None
                continue
            marker = LABEL_RE.match(line.text)
            if marker and is_marker(line.text[marker.end() :]):
                current = None  # "**Break**: [16:43]": layout
                continue
            found = match_label(line.text)
            if found:
                labelled = True
                label, seconds, end = found
                body, start, stop = stripped_span(line, end)
                current = _turn(label, body, start, stop, seconds)
                turns.append(current)
                continue
            body, start, stop = stripped_span(line)
            if current is not None:
                _extend(current, line, body, stop)
            elif turns and turns[-1].role != "notes":
                current = _turn(turns[-1].speaker, body, start, stop, None)
                current.role = turns[-1].role
                turns.append(current)
            else:
                current = Turn(NOTES_SPEAKER, "notes", [Segment(body, start, stop)])
                turns.append(current)
    if not labelled:
        raise InputError(path, "no speaker labels found (expected lines like `Name: text`)")
    return turns


def _extend(turn: Turn, line: Line, body: str, stop: int) -> None:
    """Add a wrapped line to the current paragraph of ``turn``."""
    last = turn.segments[-1]
    start = last.start if last.text else stripped_span(line)[1]
    joined = f"{last.text}\n{body}" if last.text else body
    # The segment spans the source from its start to this line's end; its text keeps the newline.
    turn.segments[-1] = replace(last, text=joined, start=start, end=stop)
