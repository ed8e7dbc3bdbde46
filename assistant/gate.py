"""Stage 3, the gate: do the retrieved passages bear on the question at all?

Relevance is the best score of the relevance stage (:mod:`interview_qa.assistant.relevance`) of a
retrieved passage or one of its sentences against the question; below
``retrieval.min_similarity`` the assistant abstains. A question asking for
a quantity or a date ("how many…", "how much…", "when were…") also needs a number or time
expression among the most relevant sentences; one asking when something happened needs a point in
time (a year, a date, "ago", "last year"), not a duration. One asking for a name ("what is the
name of the CEO?") needs one among them: a capitalised word inside a sentence that the question
doesn't hold, beside a word for what is named ("CEO"). (Quote questions, "who said…", are
settled by their own composer: :mod:`interview_qa.assistant.quotes`.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from interview_qa.assistant.candidates import Sentence
from interview_qa.assistant.questions import (
    content_words,
    has_new_name,
    has_quantity,
    has_time_point,
    wants_date,
    wants_name,
    wants_quantity,
)
from interview_qa.assistant.results import Passage
from interview_qa.ingest.settings import Settings

Reason = Literal["relevant", "no_passages", "below_threshold", "no_quantity", "no_name"]


@dataclass(frozen=True)
class Verdict:
    """The gate's decision, and the relevance it was based on."""

    relevant: bool
    relevance: float
    reason: Reason


class Gate:
    """Decides whether to answer from the retrieved passages or to say "not covered"."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check(
        self,
        query: str,
        passages: Sequence[Passage],
        sentences: Sequence[Sentence],
        cosines: np.ndarray,
        headings: Sequence[float] = (),
        frequency: Mapping[str, float] | None = None,
        passage_scores: Sequence[float] | None = None,
    ) -> Verdict:
        """The verdict on ``passages`` for ``query``; ``cosines`` are its sentences' cosine
        similarities to the question, ``headings`` those of the headings the passages answer
        (an interviewer's question as close as ``min_heading_similarity`` makes them relevant:
        the question was asked in the interview). A passage holding one of the question's rare
        words (``frequency``: word → share of chunks holding it) is relevant too.
        ``passage_scores`` are the relevance stage's scores of the passages themselves (their
        similarity as retrieved, when not given)."""
        if not passages:
            return Verdict(False, 0.0, "no_passages")
        own = passage_scores if passage_scores is not None else [p.similarity for p in passages]
        best = max(max(own, default=0.0), float(cosines.max()) if len(cosines) else 0.0)
        cfg = self.settings.retrieval
        asked = max(headings, default=0.0)
        if asked >= cfg.min_heading_similarity:
            best = max(best, asked)
        if best < cfg.min_similarity and not self._rare_word_match(query, passages, frequency):
            return Verdict(False, best, "below_threshold")
        quantity, name = wants_quantity(query), wants_name(query)
        if not (quantity or name):
            return Verdict(True, best, "relevant")
        window = self.settings.answer.quantity_window
        top = [sentences[int(i)].text for i in np.argsort(-cosines)[:window]]
        if quantity:
            # "When were…" asks for a point in time: a duration ("a year and a half") is none.
            found = has_time_point if wants_date(query) else has_quantity
            if not any(found(text) for text in top):
                return Verdict(False, best, "no_quantity")
        if name and not any(has_new_name(text, query) for text in top):
            return Verdict(False, best, "no_name")
        return Verdict(True, best, "relevant")

    def _rare_word_match(
        self, query: str, passages: Sequence[Passage], frequency: Mapping[str, float] | None
    ) -> bool:
        """Whether a passage holds, as a word, one of the question's words that at most
        ``rare_word_share`` of the chunks hold (and at least one does)."""
        if not frequency:
            return False
        share = self.settings.retrieval.rare_word_share
        rare = {w for w in content_words(query) if 0 < frequency.get(w, 0.0) <= share}
        return bool(rare) and any(rare & set(content_words(p.text)) for p in passages)
