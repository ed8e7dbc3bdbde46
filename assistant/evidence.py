"""Stage 3, the evidence: everything the composers read about one question, built once.

After the plan, :class:`EvidenceBuilder` embeds the question, retrieves a pool of passages that
the relevance stage (:mod:`interview_qa.assistant.relevance`) cuts to the best ``top_k`` (with
what a speaker said next, for "tell me more"; with the passages holding a quoted phrase, for
questions that quote), cuts them into candidate units with their stored vectors, has the stage
score the units, the headings the passages answer and the passages, and asks the gate whether
any of it bears on the question. The result is one
frozen :class:`Evidence`: composers read it and none changes it (its arrays are read-only).

A composer (:class:`Composer`) turns a plan and its evidence into a :class:`Draft`, or returns
None to let the next one answer; the Assistant tries them in order.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from interview_qa.assistant.candidates import (
    Sentence,
    already_shown,
    candidate_sentences,
    heading_of,
)
from interview_qa.assistant.gate import Gate, Verdict
from interview_qa.assistant.plan import QueryPlan
from interview_qa.assistant.questions import (
    asks_for_more,
    content_words,
    focus_text,
    is_follow_up,
    without_speakers,
)
from interview_qa.assistant.relevance import Relevance, RelevanceStage
from interview_qa.assistant.results import Answer, Draft, Filters, Passage
from interview_qa.assistant.topic import TopicTest
from interview_qa.assistant.verify import closest_span, find_verbatim
from interview_qa.ingest import SUMMARY_SPEAKER, Settings
from interview_qa.ingest.markup import words_only

if TYPE_CHECKING:
    from interview_qa.assistant.retrieval import PassageRetriever
    from interview_qa.assistant.vectors import CachedVectors
    from interview_qa.ingest import Index

#: Where a quote's words are: the passage, the span, and whether they are verbatim there.
Located = tuple[Passage, int, int, bool]

#: Quotes shorter than this many words are a phrase, not a quotation to look up.
MIN_QUOTE_WORDS = 3


@dataclass(frozen=True)
class QuoteEvidence:
    """What the index holds of words a question quotes."""

    text: str
    #: Where they are (verbatim first, else the closest fuzzy match), or None.
    located: Located | None = None
    #: Found verbatim only under a speaker other than those the question credits.
    misattributed: Located | None = None


@dataclass(frozen=True)
class Evidence:
    """One question's evidence (see the module docstring). ``query`` is the plan's standalone
    query; ``question`` the same without the names of the speakers it is filtered to (what is
    asked of their words)."""

    query: str
    question: str
    passages: tuple[Passage, ...]
    #: Candidate units of the passages, less those the conversation already showed.
    units: tuple[Sentence, ...]
    #: One row per unit (read-only).
    unit_vectors: np.ndarray
    #: The unit vector of ``question``.
    question_vec: np.ndarray
    #: The vector of ``question`` without corpus-wide and context words, when that differs.
    focus_vec: np.ndarray | None
    #: Word → share of chunks holding it.
    frequency: Mapping[str, float]
    topic: TopicTest
    #: Speaker label → initials, over the whole index.
    registry: Mapping[str, str]
    verdict: Verdict
    #: The relevance stage's scores of the units, headings and passages: what every decision
    #: reads (:mod:`interview_qa.assistant.relevance`).
    relevance: Relevance
    #: Ids of the passages that continue the previous answer's thread ("tell me more").
    continuing: frozenset[str] = frozenset()
    quote: QuoteEvidence | None = None
    timings: Mapping[str, float] = field(default_factory=dict)


class Composer(Protocol):
    """Writes a question's answer from its plan and evidence, or returns None to let the next
    composer answer."""

    def compose(self, plan: QueryPlan, evidence: Evidence) -> Draft | None:
        """The draft answer, or None."""
        ...


@dataclass(frozen=True)
class _QuestionVectors:
    """The unit vectors of a question: the question asked of the speakers' words (names aside)
    and its focus (corpus-wide and context words aside), when it has one."""

    question: np.ndarray
    focus: np.ndarray | None

    def cosines(self, vectors: np.ndarray) -> np.ndarray:
        """Each row's cosine to the question, averaged with its cosine to the focus when the
        question has one (what every decision but the gate reads)."""
        cosines = vectors @ self.question if len(vectors) else np.zeros(0)
        if self.focus is not None and len(vectors):
            cosines = (cosines + vectors @ self.focus) / 2
        return cosines


class _StoredVectors:
    """The unit and heading vectors ingest stored, read from the index once per chunk for one
    question (the pool, then the passages that go on, are read in one batch each at most)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.read: set[str] = set()
        self.vectors: dict[str, np.ndarray] = {}

    def of(self, passages: Sequence[Passage]) -> dict[str, np.ndarray]:
        """Embedded text → stored vector, for the units and headings of ``passages``."""
        missing = [p.id for p in passages if p.id not in self.read]
        if missing:
            self.vectors.update(self.index.unit_vectors(missing))
            self.read.update(missing)
        return self.vectors


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


