"""The sentence splitter: boundaries, offsets, abbreviations."""

from __future__ import annotations

import pytest

from interview_qa.assistant.extractive import viewpoint
from interview_qa.ingest.sentences import sentence_spans, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I interview Dr. Drew often. Then I go home.",
            ["I interview Dr. Drew often.", "Then I go home."],
        ),
        ("Use tools, e.g. Python. It works.", ["Use tools, e.g. Python.", "It works."]),
        ("By J. R. R. Tolkien. Great book.", ["By J. R. R. Tolkien.", "Great book."]),
        ("Nobody did more than I. But then.", ["Nobody did more than I.", "But then."]),
        ("I said no. Then I left.", ["I said no.", "Then I left."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("Mrs. Smith came.\n\nMr. Jones left.", ["Mrs. Smith came.", "Mr. Jones left."]),
    ],
)
def test_sentences_split_after_sentences_not_abbreviations(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
    assert [text[a:b] for a, b in sentence_spans(text)] == expected


def test_viewpoint_reads_words_not_markdown() -> None:
    quote = "I use as many [Raspberry Pi][raspberry-pi] as I can get."
    assert "[" not in viewpoint(quote.replace("[raspberry-pi]", "(https://x.org)"))


def test_viewpoint_keeps_a_name_capitalised() -> None:
    assert viewpoint("Casey Kolderup is a person who writes.").startswith("Casey Kolderup")
    assert viewpoint("Reach out to us. You wonder.").startswith("reach out")


def test_viewpoint_lowercases_a_sentence_whose_second_word_is_i() -> None:
    assert viewpoint("What I like the most is the agency.").startswith("what I like")
    assert viewpoint("Maybe I'm wrong about that.").startswith("maybe I'm")
