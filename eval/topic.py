"""Whether an answer's quotes are on the question's topic, and how much of the topic they carry.

Scored from the typed answer's :class:`~interview_qa.assistant.Citation` objects, never from the
rendered text. Definitions (also in eval/QUESTIONS.md, *Topic*):

* A **quoted unit** is one paragraph or list item of a citation's quote: ``Citation.quote`` split
  at its line breaks (a summary list quoted whole is one unit per item). A line that is only a
  list's label (``Books:``, at most :data:`LABEL_WORDS` words ending in a colon) is not a unit,
  nor is a line without a word.
* Texts are compared as **word sequences**: casefolded, curly quotes and apostrophes made
  straight, every run of letters and digits (with inner apostrophes) one word, punctuation and
  whitespace ignored.
* Two texts **overlap** when the word sequence of one lies inside the other's (normalised
  containment, either way), or when they share a contiguous run of at least :data:`MIN_RUN`
  words covering at least :data:`MIN_SHARE` of the shorter of the two (substantial overlap: a
  quote that straddles the edge of a gold snippet, or quotes another part of the sentence the
  snippet was cut from).
* A quoted unit is **on topic** when it overlaps one of the question's ``topic`` snippets; a
  ``topic`` snippet is **covered** when some quoted unit overlaps it. A unit shorter than
  :data:`MIN_RUN` words (``"I think."``, ``"Embrace them."``) lies inside many texts, so it
  overlaps a snippet only when the passage it was quoted from (``Answer.passages``, by the
  citation's number) overlaps that snippet too: it is a piece of the same passage.
* **answer precision** = on-topic units / units (undefined when the answer quotes nothing);
  **answer recall** = covered snippets / min(:data:`RECALL_CAP`, number of snippets), at most 1
  (undefined for questions without ``topic``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from interview_qa.assistant import Answer

#: Answer recall counts at most this many snippets: an answer quoting five on-topic passages
#: has carried all it reasonably can.
RECALL_CAP = 5
#: Substantial overlap: a shared run of at least this many words …
MIN_RUN = 4
#: … covering at least this share of the shorter text.
MIN_SHARE = 0.5
#: A line of at most this many words ending in ":" is a list's label, not a quoted unit.
LABEL_WORDS = 4

_WORD = re.compile(r"\w+(?:'\w+)*")
_STRAIGHT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def words(text: str) -> tuple[str, ...]:
    """The normalised word sequence of a text (see the module docstring)."""
    return tuple(_WORD.findall(text.translate(_STRAIGHT).casefold()))


def _inside(needle: Sequence[str], hay: Sequence[str]) -> bool:
    n = len(needle)
    if n == 0 or n > len(hay):
        return False
    first = needle[0]
    return any(
        hay[i] == first and tuple(hay[i : i + n]) == tuple(needle) for i in range(len(hay) - n + 1)
    )


def overlap(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two word sequences overlap: containment either way, or a shared contiguous run of
    at least MIN_RUN words covering at least MIN_SHARE of the shorter one."""
    if not a or not b:
        return False
    if _inside(a, b) or _inside(b, a):
        return True
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= MIN_RUN and match.size >= MIN_SHARE * min(len(a), len(b))


@dataclass
class QuotedUnit:
    """One quoted unit of an answer, and the topic snippet it overlaps (None: off topic)."""

    text: str
    number: int
    initials: str
    match: str | None

    @property
    def on_topic(self) -> bool:
        """Whether the unit overlaps one of the question's topic snippets."""
        return self.match is not None


def quoted_units(answer: Answer) -> list[tuple[str, int, str, str]]:
    """(text, passage number, initials, text of the cited passage) of every quoted unit of the
    answer's citations (the citation's quote stands for a passage the answer doesn't carry)."""
    passages = {p.number: p.text for p in answer.passages}
    out = []
    for citation in answer.citations:
        source = passages.get(citation.number, citation.quote)
        for line in citation.quote.splitlines():
            text = line.strip().lstrip("-*•").strip()
            found = words(text)
            if not found or (text.endswith(":") and len(found) <= LABEL_WORDS):
                continue
            out.append((text, citation.number, citation.initials, source))
    return out


def unit_on_snippet(unit: Sequence[str], source: Sequence[str], snippet: Sequence[str]) -> bool:
    """Whether a quoted unit (quoted from the passage ``source``) overlaps a topic snippet; a
    unit shorter than MIN_RUN words only where its passage overlaps the snippet too."""
    if not overlap(unit, snippet):
        return False
    return len(unit) >= MIN_RUN or overlap(source, snippet)


@dataclass
class TopicScores:
    """Answer precision and recall of one answer against its question's topic snippets."""

    units: list[QuotedUnit]
    covered: list[str]
    missed: list[str]

    @property
    def precision(self) -> float | None:
        """Share of the quoted units on topic (None: nothing quoted)."""
        if not self.units:
            return None
        return sum(u.on_topic for u in self.units) / len(self.units)

    @property
    def recall(self) -> float:
        """Covered snippets over min(RECALL_CAP, snippets), at most 1."""
        total = len(self.covered) + len(self.missed)
        return min(1.0, len(self.covered) / min(RECALL_CAP, total)) if total else 0.0


def topic_scores(answer: Answer, topic: Sequence[str]) -> TopicScores | None:
    """Answer precision and recall of ``answer`` against ``topic`` snippets (None without any)."""
    if not topic:
        return None
    gold = [(snippet, words(snippet)) for snippet in topic]
    units = []
    hit: set[int] = set()
    for text, number, initials, source in quoted_units(answer):
        unit, context = words(text), words(source)
        matched = [
            i for i, (_, snippet) in enumerate(gold) if unit_on_snippet(unit, context, snippet)
        ]
        hit.update(matched)
        units.append(QuotedUnit(text, number, initials, gold[matched[0]][0] if matched else None))
    return TopicScores(
        units=units,
        covered=[s for i, (s, _) in enumerate(gold) if i in hit],
        missed=[s for i, (s, _) in enumerate(gold) if i not in hit],
    )
