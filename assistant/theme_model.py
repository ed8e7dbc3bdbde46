"""What :func:`interview_qa.assistant.find_themes` returns: themes, quotes, the speaker × theme
matrix, the clustered passages, and their JSON form (``themes.json``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from interview_qa.assistant import prompts
from interview_qa.ingest.errors import InterviewQAError


class ThemeError(InterviewQAError):
    """Themes cannot be computed for this request (nothing to cluster, a bad number, an unknown
    speaker); the message is one line meant for the user."""


@dataclass
class ThemeQuote:
    """A verbatim quote of one passage, credited to that passage's speaker, with its citation."""

    speaker: str
    initials: str
    quote: str
    source_path: str
    start_char: int
    end_char: int
    chunk_id: str
    doc_id: str = ""
    start_time: float | None = None
    end_time: float | None = None
    similarity: float = 0.0
    verified: bool = False

    @property
    def where(self) -> str:
        """Where the quote is: time span if timed, else character offsets."""
        if self.start_time is not None:
            end = f"–{_clock(self.end_time)}" if self.end_time is not None else ""
            return f"{_clock(self.start_time)}{end}"
        return f"chars {self.start_char}–{self.end_char}"


@dataclass
class Theme:
    """One theme: label, takeaway, speakers and quotes."""

    id: int
    label: str
    keywords: list[str]
    takeaway: ThemeQuote | None
    speakers: list[str]
    speaker_total: int
    quotes: list[ThemeQuote]
    size: int
    cohesion: float
    members: list[str] = field(default_factory=list)

    @property
    def speaker_share(self) -> str:
        """ "4 of 6"."""
        return f"{len(self.speakers)} of {self.speaker_total}"

    @property
    def question(self) -> str:
        """The question the app asks about this theme: about its label (a heading or phrase
        of its passages), or its first keywords when no label of its own names it."""
        fallback = self.label == prompts.THEMES_LABEL_FALLBACK.format(id=self.id)
        keywords = " and ".join(self.keywords[:2])
        return prompts.THEMES_ASK.format(label=keywords if fallback and keywords else self.label)


@dataclass
class SpeakerThemes:
    """One row of the speaker × theme matrix."""

    speaker: str
    initials: str
    words: int
    units: int
    documents: list[str]
    role: str
    #: theme id → share of the speaker's words in that theme (0–1).
    shares: dict[int, float]
    #: theme id → the speaker's most central quote in that theme.
    best: dict[int, ThemeQuote]

    def top_themes(self, n: int = 3) -> list[tuple[int, float]]:
        """The themes this speaker says most on: (theme id, share), largest first."""
        ranked = sorted(self.shares.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(t, s) for t, s in ranked[:n] if s > 0]


@dataclass
class Unit:
    """A clustered passage: a chunk of one interviewee's words and its theme."""

    id: str
    text: str
    meta: dict[str, Any]
    initials: str
    theme: int = 0
    similarity: float = 0.0
    #: The relevance stage's shift of ``similarity`` when a cross-encoder scores the passage
    #: against its theme's label: (p - 0.5) × ``rerank.cross_encoder_weight``; 0 otherwise.
    shift: float = 0.0

    @property
    def centrality(self) -> float:
        """How well the passage stands for its theme: its cosine to the theme's centroid, moved
        by the cross-encoder's reading of it against the theme's label when one is configured.
        The takeaway, the representative quotes and each speaker's best quote go by it."""
        return self.similarity + self.shift


@dataclass
class ThemeReport:
    """What :func:`interview_qa.assistant.find_themes` found."""

    themes: list[Theme]
    speakers: list[SpeakerThemes]
    units: list[Unit]
    method: str
    kinds: list[str]
    silhouette: float | None
    candidates: dict[int, float]
    documents: int
    seconds: float
    #: Unit-length centroid of each theme, row ``theme.id - 1``.
    centroids: Any = None

    def theme(self, theme_id: int) -> Theme:
        """The theme with this id."""
        return self.themes[theme_id - 1]

    def all_quotes(self) -> list[tuple[Theme, ThemeQuote]]:
        """Every quote shown: each theme's quotes, then each speaker's best quote per theme."""
        out = [(t, q) for t in self.themes for q in t.quotes]
        out += [(t, t.takeaway) for t in self.themes if t.takeaway is not None]
        out += [(self.theme(i), q) for row in self.speakers for i, q in sorted(row.best.items())]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``themes.json``)."""
        return {
            "themes": [_theme_dict(t) for t in self.themes],
            "matrix": self._matrix_dict(),
            "method": self.method,
            "kinds": self.kinds,
            "units": len(self.units),
            "documents": self.documents,
            "silhouette": None if self.silhouette is None else round(self.silhouette, 4),
            "silhouette_by_k": {str(k): round(v, 4) for k, v in self.candidates.items()},
            "seconds": round(self.seconds, 3),
        }

    def _matrix_dict(self) -> dict[str, Any]:
        ids = [t.id for t in self.themes]
        return {
            "themes": [t.label for t in self.themes],
            "speakers": [row.initials for row in self.speakers],
            "values": [[round(row.shares.get(i, 0.0), 4) for i in ids] for row in self.speakers],
            "unit": "share of the speaker's words",
            "best_quotes": {
                row.initials: {
                    self.theme(i).label: _quote_dict(q) for i, q in sorted(row.best.items())
                }
                for row in self.speakers
            },
        }


def _theme_dict(t: Theme) -> dict[str, Any]:
    return {
        "id": t.id,
        "label": t.label,
        "keywords": t.keywords,
        "takeaway": t.takeaway.quote if t.takeaway else "",
        "takeaway_quote": _quote_dict(t.takeaway) if t.takeaway else None,
        "speakers": t.speakers,
        "speaker_share": t.speaker_share,
        "size": t.size,
        "cohesion": round(t.cohesion, 4),
        "question": t.question,
        "quotes": [_quote_dict(q) for q in t.quotes],
    }


def _quote_dict(q: ThemeQuote) -> dict[str, Any]:
    data = asdict(q)
    data["similarity"] = round(q.similarity, 4)
    return {k: v for k, v in data.items() if v is not None}


def _clock(seconds: float | None) -> str:
    s = int(seconds or 0)
    return (
        f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"
        if s >= 3600
        else f"{s // 60}:{s % 60:02d}"
    )
