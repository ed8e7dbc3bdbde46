"""Embedding models side by side: the packaged all-MiniLM-L6-v2 and a second
sentence-transformers model, on the same questions and the same corpus, in one run.

For each model, in a throw-away index of the corpus (the bundled one by default):

* **answers**, from the evaluation runner on the gold set (eval/questions.jsonl): answer
  precision and recall on the ``open`` questions, recall@k and MRR, unanswerable questions
  declined, answerable ones wrongly declined (open and all), quote fidelity, speaker
  attribution and first-line viewpoint fragments (these must stay 1.0, 1.0 and 0);
* **themes**: their agreement with the summary's sections (NMI and ARI of the summary's quotes,
  at the sections holding them), the share of sections some theme supports, and the share of
  labels naming their summary heading (:mod:`interview_qa.eval.themes`);
* **time**: the model's load, the ingest (every chunk and unit embedded; the ONNX export, made
  for MiniLM only, is not counted), warm first-time ``ask`` p50/p95 (questions never asked
  before in the process, the query-vector cache cleared before each, as in
  :mod:`bench.first_ask`; questions embedded by the user's default backend: the ONNX export
  for MiniLM, sentence-transformers for another model), and a cold ``interview-qa ask``
  process to its answer (median of ``--cold-runs``).

Torch's threads spin on a busy core: on a shared 2-core machine run it with
``OMP_NUM_THREADS=1`` (a MiniLM query took 18 ms so, 720 ms with two threads there).

The second model is ``--model DIR`` or ``IQA_BENCH_MODEL_DIR`` (a sentence-transformers folder;
nothing is downloaded). Without one, MiniLM is measured alone and the run says how to add one.

The second model's settings can come from a settings file, ``--profile FILE`` (for EmbeddingGemma,
eval/profiles/embeddinggemma-300m.toml holds the values measured for it).

Run: ``python -m bench.models [--model DIR] [--profile FILE] [--corpus DIR] [--questions FILE]``
(also part of ``python -m bench``); prints one table with a column per model and writes
bench/out/models.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import CORPUS, OUT, ROOT, cores, percentile, timer
from bench.first_ask import questions as new_questions
from interview_qa.ingest.settings import SETTINGS_FILE_ENV

ENV = "IQA_BENCH_MODEL_DIR"
COLD_QUESTION = "What does T. say about mental health?"
#: The table's rows: label, and how a model's figures show in its cell.
ROWS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("open answer precision", lambda m: _f(m["answers"]["open_answer_precision"])),
    ("open answer recall", lambda m: _f(m["answers"]["open_answer_recall"])),
    ("recall@k", lambda m: _f(m["answers"]["recall_at_k"])),
    ("MRR", lambda m: _f(m["answers"]["mrr"])),
    ("unanswerable declined", lambda m: _of(m["answers"]["unanswerable_declined"])),
    ("wrongly declined (open)", lambda m: _of(m["answers"]["open_wrongly_declined"])),
    ("wrongly declined (all answerable)", lambda m: _of(m["answers"]["wrongly_declined"])),
    ("quote fidelity / attribution", lambda m: _pair(m["answers"], "quote_fidelity")),
    ("first-line viewpoint fragments", lambda m: _of(m["answers"]["viewpoint_fragments"])),
    ("themes ~ summary sections NMI / ARI", lambda m: _themes(m["themes"])),
    ("themes found", lambda m: str(m["themes"].get("themes", "—"))),
    ("summary sections a theme supports", lambda m: _f(m["themes"].get("section_coverage"))),
    ("theme labels naming their heading", lambda m: _f(m["themes"].get("label_agreement"))),
    ("warm first-time ask p50 / p95 (ms)", lambda m: _ms(m["time"])),
    ("query embedder", lambda m: str(m["time"].get("query_embedder", "—"))),
    ("model load (s)", lambda m: _f(m["time"]["load_s"], 1)),
    ("ingest (s)", lambda m: _f(m["time"]["ingest_s"], 1)),
    ("cold ask process (s)", lambda m: _f(m["time"].get("cold_ask_s"), 1)),
    ("load average (1 min, at the end)", lambda m: _f(m["time"].get("load_average"), 1)),
)


def _f(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _of(pair: Sequence[int]) -> str:
    return f"{pair[0]} of {pair[1]}"


def _pair(answers: dict[str, Any], _: str) -> str:
    return f"{_f(answers['quote_fidelity'])} / {_f(answers['speaker_attribution'])}"


def _themes(themes: dict[str, Any]) -> str:
    return f"{_f(themes.get('nmi'))} / {_f(themes.get('ari'))}"


def _ms(t: dict[str, Any]) -> str:
    return f"{_f(t['first_ask_p50_ms'], 0)} / {_f(t['first_ask_p95_ms'], 0)}"


def _count(agg: Any, key: str) -> list[int]:
    """``[how many, of how many]`` of a share metric of an aggregate."""
    n = agg.counts.get(key, 0)
    value = agg.values.get(key)
    return [round((value or 0.0) * n), n]


def answer_figures(run: Any) -> dict[str, Any]:
    """The answer figures of one evaluation run (an EvalRun)."""
    overall, open_ = run.overall, run.categories.get("open")
    value = overall.values.get
    return {
        "open_answer_precision": open_.values.get("answer_precision") if open_ else None,
        "open_answer_recall": open_.values.get("answer_recall") if open_ else None,
        "recall_at_k": value("recall_at_k"),
        "mrr": value("mrr"),
        "unanswerable_declined": _count(overall, "abstention_unanswerable"),
        "open_wrongly_declined": _count(open_, "wrong_abstention_answerable") if open_ else [0, 0],
        "wrongly_declined": _count(overall, "wrong_abstention_answerable"),
        "quote_fidelity": value("quote_fidelity"),
        "speaker_attribution": value("speaker_attribution"),
        "viewpoint_fragments": _count(overall, "viewpoint_fragments"),
        "k": run.k,
    }


def theme_figures(result: Any) -> dict[str, Any]:
    """The themes' agreement with the summary, from a ThemesEval (empty without a summary)."""
    summary = result.summary or {}
    leaf = summary.get("leaf") or {}
    return {
        "themes": result.themes,
        "nmi": leaf.get("nmi"),
        "ari": leaf.get("ari"),
        "section_coverage": summary.get("section_coverage"),
        "label_agreement": result.label_heading_agreement,
    }


