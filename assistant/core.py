"""The Assistant: question (+ conversation) → plan → evidence → compose → Answer.

Each stage is a small component with a typed hand-off, in the manner of llama-index's
``RetrieverQueryEngine`` (retrieve → postprocess → synthesize over components given at
construction):

* :class:`~interview_qa.assistant.plan.Planner` reads the question into a ``QueryPlan``;
* :class:`~interview_qa.assistant.evidence.EvidenceBuilder` retrieves scored ``Passage``s
  (:class:`~interview_qa.assistant.retrieval.PassageRetriever`), cuts them into candidate
  units with their vectors, and asks the :class:`~interview_qa.assistant.gate.Gate` whether
  they bear on the question: one frozen ``Evidence``;
* the first composer that answers writes a ``Draft``: quotes ("who said…"), "that is all",
  "not covered", llm, extractive (each ``compose(plan, evidence) -> Draft | None``).

The ``Answer`` is built once, from the plan, the evidence's passages and the draft.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from interview_qa.assistant.declined import NotCoveredComposer, NothingMoreComposer, refused
from interview_qa.assistant.evidence import Composer, EvidenceBuilder
from interview_qa.assistant.extractive import ExtractiveComposer
from interview_qa.assistant.llm_answer import LLMAnswerComposer
from interview_qa.assistant.llm_compose import LLMComposer, scorer_for
from interview_qa.assistant.llms import build_llm
from interview_qa.assistant.plan import FilterError, Planner, QueryPlan
from interview_qa.assistant.quotes import QuoteComposer
from interview_qa.assistant.relevance import RelevanceStage
from interview_qa.assistant.results import Answer, Draft, Mode, Passage
from interview_qa.assistant.retrieval import PassageRetriever
from interview_qa.assistant.topic import context_words
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
    """The components of the answer path over one opened index: the planner, the evidence
    builder (retrieval, units, gate) and the composers, tried in order."""

    index: Index
    planner: Planner
    retriever: PassageRetriever
    evidence: EvidenceBuilder
    composers: tuple[Composer, ...]


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
        self.vectors = CachedVectors(lambda: self.embedder, settings.embedding.query_cache_size)
        #: The relevance stage (a cross-encoder, when configured, is loaded once and kept).
        self.relevance = RelevanceStage(
            settings.rerank, lambda texts, kind: self.vectors.embed(texts, kind=kind)
        )
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
                retriever = PassageRetriever(
                    self.settings,
                    index,
                    EmbedderAdapter(self.embedder),
                    # Headings are matched with the vectors ingest stored for them.
                    lambda texts: self.vectors.embed(texts, index.heading_vectors()),
                )
                extractive = ExtractiveComposer(
                    self.settings.answer, self.settings.retrieval.min_similarity
                )
                self._stages = Stages(
                    index=index,
                    planner=Planner(self.settings, index),
                    retriever=retriever,
                    evidence=EvidenceBuilder(
                        self.settings,
                        index,
                        retriever,
                        self.vectors,
                        lambda: self._context_words(index),
                        self.relevance,
                    ),
                    composers=(
                        QuoteComposer(),
                        NothingMoreComposer(),
                        NotCoveredComposer(),
                        LLMAnswerComposer(self.llm_composer, extractive),
                        extractive,
                    ),
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
        """Gather the evidence for ``plan``, then let the first composer that answers write the
        draft."""
        if plan.refusal is not None:
            return self._build(plan, refused(plan.refusal), [], {}, started)
        evidence = stages.evidence.build(plan)
        t = time.perf_counter()
        draft = next(d for c in stages.composers if (d := c.compose(plan, evidence)) is not None)
        timings = dict(evidence.timings)
        timings["answer"] = timings.pop("evidence", 0.0) + time.perf_counter() - t
        return self._build(plan, draft, list(evidence.passages), timings, started)

    @staticmethod
    def _context_words(index: Index) -> set[str]:
        """Words that only name the corpus's context: its titles' and speakers' words (kept
        with the index's generation)."""

        def build() -> frozenset[str]:
            titles = {str(m.get("title", "")) for m in index.record_metadata()}
            return frozenset(context_words(titles, index.speaker_registry()))

        return set(index.snapshot().value("context-words", build))

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
            notes=[*plan.notes, *draft.notes],
            nearest_topics=draft.nearest_topics,
            verification=draft.verification,
            timings=timings,
            statements=draft.statements,
            follow_up=plan.follow_up,
        )
