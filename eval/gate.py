"""The regression gate: headline metrics against the floors (and ceilings) in
eval/thresholds.toml. ``tests/test_eval_gate.py`` fails when a metric crosses its threshold.

A sub-table named after a question category (``[min.open]``) holds thresholds of that
category's metrics, returned under ``"<category>/<metric>"`` keys (e.g.
``"open/answer_precision"``). A category with thresholds of its own is gated by them alone: the
plain ``[min]`` and ``[max]`` keys hold for the metrics aggregated over every other question (so
the floors set before the category was added keep meaning what they meant).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from interview_qa.eval.gold import DEFAULT_QUESTIONS
from interview_qa.eval.metrics import Aggregate, QuestionScores, aggregate
from interview_qa.ingest import InputError

if TYPE_CHECKING:
    from interview_qa.eval.runner import EvalRun

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"
#: Separates a category from a metric in a category-scoped threshold key.
SCOPE = "/"


def load_thresholds(path: Path | None = None) -> dict[str, dict[str, float]]:
    """``{"min": {metric: floor}, "max": {metric: ceiling}}`` from a thresholds file; a
    category's thresholds under ``"<category>/<metric>"``."""
    path = Path(path) if path is not None else DEFAULT_THRESHOLDS
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "no such thresholds file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not valid TOML ({exc})") from None
    out: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    for side in out:
        for key, value in dict(data.get(side, {})).items():
            if isinstance(value, dict):
                for metric, scoped in value.items():
                    out[side][f"{key}{SCOPE}{metric}"] = _number(path, side, scoped, key, metric)
            else:
                out[side][key] = _number(path, side, value, key)
    return out


def _number(path: Path, side: str, value: object, *keys: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(path, f"[{side}] {'.'.join(keys)} must be a number")
    return float(value)


def gate_lines(
    values: Mapping[str, float | None],
    thresholds: Mapping[str, Mapping[str, float]],
    categories: Mapping[str, Mapping[str, float | None]] | None = None,
) -> tuple[list[str], list[str]]:
    """The metrics that cross their threshold, and those the run did not measure (a question
    file without that category, say), one line each. ``values`` are the overall metrics,
    ``categories`` each category's."""
    crossed: list[str] = []
    unmeasured: list[str] = []

    def value_of(key: str) -> float | None:
        category, sep, metric = key.partition(SCOPE)
        if sep:
            return (categories or {}).get(category, {}).get(metric)
        return values.get(key)

    for key, floor in thresholds.get("min", {}).items():
        value = value_of(key)
        if value is None:
            unmeasured.append(f"{key}: not measured (floor {floor:g})")
        elif value < floor - 1e-9:
            crossed.append(f"{key}: {value:.3f} is below its floor {floor:g}")
    for key, ceiling in thresholds.get("max", {}).items():
        value = value_of(key)
        if value is None:
            unmeasured.append(f"{key}: not measured (ceiling {ceiling:g})")
        elif value > ceiling + 1e-9:
            crossed.append(f"{key}: {value:.3f} is above its ceiling {ceiling:g}")
    return crossed, unmeasured


def check_gate(
    values: Mapping[str, float | None],
    thresholds: Mapping[str, Mapping[str, float]],
    categories: Mapping[str, Mapping[str, float | None]] | None = None,
) -> list[str]:
    """One line per metric that crosses its threshold or was not measured; empty when the gate
    passes strictly (the bundled gold set measures every metric it gates)."""
    crossed, unmeasured = gate_lines(values, thresholds, categories)
    return [*crossed, *unmeasured]


def separate_categories(thresholds: Mapping[str, Mapping[str, float]]) -> list[str]:
    """The categories with thresholds of their own, in file order."""
    found = [
        key.partition(SCOPE)[0] for side in thresholds.values() for key in side if SCOPE in key
    ]
    return list(dict.fromkeys(found))


def gated_aggregate(
    results: Sequence[QuestionScores], thresholds: Mapping[str, Mapping[str, float]]
) -> Aggregate:
    """The metrics the plain ``[min]``/``[max]`` thresholds apply to: every question outside
    the categories with thresholds of their own."""
    apart = set(separate_categories(thresholds))
    return aggregate([r for r in results if r.question.category not in apart])


def gated_label(thresholds: Mapping[str, Mapping[str, float]]) -> str:
    """How reports name the gated set: ``all but open`` (or ``overall``)."""
    apart = separate_categories(thresholds)
    return "all but " + ", ".join(apart) if apart else "overall"


def gate_run(
    run: EvalRun, thresholds: Mapping[str, Mapping[str, float]]
) -> tuple[list[str], list[str]]:
    """The gate's failures for one evaluation run (empty when it passes), and the thresholded
    metrics the run could not measure (reported, never failures)."""
    categories = {c: a.values for c, a in run.categories.items()}
    return gate_lines(gated_aggregate(run.results, thresholds).values, thresholds, categories)


def thresholds_for(
    questions: Path | None, thresholds: Path | None
) -> tuple[dict[str, dict[str, float]], Path | None]:
    """The thresholds that gate an evaluation, and the file they come from: ``thresholds`` when
    named; else eval/thresholds.toml for the bundled gold set; else none (its floors were set
    for the bundled questions on the bundled corpus and say nothing about another file)."""
    if thresholds is not None:
        return load_thresholds(thresholds), Path(thresholds)
    if questions is None or Path(questions).resolve() == DEFAULT_QUESTIONS.resolve():
        return load_thresholds(), DEFAULT_THRESHOLDS
    return {"min": {}, "max": {}}, None
