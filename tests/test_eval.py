"""The evaluation package: metrics on hand-made answers, question-file validation, the gate, and
`run_eval` / `interview-qa eval` end to end on a tiny corpus (slow: they load the model)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interview_qa.assistant import (
    Answer,
    Citation,
    Passage,
    content_words,
    lexical_recall,
    make_scorer,
    prompts,
    supports,
)
from interview_qa.assistant.statements import (
    is_framing,
    logical_lines,
    read_statements,
    split_sentences,
    statements,
)
from interview_qa.eval.gate import (
    DEFAULT_THRESHOLDS,
    check_gate,
    gated_aggregate,
    load_thresholds,
    separate_categories,
)
from interview_qa.eval.gold import DEFAULT_QUESTIONS, Question, load_questions
from interview_qa.eval.metrics import (
    aggregate,
    attribution_checks,
    by_category,
    citation_scores,
    gold_speaker_recall,
    percentile,
    quote_checks,
    retrieval_scores,
    score_answer,
)
from interview_qa.eval.topic import overlap, quoted_units, topic_scores, words
from interview_qa.ingest import InputError, Settings
from interview_qa.ingest.embedder import Embedder

from .conftest import FIXTURES, ROOT, make_settings

# ---- helpers ---------------------------------------------------------------------------------


def passage(number: int, text: str, speaker: str = "G.", initials: str | None = None) -> Passage:
    return Passage(
        number=number,
        id=f"p{number}",
        text=text,
        speaker=speaker,
        initials=initials or speaker,
        kind="transcript",
        doc_id="t/x.txt",
        source_path="x.txt",
        start_char=0,
        end_char=len(text),
    )


def answer(text: str, passages: list[Passage], known: set[str] | None = None) -> Answer:
    """An answer written as free text, its statements read as an llm-mode answer's are."""
    return Answer(
        question="q?",
        text=text,
        mode="extractive",
        abstained=False,
        passages=passages,
        statements=read_statements(text, passages),
    )


def question(**kw: object) -> Question:
    base: dict[str, object] = {
        "id": "q1",
        "question": "q?",
        "speakers": (),
        "evidence": (),
        "answerable": True,
        "category": "single-speaker",
    }
    base.update(kw)
    return Question(**base)  # type: ignore[arg-type]  # a loose dict of test overrides


class LexicalScorer:
    """A model-free scorer: lexical recall only, supported at 0.6."""

    name = "lexical"
    threshold = 0.6

    def describe(self) -> str:
        return "lexical recall ≥ 0.6"

    def score(self, statement: str, passage: str) -> float:
        return lexical_recall(statement, passage)


P_TRUST = passage(
    1, "The most essential skill is building trust. Everything follows from it.", "G."
)
P_PEOPLE = passage(2, "It's super important to build trust with the people.", "N.")
P_OTHER = passage(3, "Read documentation, RTFM.", "G.")


# ---- retrieval -------------------------------------------------------------------------------


def test_retrieval_recall_mrr_ndcg() -> None:
    passages = [
        passage(1, "Nothing relevant here at all."),
        passage(2, "We’re talking about months, maybe a year."),  # curly apostrophe
        passage(3, "Our careers are long.  Don't be afraid\nto deviate from the script."),
    ]
    evidence = ["We're talking about months", "Don't be afraid to deviate from the script."]
    r = retrieval_scores(passages, evidence)
    assert r is not None
    assert r.recall == 1.0
    assert r.mrr == pytest.approx(0.5)
    dcg = 1 / 1.5849625 + 1 / 2  # gains 0, 1, 1 at ranks 1, 2, 3
    ideal = 1 + 1 / 1.5849625
    assert r.ndcg == pytest.approx(dcg / ideal, rel=1e-6)

    partial = retrieval_scores(passages[:2], [*evidence, "never said anywhere"])
    assert partial is not None and partial.recall == pytest.approx(1 / 3)
    assert partial.missed == [evidence[1], "never said anywhere"]
    assert retrieval_scores(passages, []) is None
    none = retrieval_scores(passages[:1], evidence)
    assert none is not None and (none.recall, none.mrr, none.ndcg) == (0.0, 0.0, 0.0)


def test_ndcg_is_capped_when_one_passage_holds_all_evidence() -> None:
    r = retrieval_scores(
        [passage(1, "alpha beta gamma. delta epsilon zeta.")], ["alpha beta", "delta epsilon"]
    )
    assert r is not None and r.ndcg == 1.0 and r.mrr == 1.0


def test_retrieval_only_for_answerable_questions() -> None:
    a = answer(prompts.NOT_COVERED, [P_TRUST])
    a.abstained = True
    s = score_answer(question(answerable=False, category="unanswerable"), a, LexicalScorer())
    assert s.retrieval is None and s.metrics()["recall_at_k"] is None


# ---- statements ------------------------------------------------------------------------------


