"""Splitting text into lines and blank-line separated blocks, keeping offsets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One line of the source (without its newline) and its start offset."""

    text: str
    start: int

    @property
    def end(self) -> int:
        """Offset just past the line's last character."""
        return self.start + len(self.text)

    @property
    def blank(self) -> bool:
        """Whether the line holds only whitespace."""
        return not self.text.strip()


def iter_lines(text: str, offset: int = 0) -> Iterator[Line]:
    """Yield the lines of ``text[offset:]`` with their offsets in ``text``."""
    pos = offset
    for raw in text[offset:].splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        yield Line(body, pos)
        pos += len(raw)


def blocks(text: str, offset: int = 0) -> list[list[Line]]:
    """Group the lines of ``text[offset:]`` into blocks separated by blank lines."""
    out: list[list[Line]] = []
    current: list[Line] = []
    for line in iter_lines(text, offset):
        if line.blank:
            if current:
                out.append(current)
                current = []
        else:
            current.append(line)
    if current:
        out.append(current)
    return out


def stripped_span(line: Line, start_in_line: int = 0) -> tuple[str, int, int]:
    """The line's text from ``start_in_line``, stripped, with its source offsets."""
    raw = line.text[start_in_line:]
    lead = len(raw) - len(raw.lstrip())
    body = raw.strip()
    start = line.start + start_in_line + lead
    return body, start, start + len(body)
