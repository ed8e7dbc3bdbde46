"""Quoting whole thoughts, on topic: question sentences keep their answer, quotes never cross
paragraphs, the aspect asked for is respected, lists appear only when asked for (fast: no model)."""

from __future__ import annotations

import numpy as np
import pytest

from interview_qa.assistant.candidates import Sentence, candidate_sentences, heading_of
from interview_qa.assistant.extractive import compose, select
from interview_qa.assistant.results import Passage
from interview_qa.assistant.topic import (
    TopicTest,
    asks_for_list,
    aspects_of,
    context_words,
    path_aspects,
)
from interview_qa.assistant.viewpoints import viewpoint


def _p(text: str, speaker: str = "S.", number: int = 1, **kw: str) -> Passage:
    return Passage(
        number, f"p{number}", text, speaker, speaker, "transcript", "d", "d.txt", 0, 0, **kw
    )  # type: ignore[arg-type]


def test_a_question_sentence_never_stands_alone() -> None:
    p = _p("How do I prioritize? I ask about the impact. But it isn't always clear.")
    units = candidate_sentences([p])
    assert [u.text for u in units if u.asks] == [p.text]
    assert "How do I prioritize?" not in [u.text for u in units]
    host = _p("How would you describe your day to day?", speaker="D.", role="host")
    assert candidate_sentences([host]) == []


def test_a_quote_never_crosses_two_paragraphs() -> None:
    p = _p("You might find yourself in a much better position.\n\nOur careers are long indeed.")
    units = candidate_sentences([p])
    assert {u.paragraph for u in units} == {0, 1}
    _, citations, statements = compose(units, [])
    assert [s.text for s in statements] == [
        "You might find yourself in a much better position.",
        "Our careers are long indeed.",
    ]
    assert len(citations) == 2


def test_a_sentence_that_points_back_is_quoted_with_what_it_points_to() -> None:
    text = (
        "I'm not perfect at switching between the archetypes. It is extremely difficult, "
        "especially when you try to do it within a given day or from one week to another."
    )
    p = _p(text, speaker="T.")
    units = candidate_sentences([p])
    second = [u for u in units if u.text.startswith("It is extremely")]
    assert len(second) == 1
    _, citations, statements = compose(second, [])
    assert [s.text for s in statements] == [text]
    assert len(citations) == 1
    # Back past sentences too short to say anything ("I think."), to the one it points to.
    crazy = "Give yourself time to digest information. I think. Yeah, it's important to do that."
    q = _p(crazy, speaker="T.")
    last = [u for u in candidate_sentences([q]) if u.text.startswith("Yeah")]
    assert [s.text for s in compose(last, [])[2]] == [crazy]
    # An "it" that points ahead, a new paragraph and a sentence of its own stay as they are.
    for alone in (
        "We met on Monday to plan. It is important to rest between the big projects.",
        "We met on Monday to plan.\n\nIt is extremely hard to rest between the projects.",
        "We met on Monday to plan. Rest is extremely hard to find between projects.",
    ):
        q = _p(alone)
        last = candidate_sentences([q])[-1]
        _, _, quoted = compose([last], [])
        assert quoted[0].text == " ".join(last.text.split()), alone


def test_aspects_and_lists() -> None:
    assert aspects_of("What is the hardest part of the role?") == {"difficulty"}
    assert aspects_of("What do they like most about it?") == {"reward"}
    assert path_aspects(
        "Navigating the Challenges and Embracing the Rewards › Rewards › Agency"
    ) == {"reward"}
    test = TopicTest.of("What is the hardest part?")
    assert not test.on_topic("What I like most is the agency we have.", "", "")
    assert test.on_topic("It is extremely difficult to switch.", "Rewards", "")
    assert test.on_topic("Don't expect to split your time evenly.", "", "Balancing Archetypes")
    assert asks_for_list("Which books do they recommend?") and not asks_for_list("Why trust?")


