"""The no-op re-ingest: an unchanged corpus is recognised from the manifest beside the index,
without opening Chroma or importing a model library, and anything that could change the index
(a changed, added or removed file, other settings or code, a killed ingest, --rebuild, a Chroma
server) takes the full path. Also: an embedding failure is reported as such.

These tests use a deterministic stand-in embedder (no model is loaded); the real one is covered
by test_ingest.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from interview_qa.ingest import (
    EmbeddingError,
    IndexMismatchError,
    IngestReport,
    Settings,
    ingest,
    pipeline,
)
from interview_qa.ingest import manifest as manifest_module
from interview_qa.ingest.manifest import manifest_path, unchanged_since_last_ingest
from interview_qa.ingest.sources import discover
from interview_qa.ingest.store import IndexStore, bm25_dir

from .conftest import FIXTURES, make_settings

FILES = ("plain.txt", "sample.srt", "bold.md")


class HashEmbedder:
    """Unit vectors drawn from a hash of each text: deterministic, instant, no model."""

    name = "hash-test"
    dimension = 384

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.texts = 0

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Any:
        if self.fail:
            raise RuntimeError("CUDA out of memory (test)")
        self.texts += len(texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            vec = np.random.default_rng(seed).standard_normal(self.dimension)
            rows.append(vec / np.linalg.norm(vec))
        if progress:
            progress(len(texts))
        return np.asarray(rows, dtype=np.float32)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "mycorpus"
    folder.mkdir()
    for name in FILES:
        shutil.copy(FIXTURES / "transcripts" / name, folder)
    return folder


@pytest.fixture
def fast_settings(tmp_path: Path) -> Settings:
    """Settings of an index under tmp_path, with no ONNX export (that would need torch)."""
    return make_settings(tmp_path / "index", embedding={"backend": "sentence-transformers"})


class Opened:
    """Counts how often the ingest opened the Chroma store (the full path)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = IndexStore.open

        def spy(settings: Settings, **kwargs: Any) -> IndexStore:
            self.count += 1
            return real(settings, **kwargs)

        monkeypatch.setattr(pipeline.IndexStore, "open", spy)


def run(corpus: Path, settings: Settings, **kwargs: Any) -> IngestReport:
    return ingest([corpus], settings, embedder=HashEmbedder(), **kwargs)


