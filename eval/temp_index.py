"""A throw-away index of a corpus, for ``interview-qa eval --corpus`` and ``verify-summary
--themes``: ingested into a temporary folder, never the user's index or Chroma server, and
deleted afterwards."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from interview_qa.ingest import InputError, Settings

if TYPE_CHECKING:
    from rich.console import Console

    from interview_qa.ingest import Embedder


def temporary_settings(settings: Settings, index_dir: Path, corpus: Sequence[Path]) -> Settings:
    """Settings of a throw-away embedded index: never the user's index or Chroma server. The
    ONNX export is skipped there (the embedder is built once and passed in)."""
    store = settings.store.model_copy(update={"index_dir": index_dir, "chroma_url": None})
    backend = settings.embedding.backend
    embedding = settings.embedding.model_copy(
        update={"backend": "sentence-transformers" if backend == "auto" else backend}
    )
    paths = settings.corpus.model_copy(update={"paths": [Path(p) for p in corpus]})
    return settings.model_copy(update={"store": store, "embedding": embedding, "corpus": paths})


@contextmanager
def corpus_index(
    settings: Settings, corpus: Sequence[Path], embedder: Embedder, console: Console
) -> Iterator[Settings]:
    """Ingest ``corpus`` into a temporary index; yield its settings; delete it afterwards."""
    from interview_qa.ingest import ingest

    for path in corpus:
        if not Path(path).exists():
            raise InputError(path, "no such file or folder")
    with tempfile.TemporaryDirectory(prefix="iqa-eval-", ignore_cleanup_errors=True) as tmp:
        temp = temporary_settings(settings, Path(tmp) / "index", corpus)
        report = ingest([Path(p) for p in corpus], temp, embedder=embedder)
        for error in report.errors:
            console.print(f"[yellow]skipped:[/] {error}", highlight=False)
        if report.chunks == 0:
            raise InputError(corpus[0], "nothing could be ingested from the corpus given")
        console.print(
            f"temporary index: {report.documents} documents, {report.speakers} speakers, "
            f"{report.chunks} chunks",
            highlight=False,
        )
        yield temp
