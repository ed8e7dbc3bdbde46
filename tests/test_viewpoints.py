"""The first line's viewpoints: a whole phrase of the speaker's own words or none, never a
fragment (fast: no model; the bundled gold set's first lines are checked in test_eval_gate)."""

from __future__ import annotations

import pytest

from interview_qa.assistant import prompts
from interview_qa.assistant.candidates import Sentence
from interview_qa.assistant.extractive import compose
from interview_qa.assistant.results import Passage
from interview_qa.assistant.viewpoints import (
    candidates,
    fragment_reason,
    read_viewpoints,
    topic_hits,
    viewpoint,
)

#: Quotes of the bundled corpus and of public podcast transcripts, and the fragments the first
#: line used to cut from them.
FRAGMENTS = [
    (
        "In my previous company, I was mentoring Staff Engineers to have them to learn how it "
        "works and what it means to be a Staff or Senior Staff, and I think it's interesting.",
        "in my previous company",
    ),
    (
        "I was never thinking, \"I'm a backend engineer, I have to only work on this ticket "
        'today." I was always looking around for things to do beyond my daily work.',
        "was never thinking",
    ),
    ("And we try to produce results based on wrong assumptions.", "produce results based on"),
    (
        "Don't shy away from opportunities outside your perceived scope and ask for more.",
        "don't shy away from opportunities outside…",
    ),
    (
        "When you're the only one who cares about a specific topic, you really need to convince "
        "others.",
        "when you're the only one who…",
    ),
    (
        "If you have a feeling, or if you have a good intuition about something, we seek "
        "feedback from the others.",
        "if you have a feeling",
    ),
    (
        "I also believe a big part of the Staff-plus engineer role is about mentoring, "
        "sponsoring, and overall helping other engineers to grow.",
        "a big part of the Staff-plus engineer role is about mentoring, sponsoring",
    ),
    ("Engineers especially, we do this ourselves - standing up a company.", "engineers especially"),
    ("They needed a way to share that, because they were hiring remote.", "needed a way to share"),
    ("I'm not perfect at switching between the archetypes.", "not perfect at switching"),
    ("Yeah, it's important to do that; otherwise, we will go crazy.", "do that"),
    ("That's a good question. It depends.", "it depends"),
    (
        'And of course, we always say, "We could probably build this, right? We could build a '
        'little tool there."',
        "we could build a little tool there",
    ),
    ("Conflict would be wonderful if there would be less of it.", "conflict would be wonderful"),
    ("I know you've got a real focus on enterprise.", "know you've got a real focus on enterprise"),
    ("I have some thoughts on the norm, but I'd love to hear from others.", "I have some thoughts"),
    (
        "One person had experience [unintelligible 01:03:39.21] so she gave me advice on that.",
        "one person had experience [unintelligible 01",
    ),
    (
        "I think that adds to the value, even though it's kind of hard [laughs].",
        "kind of hard [laughs]",
    ),
]


@pytest.mark.parametrize(("quote", "fragment"), FRAGMENTS)
def test_a_fragment_is_never_a_viewpoint(quote: str, fragment: str) -> None:
    assert fragment_reason(fragment, quote) is not None
    phrase = viewpoint(quote)
    assert phrase != fragment
    assert not phrase or fragment_reason(phrase, quote) is None
    assert all(fragment_reason(p, quote) is None for p in candidates(quote))


WHOLE = [
    (
        "How do I prioritize? I ask about the impact. But it isn't always clear.",
        "ask about the impact",
    ),
    (
        "You need absolutely to maintain that skill regardless of whether you're actually working "
        "right now on something that requires you to be hands-on or not.",
        "maintain that skill",
    ),
    (
        "When you're the only one who cares about a specific topic, you really need to convince "
        "others.",
        "convince others",
    ),
    (
        "I'm not perfect at switching between the archetypes.",
        "I'm not perfect at switching between the archetypes",
    ),
    ("It's super important to build trust with the people.", "build trust with the people"),
    (
        "You might choose management, but it might be a strategic investment in your skillset.",
        "it might be a strategic investment in your skillset",
    ),
    (
        "When you start operating at a Staff-plus level... your impact is perceived over a very "
        "long term.",
        "your impact is perceived over a very long term",
    ),
    (
        "Make sure that you work for others, and start to think about why you work.",
        "make sure that you work for others",
    ),
    (
        "GitHub is one of those special companies where a lot of great work was done.",
        "GitHub is one of those special companies",
    ),
    (
        "Two years down the line, you might find yourself in a much better position.",
        "you might find yourself in a much better position",
    ),
    (
        "I rely a lot on intuition regarding how I spend my time.",
        "rely a lot on intuition regarding how I spend my time",
    ),
    (
        "One person had experience [unintelligible 01:03:39.21] so she gave me advice on that.",
        "one person had experience",
    ),
    (
        "One person had experience \\[unintelligible 01:03:39.21\\] so she gave me advice.",
        "one person had experience",
    ),
    (
        "I work at my job for eight hours, starting at 8:30 in the morning.",
        "work at my job for eight hours",
    ),
]


