"""Themes at scale: ``interview-qa themes`` over a synthetic index of N chunks (3,000 by default),
after ingest, so nothing is embedded while the themes are found.

The synthetic corpus (eval/synthetic.py) recombines the bundled corpus's sentences under many
invented speakers; its vectors come from scale.py's sentence-cache embedder (each chunk's vector
is the normalised mean of the real MiniLM vectors of its sentences), so the index holds
realistic vectors without embedding every chunk. Measured: ``find_themes`` on a freshly opened
Index (reading every vector, clustering with the automatic number of themes, labels, quotes,
matrix) and the whole ``interview-qa themes --index … --out …`` command in a fresh process
(imports and the four output files included), each as wall-clock and CPU seconds with the
load average beside them: on a shared machine the wall clock counts other processes' time too,
and the CPU seconds are what the work itself costs. The target is 10 s on 2 cores.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
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
        load_before = os.getloadavg()[0]
        cpu = time.process_time()
        with timer() as t:
            report = find_themes(Index(settings))
        in_process = t()
        in_process_cpu = time.process_time() - cpu
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
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with timer() as t:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        cli = t()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise RuntimeError(f"interview-qa themes failed: {done.stderr.strip()[-500:]}")
        return {
            "chunks": len(report.units),
            "build_seconds": built(),
            "themes": len(report.themes),
            "labels": [t.label for t in report.themes],
            "find_themes_seconds": in_process,
            "find_themes_cpu_seconds": in_process_cpu,
            "command_seconds": cli,
            "command_cpu_seconds": cli_cpu,
            "load_average": round(max(load_before, os.getloadavg()[0]), 2),
            "target_seconds": TARGET_SECONDS,
            "within_target": max(in_process, cli) <= TARGET_SECONDS,
            "files": sorted(p.name for p in out.iterdir()),
        }


if __name__ == "__main__":
    import json

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 3000), indent=2))
