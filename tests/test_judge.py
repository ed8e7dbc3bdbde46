"""The support judge, measured: the labelled pairs of eval/judge_pairs.jsonl, the rates computed
from them, the checks the judge reads (negations, absolutes, numbers, clauses) and the judge's
section of `interview-qa eval`; the real MiniLM judge holds the bundled thresholds (slow)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from interview_qa.assistant import LexicalEmbeddingScorer, make_scorer
from interview_qa.assistant.support_cues import (
    claim_recall,
    clauses,
    contradiction,
    new_absolutes,
    new_numbers,
    polarity_clash,
)
from interview_qa.eval.gate import DEFAULT_THRESHOLDS
from interview_qa.eval.judge import (
    SUPPORTED_KINDS,
    UNSUPPORTED_KINDS,
    JudgePair,
    add_gate,
    evaluate_judge,
    judge,
    judge_markdown,
    judge_thresholds,
    load_pairs,
    print_judge,
)
from interview_qa.ingest import InputError, Settings
from interview_qa.ingest.embedder import Embedder, HashEmbedder
from tests.conftest import FIXTURES, make_settings

TRUST = "It's super important to build trust with the people."
TIME = "Don't expect to split your time evenly; it will likely change quarter to quarter."


def _row(pid: str, kind: str, sentence: str, passage: str, split: str = "dev") -> dict[str, str]:
    label = "supported" if kind in SUPPORTED_KINDS else "unsupported"
    return {
        "id": pid,
        "split": split,
        "kind": kind,
        "label": label,
        "sentence": sentence,
        "passage": passage,
        "speaker": "N.",
    }


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# ---- the labelled set ------------------------------------------------------------------------


def test_the_bundled_pairs_cover_every_kind_in_both_splits() -> None:
    pairs = load_pairs()
    assert len(pairs) >= 80
    kinds = Counter((p.kind, p.split) for p in pairs)
    for kind in (*SUPPORTED_KINDS, *UNSUPPORTED_KINDS):
        assert kinds[(kind, "dev")] >= 6 and kinds[(kind, "test")] >= 6, kind
    assert all(p.supported == (p.kind in SUPPORTED_KINDS) for p in pairs)
    assert len({p.sentence for p in pairs}) == len(pairs)  # no pair written twice


def test_every_passage_is_an_indexed_chunk_of_the_bundled_corpus(hash_settings: Settings) -> None:
    """Passages are real chunk texts (or exact excerpts of one) of their speaker."""
    from interview_qa.ingest import Index

    chunks = Index(hash_settings).stored_chunks()
    by_speaker: dict[str, list[str]] = {}
    for text, meta in zip(chunks.texts, chunks.metadatas, strict=True):
        by_speaker.setdefault(str(meta["initials"]), []).append(text)
    for pair in load_pairs():
        texts = by_speaker.get(pair.speaker, [])
        assert any(pair.passage in text for text in texts), pair.id


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"split": "train"}, "split must be one of dev, test"),
        ({"kind": "sarcastic"}, "unknown kind 'sarcastic'"),
        ({"label": "supported"}, "kind negated is never labelled 'supported'"),
        ({"passage": " "}, "missing or empty passage"),
    ],
)
def test_a_bad_pair_file_is_refused_naming_its_line(
    tmp_path: Path, change: dict[str, str], problem: str
) -> None:
    good = _row("a", "negated", "Trust is not important.", TRUST)
    path = _write(tmp_path / "pairs.jsonl", [good, {**good, "id": "b", **change}])
    with pytest.raises(InputError, match=f"line 2: {problem}"):
        load_pairs(path)
    with pytest.raises(InputError, match="ids must be unique"):
        load_pairs(_write(tmp_path / "twice.jsonl", [good, good]))


# ---- the rates -------------------------------------------------------------------------------


def test_rates_count_false_support_and_false_rejection_per_kind_and_split(
    tmp_path: Path,
) -> None:
    rows = [
        _row("v", "verbatim", "It's super important to build trust", TRUST),  # verbatim: ok
        _row("p", "paraphrase", "Rapport matters enormously.", TRUST, "test"),  # rejected
        _row("o", "off_topic", "Kubernetes clusters need upgrades.", TRUST),  # rejected: ok
        _row("n", "negated", "N. says building trust with people is not important.", TRUST),
        _row("w", "wrong_speaker", TRUST, TRUST, "test"),  # verbatim: a false support
    ]
    scorer = make_scorer(HashEmbedder(), Settings().support)
    report = evaluate_judge(scorer, "hash", _write(tmp_path / "p.jsonl", rows))
    verdicts = {v["id"]: v for v in report["verdicts"]}
    assert verdicts["v"]["supported"] and verdicts["v"]["score"] is None
    assert not verdicts["p"]["supported"] and not verdicts["o"]["supported"]
    assert not verdicts["n"]["supported"] and "negates" in verdicts["n"]["reason"]
    assert verdicts["w"]["supported"]
    every = report["rates"]["all"]
    assert (every["false_support_count"], every["unsupported"]) == (1, 3)
    assert (every["false_rejection_count"], every["supported"]) == (1, 2)
    assert every["false_support"] == pytest.approx(1 / 3)
    assert every["false_rejection"] == pytest.approx(0.5)
    assert report["rates"]["dev"]["false_rejection"] == 0.0
    assert report["rates"]["test"]["false_support"] == 1.0
    assert report["kinds"]["paraphrase"]["test"]["false_rejection"] == 1.0
    assert report["kinds"]["negated"]["all"]["false_support"] == 0.0
    assert report["kinds"]["negated"]["all"]["false_rejection"] is None

    limits = tmp_path / "limits.toml"
    limits.write_text("[judge.max]\nfalse_support = 0.05\nfalse_rejection = 0.5\n")
    gate = add_gate(report, limits)["gate"]
    assert not gate["passed"]
    assert gate["failures"] == ["support judge false support: 0.333 is above its ceiling 0.05"]
    assert add_gate(report, None)["gate"] == {"ceilings": {}, "passed": True, "failures": []}
    md = "\n".join(judge_markdown(report))
    assert "## Support judge" in md and "| false support | 0/2 (0.0%) | 1/1 (100.0%) |" in md
    assert "- w (test, unsupported, score verbatim): " in md


def test_the_bundled_thresholds_gate_the_judge(tmp_path: Path) -> None:
    assert judge_thresholds(DEFAULT_THRESHOLDS) == {"false_support": 0.05, "false_rejection": 0.2}
    assert judge_thresholds(None) == {}
    odd = tmp_path / "odd.toml"
    odd.write_text("[judge.max]\nfalse_alarms = 0.1\n")
    with pytest.raises(InputError, match="not false_alarms"):
        judge_thresholds(odd)


# ---- what the judge reads --------------------------------------------------------------------


def test_a_negation_on_one_side_only_is_a_clash() -> None:
    assert polarity_clash("N. says trust is not important.", TRUST)
    assert polarity_clash("S. says you should expect to split your time evenly.", TIME)
    assert polarity_clash("Staff-plus engineers hold formal power.", "They lack formal power.")
    # Negated on both sides, or a negation about words the passage doesn't have: no clash.
    assert not polarity_clash("Your time won't be split evenly.", TIME)
    assert not polarity_clash("S. says don't expect an even split.", TIME)
    assert not polarity_clash("When nobody else cares, convince others.", "You're the only one.")
    assert not polarity_clash("Trust is super important.", TRUST)


def test_absolutes_and_numbers_the_passage_lacks() -> None:
    passage = "Two years down the line, you might find yourself in a much better position."
    assert new_absolutes("You will always be in a better position.", passage) == ["always"]
    assert new_absolutes("It is not always clear.", passage) == []  # hedged
    assert new_absolutes("Do all you can.", passage) == []  # not "every"
    assert new_absolutes("Nobody else cares.", passage) == []
    assert new_numbers("Five years down the line.", passage) == ["five"]
    assert new_numbers("2 years later you are better off.", passage) == []
    assert new_numbers("They meet weekly.", "Every week we meet.") == []  # same stem
    assert contradiction("Every engineer is better off in two years.", passage) == "adds every"


def test_clauses_and_claim_words() -> None:
    said = "G. relies on intuition to spend time, and keeps a weekly journal of every decision."
    assert clauses(said) == [
        "G. relies on intuition to spend time",
        "and keeps a weekly journal of every decision.",
    ]
    assert clauses("Trust is important, truly.") == ["Trust is important, truly."]
    # Reporting verbs and negations are not claim words.
    assert claim_recall("G. advises building trust.", "Building trust.") == 1.0
    assert claim_recall("G. advises building rapport.", "Building trust.") == 0.5


def test_the_judge_settings_reach_the_scorer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQA_SUPPORT__THRESHOLD", "0.7")
    monkeypatch.setenv("IQA_SUPPORT__CLAUSE_THRESHOLD", "0.3")
    monkeypatch.setenv("IQA_SUPPORT__CONTRADICTION_CHECKS", "false")
    scorer = make_scorer(HashEmbedder(), Settings().support)
    assert isinstance(scorer, LexicalEmbeddingScorer)
    assert (scorer.threshold, scorer.clause_threshold, scorer.checks) == (0.7, 0.3, False)
    parts = scorer.parts("N. says building trust with people is not important.", TRUST)
    assert parts.contradiction is None and parts.score == parts.whole
    assert "halves" not in scorer.describe() and "0.7" in scorer.describe()


def test_a_contradiction_halves_the_score_and_a_weak_clause_caps_it() -> None:
    scorer = LexicalEmbeddingScorer(HashEmbedder())
    negated = scorer.parts("N. says building trust with people is not important.", TRUST)
    assert negated.contradiction and negated.score == pytest.approx(negated.whole / 2)
    mixed = scorer.parts(
        "N. says building trust with people is super important, and they run weekly "
        "certification programs about it.",
        TRUST,
    )
    assert mixed.clause == "and they run weekly certification programs about it."
    assert mixed.clause_score is not None
    assert mixed.score <= mixed.clause_score + scorer.threshold - scorer.clause_threshold


def test_the_judge_embeds_the_whole_set_in_one_batch(tmp_path: Path) -> None:
    calls: list[int] = []

    class Counting(HashEmbedder):
        def embed(self, texts: Any, **kwargs: Any) -> Any:
            calls.append(len(texts))
            return super().embed(texts, **kwargs)

    rows = [
        _row("n", "negated", "N. says building trust with people is not important.", TRUST),
        _row(
            "m",
            "mixed",
            "N. says building trust with people matters, and they run weekly certifications.",
            TRUST,
        ),
    ]
    evaluate_judge(LexicalEmbeddingScorer(Counting()), "hash", _write(tmp_path / "p.jsonl", rows))
    assert calls == [5]  # two statements, one passage, two clauses; nothing embedded after


# ---- in `interview-qa eval` ------------------------------------------------------------------


def test_eval_reports_and_gates_the_judge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from interview_qa.eval.commands import run_eval

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURES / "transcripts" / "plain.txt", corpus / "plain.txt")
    questions = _write(
        tmp_path / "q.jsonl",
        [{"question": "What did Dmitry work on?", "answerable": True}],  # type: ignore[list-item]
    )
    settings = make_settings(tmp_path / "index", embedding={"backend": "hash"})
    out = tmp_path / "out"
    code = run_eval(
        settings, questions=questions, corpus=[corpus], out=out, thresholds=DEFAULT_THRESHOLDS
    )
    assert code == 0
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    judge = data["meta"]["judge"]
    assert judge["embedder"] == HashEmbedder.name and judge["pairs"] == len(load_pairs())
    assert judge["gate"]["ceilings"] == {"false_support": 0.05, "false_rejection": 0.2}
    assert set(judge["rates"]) == {"dev", "test", "llm", "all"}
    md = (out / "report.md").read_text(encoding="utf-8")
    assert (
        "## Support judge" in md and f"support judge (lexical+embedding, {HashEmbedder.name}" in md
    )
    shown = capsys.readouterr().out
    assert "support judge" in shown and "false rejection" in shown
    # Hashed words are no MiniLM: whatever the hash judge scores, the gate says it.
    assert ("FAIL support judge" in md) == (not judge["gate"]["passed"])


# ---- the real judge --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_minilm_judge_holds_the_bundled_thresholds(
    embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    from rich.console import Console

    scorer = make_scorer(embedder, Settings().support)
    report = add_gate(evaluate_judge(scorer, embedder.name), DEFAULT_THRESHOLDS)
    print_judge(Console(width=120), report)
    table = capsys.readouterr().out
    wrong = [v for v in report["verdicts"] if v["supported"] != (v["label"] == "supported")]
    assert report["gate"]["passed"], "\n".join(
        [table, *(f"{v['id']}: {v['score']} {v['reason']} {v['sentence']}" for v in wrong)]
    )
    every = report["rates"]["all"]
    assert every["false_support"] <= 0.05 and every["false_rejection"] <= 0.2
    # Every kind of unsupported pair is mostly refused; verbatim ones are all kept.
    for kind in UNSUPPORTED_KINDS:
        assert report["kinds"][kind]["all"]["false_support"] <= 0.2, kind
    assert report["kinds"]["verbatim"]["all"]["false_rejection"] == 0.0


def test_a_pair_with_its_question_is_decided_as_llm_mode_decides_it() -> None:
    """A pair that carries its question goes through llm mode's own decision
    (``passage_support``): a sentence reading the question's word into a passage that doesn't
    use it is refused, though the judge's score alone would pass it; without the question the
    same pair is the score's to decide."""
    liked = "What I like the most is the agency we have to select the topics we want to work on."
    sentence = "G. loves the agency they have to select the topics they want to work on."
    scorer = make_scorer(HashEmbedder(), Settings().support)
    pair = JudgePair("q-1", "llm", "mixed", "unsupported", sentence, liked, "G.")
    asked = dataclasses.replace(pair, question="What do they love about the job?")
    verdict = judge(scorer, asked)
    assert not verdict.supported and verdict.reason is not None and "love" in verdict.reason
    assert verdict.score is None  # refused before any score
    assert judge(scorer, pair).score is not None
