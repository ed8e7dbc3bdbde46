"""Scale: synthetic corpora of N chunks (corpus sentences recombined under many invented
speakers). For each size, in a fresh process: ingest time, index size on disk, peak memory, BM25
load time and warm `ask` p50/p95.

Embedding is the one cost that grows linearly and dominates on a CPU (~26 chunks/s on 2 cores),
so sizes above ``real_max`` use a *sentence-cache embedder*: each chunk's vector is the
normalised mean of the real MiniLM vectors of its sentences (synthetic chunks reuse the same few
hundred sentences, so those are embedded once). Everything else (Chroma's HNSW inserts, BM25,
queries, disk, memory) is measured for real; the ingest time of those sizes is reported as the
measured time plus the embedding time extrapolated from the real throughput, marked "est.".
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import CORPUS, QUESTIONS, ROOT, folder_size, percentile, timer


class SentenceCacheEmbedder:
    """Chunk vector = normalised mean of its sentences' real MiniLM vectors (cached)."""

    name = "all-MiniLM-L6-v2"
    dimension = 384

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Any, progress: Any = None) -> np.ndarray:
        """Vectors of ``texts`` from the cached vectors of their sentences."""
        from interview_qa.ingest.sentences import split_sentences

        pieces = [split_sentences(t) or [t] for t in texts]
        missing = sorted({s for p in pieces for s in p if s not in self.cache})
        if missing:
            for s, v in zip(missing, self.inner.embed(missing), strict=True):
                self.cache[s] = v
        out = np.array([np.mean([self.cache[s] for s in p], axis=0) for p in pieces])
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        if progress:
            progress(len(texts))
        return out.astype(np.float32)


def worker(size: int, work: Path, real: bool) -> dict[str, Any]:
    """Measure one size (run in its own process so peak memory is its own)."""
    from interview_qa.assistant import Assistant
    from interview_qa.eval.synthetic import generate
    from interview_qa.ingest import Index, Settings, ingest, make_embedder
    from interview_qa.ingest.bm25 import load_bm25
    from interview_qa.ingest.store import bm25_dir

    corpus = work / f"corpus-{size}"
    generate(CORPUS, corpus, size, turns_per_file=100, speakers=max(50, size // 100))
    settings = Settings().with_overrides(
        store={"index_dir": work / f"index-{size}"},
        embedding={"backend": "sentence-transformers"},
    )
    base = make_embedder(settings)
    embedder = base if real else SentenceCacheEmbedder(base)
    with timer() as t_ingest:
        report = ingest([corpus], settings, embedder=embedder)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with timer() as t_bm25:
        load_bm25(bm25_dir(settings))
    assistant = Assistant(settings, index=Index(settings), embedder=base)
    for q in QUESTIONS:
        assistant.ask(q)  # warm: BM25 loaded, caches filled
    latencies = []
    for _ in range(3):
        for q in QUESTIONS:
            with timer() as t:
                assistant.ask(q)
            latencies.append(t())
    return {
        "size": size,
        "chunks": report.chunks,
        "embedding": "real" if real else "sentence-cache",
        "ingest_seconds_measured": t_ingest(),
        "index_mb": folder_size(settings.store.index_dir) / 2**20,
        "peak_rss_mb": peak_mb,
        "bm25_load_seconds": t_bm25(),
        "ask_p50_ms": percentile(latencies, 50) * 1000,
        "ask_p95_ms": percentile(latencies, 95) * 1000,
    }


def run(sizes: list[int], real_max: int, chunks_per_s: float) -> list[dict[str, Any]]:
    """Measure every size in a subprocess; add the embedding-time estimate where needed."""
    rows = []
    work = Path(tempfile.mkdtemp(prefix="iqa-scale-"))
    try:
        for size in sizes:
            real = size <= real_max
            done = subprocess.run(
                [sys.executable, "-m", "bench.scale", str(size), str(work), "1" if real else "0"],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"scale worker {size} failed:\n{done.stderr[-2000:]}")
            row = json.loads(done.stdout.strip().splitlines()[-1])
            if real:
                row["ingest_seconds"] = row["ingest_seconds_measured"]
                row["ingest_note"] = "measured"
            else:
                row["ingest_seconds"] = (
                    row["ingest_seconds_measured"] + row["chunks"] / chunks_per_s
                )
                row["ingest_note"] = f"est. (embedding at {chunks_per_s:.1f} chunks/s)"
            rows.append(row)
            shutil.rmtree(work / f"index-{size}", ignore_errors=True)
            shutil.rmtree(work / f"corpus-{size}", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Warm ask latency (p50, p95) against index size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["chunks"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(sizes, [r["ask_p50_ms"] for r in rows], marker="o", label="p50")
    ax.plot(sizes, [r["ask_p95_ms"] for r in rows], marker="o", label="p95")
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("warm ask latency (ms)")
    ax.set_title("interview-qa: ask latency against index size")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    result = worker(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1")
    print(json.dumps(result))
