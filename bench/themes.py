"""Themes at scale: ``interview-qa themes`` over a synthetic index of N chunks (3,000 by default),
after ingest, so nothing is embedded while the themes are found.

The synthetic corpus (eval/synthetic.py) recombines the bundled corpus's sentences under many
invented speakers; its vectors come from scale.py's sentence-cache embedder (each chunk's vector
is the normalised mean of the real MiniLM vectors of its sentences), so the index holds
realistic vectors without embedding every chunk. Measured: ``find_themes`` on a freshly opened
Index (reading every vector, clustering with the automatic number of themes, labels, quotes,
matrix) and the whole ``interview-qa themes --index … --out …`` command in a fresh process
(imports and the four output files included). The target is 10 s on 2 cores.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import CORPUS, timer

TARGET_SECONDS = 10.0


def build_index(chunks: int, work: Path) -> Any:
    """Settings of an embedded index of ``chunks`` synthetic chunks under ``work``."""
    from bench.scale import SentenceCacheEmbedder
    from interview_qa.eval.synthetic import generate
    from interview_qa.ingest import Settings, ingest, make_embedder

    corpus = work / "corpus"
    generate(CORPUS, corpus, chunks)
    settings = Settings().with_overrides(
        store={"index_dir": work / "index"}, embedding={"backend": "sentence-transformers"}
    )
    embedder = SentenceCacheEmbedder(make_embedder(settings, "sentence-transformers"))
    report = ingest([corpus], settings, embedder=embedder)
    if report.errors:
        raise RuntimeError(f"synthetic ingest failed: {report.errors[0]}")
    return settings


def run(chunks: int = 3000) -> dict[str, Any]:
    """Build the index, then time find_themes in-process and the command in a fresh process."""
    from interview_qa.assistant import find_themes
    from interview_qa.ingest import Index

    with tempfile.TemporaryDirectory(prefix="iqa-bench-themes-") as tmp:
        work = Path(tmp)
        with timer() as built:
            settings = build_index(chunks, work)
        with timer() as t:
            report = find_themes(Index(settings))
        in_process = t()
        out = work / "themes"
        command = [
            sys.executable,
            "-m",
            "interview_qa.ui.cli",
            "themes",
            "--index",
            str(settings.store.index_dir),
            "--out",
            str(out),
        ]
        with timer() as t:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        cli = t()
        if done.returncode != 0:
            raise RuntimeError(f"interview-qa themes failed: {done.stderr.strip()[-500:]}")
        return {
            "chunks": len(report.units),
            "build_seconds": built(),
            "themes": len(report.themes),
            "labels": [t.label for t in report.themes],
            "find_themes_seconds": in_process,
            "command_seconds": cli,
            "target_seconds": TARGET_SECONDS,
            "within_target": max(in_process, cli) <= TARGET_SECONDS,
            "files": sorted(p.name for p in out.iterdir()),
        }


if __name__ == "__main__":
    import json

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 3000), indent=2))
