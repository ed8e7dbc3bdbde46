"""An ingest killed with SIGKILL while it embeds leaves an index that opens and answers; the next
ingest completes it with no duplicate or orphan chunks."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chromadb.api.client import SharedSystemClient

from interview_qa.eval.synthetic import generate
from interview_qa.ingest import Index, ingest
from interview_qa.ingest.pipeline import chunk_file, discover
from interview_qa.ingest.store import IndexStore
from interview_qa.ingest.unit_store import UnitStore

from .conftest import CORPUS, make_settings

pytestmark = pytest.mark.slow


def start_ingest(corpus: Path, index: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "interview_qa.ui.cli", "ingest", str(corpus), "--index", str(index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "IQA_EMBEDDING__BACKEND": "sentence-transformers"},
    )


def wait_for_embedding(proc: subprocess.Popen[str]) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        if line.startswith("embedding "):
            return
        if time.monotonic() > deadline:
            break
    proc.kill()
    pytest.fail("the ingest never started embedding")


def expected_ids(corpus: Path, settings) -> set[str]:  # type: ignore[no-untyped-def]
    files, _ = discover([corpus])
    return {n.node_id for f in files for n in chunk_file(f, settings)}


def test_sigkill_during_embedding_then_resume(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "synthetic"
    generate(CORPUS, corpus, chunks=1200, turns_per_file=40, speakers=60)
    index = tmp_path / "index"
    settings = make_settings(index, embedding={"backend": "sentence-transformers"})
    want = expected_ids(corpus, settings)
    rng = random.Random(11)
    counts = []
    for _ in range(3):
        proc = start_ingest(corpus, index)
        wait_for_embedding(proc)
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        # Read as a new process would: Chroma caches an embedded client per folder in-process.
        SharedSystemClient.clear_system_cache()
        # The index opens and answers after every kill.
        idx = Index(settings)
        bm25 = idx.bm25()
        store = IndexStore.open(settings)
        held = {rec["id"] for rec in store.iter_records()}
        counts.append(len(held))
        assert held <= want  # nothing but real chunks
        if held:
            assert bm25 is not None and len(bm25.corpus) == len(held)
            vec = embedder.embed(["what is the impact of a staff engineer"])[0].tolist()
            got = store.collection.query(query_embeddings=[vec], n_results=3)
            assert got["ids"][0]
    SharedSystemClient.clear_system_cache()
    report = ingest([corpus], settings, embedder=embedder)
    assert not report.errors
    store = IndexStore.open(settings)
    ids = [rec["id"] for rec in store.iter_records()]
    assert len(ids) == len(set(ids)) == store.count()  # no duplicates
    assert set(ids) == want  # no orphans, nothing missing
    assert report.added == len(want) - counts[-1]
    bm25 = Index(settings).bm25()
    assert bm25 is not None and len(bm25.corpus) == len(want)
    # Every chunk's quotable units are stored, and no other chunk's.
    units = UnitStore.open(settings, store.client)
    assert units is not None and set(units.entries()) == units.chunk_ids() == want
