"""The themes report of ``interview-qa eval``: are the themes grounded, and do they agree with the
summary?

On any index:

* **quote fidelity**: every quote the themes show (theme quotes, takeaways, each speaker's best
  quote per theme) is verbatim in the passage it cites and credited to that passage's speaker
  (the check answers get, :func:`interview_qa.assistant.find_verbatim`), and, where the source
  file is readable and the passage maps to it character for character, sits at the cited
  offsets of that file;
* **speaker coverage**: the share of interviewees quoted by some theme, and the mean share of
  the interviewees who speak to a theme ("4 of 6");
* **cohesion**: the mean cosine similarity of the passages to their theme's centroid, and the
  silhouette of the clustering.

On an index that holds a summary (the bundled corpus does): the agreement between the themes
given to the summary's attributed quotes and the summary's own sections, as normalised mutual
information and adjusted Rand index (``sklearn.metrics``), at the level of the sections that hold
the quotes ("… > Measuring Impact") and of their top-level parts; and the share of the summary's
sections that some theme supports (:mod:`interview_qa.eval.summary_themes`); and whether each
theme's label shares a content word with the summary heading its quotes come from most often
(``label_heading_agreement``, the share of themes whose label does).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interview_qa.assistant import find_verbatim, normalize
from interview_qa.eval.summary_themes import (
    SECTION_SEPARATOR,
    label_heading_agreement,
    label_headings,
    relate_summary,
)

if TYPE_CHECKING:
    from rich.console import Console

    from interview_qa.assistant import ThemeReport
    from interview_qa.eval.summary_check import ThemeGaps
    from interview_qa.eval.summary_themes import SummaryRelation
    from interview_qa.ingest import Embedder, Index, Settings


@dataclass
class ThemesEval:
    """The themes report's figures."""

    themes: int
    units: int
    labels: list[str]
    quotes: int
    quotes_verbatim: int
    quotes_credited: int
    quotes_at_offsets: int
    quotes_offsets_checked: int
    speakers: int
    speakers_quoted: int
    mean_speaker_share: float
    cohesion: float
    silhouette: float | None
    seconds: float
    summary: dict[str, Any] | None = None
    #: Share of the themes whose label shares a content word with the summary heading their
    #: quotes come from most often (None without a summary), and each theme's pair.
    label_heading_agreement: float | None = None
    label_headings: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def quote_fidelity(self) -> float:
        """Share of the quotes verbatim in their passage and credited to its speaker."""
        ok = min(self.quotes_verbatim, self.quotes_credited)
        return ok / self.quotes if self.quotes else 1.0

    @property
    def speaker_coverage(self) -> float:
        """Share of the interviewees that some theme quotes."""
        return self.speakers_quoted / self.speakers if self.speakers else 0.0

    def headline(self) -> dict[str, Any]:
        """The figures for report.json's meta."""
        data = asdict(self)
        data["quote_fidelity"] = round(self.quote_fidelity, 4)
        data["speaker_coverage"] = round(self.speaker_coverage, 4)
        return data


def check_quotes(report: ThemeReport, index: Index) -> tuple[int, int, int, int, int, list[str]]:
    """(quotes, verbatim in their passage, credited to its speaker, at the cited offsets of the
    source file, offsets checkable, problems) over every quote the themes show."""
    chunks = index.stored_chunks()
    passages = {
        i: (t, m) for i, t, m in zip(chunks.ids, chunks.texts, chunks.metadatas, strict=True)
    }
    sources: dict[str, str | None] = {}
    quotes = verbatim = credited = at_offsets = checkable = 0
    problems: list[str] = []
    for theme, q in report.all_quotes():
        quotes += 1
        passage = passages.get(q.chunk_id)
        if passage is None:
            problems.append(f"{theme.label}: quote cites a passage not in the index")
            continue
        text, meta = passage
        if find_verbatim(q.quote, text) is not None:
            verbatim += 1
        else:
            problems.append(f"{theme.label}: not verbatim in its passage: {q.quote[:60]}")
        if str(meta.get("speaker")) == q.speaker:
            credited += 1
        else:
            problems.append(f"{theme.label}: credited to {q.initials}, passage is another's")
        start, end = int(meta.get("start_char", 0)), int(meta.get("end_char", 0))
        if end - start != len(text):
            continue
        source = _source(q.source_path, sources)
        if source is None:
            continue
        checkable += 1
        if normalize(source[q.start_char : q.end_char]) == normalize(q.quote):
            at_offsets += 1
        else:
            problems.append(f"{theme.label}: not at its cited offsets: {q.quote[:60]}")
    return quotes, verbatim, credited, at_offsets, checkable, problems