class EvidenceBuilder:
    """Builds a question's :class:`Evidence` from the components of one opened index."""

    def __init__(
        self,
        settings: Settings,
        index: Index,
        retriever: PassageRetriever,
        vectors: CachedVectors,
        context: Callable[[], set[str]],
        relevance: RelevanceStage,
    ) -> None:
        self.settings = settings
        self.index = index
        self.retriever = retriever
        self.vectors = vectors
        self.gate = Gate(settings)
        self.relevance = relevance
        self._context = context

    def build(self, plan: QueryPlan) -> Evidence:
        """The evidence for ``plan`` (a plan without a refusal)."""
        timings: dict[str, float] = {}
        t = time.perf_counter()
        frequency = self.index.document_frequency()
        generic = self.settings.retrieval.generic_share
        # Headings are read with names aside (ingest.units.heading), and so is the question:
        # retrieval is filtered to the speakers it names, and searching for their names too
        # would find their passages by the host's "Well, Lara, …" rather than by the topic.
        question = without_speakers(plan.query, plan.filters.speakers)
        focus = focus_text(question, frequency, generic, self._context())
        # Search adds the question's focus (corpus-wide words aside) and a follow-up's words.
        searched = focus_text(question, frequency, generic)
        extras = [e for e in (searched, " ".join(plan.added)) if e]
        texts = [question, *([focus] if focus else []), *extras]
        # One forward pass for all of them: a larger model pays per call, not per short text.
        embedded = dict(zip(texts, self.vectors.embed(texts, kind="query"), strict=True))
        question_vec = embedded[question]
        search_vec = question_vec + sum((embedded[e] for e in extras), np.zeros_like(question_vec))
        search_vec = search_vec / np.linalg.norm(search_vec)
        vectors = _QuestionVectors(question_vec, embedded.get(focus or ""))
        timings["embed"] = time.perf_counter() - t
        t = time.perf_counter()
        topic = TopicTest.of(plan.query, self._context())
        pool = self.retriever.retrieve(
            question, search_vec, plan.filters, self.relevance.pool(plan.top_k), topic
        )
        # The pool's stored vectors, read once: the passages that go on are among them.
        stored = _StoredVectors(self.index)
        passages = self._best(plan, question, pool, vectors, stored)
        timings["retrieve"] = time.perf_counter() - t
        t = time.perf_counter()
        registry = self.index.speaker_registry()
        continuing: frozenset[str] = frozenset()
        if plan.follow_up == "more" and plan.previous is not None:
            passages, continuing = self._with_what_follows(
                plan.previous, passages, search_vec, registry
            )
        quote, passages = self._quote(plan, passages)
        units = self._units(plan, passages)
        unit_vectors, relevance = self._score(question, passages, units, vectors, stored)
        verdict = self.gate.check(
            plan.query,
            passages,
            units,
            relevance.query_units,
            list(relevance.headings.values()),
            frequency,
            [relevance.passage(p) for p in passages],
        )
        timings["evidence"] = time.perf_counter() - t
        return Evidence(
            query=plan.query,
            question=question,
            passages=tuple(passages),
            units=tuple(units),
            unit_vectors=_frozen(unit_vectors),
            question_vec=_frozen(vectors.question.copy()),
            focus_vec=_frozen(vectors.focus.copy()) if vectors.focus is not None else None,
            frequency=frequency,
            topic=topic,
            registry=registry,
            verdict=verdict,
            relevance=relevance,
            continuing=continuing,
            quote=quote,
            timings=timings,
        )

    def _best(
        self,
        plan: QueryPlan,
        question: str,
        pool: list[Passage],
        vectors: _QuestionVectors,
        stored: _StoredVectors,
    ) -> list[Passage]:
        """The ``top_k`` best passages of the retrieved ``pool`` by the relevance stage,
        numbered from 1 (the pool as it is when it is no larger)."""
        if len(pool) <= plan.top_k and self.relevance.kind == "none":
            return pool
        units = self._units(plan, pool)
        _, relevance = self._score(question, pool, units, vectors, stored)
        ordered = self.relevance.order(pool, relevance, [u.passage.id for u in units])
        return [dataclasses.replace(p, number=n) for n, p in enumerate(ordered[: plan.top_k], 1)]

    def _score(
        self,
        question: str,
        passages: Sequence[Passage],
        units: Sequence[Sentence],
        vectors: _QuestionVectors,
        stored_vectors: _StoredVectors,
    ) -> tuple[np.ndarray, Relevance]:
        """The units' vectors (ingest stored them; only what it did not is embedded now, on
        their words: markup, tags, URLs and emoji codes set aside) and the relevance stage's
        scores of the units, the headings the passages answer and the passages."""
        stored = stored_vectors.of(passages)
        unit_vectors = self.vectors.embed([words_only(s.text) for s in units], stored)
        # The gate reads the question as asked of the speakers' words (names aside, no focus);
        # the other decisions read it with its focus too.
        query_cosines = unit_vectors @ vectors.question if len(units) else np.zeros(0)
        cosines = vectors.cosines(unit_vectors)
        titles = list(dict.fromkeys(h for p in passages if (h := heading_of(p))))
        title_cosines = vectors.cosines(self.vectors.embed(titles, stored))
        relevance = self.relevance.score(
            question,
            [words_only(s.text) for s in units],
            cosines,
            query_cosines,
            {h: float(c) for h, c in zip(titles, title_cosines, strict=True)},
            {p.id: p.similarity for p in passages},
        )
        return unit_vectors, relevance

    def _units(self, plan: QueryPlan, passages: Sequence[Passage]) -> list[Sentence]:
        """The candidate units of ``passages``, less those the conversation already showed."""
        cfg = self.settings.answer
        units = candidate_sentences(passages, cfg.min_sentence_words, cfg.question_budget_words)
        return [s for s in units if not already_shown(s.text, plan.shown)]

    def _with_what_follows(
        self,
        previous: Answer,
        passages: list[Passage],
        vector: np.ndarray,
        registry: Mapping[str, str],
    ) -> tuple[list[Passage], frozenset[str]]:
        """For "tell me more": what the previous answer's speakers said next (the rest of the
        turn, their next turn) first, then the passages retrieved on the same point; and the
        ids of the former."""
        cited = previous.cited_passages()
        said = " ".join([previous.query, *(c.quote for c in previous.citations)])
        thread = set(content_words(said))
        asked = {p.question for p in cited}
        following = [
            p
            for p in self.retriever.following(cited, vector)
            # The rest of the turn, or the answer to the interviewer's follow-up on the thread
            # ("Why curiosity?"), not to their next topic ("How do you onboard…?").
            if p.question in asked
            or asks_for_more(p.question)
            or (
                is_follow_up(p.question, registry) and bool(thread & set(content_words(p.question)))
            )
        ]
        ids = frozenset(p.id for p in following)
        merged = [*following, *(p for p in passages if p.id not in ids)]
        return [dataclasses.replace(p, number=n) for n, p in enumerate(merged, start=1)], ids

    def _quote(
        self, plan: QueryPlan, passages: list[Passage]
    ) -> tuple[QuoteEvidence | None, list[Passage]]:
        """Where the words the question quotes are, and the passages to go on with: the
        retrieved ones, or those of a search of the whole index when only that found them."""
        info = plan.info
        if info is None or not info.quote or len(info.quote.split()) < MIN_QUOTE_WORDS:
            return None, passages
        quote = info.quote
        located = self.locate(quote, passages)
        if located is None or (plan.filters.speakers and not info.who_said):
            # Not among the (possibly speaker-filtered) passages: look in the whole index.
            anywhere = self.retriever.retrieve(
                quote,
                self.vectors.one(quote, kind="query"),
                Filters(),
                self.settings.retrieval.top_k,
            )
            found = self.locate(quote, anywhere)
            if found is not None and plan.filters.speakers:
                passage, _, _, exact = found
                if exact and passage.speaker not in plan.filters.speakers and located is None:
                    return QuoteEvidence(quote, misattributed=found), passages
            if located is None and found is not None:
                passages, located = anywhere, found
        return QuoteEvidence(quote, located=located), passages

    def locate(self, quote: str, passages: Sequence[Passage]) -> Located | None:
        """The passage holding ``quote``: verbatim first (speakers before the summary's prose),
        else the closest fuzzy match at or above ``answer.quote_fuzzy_ratio``."""
        ordered = sorted(passages, key=lambda p: (p.speaker == SUMMARY_SPEAKER, p.number))
        for p in ordered:
            span = find_verbatim(quote, p.text)
            if span is not None:
                return p, span[0], span[1], True
        best: tuple[float, Passage, int, int] | None = None
        for p in ordered:
            ratio, a, b = closest_span(quote, p.text)
            if best is None or ratio > best[0]:
                best = (ratio, p, a, b)
        if best is not None and best[0] >= self.settings.answer.quote_fuzzy_ratio:
            return best[1], best[2], best[3], False
        return None
