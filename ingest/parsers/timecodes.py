"""Reading time codes such as ``00:12:34``, ``12:34``, ``00:00:01.500`` and ``00:00:01,500``."""

from __future__ import annotations

import re

TIME_RE = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_TIME_FULL = re.compile(TIME_RE)


def parse_time(value: str) -> float | None:
    """Seconds in a time code, or None when it is not one."""
    value = value.strip()
    if not _TIME_FULL.fullmatch(value):
        return None
    main, _, frac = value.replace(",", ".").partition(".")
    parts = [int(p) for p in main.split(":")]
    seconds = 0
    for p in parts:
        seconds = seconds * 60 + p
    if any(p >= 60 for p in parts[1:]):
        return None
    return seconds + (float("0." + frac) if frac else 0.0)
