"""The Assistant: question (+ conversation) → plan → retrieve → gate → compose → Answer.

Each stage is a small component with a typed hand-off, in the manner of llama-index's
``RetrieverQueryEngine`` (retrieve → postprocess → synthesize over components given at
construction):

* :class:`~interview_qa.assistant.plan.Planner` reads the question into a ``QueryPlan``;
* :class:`~interview_qa.assistant.retrieval.PassageRetriever` returns scored ``Passage``s;
* :class:`~interview_qa.assistant.gate.Gate` decides whether they bear on the question;
* a composer writes a ``Draft``: quotes ("who said…"), extractive, llm, or "not covered".

The ``Answer`` is built once, from the plan, the passages and the draft.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from interview_qa.assistant import prompts
from interview_qa.assistant.declined import not_covered, refused
from interview_qa.assistant.extractive import (
    Sentence,
    already_shown,
    candidate_sentences,
    extractive_draft,
    heading_of,
    join_names,
    quote_lines,
)
from interview_qa.assistant.gate import Gate
from interview_qa.assistant.llm_compose import LLMComposer, scorer_for
from interview_qa.assistant.llms import build_llm
from interview_qa.assistant.plan import FilterError, Planner, QueryPlan
from interview_qa.assistant.questions import (
    asks_for_more,
    content_words,
    focus_text,
    is_follow_up,
    without_speakers,
)
from interview_qa.assistant.quotes import QuoteComposer
from interview_qa.assistant.results import Answer, Draft, Filters, Mode, Passage, Verification
from interview_qa.assistant.retrieval import PassageRetriever
from interview_qa.assistant.topic import TopicTest, context_words
from interview_qa.assistant.vectors import CachedVectors
from interview_qa.ingest import (
    Index,
    IndexStats,
    IngestReport,
    InterviewQAError,
    Settings,
    ingest,
    make_embedder,
)
from interview_qa.ingest.markup import words_only
from interview_qa.ingest.settings import MAX_TOP_K

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from interview_qa.ingest.embedder import Embedder


class AnswerError(InterviewQAError):
    """An unexpected failure while answering (a bug, not a broken index): the message names the
    question and the error, which is chained as the cause."""

    def __init__(self, question: str, cause: BaseException) -> None:
        self.question = question
        detail = str(cause).splitlines()[0] if str(cause) else "no detail"
        super().__init__(
            f"internal error while answering {question[:200]!r} ({type(cause).__name__}: "
            f"{detail}); the index is fine, please report this"
        )


@dataclass(frozen=True)
class Stages:
    """The components of the answer path over one opened index."""

    index: Index
    planner: Planner
    retriever: PassageRetriever
    gate: Gate
    quotes: QuoteComposer


class Assistant:
    """Answers questions from one index. Build once per process and share: it is thread-safe.

    ``index``, ``embedder`` and ``llm`` may be injected (tests, the UI's cached resources);
    otherwise they are built from ``settings`` on first use.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        index: Index | None = None,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
    ) -> None:
        self.settings = settings
        self._index = index
        self._embedder = embedder
        self._llm = llm
        self._lock = threading.RLock()
        self._stages: Stages | None = None
        self._context: tuple[tuple[int, int] | None, set[str]] = (None, set())
        self.vectors = CachedVectors(lambda: self.embedder, settings.embedding.query_cache_size)
        self.llm_composer = LLMComposer(
            lambda: self.llm, settings.llm, lambda: scorer_for(self.embedder, settings.support)
        )

    # ---- components ------------------------------------------------------------------------

    @property
    def index(self) -> Index:
        """The opened index (raises IndexEmptyError, IndexUnavailableError, IndexMismatchError)."""
        with self._lock:
            if self._index is None:
                self._index = Index(self.settings)
            return self._index

    @property
    def embedder(self) -> Embedder:
        """The query embedder."""
        with self._lock:
            if self._embedder is None:
                self._embedder = make_embedder(self.settings)
            return self._embedder

    @property
    def llm(self) -> LLM | None:
        """The LLM of `llm` mode, or None when none is configured."""
        with self._lock:
            if self._llm is None:
                self._llm = build_llm(self.settings.llm)
            return self._llm

    def llm_available(self) -> bool:
        """Whether `llm` mode can be offered."""
        return self._llm is not None or self.settings.llm.provider != "none"

    def stages(self) -> Stages:
        """The answer path's components over the current index, built once."""
        from interview_qa.ingest import EmbedderAdapter

        with self._lock:
            index = self.index
            if self._stages is None or self._stages.index is not index:
                self._stages = Stages(
                    index=index,
                    planner=Planner(self.settings, index),
                    retriever=PassageRetriever(
                        self.settings,
                        index,
                        EmbedderAdapter(self.embedder),
                        # Headings are matched with the vectors ingest stored for them.
                        lambda texts: self.vectors.embed(texts, index.heading_vectors()),
                    ),
                    gate=Gate(self.settings),
                    quotes=QuoteComposer(self.settings.answer.quote_fuzzy_ratio),
                )
            return self._stages

    def stats(self) -> IndexStats:
        """What the index holds."""
        return self.index.stats()

    def reingest(self, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Bring the index up to date with the configured corpus, then reload it."""
        report = ingest(None, self.settings, progress=progress, embedder=self._embedder)
        with self._lock:
            self._index = None
        return report

    # ---- asking ----------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Answer] = (),
        *,
        speakers: Sequence[str] = (),
        kinds: Sequence[str] = (),
        sources: Sequence[str] = (),
        mode: Mode | None = None,
        top_k: int | None = None,
        carry_speakers: bool = True,
    ) -> Answer:
        """Answer ``question``, reading ``history`` (earlier answers, oldest first) for follow-ups.

        A follow-up that names nobody keeps the previous question's speakers
        (``carry_speakers``), unless nothing of theirs answers it: then everyone is searched.

        ``speakers`` (initials or full labels), ``kinds`` (transcript, summary) and ``sources``
        (document ids) restrict retrieval. Raises InterviewQAError subclasses for an index that
        can't be used or a filter naming nobody, and AnswerError for an unexpected failure;
        every other outcome is an Answer.
        """
        started = time.perf_counter()
        mode = mode or self.settings.answer.mode
        top_k = self.settings.retrieval.top_k if top_k is None else top_k
        if not 1 <= top_k <= MAX_TOP_K:
            raise FilterError(f"top-k must be between 1 and {MAX_TOP_K}, not {top_k}")
        try:
            stages = self.stages()
            condense = self.llm_composer.condense if mode == "llm" and self.llm else None
            # One question reads one state of the index (checked once, not at every read).
            with stages.index.pinned():
                # A follow-up keeping the previous speakers is asked of everyone when nothing of
                # theirs answers it.
                for carry in dict.fromkeys((carry_speakers, False)):
                    plan = stages.planner.plan(
                        question,
                        history,
                        speakers=speakers,
                        kinds=kinds,
                        sources=sources,
                        mode=mode,
                        top_k=top_k,
                        carry_speakers=carry,
                        condense=condense,
                    )
                    answer = self._answer(stages, plan, started)
                    if not (plan.carried and answer.abstained):
                        break
        except InterviewQAError:
            raise
        except Exception as exc:  # a bug: reported as one, never as a broken index
            raise AnswerError(question, exc) from exc
        return answer

    def _answer(self, stages: Stages, plan: QueryPlan, started: float) -> Answer:
        """Retrieve, gate and compose for ``plan``."""
        timings: dict[str, float] = {}
        if plan.refusal is not None:
            return self._build(plan, refused(plan.refusal), [], timings, started)
        t = time.perf_counter()
        question_vec = self.vectors.one(plan.query)
        search_vec = self._search_vector(plan, question_vec, stages.index)
        timings["embed"] = time.perf_counter() - t
        t = time.perf_counter()
        topic = TopicTest.of(plan.query, self._context_words(stages.index))
        passages = stages.retriever.retrieve(
            plan.query, search_vec, plan.filters, plan.top_k, topic
        )
        timings["retrieve"] = time.perf_counter() - t

        continuing: frozenset[str] = frozenset()
        if plan.follow_up == "more" and plan.previous is not None:
            passages, continuing = self._with_what_follows(
                stages, plan.previous, passages, search_vec
            )
        registry = stages.index.speaker_registry()
        if stages.quotes.applies(plan):
            quoted, passages = stages.quotes.compose(plan, passages, registry, self._search_all)
            if quoted is not None:
                return self._build(plan, quoted, passages, timings, started)
        t = time.perf_counter()
        sentences = [
            s
            for s in candidate_sentences(
                passages,
                self.settings.answer.min_sentence_words,
                self.settings.answer.question_budget_words,
            )
            if not already_shown(s.text, plan.shown)
        ]
        # Scored on their words: markup, tags, URLs and emoji codes set aside. Ingest stored
        # the vectors of units and headings; only what it did not store is embedded now.
        stored = stages.index.unit_vectors([p.id for p in passages])
        vectors = self.vectors.embed([words_only(s.text) for s in sentences], stored)
        titles = list(dict.fromkeys(h for p in passages if (h := heading_of(p))))
        headings = {
            title: float(sim)
            for title, sim in zip(
                titles, self.vectors.embed(titles, stored) @ question_vec, strict=True
            )
        }
        verdict = stages.gate.check(
            plan.query,
            passages,
            sentences,
            vectors @ question_vec,
            list(headings.values()),
            stages.index.document_frequency(),
        )
        draft: Draft | None = None
        verification: Verification | None = None
        if plan.follow_up == "more" and not sentences:
            draft = self._nothing_more(plan)
        elif not verdict.relevant and plan.follow_up != "more":
            draft = not_covered(passages, plan.notes)
        elif plan.mode == "llm":
            outcome = self.llm_composer.compose(
                plan.query,
                passages,
                plan.notes,
                registry,
                [registry.get(s, s) for s in plan.filters.speakers],
            )
            draft, verification = outcome.draft, outcome.verification
        if draft is None:
            # Extractive mode, or llm mode whose LLM could not be reached or whose answer failed
            # verification (noted in the plan; the model's answer stays in the verification).
            draft = self._extractive(
                stages.index,
                plan,
                passages,
                sentences,
                vectors,
                question_vec,
                topic,
                headings,
                continuing,
            )
            if plan.mode == "llm":
                draft.verification = verification
                if not draft.abstained:
                    draft.mode = "extractive"
        if plan.follow_up == "more" and draft.abstained:
            draft = self._nothing_more(plan)
        timings["answer"] = time.perf_counter() - t
        return self._build(plan, draft, passages, timings, started)

    def _with_what_follows(
        self, stages: Stages, previous: Answer, passages: list[Passage], vector: np.ndarray
    ) -> tuple[list[Passage], frozenset[str]]:
        """For "tell me more": what the previous answer's speakers said next (the rest of the
        turn, their next turn) first, then the passages retrieved on the same point; and the
        ids of the former."""
        cited = previous.cited_passages()
        said = " ".join([previous.query, *(c.quote for c in previous.citations)])
        thread = set(content_words(said))
        asked = {p.question for p in cited}
        registry = stages.index.speaker_registry()
        following = [
            p
            for p in stages.retriever.following(cited, vector)
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

    @staticmethod
    def _nothing_more(plan: QueryPlan) -> Draft:
        """ "That is all G. says about this.", for a "tell me more" with nothing new to show,
        with what was already quoted of them (marked as such, not as new)."""
        previous = plan.previous
        cited = previous.cited_passages() if previous else []
        initials = list(dict.fromkeys(p.initials for p in cited))
        verb = prompts.NOTHING_MORE_ONE if len(initials) == 1 else prompts.NOTHING_MORE_MANY
        text = (
            prompts.NOTHING_MORE.format(speakers=join_names(initials), verb=verb)
            if initials
            else prompts.NOTHING_MORE_NOBODY
        )
        if previous is None or not previous.citations:
            return Draft(text="\n".join([text, *plan.notes]), abstained=True)
        lines = [text, *plan.notes, "", prompts.ALREADY_QUOTED]
        by_number = {p.number: p for p in previous.passages}
        spans = [
            (by_number[c.number], c.quote_start, c.quote_end)
            for c in previous.citations
            if c.number in by_number
        ]
        quoted, citations, statements = quote_lines(spans)
        return Draft(
            text="\n".join([*lines, *quoted]),
            citations=citations,
            statements=statements,
            passages=list(previous.passages),
        )

    def _extractive(
        self,
        index: Index,
        plan: QueryPlan,
        passages: list[Passage],
        sentences: list[Sentence],
        vectors: np.ndarray,
        question_vec: np.ndarray,
        topic: TopicTest,
        headings: dict[str, float],
        continuing: frozenset[str] = frozenset(),
    ) -> Draft:
        """The extractive draft, or "not covered" when no unit is relevant enough."""
        frequency = index.document_frequency()
        context = topic.context
        question = without_speakers(plan.query, plan.filters.speakers)
        if question != plan.query:
            # Filtered to the people it names: their names would only favour self-introductions.
            question_vec = self.vectors.one(question)
        focus = focus_text(question, frequency, self.settings.retrieval.generic_share, context)
        draft = extractive_draft(
            sentences,
            plan.notes,
            question,
            question_vec,
            vectors,
            self.settings.answer,
            focus_vec=self.vectors.one(focus) if focus else None,
            frequency=frequency,
            headings=headings,
            topic=topic,
            continuing=continuing,
            min_cosine=self.settings.retrieval.min_similarity if plan.follow_up == "more" else None,
        )
        return draft or not_covered(passages, plan.notes)

    def _context_words(self, index: Index) -> set[str]:
        """Words that only name the corpus's context: its titles' and speakers' words (kept
        per index generation)."""
        key = (id(index), index.loaded_generation())
        if self._context[0] != key:
            titles = {str(m.get("title", "")) for m in index.record_metadata()}
            self._context = (key, context_words(titles, index.speaker_registry()))
        return set(self._context[1])

    def _search_vector(self, plan: QueryPlan, question_vec: np.ndarray, index: Index) -> np.ndarray:
        """The question's vector plus its focus (the question without corpus-wide words) and,
        for a follow-up, the words it adds to the previous question; unit length."""
        share = self.settings.retrieval.generic_share
        focus = focus_text(plan.query, index.document_frequency(), share)
        search_vec = question_vec
        for extra in (focus, " ".join(plan.added)):
            if extra:
                search_vec = search_vec + self.vectors.one(extra)
        return search_vec / np.linalg.norm(search_vec)

    def _search_all(self, text: str) -> list[Passage]:
        """The whole index searched for ``text`` (where a quote is looked up)."""
        return self.stages().retriever.retrieve(
            text, self.vectors.one(text), Filters(), self.settings.retrieval.top_k
        )

    @staticmethod
    def _build(
        plan: QueryPlan,
        draft: Draft,
        passages: list[Passage],
        timings: dict[str, float],
        started: float,
    ) -> Answer:
        """The one Answer, from the plan, the passages and the draft."""
        timings["total"] = time.perf_counter() - started
        return Answer(
            question=plan.question,
            text=draft.text,
            mode=draft.mode or plan.mode,
            abstained=draft.abstained,
            query=plan.question if plan.refusal is not None else plan.query,
            citations=draft.citations,
            passages=passages if draft.passages is None else draft.passages,
            filters=plan.filters,
            notes=plan.notes,
            nearest_topics=draft.nearest_topics,
            verification=draft.verification,
            timings=timings,
            statements=draft.statements,
            follow_up=plan.follow_up,
        )
