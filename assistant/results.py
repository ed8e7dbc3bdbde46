"""The typed result of asking a question: what the UI and the evaluation read."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

from interview_qa.ingest.text import section_leaf
from interview_qa.ingest.turns import SUMMARY_SPEAKER

Mode = Literal["extractive", "llm"]
#: The answer modes, in the order the CLI and the app offer them.
MODES: tuple[str, ...] = get_args(Mode)
CheckStatus = Literal["verified", "no_such_passage", "not_in_passage", "wrong_speaker", "uncited"]
#: What verification found for one sentence of a model's answer: ``supported`` by a passage it
#: cites; ``unsupported`` (cites passages that don't support it); ``uncited`` (cites no passage
#: that exists); ``misquoted`` (a quote not verbatim in the passage it cites); ``wrong_speaker``
#: (credits words to someone other than the cited passage's speaker); ``empty`` (says nothing of
#: its own: only citations, the question restated or filler; not a statement, never counted).
StatementStatus = Literal[
    "supported", "unsupported", "uncited", "misquoted", "wrong_speaker", "empty"
]
#: Who chose the passage a sentence is checked against: the model's own citation, or the system
#: (the sentence was uncited, or its citation did not support it, and another passage does).
CitedBy = Literal["model", "system"]
#: Why generation stopped: the model finished, wrote the ``llm.max_sentences`` it was asked
#: for, hit ``llm.max_tokens``, started repeating itself, or ran past ``llm.timeout_s``.
StopReason = Literal["done", "sentences", "max_tokens", "repetition", "timeout"]


@dataclass(frozen=True)
class Filters:
    """Restrictions on what may be retrieved. Empty tuples mean no restriction."""

    speakers: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.speakers or self.kinds or self.sources)


@dataclass
class Passage:
    """A retrieved chunk, numbered as the answer cites it."""

    number: int
    id: str
    text: str
    speaker: str
    initials: str
    kind: str
    doc_id: str
    source_path: str
    start_char: int
    end_char: int
    section: str = ""
    question: str = ""
    #: The speaker's role in the document (interviewee, interviewer, host, summary).
    role: str = ""
    start_time: float | None = None
    end_time: float | None = None
    #: When each timed piece of the text is said: ``(offset in text, start, end)``, in order
    #: (a subtitle cue, a speech-to-text segment; empty when the passage is one piece).
    cues: tuple[tuple[int, float, float | None], ...] = ()
    #: The recording of the passage's document (its path), its MIME type and length in seconds.
    media: str | None = None
    media_type: str | None = None
    media_duration: float | None = None
    #: Reciprocal-rank fusion score (the retrieval order).
    score: float = 0.0
    #: Cosine similarity of the passage's vector to the search vector.
    similarity: float = 0.0
    #: BM25 score (0 when the lexical retriever did not find it).
    lexical: float = 0.0

    @property
    def summary_section(self) -> str:
        """For a passage of the written summary, the section its words sit under ("What it
        isn't"), which their meaning may hang on; "" for anyone else's."""
        return section_leaf(self.section) if self.speaker == SUMMARY_SPEAKER else ""

    @classmethod
    def from_chunk(
        cls,
        number: int,
        chunk_id: str,
        text: str,
        meta: dict[str, Any],
        initials: str,
        *,
        score: float = 0.0,
        similarity: float = 0.0,
        lexical: float = 0.0,
    ) -> Passage:
        """The passage of a stored chunk (its id, text and metadata as ingest wrote them)."""
        return cls(
            number=number,
            id=chunk_id,
            text=text,
            speaker=str(meta.get("speaker", "")),
            initials=initials,
            kind=str(meta.get("kind", "")),
            doc_id=str(meta.get("doc_id", "")),
            source_path=str(meta.get("source_path", "")),
            start_char=int(meta.get("start_char", 0)),
            end_char=int(meta.get("end_char", 0)),
            section=str(meta.get("section", "")),
            question=str(meta.get("question", "")),
            role=str(meta.get("role", "")),
            start_time=_float_or_none(meta.get("start_time")),
            end_time=_float_or_none(meta.get("end_time")),
            cues=_cues(meta.get("cues")),
            media=str(meta["media_path"]) if meta.get("media_path") else None,
            media_type=str(meta["media_type"]) if meta.get("media_type") else None,
            media_duration=_float_or_none(meta.get("media_duration")),
            score=score,
            similarity=similarity,
            lexical=lexical,
        )

    @property
    def where(self) -> str:
        """Where the passage sits: its section, else its time and the question it answers."""
        return self.where_at(self.start_time, self.end_time)

    def where_at(self, start: float | None, end: float | None) -> str:
        """:attr:`where`, with the time ``start``–``end`` (a quote's) in place of the
        passage's own."""
        if self.section:
            return self.section
        parts = []
        if start is not None:
            parts.append(f"at {time_span(start, end)}")
        if self.question:
            short = self.question if len(self.question) <= 80 else self.question[:77] + "…"
            parts.append(f'answering "{short}"')
        return ", ".join(parts) or self.doc_id

    def location(
        self, sep: str = ", ", times: tuple[float | None, float | None] | None = None
    ) -> str:
        """Its document and, when that says more, where in it: "doc.md, at 1:02–1:09" (the
        time ``times`` gives when given: its quotes')."""
        where = self.where if times is None else self.where_at(*times)
        return self.doc_id if not where or where == self.doc_id else f"{self.doc_id}{sep}{where}"

    def time_of(self, start: int, end: int) -> tuple[float | None, float | None]:
        """When ``text[start:end]`` is said: from the start of the cue it starts in to the end
        of the cue it ends in (the passage's own times when it has no cues)."""
        if not self.cues:
            return self.start_time, self.end_time
        before_start = [c for c in self.cues if c[0] <= start]
        before_end = [c for c in self.cues if c[0] < max(end, start + 1)]
        begin = before_start[-1][1] if before_start else self.start_time
        last = before_end[-1][2] if before_end else None
        finish = last if last is not None else self.end_time
        return begin, finish


def clock(seconds: float) -> str:
    """A time as a player shows it: "0:09", "12:34", "1:02:03"."""
    s = int(seconds)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def time_span(start: float, end: float | None) -> str:
    """ "12:34–12:51" (or "12:34" without an end)."""
    return clock(start) if end is None or int(end) <= int(start) else f"{clock(start)}–{clock(end)}"


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def _cues(value: Any) -> tuple[tuple[int, float, float | None], ...]:
    """The ``cues`` chunk metadata (a JSON list of ``[offset, start, end]``) as tuples; empty
    when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return ()
    try:
        rows = json.loads(value)
        return tuple((int(o), float(a), None if b is None else float(b)) for o, a, b in rows)
    except (TypeError, ValueError):
        return ()


@dataclass
class Citation:
    """A quoted span of one passage: the words, whose they are, and where they are."""

    number: int
    passage_id: str
    speaker: str
    initials: str
    source_path: str
    start_char: int
    end_char: int
    quote: str
    quote_start: int
    quote_end: int
    #: When the quote is said, in seconds (timed transcripts), and the recording it is in.
    start_s: float | None = None
    end_s: float | None = None
    media: str | None = None

    @classmethod
    def of(cls, passage: Passage, start: int, end: int) -> Citation:
        """The citation of ``passage.text[start:end]``."""
        start_s, end_s = passage.time_of(start, end)
        return cls(
            number=passage.number,
            passage_id=passage.id,
            speaker=passage.speaker,
            initials=passage.initials,
            source_path=passage.source_path,
            start_char=passage.start_char,
            end_char=passage.end_char,
            quote=passage.text[start:end],
            quote_start=start,
            quote_end=end,
            start_s=start_s,
            end_s=end_s,
            media=passage.media if start_s is not None else None,
        )


@dataclass
class Quotation:
    """Words a statement presents as someone's exact words, and the passages it cites for them."""

    text: str
    citations: list[int] = field(default_factory=list)


@dataclass
class Credit:
    """A citation and the initials the answer credits with it (``"…" — G. [2]``)."""

    number: int
    initials: str


@dataclass
class Statement:
    """One statement of an answer, as data: its words, the passages it cites, the quotations it
    makes and whom it credits. The evaluation scores these; it never re-reads the text."""

    text: str
    citations: list[int] = field(default_factory=list)
    quotes: list[Quotation] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)

    @classmethod
    def quoting(cls, text: str, number: int, initials: str | None) -> Statement:
        """A statement that is one verbatim quote of passage ``number`` (credited to
        ``initials`` when given)."""
        return cls(
            text=text,
            citations=[number],
            quotes=[Quotation(text, [number])],
            credits=[Credit(number, initials)] if initials else [],
        )


@dataclass
class QuoteCheck:
    """One check of the verification pass."""

    status: CheckStatus
    quote: str
    number: int | None
    detail: str


@dataclass
class SentenceCheck:
    """One sentence of a model's answer and what verification found for it."""

    #: The sentence as the model wrote it (citation markers included).
    text: str
    status: StatementStatus
    #: The passage numbers it cites that exist.
    citations: list[int] = field(default_factory=list)
    #: The sentence as shown when supported: citations rendered with initials ("— G. [2]").
    shown: str = ""
    #: The support score against the cited passages (None when verbatim or not scored).
    score: float | None = None
    detail: str = ""
    #: Index of the line of the model's answer the sentence sits on (to keep its layout).
    line: int = 0
    #: Whose citation it is checked against (see :data:`CitedBy`).
    cited_by: CitedBy = "model"

    @property
    def verified(self) -> bool:
        """Whether the sentence may be shown as part of the answer."""
        return self.status == "supported"


@dataclass
class Verification:
    """What the verification pass of an llm-mode answer found: the quote checks, each sentence
    of the model's answer with its status, the model's answer as generated (``draft``), how
    generation ended, and whether the answer fell back to extractive mode because too little
    of the model's answer was supported."""

    checks: list[QuoteCheck] = field(default_factory=list)
    statements: list[SentenceCheck] = field(default_factory=list)
    draft: str = ""
    stop_reason: StopReason = "done"
    tokens: int = 0
    seconds: float = 0.0
    fell_back: bool = False

    @property
    def ok(self) -> bool:
        """Whether every check passed and every sentence of the model's answer is supported."""
        return all(c.status == "verified" for c in self.checks) and all(
            s.verified for s in self.statements
        )

    @property
    def supported_share(self) -> float | None:
        """Share of the model's statements that are supported (None when it wrote none);
        ``empty`` sentences are no statements and don't count."""
        counted = [s for s in self.statements if s.status != "empty"]
        if not counted:
            return None
        return sum(s.verified for s in counted) / len(counted)

    @property
    def cited_by_model(self) -> int:
        """Supported sentences shown with the model's own citation."""
        return sum(s.verified and s.cited_by == "model" for s in self.statements)

    @property
    def cited_by_system(self) -> int:
        """Supported sentences the system cited: left uncited by the model, or re-cited."""
        return sum(s.verified and s.cited_by == "system" for s in self.statements)

    @property
    def unverified(self) -> list[SentenceCheck]:
        """The model's sentences that are not shown as the answer."""
        return [s for s in self.statements if not s.verified]

    @property
    def issues(self) -> list[QuoteCheck]:
        """The checks that failed."""
        return [c for c in self.checks if c.status != "verified"]


@dataclass
class Answer:
    """An answer, its citations and passages, and how it was produced."""

    question: str
    text: str
    mode: Mode
    abstained: bool
    query: str = ""
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    notes: list[str] = field(default_factory=list)
    nearest_topics: list[str] = field(default_factory=list)
    verification: Verification | None = None
    timings: dict[str, float] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    #: How a follow-up was read: "more" (go on with the thread), "topic" (a topic of its own),
    #: "speaker" (the same question of other speakers); None for a question of its own.
    follow_up: str | None = None

    def quote_times(self, number: int) -> tuple[float | None, float | None]:
        """When the answer's quotes of passage ``number`` are said: the earliest start and the
        latest end of its citations (None, None when untimed)."""
        cited = [c for c in self.citations if c.number == number and c.start_s is not None]
        if not cited:
            return None, None
        ends = [c.end_s for c in cited if c.end_s is not None]
        return min(c.start_s for c in cited if c.start_s is not None), max(ends, default=None)

    def cited_passages(self) -> list[Passage]:
        """The passages the answer cites, in citation-number order."""
        numbers = sorted({c.number for c in self.citations})
        by_number = {p.number: p for p in self.passages}
        return [by_number[n] for n in numbers if n in by_number]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole result."""
        data = asdict(self)
        if self.verification is not None:
            data["verification"]["ok"] = self.verification.ok
            data["verification"]["supported_share"] = self.verification.supported_share
            data["verification"]["cited_by_model"] = self.verification.cited_by_model
            data["verification"]["cited_by_system"] = self.verification.cited_by_system
        return data

    def to_json(self) -> str:
        """The result as JSON."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


@dataclass
class Draft:
    """What a composer hands back: the answer's text and its parts. The Assistant builds the
    one :class:`Answer` from it."""

    text: str
    abstained: bool = False
    citations: list[Citation] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    nearest_topics: list[str] = field(default_factory=list)
    verification: Verification | None = None
    #: Passages that replace the retrieved ones (a quote found elsewhere in the index).
    passages: list[Passage] | None = None
    #: The mode actually used, when it differs from the one asked for (llm falling back).
    mode: Mode | None = None
    #: Notes the composer adds to the plan's (an llm answer that failed verification…).
    notes: list[str] = field(default_factory=list)
