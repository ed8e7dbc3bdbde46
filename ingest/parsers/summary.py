"""A written summary of interviews (Markdown).

Each attributed quote, a paragraph or list item of the form ``"…" - G.``, becomes a passage
spoken by that speaker; every other paragraph or list item becomes a summary passage carrying its
section path: the headings above it (level 2 and deeper; the title when there are none) and the
list items ending with ``:`` that it is nested under, e.g. "Key Advice › Build Trust". The
items of one list (under a ``Label:`` item, or after a paragraph or heading ending with ``:``)
form a single passage.
"""

from __future__ import annotations

import re
from pathlib import Path

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.parsers.lines import Line, blocks
from interview_qa.ingest.speakers import normalize_label
from interview_qa.ingest.text import SECTION_SEP
from interview_qa.ingest.turns import SUMMARY_SPEAKER, Segment, Turn

_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_ITEM_RE = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d+[.)])\s+(?P<body>.*)$")
QUOTE_RE = re.compile(
    r"""^["“](?P<quote>.+)["”]\s*[-–—]\s*(?P<who>(?:[A-Z][a-z]*\.?\s?){1,3}?)\.*\s*$""", re.S
)
_LABEL_MAX = 80


def clean_title(title: str) -> str:
    """A heading or label as shown in a section path: no trailing colon, emoji or markup."""
    title = re.sub(r"[*_`]", "", title)
    title = re.sub(r"[^\w\s).’'\"!?,&:/-]+$", "", title.strip()).strip()
    return title.rstrip(":").strip()


class _Sections:
    """Tracks headings and open ``Label:`` list items to give each block its section path."""

    def __init__(self) -> None:
        self.title = ""
        self.headings: dict[int, str] = {}
        self.labels: list[tuple[int, str]] = []
        #: Whether the paragraph or heading just before ends with ":" and so introduces a list.
        self.introduces_list = False
        #: The group (see Turn.group) of the list being read, and a counter for new ones.
        self.group: int | None = None
        self.groups = 0

    def new_group(self) -> int:
        self.groups += 1
        self.group = self.groups
        return self.group

    def heading(self, level: int, title: str) -> None:
        if level == 1:
            self.title = clean_title(title)
            self.headings.clear()
        else:
            self.headings = {k: v for k, v in self.headings.items() if k < level}
            self.headings[level] = clean_title(title)
        self.labels.clear()

    def close_labels(self, indent: int) -> None:
        closed = False
        while self.labels and self.labels[-1][0] >= indent:
            self.labels.pop()
            closed = True
        if closed and self.group is not None:
            self.new_group()  # the items after a closed "Label:" list are a list of their own

    def path(self) -> str:
        parts = [self.headings[k] for k in sorted(self.headings)] or [self.title]
        parts += [label for _, label in self.labels]
        return SECTION_SEP.join(p for p in parts if p)


def _block_text(block: list[Line], first_cut: int) -> Segment:
    first = block[0]
    start = first.start + first_cut
    parts = [first.text[first_cut:].strip()] + [line.text.strip() for line in block[1:]]
    text = "\n".join(p for p in parts if p)
    # Leading whitespace of the first line is skipped so the offsets point at the text.
    lead = len(first.text[first_cut:]) - len(first.text[first_cut:].lstrip())
    return Segment(text, start + lead, block[-1].end)


def _quote_turn(seg: Segment, section: str) -> Turn | None:
    m = QUOTE_RE.match(seg.text)
    if not m:
        return None
    quote = m.group("quote")
    start = seg.start + m.start("quote")
    speaker = normalize_label(m.group("who"))
    verbatim = "\n" not in seg.text
    end = start + len(quote) if verbatim else seg.end
    return Turn(speaker, "interviewee", [Segment(quote, start, end)], section=section)


def _units(block: list[Line]) -> list[list[Line]]:
    """Split a block so that every heading and every list item starts a unit of its own."""
    units: list[list[Line]] = []
    for line in block:
        if not units or _HEADING_RE.match(line.text) or _ITEM_RE.match(line.text):
            units.append([line])
        else:
            units[-1].append(line)
    return units


def parse_summary(path: Path, text: str, body_start: int = 0) -> tuple[list[Turn], str]:
    """Read a summary into quote and summary turns; return them and the document title."""
    sections = _Sections()
    turns: list[Turn] = []
    for block in blocks(text, body_start):
        for unit in _units(block):
            turn = _unit_turn(unit, sections)
            if turn is not None:
                turns.append(turn)
    if not turns:
        raise InputError(path, "the summary has no paragraphs")
    return turns, sections.title


def _unit_turn(unit: list[Line], sections: _Sections) -> Turn | None:
    first = unit[0]
    heading = _HEADING_RE.match(first.text)
    if heading:
        sections.heading(len(heading.group("hashes")), heading.group("title"))
        sections.introduces_list = heading.group("title").rstrip().endswith(":")
        sections.group = sections.new_group() if sections.introduces_list else None
        return None
    item = _ITEM_RE.match(first.text)
    indent = len(first.text) - len(first.text.lstrip())
    if item:
        sections.close_labels(indent)
        seg = _block_text(unit, item.start("body"))
        if seg.text.endswith(":") and len(seg.text) <= _LABEL_MAX and "\n" not in seg.text:
            sections.labels.append((indent, clean_title(seg.text)))
            sections.new_group()
            return None
    else:
        if indent == 0:
            sections.close_labels(0)
        seg = _block_text(unit, 0)
    if not seg.text or seg.text.lower() == "alt text":
        return None
    section = sections.path()
    # One list forms one passage with the line introducing it: the items nested under a
    # "Label:" item, or a paragraph or heading ending with ":" and the items that follow it.
    nested = bool(item) and bool(sections.labels) and indent > sections.labels[-1][0]
    introduced = bool(item) and sections.introduces_list and not sections.labels
    if not item:
        sections.introduces_list = seg.text.endswith(":")
        sections.group = sections.new_group() if sections.introduces_list else None
    group = sections.group if (nested or introduced or not item) else None
    quote = _quote_turn(seg, section)
    if quote is not None:
        return quote
    return Turn(SUMMARY_SPEAKER, "summary", [seg], joiner="\n", section=section, group=group)
