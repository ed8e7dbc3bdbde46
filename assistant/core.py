"""The Assistant: question (+ conversation) → retrieval → grounded answer, or "not covered"."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from interview_qa.assistant import prompts
from interview_qa.assistant.extractive import (
    Sentence,
    candidate_sentences,
    compose,
    join_names,
    quote_lines,
    score_sentences,
    select,
)
from interview_qa.assistant.llms import build_llm
from interview_qa.assistant.questions import (
    QuestionInfo,
    added_words,
    analyse,
    focus_text,
    has_quantity,
    is_follow_up,
    keeps_speakers,
    ordered_unique,
    rewrite_follow_up,
    wants_quantity,
    without_speakers,
)
from interview_qa.assistant.results import Answer, Filters, Mode, Passage
from interview_qa.assistant.retrieval import HybridSearch
from interview_qa.assistant.verify import closest_span, find_verbatim
from interview_qa.ingest import (
    SUMMARY_SPEAKER,
    Index,
    IndexStats,
    IngestReport,
    InterviewQAError,
    Settings,
    ingest,
    make_embedder,
)
from interview_qa.ingest.store import unavailable

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from interview_qa.ingest.embedder import Embedder

MAX_QUESTION_CHARS = 2000
MAX_TOP_K = 50
MAX_TOPIC_CHARS = 60
KINDS = ("transcript", "summary")
QUANTITY_WINDOW = 5
FUZZY_QUOTE = 0.8
_CACHE_SIZE = 20000


class FilterError(InterviewQAError):
    """A filter or option names something the index doesn't have (a kind, a source, top-k)."""


