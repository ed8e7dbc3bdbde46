"""What ``interview-qa eval`` and ``interview-qa verify-summary`` run."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interview_qa.assistant import prompts
from interview_qa.eval.temp_index import corpus_index
from interview_qa.ingest import Settings

if TYPE_CHECKING:
    from rich.console import Console

    from interview_qa.assistant import Assistant, SupportScorer
    from interview_qa.eval.gold import Question
    from interview_qa.eval.runner import Answerer, EvalRun
    from interview_qa.ingest import Embedder


def _progress_run(
    console: Console,
    label: str,
    answerer: Answerer,
    questions: Sequence[Question],
    scorer: SupportScorer,
    *,
    mode: Any,
    k: int,
) -> EvalRun:
    from interview_qa.eval.runner import run_questions
    from interview_qa.ingest import progress_bar

    with progress_bar(label, console) as progress:
        progress(0, len(questions))
        return run_questions(
            answerer, questions, scorer, system=label, mode=mode, k=k, progress=progress
        )


def evaluate(
    settings: Settings,
    questions: Sequence[Question],
    *,
    mode: str | None = None,
    compare: bool = False,
    assistant: Assistant | None = None,
    embedder: Embedder | None = None,
    scorer: SupportScorer | None = None,
    documents: Sequence[Path] | None = None,
    console: Console | None = None,
) -> tuple[EvalRun, list[EvalRun], dict[str, Any]]:
    """Evaluate the index of ``settings``: our run, the comparison runs (``compare``: BM25 only,
    dense only, stock llama-index) and notes about them. An injected ``assistant`` (or
    ``embedder``) is reused instead of building one."""
    from rich.console import Console

    from interview_qa.assistant import Assistant, make_scorer
    from interview_qa.eval.baselines import StockPipeline
    from interview_qa.eval.judge import evaluate_judge
    from interview_qa.ingest import make_embedder

    console = console or Console(stderr=True)
    if embedder is None:
        embedder = assistant.embedder if assistant is not None else make_embedder(settings)
    if assistant is None:
        assistant = Assistant(settings, embedder=embedder)
    scorer = scorer or make_scorer(embedder, settings.support)
    k = settings.retrieval.top_k
    method = settings.retrieval.method
    ours = _progress_run(console, f"ours ({method})", assistant, questions, scorer, mode=mode, k=k)
    runs = [ours]
    notes: list[str] = []
    if compare:
        for other in ("bm25", "dense"):
            if other == method:
                continue
            variant = Assistant(
                settings.with_overrides(retrieval={"method": other}),
                index=assistant.index,
                embedder=embedder,
            )
            label = f"ours ({other} only)"
            runs.append(_progress_run(console, label, variant, questions, scorer, mode=mode, k=k))
        stock = StockPipeline(documents or settings.corpus.paths, settings, embedder)
        try:
            stock.build()
            runs.append(
                _progress_run(console, stock.name, stock, questions, scorer, mode=None, k=k)
            )
        finally:
            stock.close()
        notes.append(
            f"stock llama-index: {stock.chunks} SentenceSplitter() chunks of the raw files, "
            "VectorStoreIndex over an in-memory Chroma collection, as_retriever(similarity_top_k"
            f"={k}); speakers unknown; same extractive composer and abstention rule; no "
            "conversation memory (follow-ups asked as they are)."
        )
        if mode == "llm":
            notes.append("the stock baseline always answers in extractive mode.")
    meta = {
        "comparison_notes": notes,
        "scorer": scorer.describe(),
        "embedding_model": embedder.name,
        "judge": evaluate_judge(scorer, embedder.name),
    }
    return ours, runs if compare else [], meta


def run_eval(
    settings: Settings,
    questions: Path | None = None,
    corpus: list[Path] | None = None,
    mode: str | None = None,
    out: Path = Path(".artifacts/eval"),
    compare: bool = False,
    *,
    thresholds: Path | None = None,
    embedding_model: Path | str | None = None,
    assistant: Assistant | None = None,
    embedder: Embedder | None = None,
    scorer: SupportScorer | None = None,
    console: Console | None = None,
) -> int:
    """``interview-qa eval``: ask every question of ``questions`` (default eval/questions.jsonl),
    score the answers, print the tables, write report.json, report.md and the chart under
    ``out``. With ``corpus``, evaluate a temporary index of those folders instead of the index
    of ``settings``. With ``embedding_model`` (a sentence-transformers model folder), embed with
    that model instead: always in a temporary index, of ``corpus`` or else the settings' corpus
    paths, so the user's index is untouched. With ``compare``, also run BM25 only, dense only
    and stock llama-index.

    The regression gate is reported, not enforced, here: ``thresholds`` (a TOML file) when
    named, else eval/thresholds.toml for the bundled gold set, else none. Returns 0.
    Raises InterviewQAError subclasses (one-line messages) on bad input or an unusable index.
    """
    from rich.console import Console

    from interview_qa.eval.gate import thresholds_for
    from interview_qa.eval.gold import DEFAULT_QUESTIONS, load_questions
    from interview_qa.eval.judge import add_gate
    from interview_qa.eval.themes import run_themes_report
    from interview_qa.ingest import make_embedder

    started = time.perf_counter()
    gold = load_questions(questions)
    limits, limits_file = thresholds_for(questions, thresholds)
    console = console or Console(highlight=False)
    status = Console(stderr=True, highlight=False)
    mode = mode or settings.answer.mode
    if embedding_model is not None:
        settings = settings.with_overrides(embedding={"model_dir": embedding_model})
        corpus = corpus or list(settings.corpus.paths)
    if corpus and assistant is not None:
        raise ValueError("pass either corpus (or embedding_model) or an assistant, not both")

    go = functools.partial(
        evaluate,
        questions=gold,
        mode=mode,
        compare=compare,
        assistant=assistant,
        scorer=scorer,
        documents=corpus,
        console=status,
    )
    if corpus:
        emb = embedder or make_embedder(settings)
        with corpus_index(settings, corpus, emb, status) as temp:
            ours, runs, meta = go(temp, embedder=emb)
            themes = run_themes_report(temp, Path(out), console, emb)
        built = (
            f"temporary index, embedded with {emb.name}" if embedding_model else "temporary index"
        )
        documents = ", ".join(str(p) for p in corpus) + f" ({built})"
    else:
        ours, runs, meta = go(settings, embedder=embedder)
        themes = run_themes_report(settings, Path(out), console, embedder)
        where = settings.store.chroma_url or settings.store.index_dir
        documents = f"index {where}"
    meta["themes"] = themes.headline() if themes else None
    add_gate(meta["judge"], limits_file)  # the support judge, by the same thresholds file
    meta.update(
        {
            "questions_file": str(questions or DEFAULT_QUESTIONS),
            "thresholds_file": str(limits_file) if limits_file else None,
            "documents": documents,
            "mode": mode,
            "method": settings.retrieval.method,
            "k": settings.retrieval.top_k,
        }
    )
    _report(console, ours, runs, limits, meta, Path(out), started)
    return 0


def _report(
    console: Console,
    ours: EvalRun,
    runs: list[EvalRun],
    thresholds: dict[str, dict[str, float]],
    meta: dict[str, Any],
    out: Path,
    started: float,
) -> None:
    """Gate our run, write report.json, report.md and the chart, and print the tables."""
    from interview_qa.eval.gate import gate_run
    from interview_qa.eval.judge import print_judge
    from interview_qa.eval.report import print_comparison, print_run, print_worst, write_reports

    failures, meta["not_measured"] = gate_run(ours, thresholds)
    meta["total_seconds"] = time.perf_counter() - started
    paths = write_reports(out, ours, runs, thresholds, failures, meta)
    print_run(console, ours, thresholds)
    if runs:
        print_comparison(console, runs)
    print_worst(console, ours)
    print_judge(console, meta["judge"])
    for failure in failures:
        console.print(f"[yellow]below threshold:[/] {failure}")
    if meta.get("thresholds_file") is None:
        console.print(prompts.EVAL_NO_THRESHOLDS)
    console.print(
        f"wrote {paths['json']}, {paths['md']} and {paths['chart']} "
        f"in {time.perf_counter() - started:.1f}s"
    )


def check_summary(
    summary: Path,
    transcripts: Path,
    as_json: bool = False,
    *,
    themes: bool = False,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
) -> int:
    """``interview-qa verify-summary``: check every quote the summary attributes to a speaker
    against the transcripts; print a table (or JSON). With ``themes``, also list the summary's
    sections no theme of the transcripts supports and the themes it leaves out (a temporary
    index is built from the caller's ``settings``). Returns 0 when every quote is verbatim in
    its speaker's words, else 1."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from interview_qa.eval.summary_check import check_summary_quotes, theme_gaps

    report = check_summary_quotes(Path(summary), Path(transcripts))
    if themes:
        if settings is None:
            raise ValueError("check_summary(themes=True) needs the caller's settings")
        status = Console(stderr=True, highlight=False)
        report.themes = theme_gaps(Path(summary), Path(transcripts), settings, status, embedder)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0 if report.ok else 1
    console = Console(highlight=False)
    for error in report.errors:
        console.print(Text(f"skipped: {error}", style="yellow"))
    table = Table(title=f"{summary}: quotes checked against {transcripts}")
    table.add_column("line", justify="right")
    table.add_column("speaker")
    table.add_column("status")
    table.add_column("quote", overflow="fold", ratio=3)
    table.add_column("detail", overflow="fold", ratio=2)
    styles = {"verbatim": "green", "close": "yellow", "other-speaker": "red", "not-found": "red"}
    for q in report.quotes:
        if q.status == "close":
            detail = f"ratio {q.ratio:.2f}: {q.diff}"
        elif q.status == "other-speaker":
            detail = f"said by {', '.join(q.matched_speakers)} ({q.source})"
        elif q.status == "verbatim":
            detail = q.source
        else:
            detail = f"closest ({q.ratio:.2f}): {q.closest}" if q.ratio else "no such words"
        table.add_row(
            str(q.line),
            q.speaker,
            Text(q.status, style=styles[q.status]),
            Text(q.quote if len(q.quote) <= 160 else q.quote[:157] + "…"),
            Text(detail),
        )
    console.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    console.print(f"{len(report.quotes)} quotes: {counts}")
    if report.themes is not None:
        from interview_qa.eval.themes import print_theme_gaps

        print_theme_gaps(console, report.themes)
    return 0 if report.ok else 1
