"""The sentence splitter: boundaries, offsets, abbreviations."""

from __future__ import annotations

import pytest

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
