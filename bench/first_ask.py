"""First-time ask: warm `ask` latency (extractive mode) for questions never asked before in the
process, on ~3,000 chunks of real transcripts, and the ingest time that stores every unit.

Real transcripts are not part of the project: name a folder of them in ``IQA_BENCH_TRANSCRIPTS``
(for instance podcast transcripts in Markdown). Without it, the synthetic corpus of
:mod:`bench.scale` is used (its ingest embeds through the sentence cache, so its ingest time is
not a real one), and the bench says so.

"Warm" means the process has answered a few other questions first (model loaded, BM25 read,
retrievers built); "first-time" means every measured question is a new string and the
assistant's vector cache is cleared before each, so nothing of an earlier question is reused.
Each question is also asked with the stored unit vectors hidden (every candidate unit embedded
at question time, as before ingest stored them), for comparison.

Run alone: ``python -m bench.first_ask [--index DIR]`` (an existing index is measured as is).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import CORPUS, percentile, timer

ENV = "IQA_BENCH_TRANSCRIPTS"
TEMPLATES = (
    "What do they say about {w}?",
    "How should a team approach {w}?",
    "Why does {w} matter so much?",
    "What is the hardest part of {w}?",
    "What advice do they give on {w}?",
)


class CountingEmbedder:
    """An embedder that counts the texts it embeds."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.texts = 0

    def embed(self, texts: Sequence[str], progress: Any = None) -> Any:
        """Embed through the inner embedder, counting."""
        self.texts += len(texts)
        return self.inner.embed(texts, progress)


def questions(frequency: dict[str, float], count: int) -> list[str]:
    """``count`` distinct questions about words of the corpus that are neither rare nor common,
    spread over the vocabulary (deterministic)."""
    words = sorted(
        w
        for w, share in frequency.items()
        if 0.003 <= share <= 0.05 and len(w) >= 6 and w.isalpha() and w.islower()
    )
    step = max(1, len(words) // count)
    return [TEMPLATES[i % len(TEMPLATES)].format(w=w) for i, w in enumerate(words[::step][:count])]


def ingest_corpus(work: Path, chunks: int) -> tuple[Any, dict[str, Any]]:
    """Ingest the real transcripts named in ``IQA_BENCH_TRANSCRIPTS`` (else a synthetic corpus
    of ``chunks`` chunks) into ``work``; the settings and what was measured."""
    from interview_qa.ingest import Settings, ingest, make_embedder

    folder = os.environ.get(ENV)
    settings = Settings().with_overrides(store={"index_dir": work / "index"})
    embedder = None
    if folder:
        corpus, source = Path(folder).expanduser(), f"real transcripts ({folder})"
    else:
        from bench.scale import SentenceCacheEmbedder
        from interview_qa.eval.synthetic import generate

        corpus, source = work / "synthetic", "synthetic (bench.scale)"
        generate(CORPUS, corpus, chunks, turns_per_file=100, speakers=max(50, chunks // 100))
        embedder = SentenceCacheEmbedder(make_embedder(settings, "sentence-transformers"))
    with timer() as t:
        report = ingest([corpus], settings, embedder=embedder)
    return settings, {
        "source": source,
        "real": bool(folder),
        "documents": report.documents,
        "chunks": report.chunks,
        "unit_texts": report.units,
        "ingest_seconds": t(),
        "units_seconds": report.units_seconds,
        "ingest_note": "measured, real MiniLM" if folder else "sentence-cache embedder",
    }


def measure(settings: Any, count: int = 40, warm: int = 5) -> dict[str, Any]:
    """Warm first-time ask p50/p95 over ``count`` new questions, with the stored units and with
    them hidden; mean stage timings; texts embedded per question."""
    from interview_qa.assistant import Assistant
    from interview_qa.ingest import Index, make_embedder

    embedder = CountingEmbedder(make_embedder(settings))
    index = Index(settings)
    assistant = Assistant(settings, index=index, embedder=embedder)
    asked = questions(index.document_frequency(), count + warm)
    for q in asked[count:]:
        assistant.ask(q, mode="extractive")  # warm: model, BM25, retrievers
    out: dict[str, Any] = {"questions": count, "embedder": type(embedder.inner).__name__}
    for label, hide in (("stored", False), ("on_the_fly", True)):
        if hide:
            index.unit_vectors = lambda ids: {}  # type: ignore[method-assign]
        times: list[float] = []
        stages: dict[str, list[float]] = {}
        texts: list[int] = []
        for q in asked[:count]:
            q = q if not hide else q.replace("?", " again?")  # never asked before either
            assistant.vectors.clear()
            before = embedder.texts
            with timer() as t:
                answer = assistant.ask(q, mode="extractive")
            times.append(t())
            texts.append(embedder.texts - before)
            for stage, seconds in answer.timings.items():
                stages.setdefault(stage, []).append(seconds)
        out[label] = {
            "p50_ms": percentile(times, 50) * 1000,
            "p95_ms": percentile(times, 95) * 1000,
            "max_ms": max(times) * 1000,
            "stage_mean_ms": {k: sum(v) / len(v) * 1000 for k, v in stages.items()},
            "texts_embedded_median": percentile([float(n) for n in texts], 50),
        }
    out["load_average"] = os.getloadavg()[0]
    return out


def run(chunks: int = 3000, count: int = 40) -> dict[str, Any]:
    """Ingest (see :func:`ingest_corpus`) and measure, in a temporary folder."""
    work = Path(tempfile.mkdtemp(prefix="iqa-first-ask-"))
    try:
        settings, row = ingest_corpus(work, chunks)
        row.update(measure(settings, count))
        return row
    finally:
        shutil.rmtree(work, ignore_errors=True)


def note(row: dict[str, Any]) -> str:
    """The one line saying what corpus was measured."""
    if row["real"]:
        return f"first-time ask on {row['source']}"
    return f"{ENV} is not set: first-time ask measured on the synthetic corpus instead"


def main() -> None:
    """``python -m bench.first_ask``: measure, print JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.first_ask")
    parser.add_argument("--index", type=Path, help="measure this existing index (no ingest)")
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--chunks", type=int, default=3000)
    args = parser.parse_args()
    if args.index:
        from interview_qa.ingest import Settings

        settings = Settings().with_overrides(store={"index_dir": args.index})
        row = measure(settings, args.questions)
    else:
        row = run(args.chunks, args.questions)
    print(json.dumps(row, indent=2))


if __name__ == "__main__":
    main()
