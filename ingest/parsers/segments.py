"""JSON segments written by speech-to-text and diarisation tools (WhisperX, pyannote, …).

A list of segments, or an object with a ``segments`` list; each segment an object with ``text``
and, optionally, ``speaker``, ``start`` and ``end`` (seconds). Character offsets point at each
segment's ``text`` string inside the JSON file when it can be found there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.speakers import normalize_label, role_of
from interview_qa.ingest.turns import UNKNOWN_SPEAKER, Segment, Turn


def _seconds(path: Path, seg: dict[str, Any], key: str, n: int) -> float | None:
    value = seg.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(path, f"malformed JSON segments: segment {n} `{key}` is not a number")
    return float(value)


def _locate(text: str, value: str, cursor: int) -> tuple[int, int]:
    for encoded in (json.dumps(value, ensure_ascii=False), json.dumps(value)):
        at = text.find(encoded, cursor)
        if at >= 0:
            return at + 1, at + len(encoded) - 1
    return cursor, cursor


def parse_segments(path: Path, text: str) -> list[Turn]:
    """Read JSON segments into turns."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            path, f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    if isinstance(data, dict):
        data = data.get("segments")
    if not isinstance(data, list):
        raise InputError(path, 'malformed JSON segments: expected a list or {"segments": [...]}')
    if not data:
        raise InputError(path, "malformed JSON segments: the list of segments is empty")
    turns: list[Turn] = []
    labelled = False
    cursor = 0
    for n, seg in enumerate(data, start=1):
        if not isinstance(seg, dict):
            raise InputError(path, f"malformed JSON segments: segment {n} is not an object")
        body = seg.get("text")
        if not isinstance(body, str):
            raise InputError(path, f"malformed JSON segments: segment {n} has no `text` string")
        raw_speaker = seg.get("speaker")
        if raw_speaker is not None and not isinstance(raw_speaker, str | int):
            raise InputError(path, f"malformed JSON segments: segment {n} `speaker` is not text")
        speaker = normalize_label(str(raw_speaker)) if raw_speaker is not None else UNKNOWN_SPEAKER
        labelled = labelled or raw_speaker is not None
        start, end = _seconds(path, seg, "start", n), _seconds(path, seg, "end", n)
        a, b = _locate(text, body, cursor)
        cursor = max(cursor, b)
        stripped = body.strip()
        if not stripped:
            continue
        lead = len(body) - len(body.lstrip())
        source_exact = b - a == len(body)
        span = (a + lead, a + lead + len(stripped)) if source_exact else (a, b)
        role = role_of(speaker)
        seg = Segment(stripped, *span, start_time=start, end_time=end)
        turns.append(Turn(speaker, role, [seg], " ", start_time=start, end_time=end))
    if not labelled:
        raise InputError(path, "no speaker labels found (no segment has a `speaker`)")
    return turns