class UnknownSpeakerError(FilterError):
    """A speaker filter names nobody in the index."""


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
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

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

    def stats(self) -> IndexStats:
        """What the index holds."""
        return self.index.stats()

    def reingest(self, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Bring the index up to date with the configured corpus, then reload it."""
        report = ingest(None, self.settings, progress=progress, embedder=self._embedder)
        with self._lock:
            self._index = None
        return report

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed with a bounded cache (questions and passage sentences repeat a lot)."""
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        missing = [t for t in ordered_unique(list(texts)) if t not in self._vectors]
        if missing:
            fresh = self.embedder.embed(missing)
            with self._lock:
                for text, vec in zip(missing, fresh, strict=True):
                    self._vectors[text] = vec
                while len(self._vectors) > _CACHE_SIZE:
                    self._vectors.popitem(last=False)
        with self._lock:
            return np.array([self._vectors[t] for t in texts], dtype=np.float32).reshape(
                len(texts), -1
            )

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
        can't be used or a filter naming nobody; every other outcome is an Answer.
        """
        started = time.perf_counter()
        timings: dict[str, float] = {}
        mode = mode or self.settings.answer.mode
        top_k = self.settings.retrieval.top_k if top_k is None else top_k
        if not 1 <= top_k <= MAX_TOP_K:
            raise FilterError(f"top-k must be between 1 and {MAX_TOP_K}, not {top_k}")
        text = " ".join(question.split())
        if not text or not any(ch.isalnum() for ch in text):
            return self._abstain(question, mode, prompts.EMPTY_QUESTION, started)
        if len(text) > MAX_QUESTION_CHARS:
            message = prompts.QUESTION_TOO_LONG.format(chars=len(text), limit=MAX_QUESTION_CHARS)
            return self._abstain(question, mode, message, started)

        index = self.index
        registry = index.speaker_registry()
        chosen = self._resolve_speakers(speakers, registry)
        kinds, sources = self._check_filters(kinds, sources)
        info = analyse(text, registry, index.vocabulary())
        notes: list[str] = []
        query = text
        named = info.speakers
        previous = history[-1] if history else None
        added: list[str] = []
        carried = False
        if previous is not None and is_follow_up(text, registry):
            query = self._follow_up_query(text, previous, registry, mode, notes)
            added = added_words(text, registry)
            notes.append(prompts.FOLLOWUP_NOTE.format(previous=previous.query or previous.question))
            carry = carry_speakers and not speakers and keeps_speakers(text, registry)
            if carry and not named and previous.filters.speakers:
                carried = True
                named = list(previous.filters.speakers)
                shown = join_names([index.initials(s) for s in named])
                notes.append(prompts.FILTER_NOTE_FOLLOWUP.format(speakers=shown))
        elif named and not chosen and not info.who_said:
            shown = join_names([index.initials(s) for s in named])
            notes.append(prompts.FILTER_NOTE.format(speakers=shown))

        if info.unknown_person and not named:
            who = join_names(sorted(v for k, v in registry.items() if k != SUMMARY_SPEAKER))
            message = prompts.UNKNOWN_PERSON.format(name=info.unknown_person, speakers=who)
            return self._abstain(question, mode, f"{prompts.NOT_COVERED} {message}", started)

        use_speakers = tuple(chosen or ([] if info.who_said else named))
        filters = Filters(use_speakers, tuple(kinds), tuple(sources))
        t = time.perf_counter()
        question_vec = self._embed([query])[0]
        focus = focus_text(query, index.document_frequency())
        search_vec = question_vec
        # Search with the question and its focus (the question without corpus-wide words) and,
        # for a follow-up, the words it adds to the previous question.
        for extra in (focus, " ".join(added)):
            if extra:
                search_vec = search_vec + self._embed([extra])[0]
        search_vec = search_vec / np.linalg.norm(search_vec)
        timings["embed"] = time.perf_counter() - t
        t = time.perf_counter()
        passages = self._retrieve(query, search_vec, filters, top_k)
        timings["retrieve"] = time.perf_counter() - t

        base = Answer(
            question=question,
            text="",
            mode=mode,
            abstained=False,
            query=query,
            passages=passages,
            filters=filters,
            notes=notes,
            timings=timings,
        )
        if info.quote and len(info.quote.split()) >= 3:
            checked = self._check_quote(info, base, registry)
            if checked is not None:
                return self._finish(checked, started)
        t = time.perf_counter()
        sentences = candidate_sentences(passages)
        vectors = self._embed([s.text for s in sentences])
        if not self._relevant(query, passages, sentences, vectors @ question_vec):
            answer = self._not_covered(base, passages)
        elif mode == "llm":
            answer = self._llm_answer(base, history)
        else:
            answer = self._extractive_answer(base, question_vec, sentences, vectors)
        timings["answer"] = time.perf_counter() - t
        if carried and answer.abstained:
            # Nothing of the previous speakers answers it: ask everyone.
            return self.ask(
                question,
                history,
                speakers=speakers,
                kinds=kinds,
                sources=sources,
                mode=mode,
                top_k=top_k,
                carry_speakers=False,
            )
        return self._finish(answer, started)

    def _resolve_speakers(self, speakers: Sequence[str], registry: dict[str, str]) -> list[str]:
        """Speaker filters (initials or labels, any case) as the index's labels."""
        out = []
        lookup = {k.lower(): k for k in registry} | {v.lower(): k for k, v in registry.items()}
        for raw in speakers:
            label = lookup.get(raw.strip().lower())
            if label is None:
                known = join_names(sorted(registry.values()))
                raise UnknownSpeakerError(f"no speaker {raw!r} in the index (speakers: {known})")
            out.append(label)
        return ordered_unique(out)

    def _check_filters(
        self, kinds: Sequence[str], sources: Sequence[str]
    ) -> tuple[list[str], list[str]]:
        """Kinds must be transcript or summary; sources are document ids of the index, or file
        names that name exactly one of them."""
        for kind in kinds:
            if kind not in KINDS:
                raise FilterError(f"no kind {kind!r}: use {' or '.join(KINDS)}")
        if not sources:
            return list(kinds), []
        doc_ids = sorted({str(m.get("doc_id")) for m in self.index.record_metadata()})
        resolved = []
        for source in sources:
            if source in doc_ids:
                resolved.append(source)
                continue
            named = [d for d in doc_ids if d.rsplit("/", 1)[-1] == source]
            if len(named) != 1:
                raise FilterError(
                    f"no document {source!r} in the index (documents: {', '.join(doc_ids)})"
                )
            resolved.append(named[0])
        return list(kinds), resolved

    def _follow_up_query(
        self, text: str, previous: Answer, registry: dict[str, str], mode: Mode, notes: list[str]
    ) -> str:
        if mode == "llm" and self.llm is not None:
            history = f"User: {previous.question}\nAssistant: {previous.text[:800]}"
            prompt = prompts.CONDENSE_PROMPT.format(history=history, question=text)
            try:
                condensed = self.llm.complete(prompt).text.strip()
            except Exception as exc:  # the LLM is down: say so, use the deterministic rewrite
                notes.append(prompts.LLM_UNAVAILABLE.format(detail=type(exc).__name__))
                condensed = ""
            if condensed:
                return condensed
        return rewrite_follow_up(text, previous.query or previous.question, registry)

    def _retrieve(self, query: str, vec: np.ndarray, filters: Filters, top_k: int) -> list[Passage]:
        from interview_qa.ingest.llama_embedding import EmbedderAdapter

        cfg = self.settings.retrieval
        search = HybridSearch(
            self.index,
            EmbedderAdapter(_NoEmbedder()),
            candidates=max(cfg.candidates, top_k),
            rrf_k=cfg.rrf_k,
            per_speaker_cap=cfg.per_speaker_cap,
            method=cfg.method,
        )
        try:
            hits = search.search(query, vec.tolist(), filters, top_k)[:top_k]
        except InterviewQAError:
            raise
        except Exception as exc:  # the store failed under the retriever: say so plainly
            raise unavailable(self.settings, exc) from exc
        vectors = self.index.embeddings([h.node.node_id for h in hits])
        passages = []
        for number, hit in enumerate(hits, start=1):
            meta = hit.node.metadata
            stored = vectors.get(hit.node.node_id)
            similarity = float(np.dot(np.asarray(stored), vec)) if stored is not None else 0.0
            speaker = str(meta.get("speaker"))
            passages.append(
                Passage(
                    number=number,
                    id=hit.node.node_id,
                    text=hit.node.get_content(),
                    speaker=speaker,
                    initials=self.index.initials(speaker),
                    kind=str(meta.get("kind", "")),
                    doc_id=str(meta.get("doc_id", "")),
                    source_path=str(meta.get("source_path", "")),
                    start_char=int(meta.get("start_char", 0)),
                    end_char=int(meta.get("end_char", 0)),
                    section=str(meta.get("section", "")),
                    question=str(meta.get("question", "")),
                    start_time=_float_or_none(meta.get("start_time")),
                    end_time=_float_or_none(meta.get("end_time")),
                    score=float(hit.score or 0.0),
                    similarity=similarity,
                )
            )
        return passages

    # ---- answer kinds ----------------------------------------------------------------------

    def _relevant(
        self,
        query: str,
        passages: Sequence[Passage],
        sentences: Sequence[Sentence],
        cosines: np.ndarray,
    ) -> bool:
        """Whether the retrieved passages bear on the question at all.

        Relevance is the best cosine similarity between the question and a retrieved passage or
        one of its sentences; below ``retrieval.min_similarity`` the assistant abstains. A
        question asking for a quantity or a date ("how many…", "how much…", "when were…") also
        needs a number or time expression among the most relevant sentences.
        """
        if not passages:
            return False
        best = max(
            max(p.similarity for p in passages), float(cosines.max()) if len(cosines) else 0.0
        )
        if best < self.settings.retrieval.min_similarity:
            return False
        if wants_quantity(query):
            top = [int(i) for i in np.argsort(-cosines)[:QUANTITY_WINDOW]]
            return any(has_quantity(sentences[i].text) for i in top)
        return True

    def _extractive_answer(
        self,
        base: Answer,
        question_vec: np.ndarray,
        sentences: list[Sentence] | None = None,
        vectors: np.ndarray | None = None,
    ) -> Answer:
        cfg = self.settings.answer
        if sentences is None or vectors is None:
            sentences = candidate_sentences(base.passages)
            vectors = self._embed([s.text for s in sentences])
        frequency = self.index.document_frequency()
        focus = focus_text(base.query, frequency)
        focus_vec = self._embed([focus])[0] if focus else None
        topic = without_speakers(base.query, base.filters.speakers)
        score_sentences(sentences, topic, question_vec, vectors, focus_vec, frequency)
        chosen = select(sentences, cfg.max_sentences, cfg.min_sentence_similarity)
        if not chosen:
            return self._not_covered(base, base.passages)
        base.text, base.citations = compose(chosen, base.notes)
        return base

    def _llm_answer(self, base: Answer, history: Sequence[Answer]) -> Answer:
        from interview_qa.assistant.llm_compose import compose_llm_answer, scorer_for

        return compose_llm_answer(
            self.llm,
            self.settings.llm,
            base,
            self.index.speaker_registry(),
            scorer_for(self.embedder),
            extractive=lambda b: self._extractive_answer(b, self._embed([b.query])[0]),
            not_covered=lambda b: self._not_covered(b, b.passages),
        )

    def _check_quote(
        self, info: QuestionInfo, base: Answer, registry: dict[str, str]
    ) -> Answer | None:
        """Questions quoting words: find whose words they are. Returns an answer for "who
        said" questions and for quotes credited to the wrong speaker; None to go on normally."""
        assert info.quote is not None
        quote = info.quote
        located = self._locate_quote(quote, base.passages)
        if located is None or (base.filters.speakers and not info.who_said):
            # Not among the (possibly speaker-filtered) passages: look in the whole index.
            vec = self._embed([quote])[0]
            anywhere = self._retrieve(quote, vec, Filters(), self.settings.retrieval.top_k)
            found = self._locate_quote(quote, anywhere)
            if found is not None and base.filters.speakers:
                passage, start, end, exact = found
                if exact and passage.speaker not in base.filters.speakers and located is None:
                    claimed = join_names([registry.get(s, s) for s in base.filters.speakers])
                    base.passages = [passage]
                    passage.number = 1
                    note = prompts.WRONG_SPEAKER_QUOTE.format(
                        actual=passage.initials,
                        claimed=claimed,
                        quote=passage.text[start:end],
                        n=1,
                    )
                    base.abstained = True
                    base.text = f"{prompts.NOT_COVERED} {note}"
                    base.citations = quote_lines([(passage, start, end)])[1]
                    return base
            if located is None and found is not None:
                base.passages = anywhere
                located = found
        if not info.who_said:
            return None
        if located is None:
            base.abstained = True
            base.text = f"{prompts.NOT_COVERED} {prompts.QUOTE_NOT_FOUND}"
            return base
        passage, start, end, exact = located
        same = (
            [
                (p, *span)
                for p in base.passages
                if p.speaker != SUMMARY_SPEAKER
                for span in [find_verbatim(quote, p.text)]
                if span is not None
            ]
            if exact
            else [(passage, start, end)]
        )
        speakers = ordered_unique([p.initials for p, _, _ in same])
        if not exact:
            lead = prompts.WHO_SAID_APPROX.format(speaker=passage.initials)
        elif len(speakers) == 1:
            lead = prompts.WHO_SAID_ONE.format(speaker=speakers[0])
        else:
            lead = prompts.WHO_SAID_MANY.format(speakers=join_names(speakers))
        unique: dict[str, tuple[Passage, int, int]] = {}
        for p, a, b in same:
            unique.setdefault(p.initials, (p, a, b))
        lines, citations = quote_lines(list(unique.values()))
        base.text = "\n".join([lead, *base.notes, "", *lines])
        base.citations = citations
        return base

    def _locate_quote(
        self, quote: str, passages: Sequence[Passage]
    ) -> tuple[Passage, int, int, bool] | None:
        """The passage holding ``quote``: verbatim first (speakers before the summary's prose),
        else the closest fuzzy match above FUZZY_QUOTE."""
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
        if best is not None and best[0] >= FUZZY_QUOTE:
            return best[1], best[2], best[3], False
        return None

    def _not_covered(self, base: Answer, passages: Sequence[Passage]) -> Answer:
        named = [(p.section.split(" › ")[-1] or p.question).strip(" :?.!") for p in passages[:6]]
        # Long names are document titles rather than topics.
        topics = ordered_unique([t for t in named if t and len(t) <= MAX_TOPIC_CHARS])[:3]
        base.abstained = True
        base.citations = []
        base.nearest_topics = topics
        text = prompts.NOT_COVERED
        if topics:
            text += " " + prompts.NEAREST_TOPICS.format(topics="; ".join(topics))
        base.text = "\n".join([text, *base.notes])
        return base

    def _abstain(self, question: str, mode: Mode, text: str, started: float) -> Answer:
        answer = Answer(question=question, text=text, mode=mode, abstained=True, query=question)
        return self._finish(answer, started)

    def _finish(self, answer: Answer, started: float) -> Answer:
        answer.timings["total"] = time.perf_counter() - started
        return answer


def stream_text(answer: Answer, chunk_words: int = 3) -> Iterator[str]:
    """The answer's text in small pieces, for progressive display."""
    for line_no, line in enumerate(answer.text.split("\n")):
        if line_no:
            yield "\n"
        words = line.split(" ")
        for i in range(0, len(words), chunk_words):
            piece = " ".join(words[i : i + chunk_words])
            yield piece + (" " if i + chunk_words < len(words) else "")


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


class _NoEmbedder:
    """Stands in for the embedder inside llama-index retrievers: queries arrive pre-embedded."""

    name = "precomputed"
    dimension = 384

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        raise RuntimeError("queries are embedded before retrieval")