def test_list_items_need_a_list_question() -> None:
    from interview_qa.assistant.extractive import score_sentences
    from interview_qa.ingest.settings import AnswerSettings

    books = _p('"Staff Engineer" by Will Larson\n"Radical Candor" by Kim Scott', speaker="summary")
    units = candidate_sentences([books], min_words=2)
    assert units and all(u.list_item for u in units)
    vectors = np.ones((len(units), 3), dtype=np.float32) / np.sqrt(3)
    q = np.ones(3, dtype=np.float32) / np.sqrt(3)
    units = score_sentences(units, "How do they prioritize?", q, vectors, AnswerSettings())
    assert all(u.score == -1.0 for u in units)
    units = score_sentences(
        units, "Which books?", q, vectors, AnswerSettings(), topic=TopicTest.of("Which books?")
    )
    assert all(u.score > 0 for u in units)


def test_headline_viewpoints_are_the_speakers_own_words() -> None:
    assert viewpoint("How do I prioritize? I ask about the impact. But it isn't clear.") == (
        "ask about the impact"
    )
    assert viewpoint("You need to get hooked on the impact you're generating.") == (
        "get hooked on the impact you're generating"
    )
    unit = Sentence(_p("I ask about the impact first."), 0, 29)
    text, _, _ = compose([unit], [])
    assert text.startswith("S.: ask about the impact first")
    assert heading_of(_p("x", section="A › B › C")) == "C"


def test_context_words_include_possessives() -> None:
    words = context_words(["Interviews at Back Market"], ["G."])
    assert {"market", "market's", "market’s"} <= words
    assert "at" not in words


def test_a_unit_holding_the_questions_rare_words_survives_the_margin() -> None:
    from interview_qa.ingest.settings import AnswerSettings

    best = Sentence(_p("I'm not perfect at switching between the archetypes.", "T."), 0, 52)
    said = Sentence(_p("Don't expect to split your time evenly.", "S.", number=2), 0, 39)
    best = best.scored(0.78)
    cfg = AnswerSettings(relative_margin=0.12, lexical_keep=0.5)
    said = said.scored(0.65, {"overlap": 0.8})
    assert said in select([best, said], cfg)
    said = said.scored(0.65, {"overlap": 0.1})
    assert select([best, said], cfg) == [best]


def test_an_interviewees_words_come_before_the_hosts() -> None:
    from interview_qa.assistant.extractive import score_sentences
    from interview_qa.ingest.settings import AnswerSettings

    said = "We deploy every model through one bundle."
    guest = Sentence(_p(said, "G.", role="interviewee"), 0, len(said))
    host = Sentence(_p(said, "D.", number=2, role="host"), 0, len(said))
    vectors = np.ones((2, 3), dtype=np.float32) / np.sqrt(3)
    q = np.ones(3, dtype=np.float32) / np.sqrt(3)
    cfg = AnswerSettings(speaker_bonus=0.05)
    guest, host = score_sentences([guest, host], "How do they deploy models?", q, vectors, cfg)
    assert guest.score - host.score == pytest.approx(0.05)


def test_a_hosts_talk_is_quoted_only_when_no_interviewee_answers() -> None:
    from interview_qa.ingest.settings import AnswerSettings

    cfg = AnswerSettings()
    remark, answer = "You give a lot of feedback.", "I give feedback with the SBI model."
    host = Sentence(_p(remark, "J.S.", role="host"), 0, len(remark), score=0.70)
    guest = Sentence(_p(answer, "L.H.", number=2, role="interviewee"), 0, len(answer), score=0.62)
    # Above the interviewee's words (it echoes the question), it is still no answer.
    assert select([host, guest], cfg) == [guest]
    # Alone, or naming what the question asks the name of, it is quoted.
    assert select([host], cfg) == [host]
    naming = host.scored(0.70, {"names": 1.0})
    assert select([naming, guest], cfg) == [naming, guest]
