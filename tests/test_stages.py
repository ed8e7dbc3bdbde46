"""The answer path stage by stage (plan → retrieve → gate → compose), on the deterministic test
embedder: the fast loop. The same behaviours run on the real model in test_assistant.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from interview_qa.assistant import (
    Answer,
    AnswerError,
    Assistant,
    FilterError,
    Passage,
    UnknownSpeakerError,
    find_verbatim,
    prompts,
)
from interview_qa.assistant.candidates import Sentence
from interview_qa.assistant.gate import Gate, Verdict
from interview_qa.assistant.results import Filters
from interview_qa.ingest import IndexUnavailableError, Settings
from interview_qa.ingest.embedder import HashEmbedder, make_embedder

from .conftest import make_settings

# ---- the test embedder -------------------------------------------------------------------------


def test_hash_embedder_is_deterministic_unit_length_and_lexical() -> None:
    emb = HashEmbedder()
    a, b, c, d = emb.embed(
        [
            "Building trust with people",
            "building trust with the people",
            "Quarterly revenue targets",
            "",
        ]
    )
    assert np.allclose(a, HashEmbedder().embed(["Building trust with people"])[0])
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-5 and not d.any()
    assert float(a @ b) > 0.9 > float(a @ c)
    assert make_embedder(Settings().with_overrides(embedding={"backend": "hash"})).name == emb.name


def test_an_index_built_with_the_test_embedder_asks_for_rebuild_under_minilm(
    hash_settings: Settings,
) -> None:
    from interview_qa.ingest import Index, IndexMismatchError

    minilm = hash_settings.with_overrides(embedding={"backend": "sentence-transformers"})
    with pytest.raises(IndexMismatchError):
        Index(minilm)


# ---- plan ------------------------------------------------------------------------------------


def test_plan_refuses_empty_and_overlong_questions(fast_assistant: Assistant) -> None:
    planner = fast_assistant.stages().planner
    assert planner.plan("  ?! ", mode="extractive", top_k=5).refusal == prompts.EMPTY_QUESTION
    limit = fast_assistant.settings.answer.max_question_chars
    long = planner.plan("why " * limit, mode="extractive", top_k=5)
    assert long.refusal is not None and str(limit) in long.refusal


def test_plan_reads_speakers_filters_and_unknown_people(fast_assistant: Assistant) -> None:
    planner = fast_assistant.stages().planner
    plan = planner.plan("What does G. say about trust?", mode="extractive", top_k=5)
    assert plan.filters.speakers and plan.refusal is None
    assert any("G." in n for n in plan.notes)
    stranger = planner.plan("What did Zebulon say about trust?", mode="extractive", top_k=5)
    assert stranger.refusal is not None and stranger.refusal.startswith(prompts.NOT_COVERED)
    with pytest.raises(FilterError, match="no kind"):
        planner.plan("trust?", kinds=["podcast"], mode="extractive", top_k=5)
    with pytest.raises(UnknownSpeakerError):
        planner.plan("trust?", speakers=["Q.Z."], mode="extractive", top_k=5)
    with pytest.raises(FilterError, match="no document"):
        planner.plan("trust?", sources=["nowhere.txt"], mode="extractive", top_k=5)


def test_plan_of_a_follow_up_keeps_the_previous_speakers(fast_assistant: Assistant) -> None:
    first = fast_assistant.ask("What does T. say about mental health?")
    plan = fast_assistant.stages().planner.plan("why?", [first], mode="extractive", top_k=5)
    assert plan.carried and plan.filters.speakers == first.filters.speakers
    assert plan.query.startswith(first.query)


# ---- retrieve --------------------------------------------------------------------------------


def test_retriever_keeps_dense_and_lexical_scores_and_honours_filters(
    fast_assistant: Assistant,
) -> None:
    retriever = fast_assistant.stages().retriever
    vec = fast_assistant.vectors.one("building trust")
    passages = retriever.retrieve("building trust", vec, Filters(), 8)
    assert [p.number for p in passages] == list(range(1, len(passages) + 1))
    assert any(p.lexical > 0 for p in passages) and all(-1 <= p.similarity <= 1 for p in passages)
    speakers = [p.speaker for p in passages]
    cap = fast_assistant.settings.retrieval.per_speaker_cap
    # Best fused score first, except that a speaker's passages past the cap move behind the
    # others: the passages up to the first one past its speaker's cap are in score order, so
    # are those after it, and so is each speaker's own run.
    capped = next(
        (i for i in range(len(speakers)) if speakers[: i + 1].count(speakers[i]) > cap),
        len(passages),
    )
    for run in (
        passages[:capped],
        passages[capped:],
        *([p for p in passages if p.speaker == s] for s in set(speakers)),
    ):
        assert [p.score for p in run] == sorted((p.score for p in run), reverse=True)
    assert passages[0].score == max(p.score for p in passages)
    assert all(speakers[:8].count(s) <= cap for s in set(speakers)) or len(set(speakers)) == 1
    only = retriever.retrieve("building trust", vec, Filters(kinds=("summary",)), 8)
    assert only and {p.kind for p in only} == {"summary"}


def test_retrievers_are_built_once_per_filter_set(
    hash_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interview_qa.assistant import retrieval

    built: list[retrieval.RankFusionRetriever] = []

    class Counted(retrieval.RankFusionRetriever):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(retrieval, "RankFusionRetriever", Counted)
    assistant = Assistant(hash_settings)
    retriever = assistant.stages().retriever
    vec = assistant.vectors.one("building trust")
    first = retriever.retrieve("building trust", vec, Filters(), 8)
    assert len(built) == 1
    assert retriever.retrieve("building trust", vec, Filters(), 8) == first
    assert len(built) == 1
    retriever.retrieve("building trust", vec, Filters(kinds=("summary",)), 8)
    assert len(built) == 2


# ---- evidence and composers -------------------------------------------------------------------


def test_evidence_is_built_once_and_read_only(fast_assistant: Assistant) -> None:
    import dataclasses

    stages = fast_assistant.stages()
    plan = stages.planner.plan("How do they build trust?", mode="extractive", top_k=5)
    evidence = stages.evidence.build(plan)
    assert evidence.passages and len(evidence.units) == len(evidence.unit_vectors)
    assert evidence.query == plan.query and evidence.verdict.relevant
    with pytest.raises(dataclasses.FrozenInstanceError):
        evidence.query = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        evidence.unit_vectors[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        evidence.units[0].score = 1.0  # type: ignore[misc]
    # Composers read it and leave it as it was.
    units = [(u.score, dict(u.extras)) for u in evidence.units]
    draft = stages.composers[-1].compose(plan, evidence)
    assert draft is not None and draft.citations
    assert [(u.score, dict(u.extras)) for u in evidence.units] == units


def test_the_first_composer_that_answers_writes_the_draft(fast_assistant: Assistant) -> None:
    from interview_qa.assistant.quotes import QuoteComposer

    stages = fast_assistant.stages()
    assert isinstance(stages.composers[0], QuoteComposer)
    quote = "rely a lot on intuition"
    plan = stages.planner.plan(f'Who said "{quote}"?', mode="extractive", top_k=10)
    evidence = stages.evidence.build(plan)
    assert evidence.quote is not None and evidence.quote.located is not None
    drafts = [c.compose(plan, evidence) for c in stages.composers]
    assert drafts[0] is not None and quote in drafts[0].text
    # A question quoting nothing: the quote composer hands it on.
    plain = stages.planner.plan("How do they build trust?", mode="extractive", top_k=5)
    assert stages.composers[0].compose(plain, stages.evidence.build(plain)) is None


# ---- gate ------------------------------------------------------------------------------------


def _passage(text: str, similarity: float) -> Passage:
    return Passage(
        1, "p1", text, "G.", "G.", "transcript", "d", "d.txt", 0, len(text), similarity=similarity
    )


def test_gate_abstains_below_threshold_and_without_a_quantity() -> None:
    gate = Gate(Settings())
    low = _passage("Trust matters a lot to everyone here.", 0.1)
    assert gate.check("trust?", [], [], np.zeros(0)).reason == "no_passages"
    assert gate.check("trust?", [low], [], np.zeros(0)).reason == "below_threshold"
    high = _passage("Trust matters a lot to everyone here.", 0.9)
    sentences = [Sentence(high, 0, len(high.text))]
    verdict = gate.check("How many engineers trust them?", [high], sentences, np.array([0.9]))
    assert verdict.reason == "no_quantity" and not verdict.relevant
    assert gate.check("Why trust?", [high], sentences, np.array([0.9])).relevant


def _verdict(question: str, text: str) -> Verdict:
    """The gate's verdict on one passage of one sentence, very close to the question."""
    passage = _passage(text, 0.9)
    return Gate(Settings()).check(
        question, [passage], [Sentence(passage, 0, len(text))], np.array([0.9])
    )