def _source(path: str, cache: dict[str, str | None]) -> str | None:
    if path not in cache:
        try:
            cache[path] = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            cache[path] = None
    return cache[path]


#: Shuffles for the chance level of NMI and ARI.
CHANCE_SHUFFLES = 200


def agreement(sections: list[str], themes: list[int]) -> dict[str, float]:
    """NMI and ARI between two labellings, with their chance level: the mean over
    :data:`CHANCE_SHUFFLES` seeded shuffles of the themes (same theme sizes)."""
    import random

    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    rng = random.Random(0)
    nmi = float(normalized_mutual_info_score(sections, themes))
    ari = float(adjusted_rand_score(sections, themes))
    shuffled = list(themes)
    chance_nmi = chance_ari = 0.0
    for _ in range(CHANCE_SHUFFLES):
        rng.shuffle(shuffled)
        chance_nmi += float(normalized_mutual_info_score(sections, shuffled))
        chance_ari += float(adjusted_rand_score(sections, shuffled))
    return {
        "nmi": round(nmi, 4),
        "ari": round(ari, 4),
        "nmi_chance": round(chance_nmi / CHANCE_SHUFFLES, 4),
        "ari_chance": round(chance_ari / CHANCE_SHUFFLES, 4),
    }


def summary_agreement(
    relation: SummaryRelation, control: dict[str, int] | None = None
) -> dict[str, Any] | None:
    """NMI and ARI between the themes of the summary's quotes and their sections (the sections
    holding them, and their top-level parts), and the share of the sections some theme
    supports; None when the index holds no summary. ``control`` (unit id → theme of the
    text-only clustering) adds the same agreement for that clustering."""
    if not relation.sections:
        return None
    out: dict[str, Any] = {
        "sections": len(relation.sections),
        "sections_supported": sum(s.supported for s in relation.sections),
        "section_coverage": round(relation.covered_share(), 4),
        "unsupported_sections": [s.section for s in relation.unsupported()],
        "themes_left_out": relation.left_out,
    }
    if len(relation.quotes) < 2:
        return out
    leaf = [q.section for q in relation.quotes]
    top = [q.section.split(SECTION_SEPARATOR)[0] for q in relation.quotes]
    themes = [q.theme for q in relation.quotes]
    out.update(
        {
            "quotes": len(relation.quotes),
            "quotes_in_transcripts": sum(q.unit is not None for q in relation.quotes),
            "quote_sections": len(set(leaf)),
            "top_sections": len(set(top)),
            "leaf": agreement(leaf, themes),
            "top": agreement(top, themes),
        }
    )
    if control:
        placed = [(q, control[q.unit]) for q in relation.quotes if q.unit in control]
        if len(placed) >= 2:
            leaf_c = [q.section for q, _ in placed]
            top_c = [q.section.split(SECTION_SEPARATOR)[0] for q, _ in placed]
            themes_c = [t for _, t in placed]
            out["text_only"] = {
                "quotes": len(placed),
                "leaf": agreement(leaf_c, themes_c),
                "top": agreement(top_c, themes_c),
            }
    return out


