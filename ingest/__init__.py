"""Ingestion: source files → speaker turns → chunks → embeddings → Chroma + BM25.

Public API (what the assistant, UI and evaluation may use):
``Settings``, ``ingest``, ``IngestReport``, ``Index``, ``IndexStats``, ``make_embedder``,
``Embedder``, ``EmbedderAdapter`` (the embedder as a llama-index embedding, loaded on first
use), ``offline_environment``, ``parse_file``, ``read_source``, ``split_sentences``,
``base_initials``, ``assign_initials``, ``initials_with_name``, ``SECTION_SEP`` and
``section_leaf`` (the section path), the discovery rule
(``discover``, ``corpus_files``, ``SourceFile``), ``percentile``, ``progress_bar`` and the
errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from interview_qa.ingest.embedder import Embedder, offline_environment
from interview_qa.ingest.errors import (
    EmbeddingError,
    IndexEmptyError,
    IndexMismatchError,
    IndexUnavailableError,
    InputError,
    InterviewQAError,
    ModelChecksumError,
    SettingsError,
)
from interview_qa.ingest.index import DocumentStat, Index, IndexStats, SpeakerStat, StoredChunks
from interview_qa.ingest.parsers import read_source
from interview_qa.ingest.percentiles import percentile
from interview_qa.ingest.pipeline import IngestReport, ingest
from interview_qa.ingest.progress import progress_bar
from interview_qa.ingest.sentences import split_sentences
from interview_qa.ingest.settings import Settings
from interview_qa.ingest.sources import SourceFile, corpus_files, discover
from interview_qa.ingest.speakers import assign_initials, base_initials
from interview_qa.ingest.text import SECTION_SEP, initials_with_name, section_leaf
from interview_qa.ingest.turns import SUMMARY_SPEAKER, UNKNOWN_SPEAKER, ParsedDocument

if TYPE_CHECKING:
    from interview_qa.ingest.llama_embedding import EmbedderAdapter

__all__ = [
    "SECTION_SEP",
    "SUMMARY_SPEAKER",
    "UNKNOWN_SPEAKER",
    "DocumentStat",
    "Embedder",
    "EmbedderAdapter",
    "EmbeddingError",
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
    "SettingsError",
    "SourceFile",
    "SpeakerStat",
    "StoredChunks",
    "assign_initials",
    "base_initials",
    "corpus_files",
    "discover",
    "ingest",
    "initials_with_name",
    "make_embedder",
    "offline_environment",
    "parse_file",
    "percentile",
    "progress_bar",
    "read_source",
    "section_leaf",
    "split_sentences",
]


def parse_file(path: Path) -> ParsedDocument:
    """Read and parse one source file into speaker turns (raises InputError on bad input)."""
    from interview_qa.ingest.parsers import parse_text, read_source

    return parse_text(path, read_source(path))


def make_embedder(settings: Settings, backend: str | None = None) -> Embedder:
    """Build the embedder the settings name (see ``interview_qa.ingest.embedder``)."""
    from interview_qa.ingest.embedder import make_embedder as _make

    return _make(settings, backend)


def __getattr__(name: str) -> Any:
    """Load ``EmbedderAdapter`` (it imports llama-index) on first use."""
    if name == "EmbedderAdapter":
        from interview_qa.ingest.llama_embedding import EmbedderAdapter

        return EmbedderAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
