"""The typed result of asking a question: what the UI and the evaluation read."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

Mode = Literal["extractive", "llm"]
#: The answer modes, in the order the CLI and the app offer them.
MODES: tuple[str, ...] = get_args(Mode)
CheckStatus = Literal["verified", "no_such_passage", "not_in_passage", "wrong_speaker", "uncited"]
#: What verification found for one sentence of a model's answer: ``supported`` by a passage it
#: cites; ``unsupported`` (cites passages that don't support it); ``uncited`` (cites no passage
#: that exists); ``misquoted`` (a quote not verbatim in the passage it cites); ``wrong_speaker``
#: (credits words to someone other than the cited passage's speaker).
StatementStatus = Literal["supported", "unsupported", "uncited", "misquoted", "wrong_speaker"]
#: Why generation stopped: the model finished, hit ``llm.max_tokens``, started repeating itself,
#: or ran past ``llm.timeout_s``.
StopReason = Literal["done", "max_tokens", "repetition", "timeout"]


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
    #: Reciprocal-rank fusion score (the retrieval order).
    score: float = 0.0
    #: Cosine similarity of the passage's vector to the search vector.
    similarity: float = 0.0
    #: BM25 score (0 when the lexical retriever did not find it).
    lexical: float = 0.0

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
            score=score,
            similarity=similarity,
            lexical=lexical,
        )

    @property
    def where(self) -> str:
        """Where the passage sits: its section, else its time and the question it answers."""
        if self.section:
            return self.section
        parts = []
        if self.start_time is not None:
            minutes, seconds = divmod(int(self.start_time), 60)
            hours, minutes = divmod(minutes, 60)
            parts.append(f"at {hours:02d}:{minutes:02d}:{seconds:02d}")
        if self.question:
            short = self.question if len(self.question) <= 80 else self.question[:77] + "…"
            parts.append(f'answering "{short}"')
        return ", ".join(parts) or self.doc_id

    def location(self, sep: str = ", ") -> str:
        """Its document and, when that says more, where in it: "doc.md, at 00:01:02"."""
        where = self.where
        return self.doc_id if not where or where == self.doc_id else f"{self.doc_id}{sep}{where}"


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


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

    @classmethod
    def of(cls, passage: Passage, start: int, end: int) -> Citation:
        """The citation of ``passage.text[start:end]``."""
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
        """Share of the model's sentences that are supported (None when it wrote none)."""
        if not self.statements:
            return None
        return sum(s.verified for s in self.statements) / len(self.statements)

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