def text_only_themes(report: ThemeReport, embedder: Embedder) -> dict[str, int]:
    """Control: the same units re-embedded from their text alone (no section or interviewer
    question beside it, unlike the index's vectors) and clustered the same way into the same
    number of themes; unit id → theme."""
    from interview_qa.assistant import cluster

    units = report.units
    vectors = embedder.embed([u.text for u in units])
    labels, _, _ = cluster(vectors, len(report.themes), owners=[u.initials for u in units])
    return {u.id: int(t) + 1 for u, t in zip(units, labels.tolist(), strict=True)}


def evaluate_themes(
    settings: Settings, n_themes: int | None = None, embedder: Embedder | None = None
) -> tuple[ThemesEval, ThemeReport]:
    """Compute the themes of the index of ``settings`` and score them (see the module). With
    an ``embedder``, a summary's agreement is also given for the text-only control."""
    from interview_qa.assistant import find_themes, pair_scorer_for
    from interview_qa.ingest import Index

    index = Index(settings)
    report = find_themes(index, n_themes=n_themes, scorer=pair_scorer_for(settings.rerank))
    quotes, verbatim, credited, at_offsets, checkable, problems = check_quotes(report, index)
    quoted = {q.initials for t in report.themes for q in t.quotes}
    total = len(report.speakers)
    mean_share = (
        sum(len(t.speakers) / t.speaker_total for t in report.themes) / len(report.themes)
        if report.themes
        else 0.0
    )
    cohesion = sum(u.similarity for u in report.units) / len(report.units)
    relation = relate_summary(report, index)
    pairs = label_headings(report, relation)
    agreement_share = label_heading_agreement(pairs)
    control = (
        text_only_themes(report, embedder) if embedder is not None and relation.quotes else None
    )
    result = ThemesEval(
        themes=len(report.themes),
        units=len(report.units),
        labels=[t.label for t in report.themes],
        quotes=quotes,
        quotes_verbatim=verbatim,
        quotes_credited=credited,
        quotes_at_offsets=at_offsets,
        quotes_offsets_checked=checkable,
        speakers=total,
        speakers_quoted=len(quoted),
        mean_speaker_share=round(mean_share, 4),
        cohesion=round(cohesion, 4),
        silhouette=None if report.silhouette is None else round(report.silhouette, 4),
        seconds=round(report.seconds, 3),
        summary=summary_agreement(relation, control),
        label_heading_agreement=None if agreement_share is None else round(agreement_share, 4),
        label_headings=[{**asdict(p), "agrees": p.agrees} for p in pairs if p.heading],
        problems=problems,
    )
    return result, report


