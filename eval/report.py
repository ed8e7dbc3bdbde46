"""Showing an evaluation: rich tables on the terminal, and report.json, report.md and a bar
chart of the headline scores by question category under the output folder."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interview_qa.assistant import prompts
from interview_qa.eval.gate import SCOPE, gated_aggregate, gated_label, separate_categories
from interview_qa.eval.judge import judge_markdown
from interview_qa.eval.metrics import HEADLINE, LATENCY, Aggregate

if TYPE_CHECKING:
    from rich.console import Console

    from interview_qa.eval.runner import EvalRun

CHART = "scores_by_category.png"
#: Short column labels of the tables.
SHORT = {
    "recall_at_k": "R@k",
    "mrr": "MRR",
    "ndcg_at_k": "nDCG",
    "citation_recall": "citR",
    "citation_precision": "citP",
    "quote_fidelity": "quote",
    "speaker_attribution": "attr",
    "gold_speaker_recall": "gold",
    "answer_precision": "ansP",
    "answer_recall": "ansR",
    "viewpoint_fragments": "frag",
    "viewpoints_shown": "vpts",
    "abstention_unanswerable": "abst✓",
    "wrong_abstention_answerable": "abst✗",
    "latency_p50_s": "p50s",
    "latency_p95_s": "p95s",
    "model_citation_recall": "mcitR",
    "model_citation_precision": "mcitP",
    "verification_fallback": "fallbk",
}
#: The llm-mode table, printed when a run has llm answers.
MODEL = ("model_citation_recall", "model_citation_precision", "verification_fallback")
COMPARED = (
    "recall_at_k",
    "mrr",
    "ndcg_at_k",
    "citation_recall",
    "citation_precision",
    "quote_fidelity",
    "gold_speaker_recall",
    "answer_precision",
    "answer_recall",
    "abstention_unanswerable",
    "wrong_abstention_answerable",
    "latency_p50_s",
)
LEGEND = (
    "R@k recall@k, citR/citP citation recall/precision, quote quote fidelity, attr speaker "
    "attribution, gold gold-speaker recall, ansP/ansR answer precision (quoted units on the "
    "question's topic) and answer recall (topic snippets quoted, over min(5, n)), frag "
    "first-line viewpoints that are fragments, vpts first-line speakers given a viewpoint, abst✓ "
    "unanswerable questions declined, abst✗ answerable questions wrongly declined, p50s/p95s "
    "latency of ask() in seconds; llm mode: mcitR/mcitP citation recall/precision of the model's "
    "answer before verification, fallbk llm answers replaced by the extractive one"
)
#: Bars of the chart: metric key and label.
CHART_METRICS = (
    ("recall_at_k", "recall@k"),
    ("mrr", "MRR"),
    ("citation_recall", "citation recall"),
    ("citation_precision", "citation precision"),
    ("gold_speaker_recall", "gold-speaker recall"),
    ("answer_precision", "answer precision"),
    ("answer_recall", "answer recall"),
    ("abstention_ok", "right to answer/abstain"),
)


def fmt(value: float | None, count: int | None = None, digits: int = 3) -> str:
    """A metric for a table: ``0.912 (50)``, or ``—`` when undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.{digits}f}"
    return f"{text} ({count})" if count is not None else text


def _row(agg: Aggregate, keys: Sequence[str], counts: bool = True) -> list[str]:
    out = []
    for key in keys:
        digits = 2 if key.startswith("latency") else 3
        n = agg.counts.get(key) if counts and not key.startswith("latency") else None
        out.append(fmt(agg.values.get(key), n, digits))
    return out


def _keys() -> list[str]:
    return [*HEADLINE, *LATENCY]


# ---- terminal --------------------------------------------------------------------------------


#: The two halves of the terminal tables (80 columns each).
RETRIEVAL_CITATION = (
    "recall_at_k",
    "mrr",
    "ndcg_at_k",
    "citation_recall",
    "citation_precision",
    "answer_precision",
    "answer_recall",
)
GROUNDING_BEHAVIOUR = (
    "quote_fidelity",
    "speaker_attribution",
    "viewpoint_fragments",
    "gold_speaker_recall",
    "abstention_unanswerable",
    "wrong_abstention_answerable",
    "latency_p50_s",
    "latency_p95_s",
)


def _terminal_table(
    title: str,
    first: str,
    rows: Sequence[tuple[str, str, Aggregate]],
    keys: Sequence[str],
    closing: Sequence[str] = (),
) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column(first)
    table.add_column("n", justify="right")
    for key in keys:
        table.add_column(SHORT[key], justify="right")
    for i, (label, n, agg) in enumerate(rows):
        if i and label in ("overall", *closing) and rows[i - 1][0] not in closing:
            table.add_section()
        table.add_row(label, n, *[fmt(agg.values.get(k), digits=2) for k in keys])
    return table


