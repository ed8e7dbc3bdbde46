"""Shared helpers for the benchmarks: timing, percentiles, folder sizes, the bundled corpus."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from interview_qa.ingest import percentile as shared_percentile

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
OUT = ROOT / "bench" / "out"
QUESTIONS = [
    "How do Staff engineers decide what to work on?",
    "How do you measure your impact as a Staff-plus engineer?",
    "What does T. say about mental health?",
    "What books do they recommend?",
    "Why is building trust important?",
    'Who said "Read documentation, RTFM"?',
    "What are the four archetypes?",
    "What do they like most about the role?",
    "Should I wait for permission before pushing an idea?",
    "What is the weather in Paris tomorrow?",
]


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """``with timer() as t: ...`` then ``t()`` is the elapsed seconds."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), as ``interview_qa.ingest.percentile``; NaN for no values."""
    value = shared_percentile(values, q)
    return float("nan") if value is None else value


def folder_size(path: Path) -> int:
    """Bytes on disk under a folder."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def cores() -> int:
    """CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def fmt(value: Any, digits: int = 2) -> str:
    """A number for a table."""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)