def first_asks(assistant: Any, count: int) -> dict[str, float]:
    """Warm first-time ask p50/p95 (ms) over ``count`` questions new to the process."""
    asked = new_questions(assistant.index.document_frequency(), count + 3)
    for q in asked[count:]:
        assistant.ask(q, mode="extractive")  # warm: BM25, retrievers
    times = []
    for q in asked[:count]:
        assistant.vectors.clear()
        with timer() as t:
            assistant.ask(q, mode="extractive")
        times.append(t())
    return {
        "first_ask_p50_ms": percentile(times, 50) * 1000,
        "first_ask_p95_ms": percentile(times, 95) * 1000,
        "first_asks": len(times),
    }


def cold_ask(
    index: Path, model_dir: Path | None, runs: int, profile: Path | None = None
) -> float | None:
    """Median seconds of a fresh ``interview-qa ask`` process on ``index`` (None for 0 runs),
    with the settings file ``profile`` when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IQA_EMBEDDING__")}
    if model_dir is not None:
        env["IQA_EMBEDDING__MODEL_DIR"] = str(model_dir)
    if profile is not None:
        env[SETTINGS_FILE_ENV] = str(profile)
    command = [sys.executable, "-m", "interview_qa.ui.cli", "ask", COLD_QUESTION]
    command += ["--index", str(index)]
    times = []
    for _ in range(runs):
        with timer() as t:
            subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
        times.append(t())
    return statistics.median(times) if times else None


def measure(
    label: str,
    settings: Any,
    corpus: Sequence[Path],
    questions_file: Path | None = None,
    *,
    model_dir: Path | None = None,
    cold_runs: int = 3,
    first_ask_count: int = 30,
    themes: bool = True,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Every figure of one model: ``settings`` name it and the (empty) index to build
    (``themes``: with the themes' agreement, about 15 s on 2 cores for its chance baselines;
    ``profile``: the settings file they hold, passed on to the cold ``ask`` process)."""
    from interview_qa.assistant import Assistant
    from interview_qa.eval.commands import evaluate
    from interview_qa.eval.gold import load_questions
    from interview_qa.eval.themes import evaluate_themes
    from interview_qa.ingest import ingest, make_embedder
    from interview_qa.ingest.embedder import onnx_export_is_current
    from interview_qa.ingest.pipeline import ensure_onnx_export

    with timer() as t:
        embedder = make_embedder(settings)
        embedder.embed(["warm up"])
    load_s = t()
    built = settings.with_overrides(
        embedding={"backend": "sentence-transformers"}
        if settings.embedding.backend == "auto"
        else {}
    )
    with timer() as t:
        report = ingest(list(corpus), built, embedder=embedder)
    ingest_s = t()
    assistant = Assistant(settings, embedder=embedder)
    run, _, _ = evaluate(settings, load_questions(questions_file), assistant=assistant)
    found = theme_figures(evaluate_themes(settings, embedder=embedder)[0]) if themes else {}
    timing: dict[str, Any] = {"load_s": load_s, "ingest_s": ingest_s}
    if settings.embedding.backend == "auto":
        ensure_onnx_export(settings)  # what `interview-qa ingest` leaves for a fast start
        if onnx_export_is_current(settings.onnx_dir, settings.embedding.model_sha256):
            # Questions are embedded as a user's are: by the ONNX export (MiniLM only).
            assistant = Assistant(settings, embedder=make_embedder(settings))
    onnx = "Onnx" in type(assistant.embedder).__name__
    timing["query_embedder"] = "ONNX export" if onnx else "sentence-transformers"
    timing.update(first_asks(assistant, first_ask_count))
    if cold_runs and settings.embedding.backend == "auto":
        timing["cold_ask_s"] = cold_ask(settings.store.index_dir, model_dir, cold_runs, profile)
    timing["load_average"] = os.getloadavg()[0]
    return {
        "label": label,
        "model": embedder.name,
        "model_dir": str(model_dir) if model_dir else None,
        "profile": str(profile) if profile else None,
        "chunks": report.chunks,
        "answers": answer_figures(run),
        "themes": found,
        "time": timing,
    }


