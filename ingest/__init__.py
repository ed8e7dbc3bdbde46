"""Ingestion: source files → speaker turns → chunks → embeddings → Chroma + BM25.

Public API (what the assistant, UI and evaluation may use):
``Settings``, ``ingest``, ``IngestReport``, ``Index``, ``IndexStats``, ``make_embedder``,
``parse_file``, the errors, and the speaker helpers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from interview_qa.ingest.errors import (
    IndexEmptyError,
    IndexMismatchError,
    IndexUnavailableError,
    InputError,
    InterviewQAError,
    ModelChecksumError,
)
from interview_qa.ingest.index import DocumentStat, Index, IndexStats, SpeakerStat
from interview_qa.ingest.pipeline import IngestReport, ingest
from interview_qa.ingest.settings import Settings
from interview_qa.ingest.turns import SUMMARY_SPEAKER, UNKNOWN_SPEAKER, ParsedDocument

if TYPE_CHECKING:
    from interview_qa.ingest.embedder import Embedder

__all__ = [
    "SUMMARY_SPEAKER",
    "UNKNOWN_SPEAKER",
    "DocumentStat",
    "Index",
    "IndexEmptyError",
    "IndexMismatchError",
    "IndexStats",
    "IndexUnavailableError",
    "IngestReport",
    "InputError",
    "InterviewQAError",
    "ModelChecksumError",
    "ParsedDocument",
    "Settings",
    "SpeakerStat",
    "ingest",
    "make_embedder",
    "parse_file",
]


def parse_file(path: Path) -> ParsedDocument:
    """Read and parse one source file into speaker turns (raises InputError on bad input)."""
    from interview_qa.ingest.parsers import parse_text, read_source

    return parse_text(path, read_source(path))


def make_embedder(settings: Settings, backend: str | None = None) -> Embedder:
    """Build the embedder the settings name (see ``interview_qa.ingest.embedder``)."""
    from interview_qa.ingest.embedder import make_embedder as _make

    return _make(settings, backend)