def test_unchanged_corpus_stops_at_the_manifest(
    corpus: Path, fast_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run(corpus, fast_settings)
    assert not first.errors and first.added > 0
    assert manifest_path(fast_settings).is_file()
    opened = Opened(monkeypatch)
    again = run(corpus, fast_settings)
    assert opened.count == 0
    assert (again.added, again.removed, again.changed_documents) == (0, 0, 0)
    assert again.unchanged_documents == len(FILES)
    assert (again.documents, again.speakers, again.chunks) == (
        first.documents,
        first.speakers,
        first.chunks,
    )
    assert again.nothing_to_embed


def test_a_touched_but_unchanged_file_is_still_a_no_op(
    corpus: Path, fast_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(corpus, fast_settings)
    os.utime(corpus / "plain.txt", ns=(1_000_000_000, 1_000_000_000))  # new mtime, same bytes
    opened = Opened(monkeypatch)
    run(corpus, fast_settings)
    assert opened.count == 0


@pytest.mark.parametrize("change", ["edit", "same-size-edit", "add", "remove", "readme-only"])
def test_file_changes_take_the_full_path(
    change: str, corpus: Path, fast_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(corpus, fast_settings)
    target = corpus / "plain.txt"
    if change == "edit":
        target.write_text(target.read_text() + "\nAna Lima: One more thing, said later.\n")
    elif change == "same-size-edit":
        # Same size, and the mtime put back: only the content hash can tell.
        stat = target.stat()
        text = target.read_text()
        swapped = text.replace("compiler", "compilor", 1)  # inside an answer, not the notes
        assert swapped != text and len(swapped) == len(text)
        target.write_text(swapped)
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif change == "add":
        shutil.copy(FIXTURES / "transcripts" / "written.md", corpus)
    elif change == "remove":
        target.unlink()
    else:
        (corpus / "README.md").write_text("not a transcript")
    opened = Opened(monkeypatch)
    report = run(corpus, fast_settings)
    if change == "readme-only":
        assert opened.count == 0  # README files are not part of the corpus
        return
    assert opened.count == 1
    if change == "remove":
        assert report.removed_documents == 1
    else:
        assert report.changed_documents + report.added > 0
    # …and the manifest now describes the new state: the next run is a no-op again.
    run(corpus, fast_settings)
    assert opened.count == 1


def test_other_settings_or_code_take_the_full_path(
    corpus: Path, fast_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(corpus, fast_settings)
    opened = Opened(monkeypatch)
    # Settings that ingest does not read leave the manifest valid.
    run(corpus, fast_settings.with_overrides(retrieval={"top_k": 3}))
    assert opened.count == 0
    # Chunking differs: the full path runs, and finds the index built otherwise.
    other = fast_settings.with_overrides(chunking={"max_chars": 400})
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        run(corpus, other)
    assert opened.count == 1
    run(corpus, fast_settings)  # that failed ingest left no manifest behind
    assert opened.count == 2
    run(corpus, fast_settings.with_overrides(embedding={"batch_size": 7}))
    assert opened.count == 3
    # New ingest code (a parser changed) may chunk differently.
    real = manifest_module._code_signature
    monkeypatch.setattr(manifest_module, "_code_signature", lambda: [*real(), ("new.py", 1, 1)])
    run(corpus, fast_settings.with_overrides(embedding={"batch_size": 7}))
    assert opened.count == 4


def test_other_paths_rebuild_and_servers_take_the_full_path(
    corpus: Path, tmp_path: Path, fast_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(corpus, fast_settings)
    opened = Opened(monkeypatch)
    single = corpus / "plain.txt"
    ingest([single], fast_settings, embedder=HashEmbedder())  # another set of paths
    assert opened.count == 1
    report = run(corpus, fast_settings, rebuild=True)
    assert opened.count == 2 and report.added == report.chunks > 0
    files, _ = discover([corpus])
    assert unchanged_since_last_ingest(fast_settings, [corpus], files) is not None
    server = fast_settings.with_overrides(store={"chroma_url": "http://127.0.0.1:9"})
    assert unchanged_since_last_ingest(server, [corpus], files) is None
    # A copy of the index elsewhere, or an index whose BM25 or Chroma files went missing.
    moved = make_settings(
        tmp_path / "moved" / "index", embedding={"backend": "sentence-transformers"}
    )
    shutil.copytree(fast_settings.store.index_dir, moved.store.index_dir)
    assert unchanged_since_last_ingest(moved, [corpus], files) is None
    shutil.rmtree(bm25_dir(fast_settings))
    assert unchanged_since_last_ingest(fast_settings, [corpus], files) is None
    run(corpus, fast_settings)
    assert opened.count == 3 and saved_bm25_exists(fast_settings)


def saved_bm25_exists(settings: Settings) -> bool:
    return (bm25_dir(settings) / "generation.json").is_file()


def test_a_killed_or_failed_ingest_leaves_no_manifest(
    corpus: Path, fast_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(corpus, fast_settings)
    target = corpus / "plain.txt"
    original = target.read_text()
    target.write_text(original + "\nAna Lima: Something new to embed here.\n")

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # stands for SIGKILL half-way through writing

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "_write", killed)
        with pytest.raises(KeyboardInterrupt):
            run(corpus, fast_settings)
    assert not manifest_path(fast_settings).exists()
    # Even with the file put back as it was, the next ingest checks the store.
    target.write_text(original)
    opened = Opened(monkeypatch)
    run(corpus, fast_settings)
    assert opened.count == 1 and manifest_path(fast_settings).exists()


def test_no_manifest_when_a_file_fails(
    corpus: Path, fast_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "empty.txt").write_text("")
    report = run(corpus, fast_settings)
    assert [e.path.name for e in report.errors] == ["empty.txt"]
    assert not manifest_path(fast_settings).exists()
    opened = Opened(monkeypatch)
    again = run(corpus, fast_settings)  # the error is reported again
    assert opened.count == 1 and [e.path.name for e in again.errors] == ["empty.txt"]


def test_a_garbled_manifest_is_not_trusted(corpus: Path, fast_settings: Settings) -> None:
    run(corpus, fast_settings)
    files, _ = discover([corpus])
    path = manifest_path(fast_settings)
    data = json.loads(path.read_text())
    for broken in ("{not json", json.dumps({**data, "files": "x"}), json.dumps({"format": 99})):
        path.write_text(broken)
        assert unchanged_since_last_ingest(fast_settings, [corpus], files) is None


def test_embedding_failure_is_reported_as_such(corpus: Path, fast_settings: Settings) -> None:
    first = run(corpus, fast_settings)
    (corpus / "plain.txt").write_text("Interviewer: Why?\n\nAna Lima: Because it changed.\n")
    with pytest.raises(EmbeddingError, match=r"embedding \d+ chunks failed \(RuntimeError: CUDA"):
        ingest([corpus], fast_settings, embedder=HashEmbedder(fail=True))
    # Nothing was lost, and the store still opens.
    assert IndexStore.open(fast_settings).count() == first.chunks


def test_cli_no_op_ingest_imports_nothing_heavy(corpus: Path, fast_settings: Settings) -> None:
    run(corpus, fast_settings)
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from interview_qa.ui.cli import app\n"
        f"out = CliRunner().invoke(app, ['ingest', {str(corpus)!r}])\n"
        "assert out.exit_code == 0, out.output\n"
        "print(out.output)\n"
        "heavy = ('torch', 'onnxruntime', 'sentence_transformers', 'llama_index.core',\n"
        "         'chromadb', 'transformers')\n"
        "print('HEAVY', [m for m in heavy if m in sys.modules])\n"
    )
    env = {
        **os.environ,
        "IQA_STORE__INDEX_DIR": str(fast_settings.store.index_dir),
        "IQA_EMBEDDING__BACKEND": "sentence-transformers",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "nothing to embed" in done.stdout
    assert "HEAVY []" in done.stdout


def test_a_store_changed_behind_the_manifest_is_looked_at(
    corpus: Path, fast_settings: Settings
) -> None:
    run(corpus, fast_settings)
    files, _ = discover([corpus])
    assert unchanged_since_last_ingest(fast_settings, [corpus], files) is not None
    store = IndexStore.open(fast_settings)
    store.set_metadata(state="writing")  # as an ingest killed half-way leaves it
    assert unchanged_since_last_ingest(fast_settings, [corpus], files) is None
    store.set_metadata(state="ready", generation=store.generation() + 1)  # another writer
    assert unchanged_since_last_ingest(fast_settings, [corpus], files) is None
    store.set_metadata(generation=store.generation() - 1)
    assert unchanged_since_last_ingest(fast_settings, [corpus], files) is not None
    # A damaged database is not taken for the recorded one: the full path reports it.
    db = fast_settings.store.index_dir / "chroma.sqlite3"
    data = bytearray(db.read_bytes())
    for i in range(100, len(data), 97):
        data[i] = (data[i] * 7 + 3) % 256
    db.write_bytes(bytes(data))
    assert unchanged_since_last_ingest(fast_settings, [corpus], files) is None