def run_themes_report(
    settings: Settings, out: Path, console: Console, embedder: Embedder | None = None
) -> ThemesEval | None:
    """``interview-qa eval``'s themes part: score, print, and write themes-report.json and the
    themes' own files under ``out/themes``. None (with a line saying why) when the index has
    too little to cluster. The ``embedder`` (built when None) serves the text-only control."""
    from interview_qa.assistant import ThemeError, write_theme_outputs
    from interview_qa.ingest import make_embedder

    try:
        result, report = evaluate_themes(settings, embedder=embedder or make_embedder(settings))
    except ThemeError as exc:
        console.print(f"themes: not evaluated ({exc})")
        return None
    out.mkdir(parents=True, exist_ok=True)
    write_theme_outputs(report, out / "themes")
    (out / "themes-report.json").write_text(
        json.dumps(result.headline(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print_themes(console, result)
    return result


def print_themes(console: Console, result: ThemesEval) -> None:
    """The themes report as a terminal table."""
    from rich.table import Table

    table = Table("themes metric", "value", title=f"Themes ({result.themes} found)")
    table.add_row("labels", "; ".join(result.labels))
    table.add_row(
        "quotes verbatim and credited",
        f"{result.quote_fidelity:.0%} of {result.quotes}"
        + (
            f" ({result.quotes_at_offsets}/{result.quotes_offsets_checked} at cited offsets)"
            if result.quotes_offsets_checked
            else ""
        ),
    )
    table.add_row("speaker coverage", f"{result.speakers_quoted} of {result.speakers} quoted")
    table.add_row("speakers per theme", f"{result.mean_speaker_share:.0%} on average")
    table.add_row("cohesion (mean cosine)", f"{result.cohesion:.3f}")
    if result.silhouette is not None:
        table.add_row("silhouette", f"{result.silhouette:.3f}")
    s = result.summary
    if s:
        if "leaf" in s:
            for level, count in (("leaf", "quote_sections"), ("top", "top_sections")):
                a = s[level]
                table.add_row(
                    f"summary quotes: themes vs {s[count]} sections ({level})",
                    f"NMI {a['nmi']:.3f} (chance {a['nmi_chance']:.3f}), ARI {a['ari']:.3f} "
                    f"(chance {a['ari_chance']:.3f}), {s['quotes']} quotes",
                )
            control = s.get("text_only")
            if control:
                a, b = control["leaf"], control["top"]
                table.add_row(
                    "  same, text-only vectors (control)",
                    f"leaf NMI {a['nmi']:.3f}, ARI {a['ari']:.3f}; top NMI {b['nmi']:.3f}, "
                    f"ARI {b['ari']:.3f}",
                )
        if result.label_heading_agreement is not None:
            agreeing = sum(p["agrees"] for p in result.label_headings)
            table.add_row(
                "labels sharing a word with their quotes' summary heading",
                f"{result.label_heading_agreement:.0%} ({agreeing} of "
                f"{len(result.label_headings)} themes)",
            )
        table.add_row(
            "summary sections supported",
            f"{s['sections_supported']} of {s['sections']} ({s['section_coverage']:.0%})",
        )
        if s["themes_left_out"]:
            left = ", ".join(map(str, s["themes_left_out"]))
            table.add_row("themes the summary leaves out", left)
    console.print(table)
    for problem in result.problems:
        console.print(f"[red]themes:[/] {problem}")


def print_theme_gaps(console: Console, gaps: ThemeGaps) -> None:
    """verify-summary's themes part: unsupported sections, left-out themes."""
    from rich.table import Table
    from rich.text import Text

    console.print(
        Text(
            f"themes of the transcripts ({len(gaps.themes)}): " + "; ".join(gaps.themes),
            style="bold",
        )
    )
    if gaps.unsupported:
        table = Table(
            title=f"Sections of the summary no theme supports ({len(gaps.unsupported)} of "
            f"{gaps.sections})"
        )
        table.add_column("section", overflow="fold", ratio=3)
        table.add_column("quotes", justify="right")
        table.add_column("nearest theme", overflow="fold", ratio=2)
        table.add_column("similarity", justify="right")
        table.add_column("needed", justify="right")
        for s in gaps.unsupported:
            table.add_row(
                Text(s.section),
                str(s.quotes),
                Text(s.best_theme),
                f"{s.similarity:.2f}",
                f"{s.radius:.2f}",
            )
        console.print(table)
    else:
        console.print(
            f"every one of the summary's {gaps.sections} sections is supported by a theme"
        )
    if gaps.left_out:
        table = Table(
            title=f"Themes of the transcripts the summary leaves out ({len(gaps.left_out)})"
        )
        table.add_column("theme", overflow="fold")
        table.add_column("speakers")
        table.add_column("passages", justify="right")
        table.add_column("for instance", overflow="fold", ratio=3)
        for t in gaps.left_out:
            example = f'"{t.quote}" - {t.initials}' if t.quote else ""
            table.add_row(Text(t.label), ", ".join(t.speakers), str(t.passages), Text(example))
        console.print(table)
    else:
        console.print("the summary leaves out no theme of the transcripts")
