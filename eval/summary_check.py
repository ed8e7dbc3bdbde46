"""verify-summary: is every quote a written summary attributes to a speaker really theirs?

The summary is parsed like any summary (:func:`interview_qa.ingest.parse_file`): each turn whose
speaker is not the summary's own prose is a quote attributed to that speaker, one per segment.
The transcripts are every file of a folder (``README*``, hidden files and summaries skipped),
their interviewee turns collected by speaker label. A summary speaker matches a transcript
speaker with the same label, or the same initials (``G.`` ↔ ``G.``, ``D.P.`` ↔ "Dmitry
Petrashko", :func:`interview_qa.ingest.speakers.base_initials`), or, for a one-letter label like
``G.``, the only transcript speaker whose initials start with that letter.

Each quote gets one status:

* ``verbatim``: in that speaker's turns, modulo whitespace and curly quotes;
* ``other-speaker``: verbatim, but in another speaker's turns (named in the detail);
* ``close``: not verbatim, but a sentence-sized window of that speaker's turns matches with a
  fuzzy ratio ≥ :data:`CLOSE_RATIO` (the word difference is shown);
* ``not-found``: none of these.

With ``themes`` (``verify-summary --themes``), the summary and the transcripts are also ingested
into a temporary index and set against the themes of the transcripts
(:func:`interview_qa.assistant.find_themes`): the summary's sections that no theme supports
(section centroid farther from every theme centroid than that theme's own passages lie,
:func:`interview_qa.eval.summary_themes.relate_summary`), and the themes the summary leaves out (no
section near them, none of their passages quoted).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from interview_qa.assistant import closest_span, find_verbatim, normalize
from interview_qa.ingest import (
    SUMMARY_SPEAKER,
    InputError,
    base_initials,
    corpus_files,
    parse_file,
)

if TYPE_CHECKING:
    from rich.console import Console

    from interview_qa.ingest import Embedder, Settings

CLOSE_RATIO = 0.85
Status = Literal["verbatim", "close", "other-speaker", "not-found"]
STATUSES: tuple[Status, ...] = ("verbatim", "close", "other-speaker", "not-found")


@dataclass
class QuoteResult:
    """One attributed quote of the summary and what the transcripts say about it."""

    speaker: str
    quote: str
    status: Status
    line: int
    matched_speakers: list[str] = field(default_factory=list)
    source: str = ""
    ratio: float | None = None
    closest: str = ""
    diff: str = ""


@dataclass
class SectionGap:
    """A section of the summary and the theme of the transcripts nearest to it."""

    section: str
    passages: int
    quotes: int
    best_theme: str
    similarity: float
    radius: float


@dataclass
class LeftOutTheme:
    """A theme of the transcripts that the summary neither quotes nor has a section near."""

    label: str
    speakers: list[str]
    passages: int
    quote: str
    initials: str


@dataclass
class ThemeGaps:
    """The summary against the themes of the transcripts."""

    themes: list[str]
    sections: int
    unsupported: list[SectionGap]
    left_out: list[LeftOutTheme]


@dataclass
class SummaryReport:
    """Every quote's result, plus the transcripts read and the files that couldn't be."""

    summary: Path
    transcripts: Path
    quotes: list[QuoteResult]
    files: list[str]
    errors: list[str]
    themes: ThemeGaps | None = None

    @property
    def ok(self) -> bool:
        """Whether every quote is verbatim in its speaker's turns."""
        return all(q.status == "verbatim" for q in self.quotes)

    def counts(self) -> dict[str, int]:
        """How many quotes got each status."""
        return {s: sum(q.status == s for q in self.quotes) for s in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "summary": str(self.summary),
            "transcripts": str(self.transcripts),
            "ok": self.ok,
            "counts": self.counts(),
            "files": self.files,
            "errors": self.errors,
            "quotes": [asdict(q) for q in self.quotes],
            "themes": asdict(self.themes) if self.themes is not None else None,
        }


def word_diff(expected: str, actual: str) -> str:
    """Word-level difference from the transcript's words to the quote's: ``[-was-]{+is+}``."""
    a, b = normalize(expected).split(), normalize(actual).split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


@dataclass
class _Turn:
    speaker: str
    text: str
    source: str


def read_transcripts(
    folder: Path, skip: Path | None = None
) -> tuple[list[_Turn], list[str], list[str]]:
    """Interviewee turns of every transcript in ``folder``, the files read, and one line per
    file that could not be read."""
    if not folder.is_dir():
        raise InputError(folder, "no such transcripts folder")
    turns: list[_Turn] = []
    files: list[str] = []
    errors: list[str] = []
    skip_resolved = skip.resolve() if skip else None
    for path in corpus_files(folder):
        if path.resolve() == skip_resolved:
            continue
        try:
            doc = parse_file(path)
        except InputError as exc:
            errors.append(str(exc))
            continue
        if doc.kind == "summary":
            continue
        files.append(str(path.relative_to(folder)))
        for turn in doc.turns:
            if turn.role == "interviewee":
                turns.append(_Turn(turn.speaker, turn.text, str(path.relative_to(folder))))
    if not files:
        raise InputError(folder, "holds no transcript this tool can read")
    return turns, files, errors