def table(results: dict[str, Any]) -> Any:
    """The side-by-side rich Table: a row per figure, a column per model."""
    from rich.table import Table

    models = results["models"]
    out = Table(title=f"Embedding models side by side ({results['corpus_label']})")
    out.add_column("figure")
    for m in models:
        out.add_column(m["label"], justify="right")
    for label, cell in ROWS:
        out.add_row(label, *[cell(m) for m in models])
    return out


def second_model(given: str | None) -> Path | None:
    """The second model's folder: ``given``, else ``IQA_BENCH_MODEL_DIR``, else None."""
    name = given or os.environ.get(ENV)
    return Path(name).expanduser() if name else None


def run(
    model: Path | None = None,
    corpus: Sequence[Path] = (CORPUS,),
    questions_file: Path | None = None,
    *,
    cold_runs: int = 3,
    first_ask_count: int = 30,
    base: Any = None,
    work: Path | None = None,
    themes: bool = True,
    rerank: str = "embedder",
    profile: Path | None = None,
) -> dict[str, Any]:
    """Measure MiniLM (``rerank.kind`` as configured: ``none`` by default) and ``model`` (when
    given, with ``rerank`` as its relevance stage: a stronger embedder's cosines are worth
    re-ranking by, MiniLM's are not; README; then the sections of the settings file
    ``profile``, such as eval/profiles/embeddinggemma-300m.toml) in temporary indexes (under
    ``work`` when given, else a temporary folder, deleted afterwards) from ``base`` settings
    (default: the environment's); the results."""
    from interview_qa.ingest import Settings
    from interview_qa.ingest.settings import read_settings_file

    base = base or Settings()
    work = Path(tempfile.mkdtemp(prefix="iqa-bench-models-", dir=work))
    entries: list[tuple[str, Path | None]] = [("MiniLM (default)", None)]
    sections = read_settings_file(profile) if profile else {}
    if model is not None:
        kind = sections.get("rerank", {}).get("kind", rerank)
        named = f", {profile.stem}" if profile else ""
        entries.append((f"{model.name} (rerank {kind}{named})", model))
    try:
        measured = []
        for i, (label, folder) in enumerate(entries):
            embedding = {"model_dir": folder} if folder else {}
            settings = base.with_overrides(
                store={"index_dir": work / f"m{i}" / "index", "chroma_url": None},
                corpus={"paths": list(corpus)},
                **({"embedding": embedding, "rerank": {"kind": rerank}} if embedding else {}),
            )
            if folder is not None and sections:
                settings = settings.with_overrides(**sections)
            measured.append(
                measure(
                    label,
                    settings,
                    corpus,
                    questions_file,
                    model_dir=folder,
                    cold_runs=cold_runs,
                    first_ask_count=first_ask_count,
                    themes=themes,
                    profile=profile if folder is not None else None,
                )
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "cores": cores(),
        # Torch's threads spin on a busy core: on a shared 2-core machine OMP_NUM_THREADS=1
        # made a MiniLM query 18 ms instead of 720 ms (sentence-transformers backend).
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "corpus": [str(p) for p in corpus],
        "corpus_label": ", ".join(Path(p).name for p in corpus),
        "questions": str(questions_file or "eval/questions.jsonl"),
        "models": measured,
    }


