"""WebVTT and SRT subtitle files, with speakers from ``<v Name>`` voice tags or ``Name:`` prefixes.

Each cue keeps its start and end time. A cue with no speaker continues the previous speaker's
turn (subtitle tools usually label only a change of speaker); before any label it is ``unknown``.
"""

from __future__ import annotations

import re
from pathlib import Path

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.parsers.labelled import match_label
from interview_qa.ingest.parsers.lines import Line, blocks
from interview_qa.ingest.parsers.timecodes import parse_time
from interview_qa.ingest.speakers import normalize_label, role_of
from interview_qa.ingest.turns import UNKNOWN_SPEAKER, Segment, Turn

_TIMING_RE = re.compile(r"^\s*(?P<a>[\d:.,]+)\s+-->\s+(?P<b>[\d:.,]+)(?:\s+.*)?$")
_VOICE_RE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^>]+)>")
_TAG_RE = re.compile(r"</?[^>\n]{0,80}>")


def _cue_time(path: Path, line: Line, fmt: str) -> tuple[float, float]:
    m = _TIMING_RE.match(line.text)
    start = parse_time(m.group("a")) if m else None
    end = parse_time(m.group("b")) if m else None
    if start is None or end is None:
        raise InputError(path, f"malformed {fmt}: bad cue timing {line.text.strip()[:60]!r}")
    if end < start:
        raise InputError(path, f"malformed {fmt}: cue ends before it starts {line.text.strip()!r}")
    return start, end


def _cue_turn(
    source: str, lines: list[Line], start: float, end: float, previous: str | None
) -> tuple[Turn | None, bool]:
    """Build one cue's turn from its text lines; return it and whether it carried a label."""
    if not lines:
        return None, False
    raw = " ".join(line.text.strip() for line in lines)
    label: str | None = None
    voice = _VOICE_RE.search(raw)
    if voice:
        label = normalize_label(voice.group("name"))
    text = _TAG_RE.sub("", raw).strip()
    if label is None:
        found = match_label(text)
        if found:
            label, _, cut = found
            text = text[cut:].strip()
    labelled = label is not None
    speaker = label or previous or UNKNOWN_SPEAKER
    if not text:
        return None, labelled
    role = role_of(speaker)
    # Point at the text itself when it appears verbatim in the cue, else at the whole cue.
    at = source.find(text, lines[0].start, lines[-1].end)
    span = (at, at + len(text)) if at >= 0 else (lines[0].start, lines[-1].end)
    seg = Segment(text, *span, start_time=start, end_time=end)
    return Turn(speaker, role, [seg], joiner=" ", start_time=start, end_time=end), labelled


def _parse_cues(path: Path, text: str, fmt: str, cue_blocks: list[list[Line]]) -> list[Turn]:
    turns: list[Turn] = []
    labelled = False
    previous: str | None = None
    for block in cue_blocks:
        timing_at = next((i for i, line in enumerate(block) if "-->" in line.text), None)
        if timing_at is None or timing_at > 1:
            where = text.count("\n", 0, block[0].start) + 1
            raise InputError(path, f"malformed {fmt}: cue at line {where} has no timing line")
        start, end = _cue_time(path, block[timing_at], fmt)
        turn, has_label = _cue_turn(text, block[timing_at + 1 :], start, end, previous)
        labelled = labelled or has_label
        if turn is not None:
            previous = turn.speaker
            turns.append(turn)
    if not turns:
        raise InputError(path, f"malformed {fmt}: no cues with text")
    if not labelled:
        raise InputError(
            path, f"no speaker labels found in {fmt} (expected `<v Name>` or `Name:` in cues)"
        )
    return turns


def parse_vtt(path: Path, text: str) -> list[Turn]:
    """Read a WebVTT file into turns."""
    all_blocks = blocks(text)
    if not all_blocks or not all_blocks[0][0].text.lstrip().startswith("WEBVTT"):
        raise InputError(path, "malformed WebVTT: the file does not start with `WEBVTT`")
    header, rest = all_blocks[0], all_blocks[1:]
    cue_blocks = []
    if any("-->" in line.text for line in header[1:]):
        raise InputError(path, "malformed WebVTT: no blank line after the `WEBVTT` header")
    for block in rest:
        first = block[0].text.strip()
        if first.startswith(("NOTE", "STYLE", "REGION")):
            continue
        cue_blocks.append(block)
    return _parse_cues(path, text, "WebVTT", cue_blocks)


def parse_srt(path: Path, text: str) -> list[Turn]:
    """Read an SRT file into turns."""
    all_blocks = blocks(text)
    for block in all_blocks:
        if "-->" in block[0].text:
            continue
        if not block[0].text.strip().isdigit():
            where = text.count("\n", 0, block[0].start) + 1
            raise InputError(path, f"malformed SRT: expected a cue number at line {where}")
    return _parse_cues(path, text, "SRT", all_blocks)