def _closing_rows(
    run: EvalRun, thresholds: Mapping[str, Mapping[str, float]] | None
) -> list[tuple[str, str, Aggregate]]:
    """The rows under the categories: the gated set (when some categories are gated apart and
    present) and the overall."""
    rows = []
    if thresholds and set(separate_categories(thresholds)) & set(run.categories):
        gated = gated_aggregate(run.results, thresholds)
        rows.append((gated_label(thresholds), str(gated.questions), gated))
    rows.append(("overall", str(run.overall.questions), run.overall))
    return rows


def print_run(
    console: Console, run: EvalRun, thresholds: Mapping[str, Mapping[str, float]] | None = None
) -> None:
    """The overall and per-category tables of one run (with the set the plain thresholds gate,
    when ``thresholds`` set some categories apart)."""
    rows = [(cat, str(agg.questions), agg) for cat, agg in run.categories.items()]
    closing = _closing_rows(run, thresholds)
    rows += closing
    names = [label for label, _, _ in closing]
    head = f"{run.system}: {run.overall.questions} questions, k={run.k}"
    console.print(
        _terminal_table(
            f"{head} — retrieval, citations, answers",
            "category",
            rows,
            RETRIEVAL_CITATION,
            names,
        )
    )
    console.print(
        _terminal_table(
            f"{head} — quotes, speakers, abstention", "category", rows, GROUNDING_BEHAVIOUR, names
        )
    )
    if run.overall.counts.get("model_citation_recall"):
        console.print(
            _terminal_table(f"{head} — the model's own answers (llm)", "category", rows, MODEL)
        )
    counts = ", ".join(f"{SHORT[k]} {run.overall.counts[k]}" for k in HEADLINE)
    console.print(f"[dim]{LEGEND}.[/dim]")
    console.print(f"[dim]answers (quotes, citations) each score is defined on: {counts}[/dim]")
    if run.overall.values.get("errors"):
        console.print(f"[red]{run.overall.values['errors']:.0f} questions raised an error[/red]")


def print_comparison(console: Console, runs: Sequence[EvalRun]) -> None:
    """Every system's overall headline scores side by side."""
    rows = [(r.system, str(r.overall.questions), r.overall) for r in runs]
    title = "comparison (same questions, same documents)"
    console.print(
        _terminal_table(
            f"{title} — retrieval, citations, answers", "system", rows, RETRIEVAL_CITATION
        )
    )
    console.print(
        _terminal_table(
            f"{title} — quotes, speakers, abstention", "system", rows, GROUNDING_BEHAVIOUR
        )
    )


def print_worst(console: Console, run: EvalRun, n: int = 10) -> None:
    """The questions that went worst and what went wrong."""
    from rich.table import Table

    worst = run.worst(n)
    if not worst:
        console.print("no question went wrong")
        return
    table = Table(title=f"worst {len(worst)} questions ({run.system})")
    table.add_column("id")
    table.add_column("category")
    table.add_column("what went wrong")
    for r in worst:
        table.add_row(r.question.id, r.question.category, "; ".join(r.problems()))
    console.print(table)


# ---- files -----------------------------------------------------------------------------------


