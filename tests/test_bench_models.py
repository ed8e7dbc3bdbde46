"""The side-by-side model bench: its figures, table and JSON (fast: the hash embedder stands in
for both models; the real run is `python -m bench.models`, see the README)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from bench import models

from .conftest import CORPUS, ROOT, make_settings


def _questions(path: Path) -> Path:
    """A few gold questions: the first of the open, unanswerable and single-speaker ones."""
    rows = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    picked = {}
    for line in rows:
        category = json.loads(line)["category"]
        if category in ("open", "unanswerable", "single-speaker"):
            picked.setdefault(category, line)
    path.write_text("\n".join(picked.values()) + "\n", encoding="utf-8")
    return path


def test_the_bench_measures_a_model_and_writes_its_table_and_json(tmp_path: Path) -> None:
    base = make_settings(tmp_path / "index", embedding={"backend": "hash"})
    questions = _questions(tmp_path / "questions.jsonl")
    results = models.run(
        None,
        [CORPUS],
        questions,
        cold_runs=0,
        first_ask_count=3,
        base=base,
        work=tmp_path,
        themes=False,  # their chance baselines take 15 s: theme_figures is tested below
    )
    (row,) = results["models"]
    assert row["label"].startswith("MiniLM") and row["chunks"] > 50
    answers = row["answers"]
    assert answers["unanswerable_declined"][1] == 1 and answers["open_wrongly_declined"][1] == 1
    assert answers["quote_fidelity"] == 1.0 and answers["viewpoint_fragments"][0] == 0
    assert 0.0 <= answers["open_answer_precision"] <= 1.0
    assert row["themes"] == {} and row["time"]["first_asks"] == 3
    assert "cold_ask_s" not in row["time"]

    console = Console(record=True, width=160)
    path = models.report(console, results, tmp_path / "out")
    shown = console.export_text()
    assert "Only MiniLM measured" in shown and models.ENV in shown
    assert json.loads(path.read_text(encoding="utf-8"))["models"][0]["label"] == row["label"]

    results["models"].append({**row, "label": "second-model"})
    table = models.table(results)
    assert [c.header for c in table.columns] == ["figure", row["label"], "second-model"]
    assert table.row_count == len(models.ROWS)
    console = Console(record=True, width=160)
    models.report(console, results, tmp_path / "out")
    assert "Only MiniLM measured" not in console.export_text()


def test_theme_figures_read_the_summary_agreement() -> None:
    summary = {"leaf": {"nmi": 0.87, "ari": 0.47}, "section_coverage": 0.67}
    result = SimpleNamespace(themes=7, summary=summary, label_heading_agreement=0.5)
    assert models.theme_figures(result) == {
        "themes": 7,
        "nmi": 0.87,
        "ari": 0.47,
        "section_coverage": 0.67,
        "label_agreement": 0.5,
    }
    none = SimpleNamespace(themes=3, summary=None, label_heading_agreement=None)
    bare = models.theme_figures(none)
    cells = {label: cell for label, cell in models.ROWS}
    assert cells["themes ~ summary sections NMI / ARI"]({"themes": bare}) == "— / —"


def test_the_second_model_comes_from_the_flag_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(models.ENV, raising=False)
    assert models.second_model(None) is None
    monkeypatch.setenv(models.ENV, str(tmp_path))
    assert models.second_model(None) == tmp_path
    assert models.second_model("/x/gemma") == Path("/x/gemma")


@pytest.mark.slow
def test_the_second_model_takes_its_profile(tmp_path: Path, tiny_model_dir: Path) -> None:
    base = make_settings(tmp_path / "index", embedding={"backend": "hash"})
    profile = tmp_path / "tiny.toml"
    profile.write_text('[rerank]\nkind = "none"\n[answer]\nmax_sentences = 2\n', encoding="utf-8")
    results = models.run(
        tiny_model_dir,
        [CORPUS],
        _questions(tmp_path / "questions.jsonl"),
        cold_runs=0,
        first_ask_count=1,
        base=base,
        work=tmp_path,
        themes=False,
        profile=profile,
    )
    minilm, second = results["models"]
    assert minilm["profile"] is None and second["profile"] == str(profile)
    assert second["label"] == f"{tiny_model_dir.name} (rerank none, tiny)"