def test_statements_skip_framing_notes_and_headers() -> None:
    note = prompts.FILTER_NOTE.format(speakers="G.")
    text = "\n".join(
        [
            prompts.FRAMING_SPEAKERS.format(speakers="G. and N."),
            note,
            "",
            '"The most essential skill is building trust." — G. [1]',
            "",
            prompts.SUMMARY_HEADER,
            '"It\'s super important to build trust with the people." — summary, Advice [2]',
        ]
    )
    found = statements(text, [note])
    assert [s.citations for s in found] == [[1], [2]]
    assert found[0].bare == "The most essential skill is building trust."


def test_not_covered_messages_are_framing_but_a_wrong_speaker_quote_is_not() -> None:
    topics = prompts.NEAREST_TOPICS.format(topics="Trust; Impact")
    assert is_framing(f"{prompts.NOT_COVERED} {topics}")
    assert is_framing(prompts.WHO_SAID_ONE.format(speaker="G."))
    quote = prompts.WRONG_SPEAKER_QUOTE.format(actual="G.", claimed="T.", quote="Trust.", n=1)
    assert not is_framing(quote)
    assert not is_framing("Trust matters, says everyone.")


def test_sentences_are_not_split_inside_quotes_or_after_initials() -> None:
    line = '"Think about it. I think. Yeah." — T. [1] G. Said nothing. Then N. agreed [2].'
    assert split_sentences(line) == [
        '"Think about it. I think. Yeah." — T. [1] G. Said nothing.',
        "Then N. agreed [2].",
    ]
    nested = '"I was never thinking, "I\'m a backend engineer." I was always looking." — P. [1]'
    assert split_sentences(nested) == [nested]


def test_a_quote_over_several_lines_is_one_statement() -> None:
    text = '""Staff Engineer" by Will Larson\n"Radical Candor" by Kim Scott" — summary, Books [3]'
    assert logical_lines(text) == [text]
    assert [s.citations for s in statements(text)] == [[3]]


# ---- citations (ALCE) ------------------------------------------------------------------------


def test_citation_recall_and_precision_with_unsupported_and_wrong_citations() -> None:
    text = "\n".join(
        [
            prompts.FRAMING_SPEAKERS.format(speakers="G. and N."),
            "",
            '"The most essential skill is building trust." — G. [1]',  # supported
            "Staff engineers should learn to juggle chainsaws.",  # no citation: unsupported
            '"Read documentation, RTFM." — G. [2]',  # wrong citation: [2] doesn't hold it
            "Trust matters with the people [2][3].",  # [2] supports, [3] doesn't
        ]
    )
    a = answer(text, [P_TRUST, P_PEOPLE, P_OTHER])
    scores = citation_scores(a, LexicalScorer())
    assert [c.supported for c in scores.statements] == [True, False, False, True]
    assert scores.recall == pytest.approx(2 / 4)
    # citations: [1] ok, [2] wrong, [2] ok, [3] not alone
    assert [c.precise for c in scores.statements] == [[True], [], [False], [True, False]]
    assert scores.precision == pytest.approx(2 / 4)


def test_verbatim_support_needs_no_scorer_and_misquotes_fall_to_the_scorer() -> None:
    class Never(LexicalScorer):
        def score(self, statement: str, passage: str) -> float:
            return 0.0

    assert supports(Never(), "x", ["The most   essential skill is building trust"], [P_TRUST.text])
    assert not supports(Never(), "x", ["The most vital skill is building trust"], [P_TRUST.text])
    assert not supports(Never(), "anything", [], [])


def test_content_words_drop_stopwords_initials_and_stem() -> None:
    words = content_words("T. says you should keep your hands-on skills; you forget things.")
    assert words == {"keep", "hands-on", "skill", "forget", "thing"}
    assert lexical_recall("Skills matter.", "Every skill matters.") == 1.0
    assert lexical_recall("the a of", "anything") == 1.0  # nothing to find


def test_the_scorer_comes_from_the_support_settings_and_keeps_a_bounded_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interview_qa.assistant import LexicalEmbeddingScorer
    from interview_qa.ingest.embedder import HashEmbedder

    monkeypatch.setenv("IQA_SUPPORT__NLI_MODEL", str(tmp_path / "missing"))
    monkeypatch.setenv("IQA_SUPPORT__CACHE_SIZE", "2")
    cfg = Settings().support
    assert cfg.nli_model == tmp_path / "missing" and cfg.cache_size == 2
    embedded: list[str] = []

    class Counting(HashEmbedder):
        def embed(self, texts: Any, **kwargs: Any) -> Any:
            embedded.extend(texts)
            return super().embed(texts, **kwargs)

    scorer = make_scorer(Counting(), cfg)  # no such NLI folder: the offline judge
    assert isinstance(scorer, LexicalEmbeddingScorer)
    first = scorer.cosine("Trust matters.", "Building trust takes time.")
    assert scorer.cosine("Trust matters.", "Building trust takes time.") == pytest.approx(first)
    assert len(embedded) == 2  # kept
    scorer.cosine("Read the book.", "Keep coding.")
    scorer.cosine("Trust matters.", "Building trust takes time.")
    assert len(embedded) == 6  # two kept at most: the first pair was dropped, embedded again
    monkeypatch.setenv("IQA_SUPPORT__NLI_MODEL", "")  # empty: no model, not the current folder
    assert Settings().support.nli_model is None