@pytest.mark.parametrize(("quote", "expected"), WHOLE)
def test_a_viewpoint_is_a_whole_phrase_of_the_speakers_words(quote: str, expected: str) -> None:
    assert viewpoint(quote) == expected
    assert fragment_reason(expected, quote) is None


def test_the_rules_read_the_phrase_in_its_sentence() -> None:
    quote = "I was never thinking about it. Give yourself time to digest information."
    assert fragment_reason("give yourself time", quote) == "cut mid-clause"
    assert fragment_reason("give yourself time to digest information", quote) is None
    assert fragment_reason("take time to digest", quote) == "not the speaker's words"
    assert fragment_reason("ask about the impact…", "I ask about the impact.") is not None
    long = "Taking time to prepare many ways to present the same topic is part of the job to do."
    assert "words" in (fragment_reason(long.rstrip("."), long) or "")
    assert fragment_reason("that you work", "Make sure that you work.") == "opens with 'that'"
    pointing = "I'm not perfect at switching. It is extremely difficult, especially on one day."
    reason = fragment_reason("it is extremely difficult", pointing)
    assert reason == "goes on with the sentence before"
    assert viewpoint(pointing) == "I'm not perfect at switching"
    assert fragment_reason("it is important to rest", "It is important to rest.") is None
    colleague = "One of my former colleagues, Dan, has written a bunch about how you choose."
    assert fragment_reason("Dan, has written a bunch about how you choose", colleague) == (
        "'has' without its subject"
    )


def test_the_question_picks_the_viewpoint() -> None:
    quote = "Our careers are long. Don't be afraid to deviate from the script."
    assert viewpoint(quote) == "our careers are long"
    assert viewpoint(quote, {"script", "follow"}) == "don't be afraid to deviate from the script"
    assert viewpoint([quote, "Enjoy, enjoy, have fun."], {"fun"}) == "enjoy, enjoy, have fun"
    assert topic_hits("maintain that skill", {"skills"}) == 1


def test_viewpoint_reads_words_not_markdown() -> None:
    quote = "I use as many [Raspberry Pi](https://x.org) as I can get."
    assert "[" not in viewpoint(quote) and viewpoint(quote).startswith("use as many")


def test_viewpoint_keeps_a_name_capitalised() -> None:
    assert viewpoint("Casey Kolderup is a person who writes.").startswith("Casey Kolderup")
    assert viewpoint("Reach out to us. You wonder.").startswith("reach out")
    assert viewpoint("PR stands for pull request.") == "PR stands for pull request"


def test_viewpoint_lowercases_a_sentence_whose_second_word_is_i() -> None:
    assert viewpoint("What I like the most is the agency.").startswith("what I like")
    assert viewpoint("Maybe I'm wrong about that.").startswith("maybe I'm")


def _unit(text: str, speaker: str, number: int) -> Sentence:
    passage = Passage(
        number, f"p{number}", text, speaker, speaker, "transcript", "d", "d.txt", 0, 0
    )  # type: ignore[arg-type]
    return Sentence(passage, 0, len(text)).scored(1.0 / number)


def test_the_first_line_names_a_speaker_without_a_whole_phrase_alone() -> None:
    ask = _unit("I ask about the impact first.", "S.", 1)
    vague = _unit(FRAGMENTS[0][0], "N.", 2)
    text, _, _ = compose([ask, vague], [])
    first = text.split("\n")[0]
    assert first == prompts.FRAMING_VIEWPOINTS_BARE.format(
        viewpoints="S.: ask about the impact first · N."
    )
    assert read_viewpoints(first) == [("S.", "ask about the impact first"), ("N.", "")]
    text, _, _ = compose([vague], [])
    assert text.split("\n")[0] == prompts.FRAMING_ONE_SPEAKER.format(speaker="N.")
    assert read_viewpoints(text.split("\n")[0]) == [("N.", "")]
    text, _, _ = compose([vague, _unit("Well, that depends.", "T.", 3)], [])
    assert text.split("\n")[0] == prompts.FRAMING_SPEAKERS.format(speakers="N. and T.")
    text, _, _ = compose([ask], [])
    assert read_viewpoints(text.split("\n")[0]) == [("S.", "ask about the impact first")]
    assert read_viewpoints(prompts.FRAMING_SUMMARY_ONLY) == []
