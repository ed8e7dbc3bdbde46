"""The ceiling benchmark: model-only ranking of every unit, scored as answers are."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.ceiling import run

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"


def test_ceiling_scores_every_rule_on_the_topic_questions(hash_settings) -> None:  # type: ignore[no-untyped-def]
    result = run(QUESTIONS, hash_settings)
    assert result["questions"] >= 20 and result["units"] > 50
    assert set(result["rules"]) == {"unit", "unit+heading", "heading"}
    for row in result["rules"].values():
        assert 0.0 <= row["answer_precision"] <= 1.0
        assert 0.0 <= row["answer_recall"] <= 1.0


@pytest.mark.slow
def test_ceiling_with_minilm(bundled_settings) -> None:  # type: ignore[no-untyped-def]
    """MiniLM's own ranking of the whole corpus (no retrieval step; measured 0.52 precision,
    0.40 recall): the figure the open-question floors are read against."""
    rules = run(QUESTIONS, bundled_settings)["rules"]
    best = rules["unit+heading"]
    assert best["answer_precision"] >= 0.4 and best["answer_recall"] >= 0.3
    assert best["answer_precision"] >= rules["heading"]["answer_precision"]
