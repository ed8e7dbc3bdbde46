"""A written summary against the themes of the transcripts (for the evaluation's themes report
and ``verify-summary --themes``).

Each section of the summary (its chunks sharing a section path) is supported by the themes of
the transcript passages it quotes, and by its nearest theme when the centroid of its stored
vectors lies within that theme's radius (:func:`theme_radius`). Each quote the summary attributes
to a speaker goes to the theme of the transcript passage of the same speaker that holds it
verbatim, or that it holds (quotes in a row merge into one chunk), else to the theme nearest its
own vector. A theme is left out when no section is supported by it and no quote falls in it.

A theme's label is set against the summary heading its quotes come from most often
(:func:`label_headings`): whether the label names the theme as the summary's author did.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interview_qa.assistant import content_words, find_verbatim, is_interviewee
from interview_qa.ingest import SECTION_SEP, section_leaf

if TYPE_CHECKING:
    import numpy as np

    from interview_qa.assistant import ThemeReport, Unit
    from interview_qa.ingest import Index, StoredChunks

#: The least cosine similarity to a theme's centroid that can support a summary section by
#: nearness (a theme's radius is its least central passage's similarity, never below this).
SUPPORT_SIMILARITY = 0.5
#: Separator of a section path ("Navigating the Challenges … › Measuring Impact").
SECTION_SEPARATOR = SECTION_SEP


@dataclass
class SummaryQuote:
    """A quote the summary attributes to a speaker, placed in a theme: through the transcript
    passage that holds it verbatim (``unit``), else by its nearest theme centroid."""

    section: str
    initials: str
    quote: str
    theme: int
    unit: str | None

    @property
    def heading(self) -> str:
        """The deepest level of the quote's section ("Prioritizing Tasks")."""
        return section_leaf(self.section)


@dataclass
class SectionSupport:
    """One section of a summary against the themes of the transcripts."""

    section: str
    passages: int
    quotes: int
    #: The theme nearest the section's centroid, and their cosine similarity.
    best_theme: int
    similarity: float
    #: How close the section must be to that theme's centroid to be supported by nearness
    #: (:func:`theme_radius`).
    radius: float
    #: Themes of the transcript passages the section quotes verbatim.
    quoted_themes: list[int] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        """Whether some theme of the transcripts supports the section: it quotes passages of a
        theme, or it lies as close to a theme's centroid as that theme's own passages do."""
        return bool(self.quoted_themes) or self.similarity >= self.radius

    @property
    def supporting(self) -> list[int]:
        """The themes that support the section."""
        near = [self.best_theme] if self.similarity >= self.radius else []
        return sorted(set(self.quoted_themes) | set(near))


@dataclass
class SummaryRelation:
    """A summary's sections against the themes: which are supported, which themes it omits."""

    sections: list[SectionSupport]
    quotes: list[SummaryQuote]
    left_out: list[int]

    def unsupported(self) -> list[SectionSupport]:
        """Sections no theme of the transcripts supports."""
        return [s for s in self.sections if not s.supported]

    def covered_share(self) -> float:
        """Share of the sections that some theme supports."""
        if not self.sections:
            return 0.0
        return sum(s.supported for s in self.sections) / len(self.sections)


def theme_radius(report: ThemeReport, theme_id: int) -> float:
    """How close to a theme's centroid its own passages lie (the cosine similarity of its least
    central passage), never below :data:`SUPPORT_SIMILARITY`."""
    sims = [u.similarity for u in report.units if u.theme == theme_id]
    return max(SUPPORT_SIMILARITY, min(sims)) if sims else 1.0