def test_gate_wants_a_point_in_time_when_asked_when() -> None:
    asked = "When were these interviews recorded?"
    lasting = "It took a year and a half to see the impact."
    assert _verdict(asked, lasting).reason == "no_quantity"
    # A duration still answers a question asking how long; a year answers "when".
    assert _verdict("How many years did it take?", lasting).relevant
    assert _verdict(asked, "We recorded them in March 2023, over two weeks.").relevant


def test_gate_wants_a_name_when_asked_for_one() -> None:
    asked = "What is the name of Back Market's CEO?"
    about = "The role at Back Market drives change."
    verdict = _verdict(asked, about)
    assert verdict.reason == "no_name" and not verdict.relevant
    assert _verdict(asked, "At Back Market our CEO Thibaud wrote to us.").relevant
    # A question that asks for no name is answered from the same passage.
    assert _verdict("What drives change?", about).relevant


# ---- compose and the whole path --------------------------------------------------------------


def _assert_grounded(answer: Answer) -> None:
    by_number = {p.number: p for p in answer.passages}
    assert answer.statements
    for st in answer.statements:
        for quote in st.quotes:
            assert any(find_verbatim(quote.text, by_number[n].text) for n in quote.citations)
        for credit in st.credits:
            assert by_number[credit.number].initials == credit.initials


