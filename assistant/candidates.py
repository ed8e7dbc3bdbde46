"""The candidate units of an answer: the thoughts of the retrieved passages that may be quoted.

A unit is cut by ingest's one rule (:func:`interview_qa.ingest.units.unit_spans`): a sentence,
or a question sentence together with the sentences of its paragraph that answer it. Units are
values: a stage that scores them makes new ones (:meth:`Sentence.scored`), never changes them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from interview_qa.assistant.results import Passage
from interview_qa.assistant.verify import normalize
from interview_qa.ingest.units import SplitRule, heading, unit_spans


@dataclass(frozen=True)
class Sentence:
    """A candidate unit: its passage, its span in the passage text (one paragraph), whether it
    opens with a question, and its relevance."""

    passage: Passage
    start: int
    end: int
    score: float = 0.0
    paragraph: int = 0
    asks: bool = False
    #: A line of a summary list (quoted only when the question asks for a list).
    list_item: bool = False
    extras: Mapping[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The unit's words, exactly as in the passage."""
        return self.passage.text[self.start : self.end]

    def scored(self, score: float, extras: Mapping[str, float] | None = None) -> Sentence:
        """This unit with ``score`` (and ``extras``, the parts it was made of)."""
        return dataclasses.replace(
            self, score=score, extras=dict(self.extras if extras is None else extras)
        )


def already_shown(text: str, shown: AbstractSet[str]) -> bool:
    """Whether a unit's words were already quoted in the conversation (``shown`` holds the
    normalised quotes shown so far): the same words, or words inside or around them."""
    if not shown:
        return False
    mine = normalize(text)
    return any(mine in other or other in mine for other in shown)


def heading_of(passage: Passage) -> str:
    """What a passage answers: the interviewer's question, or the deepest level of its summary
    section ("Prioritizing Tasks"); see :func:`interview_qa.ingest.units.heading`."""
    return heading(passage.section, passage.question)


def candidate_sentences(
    passages: Sequence[Passage], min_words: int | None = None, budget_words: int | None = None
) -> list[Sentence]:
    """Every unit of the passages that can stand as a quote: sentences of at least
    ``min_words`` words, and question sentences joined to the sentences of their paragraph
    that follow them (up to ``budget_words`` words). A question with no answer after it, and an
    interviewer's or host's question, is no unit. The rule is ingest's
    (:func:`interview_qa.ingest.units.unit_spans`), which stores every unit's vector. Either
    size left out is the settings' default."""
    rule = SplitRule.default()
    min_words = rule.min_words if min_words is None else min_words
    budget_words = rule.budget_words if budget_words is None else budget_words
    return [
        Sentence(p, u.start, u.end, paragraph=u.paragraph, asks=u.asks, list_item=u.list_item)
        for p in passages
        for u in unit_spans(p.text, p.role, p.speaker, min_words, budget_words)
    ]