@pytest.mark.slow
def test_lexical_embedding_scorer_separates_paraphrase_from_other_topics(
    embedder: Embedder,
) -> None:
    from interview_qa.assistant import SUPPORT_THRESHOLD, LexicalEmbeddingScorer

    scorer = LexicalEmbeddingScorer(embedder)
    assert scorer.threshold == SUPPORT_THRESHOLD == 0.6
    p = P_PEOPLE.text
    assert scorer.score("N. stresses building trust with people.", p) >= 0.6
    assert scorer.score("S. recommends reading The Manager's Path.", p) < 0.6
    assert scorer.score("Staff engineers are measured on quarterly OKRs.", P_TRUST.text) < 0.6
    assert "0.6" in scorer.describe()


def test_an_llm_style_answer_after_verification() -> None:
    from interview_qa.assistant.verify import verify_answer

    raw = (
        'G. says trust comes first: "The most essential skill is building trust" [1]. '
        'N. agrees: "It\'s super important to build trust with the people" [2]. '
        "Staff engineers earn more than managers [1]."
    )
    text, _, _ = verify_answer(raw, [P_TRUST, P_PEOPLE])
    a = answer(text, [P_TRUST, P_PEOPLE])
    scores = citation_scores(a, LexicalScorer())
    assert [c.supported for c in scores.statements] == [True, True, False]
    assert [c.verbatim for c in quote_checks(a)] == [True, True]
    checks = attribution_checks(a)
    assert [(c.number, c.credited, c.correct) for c in checks] == [
        (1, "G.", True),
        (2, "N.", True),
        (1, "G.", True),
    ]


def test_no_statement_means_undefined_citation_scores() -> None:
    a = answer(prompts.FRAMING_SUMMARY_ONLY, [P_TRUST])
    scores = citation_scores(a, LexicalScorer())
    assert scores.recall is None and scores.precision is None


# ---- quotes and speakers ---------------------------------------------------------------------


def test_quote_fidelity_catches_a_misquote() -> None:
    text = "\n".join(
        [
            "“The most essential skill is building trust.” — G. [1]",  # curly quotes: fine
            '"It\'s super important to build trust with everyone." — N. [2]',  # misquote
            'G. also said "Read documentation" and "RTFM" [3].',  # two short quotes: ok
            '"A quote nobody cites."',  # no citation: not a quotation to check
        ]
    )
    checks = quote_checks(answer(text, [P_TRUST, P_PEOPLE, P_OTHER]))
    assert [(c.quote, c.verbatim) for c in checks] == [
        ("The most essential skill is building trust.", True),
        ("It's super important to build trust with everyone.", False),
        ("Read documentation", True),
    ]


def test_nested_quotation_is_checked_whole() -> None:
    p = passage(
        1, 'I was never thinking, "I\'m a backend engineer." I was always looking around.', "P."
    )
    text = (
        '"I was never thinking, "I\'m a backend engineer." I was always looking around." — P. [1]'
    )
    assert [c.verbatim for c in quote_checks(answer(text, [p]))] == [True]


def test_speaker_attribution_catches_a_wrong_initial() -> None:
    text = "\n".join(
        [
            '"The most essential skill is building trust." — G. [1]',
            '"It\'s super important to build trust with the people." — G. [2]',  # it is N.'s
            'As N. put it, "build trust with the people" [2].',
            '"Everything follows from it." — summary, Advice [1]',  # passage 1 is G.'s
            "Trust matters [1].",  # credits nobody: not counted
        ]
    )
    a = answer(text, [P_TRUST, P_PEOPLE])
    checks = attribution_checks(a)
    assert [(c.number, c.credited, c.correct) for c in checks] == [
        (1, "G.", True),
        (2, "G.", False),
        (2, "N.", True),
        (1, "summary", False),
    ]


def test_gold_speaker_recall_with_initials_and_full_names() -> None:
    dp = passage(1, "I worked on the compiler for years.", "Dmitry Petrashko", "D.P.")
    so = passage(2, "Reviews are where decisions get made.", "Sam Okafor", "S.O.")
    a = answer('"I worked on the compiler for years." — D.P. [1]', [dp, so])
    assert gold_speaker_recall(a, ["D.P."]) == (1.0, [])
    assert gold_speaker_recall(a, ["dmitry petrashko"]) == (1.0, [])
    assert gold_speaker_recall(a, ["Dmitry"]) == (0.0, ["Dmitry"])
    assert gold_speaker_recall(a, ["Sam Okafor", "D.P."]) == (0.5, ["Sam Okafor"])
    assert gold_speaker_recall(a, []) is None