def report(console: Any, results: dict[str, Any], out: Path = OUT) -> Path:
    """Print the table (and how to add a second model when there is none); write models.json."""
    console.print(table(results))
    if len(results["models"]) < 2:
        console.print(
            f"Only MiniLM measured: name a second sentence-transformers model folder with "
            f"--model DIR or {ENV}=DIR to see it side by side."
        )
    out.mkdir(parents=True, exist_ok=True)
    path = out / "models.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {path}")
    return path


def main() -> None:
    """``python -m bench.models``."""
    from rich.console import Console

    parser = argparse.ArgumentParser(prog="python -m bench.models")
    parser.add_argument("--model", help=f"second model's folder (default: ${ENV})")
    parser.add_argument("--corpus", type=Path, action="append", help="default: the bundled one")
    parser.add_argument("--questions", type=Path, help="default: eval/questions.jsonl")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold ask processes per model")
    parser.add_argument("--first-asks", type=int, default=30, help="first-time asks per model")
    parser.add_argument(
        "--rerank",
        default="embedder",
        choices=["none", "embedder", "cross-encoder"],
        help="the second model's relevance stage (IQA_RERANK__KIND; default: embedder)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="a settings file (TOML) for the second model, e.g. "
        "eval/profiles/embeddinggemma-300m.toml (its [rerank] kind wins over --rerank)",
    )
    args = parser.parse_args()
    results = run(
        second_model(args.model),
        args.corpus or [CORPUS],
        args.questions,
        cold_runs=args.cold_runs,
        first_ask_count=args.first_asks,
        rerank=args.rerank,
        profile=args.profile,
    )
    report(Console(), results)


if __name__ == "__main__":
    main()