def write_chart(path: Path, run: EvalRun) -> None:
    """Grouped bars of the headline scores per question category (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = list(run.categories)
    fig, ax = plt.subplots(figsize=(max(8, 1.5 * len(cats) + 3), 4.8))
    width = 0.8 / len(CHART_METRICS)
    for i, (key, label) in enumerate(CHART_METRICS):
        heights = []
        for cat in cats:
            agg = run.categories[cat]
            if key == "abstention_ok":
                unans = agg.values.get("abstention_unanswerable")
                wrong = agg.values.get("wrong_abstention_answerable")
                parts = []
                if unans is not None:
                    parts.append((unans, agg.counts["abstention_unanswerable"]))
                if wrong is not None:
                    parts.append((1 - wrong, agg.counts["wrong_abstention_answerable"]))
                total = sum(n for _, n in parts)
                value: float | None = sum(v * n for v, n in parts) / total if total else None
            else:
                value = agg.values.get(key)
            heights.append(math.nan if value is None else value)
        xs = [c + (i - (len(CHART_METRICS) - 1) / 2) * width for c in range(len(cats))]
        ax.bar(xs, heights, width, label=label)
    ax.set_xticks(range(len(cats)))
    ax.set_xticklabels(cats, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"Headline scores by question category ({run.system})")
    ax.legend(fontsize=8, ncol=len(CHART_METRICS), loc="upper center", bbox_to_anchor=(0.5, -0.2))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def markdown(
    run: EvalRun,
    comparison: Sequence[EvalRun],
    thresholds: Mapping[str, Mapping[str, float]],
    failures: Sequence[str],
    meta: Mapping[str, Any],
) -> str:
    """report.md: headline tables, per category, comparison, gate, scorer, worst questions."""
    keys = _keys()
    out = [
        f"# Evaluation report: {run.system}",
        "",
        f"- questions: {meta.get('questions_file')} ({run.overall.questions} questions)",
        f"- documents: {meta.get('documents')}",
        f"- answer mode: {meta.get('mode')}; retrieval: {meta.get('method')}; k = {run.k}",
        f"- evaluation time: {run.seconds:.1f} s ({meta.get('total_seconds', 0):.1f} s in all)",
        "",
        "## Overall",
        "",
        "Each cell is the score and, in brackets, the number of answers (or quotes, or",
        "citations) it is defined on.",
        "",
    ]
    closing = _closing_rows(run, thresholds)
    gated_label_, _, gated = closing[0]
    header = ["metric", "all questions", "threshold"]
    if len(closing) > 1:
        header.insert(2, f"{gated_label_} (gated)")
        out += [
            f"The thresholds in the last column hold for the {gated.questions} questions outside "
            f"{', '.join(separate_categories(thresholds))}, which have thresholds of their own "
            "(below the category table).",
            "",
        ]

    def cells(key: str) -> list[str]:
        values = [fmt(agg.values.get(key), agg.counts.get(key)) for _, _, agg in closing]
        return [*reversed(values), _threshold_text(key, thresholds)]

    overall_rows = [[label, *cells(key)] for key, label in {**HEADLINE, **LATENCY}.items()]
    overall_rows.append(
        [
            "questions that raised an error",
            *[str(int(agg.values.get("errors") or 0)) for _, _, agg in reversed(closing)],
            _threshold_text("errors", thresholds),
        ]
    )
    out += _md_table(header, overall_rows)
    out += ["", "## By question category", ""]
    out += _md_table(
        ["category", "n", *[SHORT[k] for k in keys]],
        [
            [cat, str(agg.questions), *_row(agg, keys)]
            for cat, agg in [
                *run.categories.items(),
                *[(label, agg) for label, _, agg in closing],
            ]
        ],
    )
    out += ["", LEGEND + "."]
    scoped = _category_thresholds(thresholds)
    if scoped:
        out += ["", "Category thresholds (eval/thresholds.toml): " + "; ".join(scoped) + "."]
    out += ["", f"![Headline scores by question category]({CHART})", ""]
    if comparison:
        out += [
            "## Comparison",
            "",
            "Same questions, same documents, same extractive composer.",
            "",
        ]
        out += _md_table(
            ["system", *[SHORT[k] for k in COMPARED]],
            [[r.system, *_row(r.overall, COMPARED, counts=False)] for r in comparison],
        )
        notes = meta.get("comparison_notes") or []
        out += ["", *[f"- {n}" for n in notes], ""]
    out += _gate_section(failures, meta)
    out += judge_markdown(meta.get("judge"))
    out += [
        "",
        "## How the scores are computed",
        "",
        f"- support scorer: {meta.get('scorer')}",
        "- statements: the answer's lines split into sentences (never inside a quotation); the",
        "  framing lines, notes and headers of assistant/prompts.py are not statements.",
        "- citation recall: share of statements supported by the passages they cite (uncited ="
        " unsupported);",
        "  citation precision: share of citations whose passage alone supports the statement.",
        "- quote fidelity: share of quotations followed by a [n] citation found verbatim in the",
        "  cited passage (whitespace and curly quotes aside), abstentions included.",
        '- speaker attribution: share of citations whose credited initials ("— G. [2]", or',
        "  initials in the sentence) are the cited passage's.",
        "- gold-speaker recall: share of the question's speakers cited by the answer (answers",
        "  that don't abstain, questions with speakers).",
        "- answer precision: share of the answer's quoted units (each paragraph or list item of",
        "  a Citation's quote) that overlap one of the question's `topic` snippets (word",
        "  sequences, normalised: one inside the other, or a shared run of ≥ 4 words covering",
        "  half the shorter); answer recall: topic snippets overlapped by some quoted unit, over",
        "  min(5, snippets). Questions with `topic` only; see eval/QUESTIONS.md.",
        "- retrieval: over the top-k passages; recall@k, MRR, nDCG@k (gain = evidence strings a",
        "  passage newly covers), answerable questions with evidence.",
        "",
        "## Worst questions",
        "",
    ]
    worst = run.worst(10)
    out += (
        _md_table(
            ["id", "category", "what went wrong"],
            [[r.question.id, r.question.category, "; ".join(r.problems())] for r in worst],
        )
        if worst
        else ["None."]
    )
    out += topic_verdicts(run)
    return "\n".join(out) + "\n"


def _clip(text: str, n: int = 140) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def topic_verdicts(run: EvalRun) -> list[str]:
    """Markdown lines: for every question with a ``topic``, each quoted unit of its answer marked
    on topic (✓) or not (✗), and the topic snippets it left out, so that the scores can be read
    against the answers."""
    scored = [(r, r.topic) for r in run.results if r.topic is not None]
    if not scored:
        return []
    out = [
        "",
        "## Answers against their topic",
        "",
        "Each quoted unit of the answer: ✓ on the question's topic (it overlaps a `topic`",
        "snippet), ✗ not; then the topic snippets no unit overlaps.",
    ]
    for r, t in scored:
        m = r.metrics()
        out += [
            "",
            f"### {r.question.id}: {r.question.question}",
            "",
            f"answer precision {fmt(m['answer_precision'])}, answer recall "
            f"{fmt(m['answer_recall'])}" + (" (abstained)" if r.abstained else ""),
            "",
        ]
        out += [
            f"- {'✓' if u.on_topic else '✗'} [{u.number}] {u.initials}: “{_clip(u.text)}”"
            for u in t.units
        ]
        if t.missed:
            out.append(f"- not quoted ({len(t.missed)}):")
            out += [f"  - “{_clip(s, 100)}”" for s in t.missed]
    return out


def _category_thresholds(thresholds: Mapping[str, Mapping[str, float]]) -> list[str]:
    out = []
    for side, sign in (("min", "≥"), ("max", "≤")):
        for key, value in thresholds.get(side, {}).items():
            category, sep, metric = key.partition(SCOPE)
            if sep:
                label = {**HEADLINE, **LATENCY}.get(metric, metric)
                out.append(f"{category} {label} {sign} {value:g}")
    return out


def _gate_section(failures: Sequence[str], meta: Mapping[str, Any]) -> list[str]:
    """The report's regression gate: failures, the thresholded metrics the question file could
    not measure, or why no thresholds apply."""
    source = meta.get("thresholds_file")
    if not source:
        return ["## Regression gate", "", f"- {prompts.EVAL_NO_THRESHOLDS}"]
    out = [f"## Regression gate ({_shown_path(str(source))})", ""]
    out += [f"- FAIL {f}" for f in failures] if failures else ["- all headline metrics pass"]
    return out + [f"- {line}" for line in meta.get("not_measured") or []]


def _shown_path(path: str) -> str:
    """A thresholds file as the report names it: the bundled one as eval/thresholds.toml."""
    from interview_qa.eval.gate import DEFAULT_THRESHOLDS

    return "eval/thresholds.toml" if Path(path) == DEFAULT_THRESHOLDS else path


def _threshold_text(key: str, thresholds: Mapping[str, Mapping[str, float]]) -> str:
    if key in thresholds.get("min", {}):
        return f"≥ {thresholds['min'][key]:g}"
    if key in thresholds.get("max", {}):
        return f"≤ {thresholds['max'][key]:g}"
    return ""


def write_reports(
    out: Path,
    run: EvalRun,
    comparison: Sequence[EvalRun],
    thresholds: Mapping[str, Mapping[str, float]],
    failures: Sequence[str],
    meta: Mapping[str, Any],
) -> dict[str, Path]:
    """Write report.json, report.md and the chart under ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "md": out / "report.md", "chart": out / CHART}
    data = {
        "meta": dict(meta),
        **run.to_dict(),
        "thresholds": {k: dict(v) for k, v in thresholds.items()},
        "gate": {
            "passed": not failures,
            "failures": list(failures),
            "gated": {
                "label": gated_label(thresholds),
                "categories_apart": separate_categories(thresholds),
                **gated_aggregate(run.results, thresholds).to_dict(),
            },
        },
        "worst": [
            {"id": r.question.id, "category": r.question.category, "problems": r.problems()}
            for r in run.worst(10)
        ],
        "comparison": {
            r.system: {
                "overall": r.overall.to_dict(),
                "categories": {c: a.to_dict() for c, a in r.categories.items()},
                "seconds": r.seconds,
            }
            for r in comparison
        },
    }
    paths["json"].write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    write_chart(paths["chart"], run)
    paths["md"].write_text(markdown(run, comparison, thresholds, failures, meta), encoding="utf-8")
    return paths