def test_abstention_and_aggregation() -> None:
    scorer = LexicalScorer()
    good = answer('"The most essential skill is building trust." — G. [1]', [P_TRUST])
    good.timings["total"] = 0.1
    wrong = answer(prompts.NOT_COVERED, [P_TRUST])
    wrong.abstained, wrong.timings["total"] = True, 0.3
    declined = answer(prompts.NOT_COVERED, [])
    declined.abstained, declined.timings["total"] = True, 0.2
    answered = answer('"Read documentation, RTFM." — G. [3]', [P_OTHER])
    answered.timings["total"] = 0.4
    ev = ("The most essential skill is building trust.",)
    results = [
        score_answer(question(id="a", speakers=("G.",), evidence=ev), good, scorer),
        score_answer(question(id="b", speakers=("G.",), evidence=ev), wrong, scorer),
        score_answer(question(id="c", answerable=False, category="unanswerable"), declined, scorer),
        score_answer(question(id="d", answerable=False, category="unanswerable"), answered, scorer),
    ]
    agg = aggregate(results)
    assert (
        agg.values["abstention_unanswerable"] == 0.5 and agg.counts["abstention_unanswerable"] == 2
    )
    assert agg.values["wrong_abstention_answerable"] == 0.5
    assert agg.values["gold_speaker_recall"] == 1.0 and agg.counts["gold_speaker_recall"] == 1
    assert agg.values["recall_at_k"] == 1.0 and agg.counts["recall_at_k"] == 2
    assert agg.values["quote_fidelity"] == 1.0 and agg.counts["quote_fidelity"] == 2
    assert agg.values["latency_p50_s"] == pytest.approx(0.25)
    assert "abstained on an answerable question" in results[1].problems()
    assert "answered an unanswerable question" in results[3].problems()


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)


# ---- answer precision and recall (topic) -----------------------------------------------------

P_PRIO = passage(
    4,
    "How do I prioritize? I ask about the impact. But you also have to understand that "
    "sometimes it isn't that clear.",
    "S.",
)
P_LIKE = passage(5, "What I like the most is the agency we have to select the topics.", "G.")
P_BOOKS = passage(
    6,
    "Books:\n- “Staff Engineer” by Will Larson\n- “Radical Candor” by Kim Scott",
    "summary",
    "summary",
)
PRIO_TOPIC = (
    "How do I prioritize? I ask about the impact. But you also have to understand that "
    "sometimes it isn't that clear.",
    "I rely a lot on intuition regarding how I spend my time.",
    "I was always looking around for things to do beyond my daily work.",
)


def cite(p: Passage, quote: str) -> Citation:
    start = p.text.index(quote)
    return Citation.of(p, start, start + len(quote))


def cited_answer(*citations: Citation, abstained: bool = False) -> Answer:
    """An answer whose rendered text is deliberately useless: the metric reads citations."""
    passages = list({c.number: p for p in ALL for c in citations if p.number == c.number}.values())
    return Answer(
        question="q?",
        text="(rendered text not read)",
        mode="extractive",
        abstained=abstained,
        citations=list(citations),
        passages=passages,
    )


ALL = [P_TRUST, P_PEOPLE, P_OTHER, P_PRIO, P_LIKE, P_BOOKS]


def test_overlap_is_containment_either_way_or_a_substantial_shared_run() -> None:
    snippet = words("I rely a lot on intuition regarding how I spend my time.")
    assert overlap(words("I rely a lot on intuition"), snippet)  # inside the snippet
    assert overlap(
        words("“I rely a lot on intuition regarding how I spend my time”, he said"), snippet
    )
    assert overlap(words("I RELY a lot on   intuition regarding how I spend my time"), snippet)
    # a shared run of 6 words, over half of the shorter text (10 words)
    assert overlap(words("Honestly I rely a lot on intuition, then check data."), snippet)
    # shared words, but no run long enough: off topic
    assert not overlap(words("My time is spent on a lot of intuition work."), snippet)
    assert not overlap(words("Read documentation, RTFM."), snippet)
    assert not overlap((), snippet) and not overlap(snippet, ())
    assert words("It’s “glue”") == ("it's", "glue")


def test_quoted_units_split_lists_into_items_and_drop_their_label() -> None:
    a = cited_answer(
        cite(P_BOOKS, P_BOOKS.text), cite(P_PRIO, "How do I prioritize? I ask about the impact.")
    )
    assert [u[0] for u in quoted_units(a)] == [
        "“Staff Engineer” by Will Larson",
        "“Radical Candor” by Kim Scott",
        "How do I prioritize? I ask about the impact.",
    ]
    assert [u[1] for u in quoted_units(a)] == [6, 6, 4]


