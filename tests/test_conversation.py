"""Conversations that move forward: "why?" and "tell me more" bring what the speaker said next
and never re-show a quote as new; "what about X?" searches X. On the test embedder (fast) and on
MiniLM (slow), over a small transcript written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from interview_qa.assistant import Assistant, Conversation, prompts
from interview_qa.ingest import Settings, ingest

from .conftest import FIXTURES, make_settings

CURIOSITY = "I hire for curiosity above everything else."
REASON = "Because curious engineers keep learning long after the interview is over."
RETROS = "We run retrospectives every two weeks"


@pytest.fixture(params=["hash", pytest.param("sentence-transformers", marks=pytest.mark.slow)])
def ana(request: pytest.FixtureRequest, tmp_path: Path) -> Assistant:
    settings: Settings = make_settings(tmp_path / "index").with_overrides(
        embedding={"backend": request.param}, corpus={"paths": [FIXTURES / "conversation"]}
    )
    if request.param == "hash":  # the calibrated threshold is MiniLM's; hashed words score lower
        settings = settings.with_overrides(retrieval={"min_similarity": 0.15})
    report = ingest([FIXTURES / "conversation"], settings)
    assert not report.errors
    return Assistant(settings)


def test_why_brings_the_reason_and_more_brings_nothing_again(ana: Assistant) -> None:
    talk = Conversation()
    first = talk.ask(ana, "What does Ana say about hiring?")
    assert CURIOSITY in first.text and first.follow_up is None
    why = talk.ask(ana, "why?")
    assert why.follow_up == "more" and REASON in why.text
    assert CURIOSITY not in why.text
    more = talk.ask(ana, "tell me more")
    assert more.text.startswith(prompts.NOTHING_MORE.format(speakers="A.R.", verb="says"))
    assert prompts.ALREADY_QUOTED in more.text
    assert len(talk.answers) == 3 and CURIOSITY in " ".join(talk.shown())


def test_a_follow_up_that_brings_a_topic_searches_it(ana: Assistant) -> None:
    talk = Conversation()
    talk.ask(ana, "How do you onboard new engineers?")
    retro = talk.ask(ana, "What about retrospectives?")
    assert retro.follow_up == "topic" and RETROS in retro.text
    assert "ships something small" not in retro.text
    assert any(n.startswith("Read as a new topic") for n in retro.notes)
    anew = talk.ask_anew(ana, "What about retrospectives?")
    assert anew.follow_up is None


def test_markup_next_to_words_does_not_hide_them(tmp_path: Path) -> None:
    from interview_qa.ingest.markup import words_only

    assert (
        words_only(
            "We write **postmortems** <b>after</b> every [incident](http://x.example) :fire: "
            "see https://wiki.example/pm"
        )
        == "We write postmortems after every incident see"
    )
    corpus = tmp_path / "chat"
    corpus.mkdir()
    (corpus / "log.md").write_text(
        "Interviewer: What about postmortems?\n\n"
        "Kim Ode: We write **postmortems** <b>after</b> every [incident](http://x.example) "
        ":fire: and nobody is blamed.\n\n"
        "Interviewer: And hiring?\n\n"
        "Kim Ode: We hire slowly.\n"
    )
    settings = make_settings(tmp_path / "index").with_overrides(
        embedding={"backend": "hash"}, corpus={"paths": [corpus]}
    )
    ingest([corpus], settings)
    answer = Assistant(settings).ask("What do they say about postmortems?")
    assert not answer.abstained, answer.text
    assert "postmortems" in answer.text


@pytest.fixture(params=["hash", pytest.param("sentence-transformers", marks=pytest.mark.slow)])
def panel(request: pytest.FixtureRequest, tmp_path: Path) -> Assistant:
    """A six-line panel: Kim Lee and Raj Patel answer the interviewer, who asks Raj by name."""
    settings: Settings = make_settings(tmp_path / "index").with_overrides(
        embedding={"backend": request.param}, corpus={"paths": [FIXTURES / "panel"]}
    )
    if request.param == "hash":  # the calibrated thresholds are MiniLM's; hashed words score lower
        settings = settings.with_overrides(
            retrieval={"min_similarity": 0.15, "min_heading_similarity": 0.4}
        )
    report = ingest([FIXTURES / "panel"], settings)
    assert not report.errors
    return Assistant(settings)


def test_and_another_name_asks_them_the_previous_question(panel: Assistant) -> None:
    talk = Conversation()
    first = talk.ask(panel, "What does Kim say about hiring?")
    assert "I hire for curiosity" in first.text
    raj = talk.ask(panel, "and Raj?")
    assert raj.follow_up == "speaker" and not raj.abstained, raj.text
    assert raj.filters.speakers == ("Raj Patel",)
    assert raj.query == "What does Raj Patel say about hiring?"
    assert "I look for people who explain trade-offs plainly" in raj.text
    assert {c.initials for c in raj.citations} == {"R.P."}
    # Raj said nothing about planning: asked of him, the planning question is declined.
    talk.ask(panel, "What does Kim say about planning?")
    planning = talk.ask(panel, "and Raj?")
    assert planning.abstained and "Raj," not in planning.text


def test_a_question_addressed_by_name_is_read_with_the_name_aside() -> None:
    from interview_qa.ingest.units import heading, unaddressed

    assert heading("", "Raj, what do you look for when hiring?") == (
        "What do you look for when hiring?"
    )
    assert unaddressed("What do you look for when hiring, Raj?") == (
        "What do you look for when hiring?"
    )
    assert unaddressed("Dr. Drew, why?") == "Why?"
    assert unaddressed("Paris, London or Berlin: which?") == "Paris, London or Berlin: which?"
    assert unaddressed("How do you plan a quarter?") == "How do you plan a quarter?"


def test_swap_speakers_puts_the_question_to_the_new_speakers() -> None:
    from interview_qa.assistant.questions import swap_speakers

    registry = {"Kim Lee": "K.L.", "Raj Patel": "R.P.", "Ana Ruiz": "A.R."}
    assert swap_speakers(
        "What does Kim say about hiring?", ["Kim Lee"], ["Raj Patel"], registry
    ) == ("What does Raj Patel say about hiring?")
    assert swap_speakers(
        "What do Kim and A.R. think of hiring?", ["Kim Lee", "Ana Ruiz"], ["Raj Patel"], registry
    ) == ("What do Raj Patel think of hiring?")
    assert swap_speakers("How do they hire?", ["Kim Lee"], ["Raj Patel"], registry) == (
        "How do they hire?"
    )