def test_extractive_answer_is_typed_verbatim_and_credited(fast_assistant: Assistant) -> None:
    answer = fast_assistant.ask("How do you build trust with other teams?")
    assert not answer.abstained and answer.mode == "extractive"
    _assert_grounded(answer)
    assert {c.number for c in answer.citations} == {
        n for s in answer.statements for n in s.citations
    }
    assert set(answer.timings) >= {"embed", "retrieve", "answer", "total"}


def test_who_said_and_wrong_speaker_quotes(fast_assistant: Assistant) -> None:
    who = fast_assistant.ask('Who said "The most essential skill is building trust"?')
    assert who.text.startswith(prompts.WHO_SAID_ONE.format(speaker="G."))
    _assert_grounded(who)
    wrong = fast_assistant.ask('Why did T. say "The most essential skill is building trust"?')
    assert wrong.abstained and wrong.text.startswith(prompts.NOT_COVERED)
    assert "G." in wrong.text
    _assert_grounded(wrong)


def test_llm_mode_answer_is_verified_and_typed(hash_settings: Settings) -> None:
    from tests.conftest import FakeLLM, passage_number

    llm = FakeLLM(
        [
            lambda prompt: (
                'G. said "The most essential skill is building trust" '
                f"[{passage_number(prompt, 'The most essential skill is building trust')}]. "
                'T. said "Trust is for cowards" [1].'
            )
        ]
    )
    assistant = Assistant(hash_settings, llm=llm)
    answer = assistant.ask("What is the most essential skill?", mode="llm")
    assert answer.mode == "llm" and answer.verification is not None
    assert [c.status for c in answer.verification.checks].count("verified") == 1
    assert "cowards" not in answer.text  # a misquote is left out of the answer, kept as data
    assert [s.status for s in answer.verification.unverified] == ["misquoted"]
    verified = [q for st in answer.statements for q in st.quotes]
    assert any("building trust" in q.text for q in verified)


def test_an_unexpected_failure_is_an_internal_error_not_a_broken_index(
    hash_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant(hash_settings)
    retriever = assistant.stages().retriever

    def broken(*args: object, **kwargs: object) -> list[Passage]:
        raise KeyError("a bug")

    monkeypatch.setattr(retriever, "retrieve", broken)
    with pytest.raises(AnswerError, match="internal error while answering 'trust\\?'") as err:
        assistant.ask("trust?")
    assert err.value.question == "trust?" and not isinstance(err.value, IndexUnavailableError)


def test_a_store_failure_is_reported_as_unavailable(
    hash_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from interview_qa.assistant.retrieval import RankFusionRetriever

    assistant = Assistant(hash_settings)

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise sqlite3.DatabaseError("file is not a database")

    monkeypatch.setattr(RankFusionRetriever, "retrieve", broken)
    with pytest.raises(IndexUnavailableError, match="cannot be read"):
        assistant.ask("trust?")


def test_top_k_limit_comes_from_settings(fast_assistant: Assistant, tmp_path: Path) -> None:
    from interview_qa.ingest.settings import MAX_TOP_K

    with pytest.raises(FilterError, match=str(MAX_TOP_K)):
        fast_assistant.ask("trust?", top_k=MAX_TOP_K + 1)


# ---- a question naming a speaker is read with the name aside ---------------------------------

FAREWELL = """**Sam Host:** What do you think about testing?

**Lara Hogan:** Tests catch regressions before users see them, and they document what we meant.

**Sam Host:** How do you run a planning meeting?

**Lara Hogan:** I start from the goals, and I ask each person what blocks them this week.

**Sam Host:** Well, Lara, it was great talking to you. Thank you so much for coming on, Lara.

**Lara Hogan:** Now is the time.
"""


def _farewell_settings(tmp_path: Path, **sections: dict[str, object]) -> Settings:
    folder = tmp_path / "talks"
    folder.mkdir()
    (folder / "episode.md").write_text(FAREWELL, encoding="utf-8")
    return make_settings(tmp_path / "index", corpus={"paths": [folder]}, **sections)


@pytest.mark.parametrize(
    "backend", ["hash", pytest.param("sentence-transformers", marks=pytest.mark.slow)]
)
def test_a_question_naming_a_speaker_searches_their_words_without_the_name(
    tmp_path: Path, backend: str
) -> None:
    """Retrieval is filtered to the speaker a question names, and it searches with the name
    aside: "What does Lara say about X?" finds what asking X of Lara's words finds (the host's
    "Well, Lara, …" must not pull in her farewell)."""
    from interview_qa.ingest import ingest

    settings = _farewell_settings(tmp_path, embedding={"backend": backend})
    ingest(None, settings)
    assistant = Assistant(settings)
    named = assistant.ask("What does Lara say about planning meetings?")
    filtered = assistant.ask("What does say about planning meetings?", speakers=["Lara Hogan"])
    assert [p.id for p in named.passages] == [p.id for p in filtered.passages]
    assert [round(p.similarity, 6) for p in named.passages] == [
        round(p.similarity, 6) for p in filtered.passages
    ]