def test_answer_precision_and_recall_from_citations() -> None:
    a = cited_answer(
        cite(P_PRIO, "How do I prioritize?"),  # a part of a topic snippet: on topic
        cite(P_LIKE, P_LIKE.text),  # shares "select", "topics" with nothing: off topic
        cite(P_BOOKS, P_BOOKS.text),  # two off-topic items
    )
    scores = topic_scores(a, PRIO_TOPIC)
    assert scores is not None
    assert [u.on_topic for u in scores.units] == [True, False, False, False]
    assert scores.units[0].match == PRIO_TOPIC[0]
    assert scores.precision == pytest.approx(0.25)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.covered == [PRIO_TOPIC[0]] and len(scores.missed) == 2
    # no topic: undefined; nothing quoted: no precision, recall 0
    assert topic_scores(a, ()) is None
    empty = topic_scores(cited_answer(abstained=True), PRIO_TOPIC)
    assert empty is not None and empty.precision is None and empty.recall == 0.0


def test_a_short_unit_counts_only_from_the_passage_of_its_snippet() -> None:
    mental = passage(20, "Give yourself time to digest information. Think about it. I think.", "T.")
    enjoy = passage(21, "Enjoy, have fun. I think it's super important.", "N.")
    topic = ("Give yourself time to digest information. Think about it. I think.",)
    a = Answer(
        question="q?",
        text="",
        mode="extractive",
        abstained=False,
        citations=[
            cite(mental, "I think."),
            cite(enjoy, "I think"),
            cite(mental, "Think about it."),
        ],
        passages=[mental, enjoy],
    )
    scores = topic_scores(a, topic)
    assert scores is not None
    assert [(u.text, u.on_topic) for u in scores.units] == [
        ("I think.", True),
        ("I think", False),  # the same words, from a passage off the topic
        ("Think about it.", True),
    ]


def test_answer_recall_is_capped_at_five_snippets() -> None:
    texts = [
        "Alpha bravo charlie delta.",
        "Echo foxtrot golf hotel.",
        "India juliet kilo lima.",
        "Mike november oscar papa.",
        "Quebec romeo sierra tango.",
        "Uniform victor whiskey xray.",
        "Yankee zulu one two.",
    ]
    ps = [passage(10 + i, t, "G.") for i, t in enumerate(texts)]
    a = Answer(
        question="q?",
        text="",
        mode="extractive",
        abstained=False,
        citations=[cite(p, p.text) for p in ps[:5]],
        passages=ps,
    )
    scores = topic_scores(a, texts)
    assert scores is not None and scores.recall == 1.0 and scores.precision == 1.0
    assert len(scores.missed) == 2
    four = topic_scores(Answer("q?", "", "extractive", False, citations=a.citations[:4]), texts)
    assert four is not None and four.recall == pytest.approx(0.8)


def test_answer_metrics_in_scores_aggregates_and_report_rows() -> None:
    scorer = LexicalScorer()
    on = cited_answer(cite(P_PRIO, P_PRIO.text))
    half = cited_answer(cite(P_PRIO, "I ask about the impact."), cite(P_OTHER, P_OTHER.text))
    results = [
        score_answer(question(id="o1", category="open", topic=PRIO_TOPIC), on, scorer),
        score_answer(question(id="o2", category="open", topic=PRIO_TOPIC), half, scorer),
        score_answer(question(id="s1"), on, scorer),  # no topic: undefined
    ]
    m = results[1].metrics()
    assert m["answer_precision"] == 0.5 and m["answer_recall"] == pytest.approx(1 / 3)
    assert results[2].metrics()["answer_precision"] is None
    assert "off-topic quotes: 1/2" in results[1].problems()
    detail = results[1].to_dict()
    assert [u["on_topic"] for u in detail["topic_units"]] == [True, False]
    assert len(detail["topic_missed"]) == 2
    agg = aggregate(results)
    assert agg.values["answer_precision"] == pytest.approx(0.75)
    assert agg.counts["answer_precision"] == 2 and agg.counts["answer_recall"] == 2
    cats = by_category(results)
    assert cats["open"].values["answer_recall"] == pytest.approx(1 / 3)
    assert cats["single-speaker"].values["answer_recall"] is None


# ---- question file ---------------------------------------------------------------------------

GOOD = {
    "id": "a",
    "question": "What?",
    "speakers": ["G."],
    "evidence": ["x y z"],
    "answerable": True,
    "category": "single-speaker",
}


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        (json.dumps({**GOOD, "id": "b", "speakers": "G."}), 'line 2: "speakers" must be a list'),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "answerable"} | {"id": "b"}),
            'missing field "answerable"',
        ),
        (json.dumps({**GOOD, "id": "b", "topic": "x y"}), 'line 2: "topic" must be a list'),
        (
            json.dumps({**GOOD, "id": "b", "category": "open"}),
            'line 2: an open question needs "topic"',
        ),
        (
            json.dumps({"question": "Who?", "answerable": False, "topic": ["x y"]}),
            "line 2: an unanswerable question must have no",
        ),
        (json.dumps({**GOOD}), 'line 2: duplicate id "a" (first on line 1)'),
        (
            json.dumps({**GOOD, "id": "b", "category": "trivia"}),
            'line 2: unknown category "trivia"',
        ),
        (json.dumps({**GOOD, "id": "b", "follows": "zzz"}), 'line 2: "follows": "zzz" is not'),
        (
            json.dumps({**GOOD, "id": "b", "answerable": False}),
            "line 2: an unanswerable question must",
        ),
        (json.dumps({**GOOD, "id": "b", "answerabel": True}), 'line 2: unknown field "answerabel"'),
    ],
)
def test_question_file_errors_name_file_and_line(tmp_path: Path, row: str, problem: str) -> None:
    path = tmp_path / "qs.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_questions(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message