def _speaker_map(summary_labels: set[str], transcript_labels: set[str]) -> dict[str, set[str]]:
    """For each summary speaker, the transcript speakers that are the same person."""
    initials = {t: base_initials(t) for t in transcript_labels}
    out: dict[str, set[str]] = {}
    for label in summary_labels:
        want = base_initials(label).upper()
        same = {
            t
            for t in transcript_labels
            if t.lower() == label.lower() or initials[t].upper() == want
        }
        if not same and re.fullmatch(r"[A-Za-z]\.", label):
            starts = {t for t in transcript_labels if initials[t].upper().startswith(want)}
            if len(starts) == 1:
                same = starts
        out[label] = same
    return out


def check_summary_quotes(summary: Path, transcripts: Path) -> SummaryReport:
    """Check every attributed quote of ``summary`` against the transcripts in ``transcripts``."""
    doc = parse_file(summary)
    if doc.kind != "summary":
        raise InputError(
            summary,
            "is read as a transcript, not a summary: its name must contain 'summary' or its "
            "front matter say 'kind: summary' (see corpus/README.md)",
        )
    source_text = summary.read_text(encoding="utf-8-sig")
    quotes = [
        (turn.speaker, seg)
        for turn in doc.turns
        if turn.role != "interviewer" and turn.speaker != SUMMARY_SPEAKER
        for seg in turn.segments
    ]
    if not quotes:
        raise InputError(
            summary,
            "holds no quote attributed to a speaker (is it a summary? see corpus/README.md)",
        )
    turns, files, errors = read_transcripts(transcripts, skip=summary)
    by_speaker: dict[str, list[_Turn]] = defaultdict(list)
    for t in turns:
        by_speaker[t.speaker].append(t)
    mapping = _speaker_map({s for s, _ in quotes}, set(by_speaker))

    results = []
    for speaker, seg in quotes:
        line = source_text.count("\n", 0, seg.start) + 1
        own = [t for label in sorted(mapping[speaker]) for t in by_speaker[label]]
        others = [t for t in turns if t.speaker not in mapping[speaker]]
        result = QuoteResult(speaker, seg.text, "not-found", line)
        hit = next((t for t in own if find_verbatim(seg.text, t.text) is not None), None)
        elsewhere = [t for t in others if find_verbatim(seg.text, t.text) is not None]
        if hit is not None:
            result.status, result.source = "verbatim", hit.source
            result.matched_speakers = [hit.speaker]
        elif elsewhere:
            result.status = "other-speaker"
            result.matched_speakers = list(dict.fromkeys(t.speaker for t in elsewhere))
            result.source = elsewhere[0].source
        else:
            best: tuple[float, _Turn, int, int] | None = None
            for t in own:
                ratio, a, b = closest_span(seg.text, t.text)
                if best is None or ratio > best[0]:
                    best = (ratio, t, a, b)
            if best is not None:
                ratio, t, a, b = best
                result.ratio = round(ratio, 3)
                result.closest = t.text[a:b]
                result.source = t.source
                result.matched_speakers = [t.speaker]
                if ratio >= CLOSE_RATIO:
                    result.status = "close"
                    result.diff = word_diff(t.text[a:b], seg.text)
        results.append(result)
    return SummaryReport(summary, transcripts, results, files, errors)


def theme_gaps(
    summary: Path,
    transcripts: Path,
    settings: Settings,
    console: Console,
    embedder: Embedder | None = None,
) -> ThemeGaps:
    """Ingest the summary and the transcripts into a temporary index, find the transcripts'
    themes, and list the summary's sections no theme supports and the themes it leaves out."""
    from interview_qa.assistant import find_themes, pair_scorer_for
    from interview_qa.eval.summary_themes import relate_summary
    from interview_qa.eval.temp_index import corpus_index
    from interview_qa.ingest import Index, make_embedder

    inside = summary.resolve().is_relative_to(transcripts.resolve())
    paths = [transcripts] if inside else [transcripts, summary]
    with corpus_index(settings, paths, embedder or make_embedder(settings), console) as temp:
        index = Index(temp)
        report = find_themes(index, scorer=pair_scorer_for(settings.rerank))
        relation = relate_summary(report, index)
    labels = {t.id: t.label for t in report.themes}
    unsupported = [
        SectionGap(
            s.section,
            s.passages,
            s.quotes,
            labels[s.best_theme],
            round(s.similarity, 3),
            round(s.radius, 3),
        )
        for s in relation.unsupported()
    ]
    left_out = []
    for theme_id in relation.left_out:
        t = report.theme(theme_id)
        first = t.quotes[0] if t.quotes else None
        left_out.append(
            LeftOutTheme(
                t.label,
                t.speakers,
                t.size,
                first.quote if first else "",
                first.initials if first else "",
            )
        )
    return ThemeGaps(
        themes=[t.label for t in report.themes],
        sections=len(relation.sections),
        unsupported=unsupported,
        left_out=left_out,
    )
