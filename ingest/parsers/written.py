"""Written Markdown interviews: front matter names the interviewee; questions are headings or
lines wholly bold or italic; every other paragraph is the interviewee's answer.

Front matter keys: ``name`` or ``speaker`` (the interviewee, required), ``interviewer``
(optional label for the questions, default ``Interviewer``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.parsers.lines import blocks
from interview_qa.ingest.speakers import normalize_label
from interview_qa.ingest.turns import Segment, Turn

_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(?P<q>.+?)\s*#*\s*$")
_EMPHASIS_RE = re.compile(r"^\s*(?P<m>\*\*|__|\*|_)(?P<q>[^*_].*?)(?P=m)\s*$")


def interviewee_of(front: dict[str, Any]) -> str | None:
    """The interviewee named by front matter (``name`` or ``speaker``), if any."""
    value = front.get("name") or front.get("speaker")
    return str(value) if value else None


def _question(line: str) -> tuple[str, int] | None:
    """The question text of a heading or wholly emphasised line, and its offset in the line."""
    m = _HEADING_RE.match(line) or _EMPHASIS_RE.match(line)
    if not m:
        return None
    return m.group("q"), m.start("q")


def parse_written(path: Path, text: str, front: dict[str, Any], body_start: int) -> list[Turn]:
    """Read a written interview into interviewer and interviewee turns."""
    name = interviewee_of(front)
    if not name:
        raise InputError(path, "front matter names no interviewee (`name:` or `speaker:`)")
    speaker = normalize_label(name)
    interviewer = normalize_label(str(front.get("interviewer") or "Interviewer"))
    turns: list[Turn] = []
    for block in blocks(text, body_start):
        answer: list[Segment] = []
        for line in block:
            q = _question(line.text)
            if q is not None:
                if answer:
                    turns.append(Turn(speaker, "interviewee", answer))
                    answer = []
                body, at = q
                seg = Segment(body, line.start + at, line.start + at + len(body))
                turns.append(Turn(interviewer, "interviewer", [seg]))
            else:
                body = line.text.strip()
                start = line.start + len(line.text) - len(line.text.lstrip())
                if answer:
                    prev = answer[-1]
                    answer[-1] = Segment(f"{prev.text}\n{body}", prev.start, start + len(body))
                else:
                    answer.append(Segment(body, start, start + len(body)))
        if answer:
            turns.append(Turn(speaker, "interviewee", answer))
    if not any(t.role == "interviewee" for t in turns):
        raise InputError(path, "written interview has no answer paragraphs")
    return turns