def test_question_file_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such question file"):
        load_questions(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds no questions"):
        load_questions(tmp_path / "empty.jsonl")


def test_a_minimal_question_file_loads_and_evaluates(tmp_path: Path) -> None:
    """Only ``question`` and ``answerable`` (the issue-5 format without category or id)."""
    path = tmp_path / "minimal.jsonl"
    rows = [
        {
            "question": "How important is trust?",
            "answerable": True,
            "speakers": ["G."],
            "evidence": ["The most essential skill is building trust."],
        },
        {"question": "What is the capital of Australia?", "answerable": False},
        {"id": "t3", "question": "Read what?", "answerable": True},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    qs = load_questions(path)
    assert [q.id for q in qs] == ["line-1", "line-2", "t3"]
    assert {q.category for q in qs} == {"uncategorized"}
    assert qs[1].speakers == () and qs[1].evidence == () and qs[0].topic == ()
    scorer = LexicalScorer()
    good = answer('"The most essential skill is building trust." — G. [1]', [P_TRUST])
    declined = answer(prompts.NOT_COVERED, [])
    declined.abstained = True
    results = [
        score_answer(qs[0], good, scorer),
        score_answer(qs[1], declined, scorer),
        score_answer(qs[2], answer('"Read documentation, RTFM." — G. [3]', [P_OTHER]), scorer),
    ]
    agg = aggregate(results)
    assert agg.values["recall_at_k"] == 1.0 and agg.counts["recall_at_k"] == 1
    assert agg.values["gold_speaker_recall"] == 1.0
    assert agg.values["abstention_unanswerable"] == 1.0
    assert agg.values["answer_precision"] is None and agg.counts["answer_precision"] == 0
    assert list(by_category(results)) == ["uncategorized"]


def test_bundled_questions_load() -> None:
    questions = load_questions()
    assert len(questions) == len(
        [ln for ln in DEFAULT_QUESTIONS.read_text().splitlines() if ln.strip()]
    )
    follow = [q for q in questions if q.follows]
    assert follow and all(q.follows in {p.id for p in questions} for q in follow)


# ---- gate ------------------------------------------------------------------------------------


def test_gate_floors_ceilings_and_unmeasured() -> None:
    thresholds = {
        "min": {"mrr": 0.8, "quote_fidelity": 1.0},
        "max": {"wrong_abstention_answerable": 0.1},
    }
    assert (
        check_gate(
            {"mrr": 0.85, "quote_fidelity": 1.0, "wrong_abstention_answerable": 0.0}, thresholds
        )
        == []
    )
    failures = check_gate(
        {"mrr": 0.7, "quote_fidelity": None, "wrong_abstention_answerable": 0.2}, thresholds
    )
    assert len(failures) == 3
    assert any(f.startswith("mrr: 0.700 is below") for f in failures)


def test_gate_thresholds_per_category(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        "[min]\nanswer_precision = 0.4\n[min.open]\nanswer_recall = 0.5\n[max]\nerrors = 0\n",
        encoding="utf-8",
    )
    t = load_thresholds(path)
    assert t == {
        "min": {"answer_precision": 0.4, "open/answer_recall": 0.5},
        "max": {"errors": 0.0},
    }
    values = {"answer_precision": 0.6, "errors": 0.0}
    assert check_gate(values, t, {"open": {"answer_recall": 0.5}}) == []
    assert check_gate(values, t, {"open": {"answer_recall": 0.2}}) == [
        "open/answer_recall: 0.200 is below its floor 0.5"
    ]
    assert check_gate(values, t) == ["open/answer_recall: not measured (floor 0.5)"]
    path.write_text('[min.open]\nanswer_recall = "high"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[min\] open.answer_recall must be a number"):
        load_thresholds(path)


def test_categories_with_own_thresholds_are_gated_apart() -> None:
    scorer = LexicalScorer()
    on = cited_answer(cite(P_PRIO, P_PRIO.text))
    results = [
        score_answer(question(id="o1", category="open", topic=PRIO_TOPIC), on, scorer),
        score_answer(question(id="s1", evidence=("Read documentation, RTFM.",)), on, scorer),
    ]
    t = {"min": {"recall_at_k": 0.5, "open/answer_precision": 0.5}, "max": {}}
    assert separate_categories(t) == ["open"]
    gated = gated_aggregate(results, t)
    assert gated.questions == 1 and gated.values["recall_at_k"] == 0.0
    assert gated_aggregate(results, {"min": {"recall_at_k": 0.5}}).questions == 2


def test_bundled_thresholds_hold_the_headline_metrics() -> None:
    t = load_thresholds()
    assert t["min"]["quote_fidelity"] == 1.0 and t["min"]["speaker_attribution"] == 1.0
    for key in (
        "recall_at_k",
        "mrr",
        "citation_recall",
        "citation_precision",
        "gold_speaker_recall",
        "open/answer_precision",
        "open/answer_recall",
        "abstention_unanswerable",
    ):
        assert 0 < t["min"][key] <= 1, key
    assert "wrong_abstention_answerable" in t["max"]
    # Every category gated apart keeps exact quotes and speakers, and no errors.
    assert separate_categories(t) == ["open"]
    for category in separate_categories(t):
        assert t["min"][f"{category}/quote_fidelity"] == 1.0
        assert t["min"][f"{category}/speaker_attribution"] == 1.0
        assert t["max"][f"{category}/errors"] == 0


# ---- end to end (slow: the model) ------------------------------------------------------------

TINY_QUESTIONS = [
    {
        "id": "t1-compiler",
        "question": "What did Dmitry Petrashko work on for years?",
        "speakers": ["D.P."],
        "evidence": ["I worked on the compiler for years."],
        "answerable": True,
        "category": "speaker-named",
    },
    {
        "id": "t2-reviews",
        "question": "Why do design reviews matter?",
        "speakers": ["Sam Okafor"],
        "evidence": ["Because reviews are where decisions get made."],
        "answerable": True,
        "category": "single-speaker",
    },
    {
        "id": "t3-why",
        "question": "why?",
        "speakers": ["Sam Okafor"],
        "evidence": ["Because reviews are where decisions get made."],
        "answerable": True,
        "category": "follow-up",
        "follows": "t2-reviews",
    },
    {
        "id": "t4-capital",
        "question": "What is the capital of Australia?",
        "speakers": [],
        "evidence": [],
        "answerable": False,
        "category": "unanswerable",
    },
]


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "tiny-corpus"
    corpus.mkdir()
    for name in ("plain.txt", "timestamps.txt"):
        shutil.copy(FIXTURES / "transcripts" / name, corpus / name)
    questions = tmp_path / "tiny.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in TINY_QUESTIONS) + "\n", encoding="utf-8")
    return corpus, questions


def _check_reports(out: Path, systems: int = 0) -> dict[str, Any]:
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [q["id"] for q in data["questions"]] == [q["id"] for q in TINY_QUESTIONS]
    assert set(data["overall"]["metrics"]) >= {
        "recall_at_k",
        "mrr",
        "citation_recall",
        "quote_fidelity",
    }
    assert "single-speaker" in data["categories"]
    first = data["questions"][0]
    assert first["answer"] and first["passages"] and "metrics" in first
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "scores_by_category.png" in md and "| recall@k |" in md and "≥ 1" in md
    assert (out / "scores_by_category.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data["comparison"]) == systems
    return data


@pytest.mark.slow
def test_run_eval_on_a_tiny_corpus(
    settings: Settings,
    embedder: Embedder,
    tiny: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from interview_qa.eval.commands import run_eval

    corpus, questions = tiny
    out = tmp_path / "out"
    code = run_eval(
        settings,
        questions=questions,
        corpus=[corpus],
        out=out,
        compare=True,
        embedder=embedder,
        thresholds=DEFAULT_THRESHOLDS,
    )
    assert code == 0
    data = _check_reports(out, systems=4)
    assert set(data["comparison"]) == {
        "ours (hybrid)",
        "ours (bm25 only)",
        "ours (dense only)",
        "stock llama-index",
    }
    by_id = {q["id"]: q for q in data["questions"]}
    assert by_id["t1-compiler"]["metrics"]["recall_at_k"] == 1.0
    assert by_id["t1-compiler"]["metrics"]["gold_speaker_recall"] == 1.0
    assert by_id["t4-capital"]["abstained"]
    assert data["overall"]["metrics"]["quote_fidelity"] == 1.0
    assert not settings.store.index_dir.exists()  # the temporary index was used, not this one
    shown = capsys.readouterr().out
    assert "overall" in shown and "stock llama-index" in shown


@pytest.mark.slow
def test_run_eval_on_a_minimal_question_file(
    settings: Settings, embedder: Embedder, tiny: tuple[Path, Path], tmp_path: Path
) -> None:
    """The issue-5 format without id or category evaluates; a topic scores answer precision."""
    from interview_qa.eval.commands import run_eval

    corpus, _ = tiny
    questions = tmp_path / "minimal.jsonl"
    rows = [
        {
            "question": "What did Dmitry Petrashko work on for years?",
            "answerable": True,
            "speakers": ["D.P."],
            "evidence": ["I worked on the compiler for years."],
        },
        {
            "question": "What does Dmitry read?",
            "answerable": True,
            "topic": ["Mostly papers."],
        },
        {"question": "What is the capital of Australia?", "answerable": False},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_eval(settings, questions=questions, corpus=[corpus], out=out, embedder=embedder) == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [q["id"] for q in data["questions"]] == ["line-1", "line-2", "line-3"]
    assert list(data["categories"]) == ["uncategorized"]
    by_id = {q["id"]: q for q in data["questions"]}
    assert by_id["line-1"]["metrics"]["recall_at_k"] == 1.0
    assert by_id["line-1"]["metrics"]["answer_precision"] is None
    assert by_id["line-2"]["metrics"]["answer_recall"] is not None
    assert by_id["line-3"]["abstained"]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| answer precision (on topic) |" in md
    assert "## Answers against their topic" in md and "### line-2: What does Dmitry read?" in md


@pytest.mark.slow
def test_eval_command_line(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, questions = tiny
    # Two folders after one --corpus, as `ingest` takes them.
    other = tmp_path / "other-corpus"
    other.mkdir()
    (corpus / "timestamps.txt").rename(other / "timestamps.txt")
    out = tmp_path / "cli-out"
    untouched = tmp_path / "user-index"
    env = {
        **os.environ,
        "IQA_STORE__INDEX_DIR": str(untouched),
        "HF_HUB_OFFLINE": "1",
        "COLUMNS": "120",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "interview_qa.ui.cli",
            "eval",
            "--corpus",
            str(corpus),
            str(other),
            "--questions",
            str(questions),
            "--out",
            str(out),
            "--thresholds",
            str(DEFAULT_THRESHOLDS),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    data = _check_reports(out)
    assert str(other) in data["meta"]["documents"]
    assert data["meta"]["thresholds_file"] == str(DEFAULT_THRESHOLDS)
    assert "overall" in proc.stdout
    assert not untouched.exists()


def test_own_question_file_is_gated_only_by_thresholds_it_names(
    tiny: tuple[Path, Path], tmp_path: Path
) -> None:
    """The bundled floors gate the bundled gold set; another question file is gated by the
    thresholds named for it, where a metric it can't measure is "not measured", no failure."""
    from interview_qa.eval.commands import run_eval

    corpus, questions = tiny
    settings = make_settings(tmp_path / "index", embedding={"backend": "hash"})
    out = tmp_path / "own"
    assert run_eval(settings, questions=questions, corpus=[corpus], out=out) == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["meta"]["thresholds_file"] is None and data["gate"]["failures"] == []
    md = (out / "report.md").read_text(encoding="utf-8")
    assert prompts.EVAL_NO_THRESHOLDS in md and "FAIL" not in md

    limits = tmp_path / "mine.toml"
    limits.write_text("[min]\nquote_fidelity = 1.0\n[min.open]\nanswer_recall = 0.5\n")
    out = tmp_path / "named"
    assert run_eval(settings, questions=questions, corpus=[corpus], out=out, thresholds=limits) == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["gate"]["passed"] and data["gate"]["failures"] == []
    assert data["meta"]["not_measured"] == ["open/answer_recall: not measured (floor 0.5)"]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"## Regression gate ({limits})" in md and "FAIL" not in md
    assert "- open/answer_recall: not measured (floor 0.5)" in md


def test_eval_corpus_folders_after_one_flag_only(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from interview_qa.ui.cli import app

    result = CliRunner().invoke(app, ["eval", str(tmp_path)])
    assert result.exit_code == 2
    assert "name the folders to ingest after --corpus" in result.output


def test_eval_command_line_reports_a_bad_question_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(GOOD) + "\n{oops\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "interview_qa.ui.cli",
            "eval",
            "--corpus",
            str(tmp_path),
            "--questions",
            str(bad),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "IQA_STORE__INDEX_DIR": str(tmp_path / "idx"), "COLUMNS": "1000"},
        timeout=300,
    )
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and "line 2" in lines[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_nli_scorer_loads_a_local_cross_encoder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder
) -> None:
    """A CrossEncoder folder (MiniLM with an untrained 3-way head: the loading path, not the
    quality) is used when named; a missing folder falls back to the offline scorer."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from interview_qa.assistant import LexicalEmbeddingScorer, NLIScorer

    source = str(Settings().embedding.model_dir)
    folder = tmp_path / "nli"
    labels = {0: "contradiction", 1: "entailment", 2: "neutral"}
    model = AutoModelForSequenceClassification.from_pretrained(
        source,
        num_labels=3,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
        local_files_only=True,
    )
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(source, local_files_only=True).save_pretrained(folder)

    monkeypatch.setenv("IQA_SUPPORT__NLI_MODEL", str(folder))
    scorer = make_scorer(embedder, Settings().support)
    assert isinstance(scorer, NLIScorer) and scorer.entail == 1
    value = scorer.score("Trust matters.", "The most essential skill is building trust.")
    assert 0.0 <= value <= 1.0
    monkeypatch.setenv("IQA_SUPPORT__NLI_MODEL", str(tmp_path / "missing"))
    assert isinstance(make_scorer(embedder, Settings().support), LexicalEmbeddingScorer)
