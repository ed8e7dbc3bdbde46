"""Ingesting into the embedded store: the bundled corpus, incremental re-runs, bad files,
settings mismatches, and the BM25 index staying consistent with Chroma."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interview_qa.ingest import (
    Index,
    IndexEmptyError,
    IndexMismatchError,
    Settings,
    ingest,
    parse_file,
)
from interview_qa.ingest.bm25 import saved_generation
from interview_qa.ingest.store import IndexStore, bm25_dir

from .conftest import CORPUS, FIXTURES

pytestmark = pytest.mark.slow


class CountingEmbedder:
    """The real embedder, counting how many texts it was asked to embed."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name, self.dimension = inner.name, inner.dimension
        self.texts = 0

    def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return self.inner.embed(texts, progress)


def chunk_ids_by_doc(settings: Settings) -> dict[str, set[str]]:
    return IndexStore.open(settings).doc_chunk_ids()


def test_bundled_corpus_index_and_stats(bundled_settings: Settings) -> None:
    stats = Index(bundled_settings).stats()
    labels = {s.label: s for s in stats.speakers}
    assert set(labels) == {"S.", "G.", "P.", "T.", "N.", "F.", "summary"}
    assert all(labels[x].initials == x for x in ["S.", "G.", "P.", "T.", "N.", "F."])
    assert len(stats.documents) == 7
    assert sum(d.chunks for d in stats.documents) == stats.chunks
    kinds = {d.kind for d in stats.documents}
    assert kinds == {"summary", "transcript"}


def test_chunk_metadata_and_offsets(bundled_settings: Settings) -> None:
    index = Index(bundled_settings)
    metas = index.record_metadata()
    required = {
        "doc_id",
        "source_path",
        "kind",
        "speaker",
        "initials",
        "turn_index",
        "start_char",
        "end_char",
        "section",
    }
    for meta in metas:
        assert required <= set(meta)
    nodes = index.store.all_nodes()
    for node in nodes:
        meta = node.metadata
        source = Path(meta["source_path"]).read_text(encoding="utf-8")
        # Every bundled chunk is one paragraph: its offsets point exactly at its text.
        if "\n" not in node.text:
            assert source[meta["start_char"] : meta["end_char"]] == node.text
        if meta["kind"] == "summary" and meta["speaker"] == "summary":
            assert meta["section"]
    # A chunk never spans two speakers: each chunk's text lies inside one turn of its speaker.
    for node in nodes:
        doc = parse_file(Path(node.metadata["source_path"]))
        owners = {t.speaker for t in doc.turns if node.text in t.text}
        assert node.metadata["speaker"] in owners


def test_rerun_embeds_nothing_and_changes_are_incremental(
    tmp_path: Path, settings: Settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "mycorpus"
    shutil.copytree(FIXTURES / "transcripts", corpus)
    spy = CountingEmbedder(embedder)
    first = ingest([corpus], settings, embedder=spy)
    # Chunks, then their quotable units and headings (stored for questions to read).
    assert not first.errors and first.added > 0 and first.units > 0
    assert spy.texts == first.added + first.units
    before = chunk_ids_by_doc(settings)

    spy.texts = 0
    again = ingest([corpus], settings, embedder=spy)
    assert spy.texts == 0 and again.added == 0 and again.removed == 0
    assert again.unchanged_documents == len(before)
    assert chunk_ids_by_doc(settings) == before

    # Change one file, remove another: only those documents move.
    (corpus / "sample.srt").write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nTom Becker: I changed my mind entirely.\n"
    )
    (corpus / "bold.md").unlink()
    third = ingest([corpus], settings, embedder=spy)
    after = chunk_ids_by_doc(settings)
    assert "mycorpus/bold.md" not in after
    assert after["mycorpus/sample.srt"] != before["mycorpus/sample.srt"]
    for doc_id in before:
        if doc_id not in ("mycorpus/bold.md", "mycorpus/sample.srt"):
            assert after[doc_id] == before[doc_id]
    assert third.added == len(after["mycorpus/sample.srt"])
    assert spy.texts == third.added + third.units
    assert third.removed_documents == 1 and third.changed_documents == 1
    total = sum(len(v) for v in after.values())
    assert IndexStore.open(settings).count() == total
    # BM25 follows Chroma exactly.
    store = IndexStore.open(settings)
    assert saved_generation(bm25_dir(settings)) == store.generation()
    bm25 = Index(settings).bm25()
    assert bm25 is not None and len(bm25.corpus) == total


def test_other_folders_are_left_alone(tmp_path: Path, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(FIXTURES / "transcripts" / "plain.txt", a)
    shutil.copy(FIXTURES / "transcripts" / "sample.srt", b)
    ingest([a], settings, embedder=embedder)
    ingest([b], settings, embedder=embedder)
    assert set(chunk_ids_by_doc(settings)) == {"a/plain.txt", "b/sample.srt"}


def test_bad_files_are_reported_and_nothing_indexed_is_lost(
    tmp_path: Path, settings: Settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(FIXTURES / "transcripts" / "plain.txt", corpus)
    shutil.copy(FIXTURES / "transcripts" / "sample.srt", corpus)
    ingest([corpus], settings, embedder=embedder)
    before = chunk_ids_by_doc(settings)

    (corpus / "sample.srt").write_text("1\nnot a timing line\nTom: hi\n")  # now malformed
    (corpus / "empty.txt").write_text("")
    (corpus / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (corpus / "bad.json").write_text("{nope")
    report = ingest([corpus], settings, embedder=embedder)
    failed = {e.path.name for e in report.errors}
    assert failed == {"sample.srt", "empty.txt", "photo.png", "bad.json"}
    # The broken file keeps what it had; the good one is untouched.
    assert chunk_ids_by_doc(settings) == before


def test_settings_mismatch_asks_for_rebuild(tmp_path: Path, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    ingest([FIXTURES / "transcripts" / "plain.txt"], settings, embedder=embedder)
    other = settings.with_overrides(chunking={"max_chars": 400})
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Index(other)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        ingest([FIXTURES / "transcripts" / "plain.txt"], other, embedder=embedder)
    report = ingest(
        [FIXTURES / "transcripts" / "plain.txt"], other, rebuild=True, embedder=embedder
    )
    assert report.added > 0
    Index(other)  # opens fine now


def test_empty_or_missing_index(settings: Settings) -> None:
    with pytest.raises(IndexEmptyError, match="interview-qa ingest"):
        Index(settings)


def test_corpus_readme_is_not_ingested(settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    report = ingest([CORPUS], settings, embedder=embedder)
    assert not report.errors
    assert not any("README" in d for d in chunk_ids_by_doc(settings))