def relate_summary(
    report: ThemeReport, index: Index, chunks: StoredChunks | None = None
) -> SummaryRelation:
    """Place the index's summary against ``report``'s themes (see the module's docstring)."""
    import numpy as np

    chunks = chunks or index.stored_chunks()
    by_section: dict[str, list[int]] = defaultdict(list)
    for i, meta in enumerate(chunks.metadatas):
        if str(meta.get("kind")) == "summary" and meta.get("section"):
            by_section[str(meta["section"])].append(i)
    centroids = np.asarray(report.centroids)
    radii = {t.id: theme_radius(report, t.id) for t in report.themes}
    by_speaker: dict[str, list[Unit]] = defaultdict(list)
    for u in report.units:
        by_speaker[u.initials.lower()].append(u)
    sections: list[SectionSupport] = []
    quotes: list[SummaryQuote] = []
    for section, rows in by_section.items():
        x = _unit_rows([chunks.vectors[i] for i in rows])
        placed = _place_quotes(section, rows, x, chunks, by_speaker, centroids)
        quotes.extend(placed)
        centre = x.mean(axis=0)
        sims = centroids @ (centre / max(float(np.linalg.norm(centre)), 1e-12))
        best = int(np.argmax(sims)) + 1
        sections.append(
            SectionSupport(
                section=section,
                passages=len(rows),
                quotes=len(placed),
                best_theme=best,
                similarity=float(sims[best - 1]),
                radius=radii[best],
                quoted_themes=sorted({q.theme for q in placed if q.unit is not None}),
            )
        )
    used = {t for s in sections for t in s.supporting} | {q.theme for q in quotes}
    left_out = [t.id for t in report.themes if t.id not in used]
    return SummaryRelation(sections=sections, quotes=quotes, left_out=left_out)


def _unit_rows(vectors: list[Any]) -> np.ndarray:
    import numpy as np

    x = np.asarray(vectors, dtype=np.float32)
    return np.asarray(x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12))


def _place_quotes(
    section: str,
    rows: list[int],
    x: np.ndarray,
    chunks: StoredChunks,
    by_speaker: dict[str, list[Unit]],
    centroids: np.ndarray,
) -> list[SummaryQuote]:
    """The section's attributed quotes (rows of ``chunks``, their unit vectors ``x``), each in
    the theme of the transcript passage that holds it, else of the nearest centroid."""
    import numpy as np

    placed: list[SummaryQuote] = []
    for row, i in enumerate(rows):
        meta = chunks.metadatas[i]
        if not is_interviewee(meta):
            continue
        label = str(meta.get("speaker"))
        initials = chunks.registry.get(label) or str(meta.get("initials") or label)
        text = chunks.texts[i]
        held = holders(text, by_speaker.get(initials.lower(), []))
        if held:
            placed += [SummaryQuote(section, initials, u.text, u.theme, u.id) for u in held]
        else:
            nearest = int(np.argmax(centroids @ x[row])) + 1
            placed.append(SummaryQuote(section, initials, text, nearest, None))
    return placed


def holders(text: str, units: list[Unit]) -> list[Unit]:
    """The passages that hold ``text`` verbatim, else those ``text`` holds, in order."""
    inside = [u for u in units if find_verbatim(text, u.text) is not None]
    if inside:
        return inside[:1]
    return [u for u in units if find_verbatim(u.text, text) is not None]


@dataclass
class LabelHeading:
    """A theme's label beside the summary heading its quotes come from most often."""

    theme: int
    label: str
    #: The deepest heading of the summary section that quotes most of the theme's quotes
    #: (ties: the one quoting its most central quote); "" when the summary quotes none.
    heading: str
    #: How many of the theme's quotes the summary quotes under that heading, and in all.
    quotes_under: int
    quotes_quoted: int

    @property
    def agrees(self) -> bool:
        """Whether the label shares a content word (stemmed, stop words out) with the
        heading."""
        return bool(content_words(self.label) & content_words(self.heading))


def label_headings(report: ThemeReport, relation: SummaryRelation) -> list[LabelHeading]:
    """Each theme's label against the summary heading its quotes come from most often: every
    quote the theme shows is matched to the summary's quotes placed through the passage it
    quotes (:func:`relate_summary`), and the headings of their sections are counted."""
    placed: dict[str, list[str]] = defaultdict(list)
    for q in relation.quotes:
        if q.unit is not None:
            placed[q.unit].append(q.heading)
    out = []
    for theme in report.themes:
        headings: Counter[str] = Counter()
        quoted = 0
        for quote in theme.quotes:
            found = list(dict.fromkeys(placed.get(quote.chunk_id, [])))
            quoted += bool(found)
            headings.update(found)
        top = headings.most_common(1)
        heading, under = top[0] if top else ("", 0)
        out.append(LabelHeading(theme.id, theme.label, heading, under, quoted))
    return out


def label_heading_agreement(pairs: list[LabelHeading]) -> float | None:
    """Share of the themes (those some of whose quotes the summary quotes) whose label shares
    a content word with that heading; None when there are none."""
    compared = [p for p in pairs if p.heading]
    if not compared:
        return None
    return sum(p.agrees for p in compared) / len(compared)
