"""A small, deterministic sentence splitter that keeps character offsets.

Used by the chunker (to split long turns at sentence boundaries) and by the extractive answerer
(to quote whole sentences). It splits after ``.``, ``!``, ``?`` or ``…`` (and any closing quote or
bracket) when whitespace and a capital letter, digit or opening quote follow, and at blank lines;
not after a common abbreviation ("Dr. Drew", "e.g. Python") or a lone initial ("J. R. R.").
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"""(?<=[.!?…])["”’)\]]*(?:\s+)(?=["“‘(\[]?[A-Z0-9])|\n\s*\n""")
#: Words whose period ends an abbreviation, not a sentence.
ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "eg",
        "ie",
        "cf",
        "approx",
        "fig",
        "vol",
        "inc",
        "ltd",
        "corp",
    ]
)
_LAST_WORD = re.compile(r"(?:^|[\s(\[\"“‘])([A-Za-z](?:[A-Za-z.]*[A-Za-z])?)\.$")


def _abbreviation(text: str, end: int) -> bool:
    """Whether the period ending ``text[:end]`` closes an abbreviation or a lone initial (not
    the pronoun "I")."""
    m = _LAST_WORD.search(text[max(0, end - 12) : end])
    if m is None:
        return False
    word = m.group(1)
    initial = len(word) == 1 and word.isupper() and word != "I"
    return initial or word.replace(".", "").lower() in ABBREVIATIONS


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences of ``text``, whitespace trimmed, in order."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _BOUNDARY.finditer(text):
        if "\n" not in m.group(0) and _abbreviation(text, m.start()):
            continue
        # The closing quote belongs to the sentence it closes.
        end = m.start() + len(m.group(0)) - len(m.group(0).lstrip('"”’)]'))
        _add(text, pos, end, spans)
        pos = m.end()
    _add(text, pos, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``."""
    return [text[a:b] for a, b in sentence_spans(text)]
