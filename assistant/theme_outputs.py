"""What ``interview-qa themes`` writes: themes.json, digest.md (laid out like the bundled
summary: key takeaways, then each theme with its quotes by initials), quotes.csv and the speaker ×
theme matrix as a PNG heatmap."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

from interview_qa.assistant import prompts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from interview_qa.assistant.theme_model import ThemeQuote, ThemeReport

FILES = ("themes.json", "digest.md", "quotes.csv", "heatmap.png")
#: Most speakers drawn in the heatmap (those with the most passages); themes.json has them all.
HEATMAP_SPEAKERS = 40
#: A theme's label on the heatmap's axis: lines of about this many characters, and most lines.
AXIS_WIDTH = 24
AXIS_LINES = 2


def cite(q: ThemeQuote) -> str:
    """ "interview-g.txt, chars 10–120" (or the time span of a timed transcript)."""
    return f"{Path(q.source_path).name}, {q.where}"


def digest_markdown(report: ThemeReport, heatmap: str | None = "heatmap.png") -> str:
    """The digest: a title, key takeaways (one per theme), each theme with its speakers and
    quotes by initials, the matrix, and how the themes were found."""
    speakers = len(report.speakers)
    lines = [
        f"# {prompts.THEMES_TITLE}",
        "",
        prompts.THEMES_INTRO.format(
            units=len(report.units), speakers=speakers, documents=report.documents
        ),
        "",
        f"## {prompts.THEMES_TAKEAWAYS}",
        "",
    ]
    for t in report.themes:
        if t.takeaway is not None:
            line = prompts.THEMES_TAKEAWAY_LINE.format(
                label=t.label, takeaway=t.takeaway.quote, initials=t.takeaway.initials
            )
            # A timed transcript's takeaway says when it is said, as its quotes do.
            timed = t.takeaway.start_time is not None
            lines.append(f"{line} ({cite(t.takeaway)})" if timed else line)
    for t in report.themes:
        lines += ["", f"## {t.label}", ""]
        lines.append(
            prompts.THEMES_SPEAKERS_LINE.format(
                speakers=", ".join(t.speakers), count=len(t.speakers), total=t.speaker_total
            )
        )
        for q in t.quotes:
            line = prompts.THEMES_QUOTE_LINE.format(
                quote=" ".join(q.quote.split()), initials=q.initials
            )
            lines += ["", f"  {line} ({cite(q)})"]
    lines += ["", f"## {prompts.THEMES_MATRIX}", "", prompts.THEMES_MATRIX_CAPTION, ""]
    lines.append("| | " + " | ".join(t.label for t in report.themes) + " |")
    lines.append("|---" * (len(report.themes) + 1) + "|")
    for row in report.speakers:
        cells = [f"{row.shares.get(t.id, 0.0):.0%}" for t in report.themes]
        lines.append(f"| {row.initials} | " + " | ".join(cells) + " |")
    if heatmap:
        lines += ["", f"![{prompts.THEMES_MATRIX}]({heatmap})"]
    kinds = ", ".join(report.kinds) or "all"
    lines += [
        "",
        prompts.THEMES_METHOD.format(
            method=report.method, themes=len(report.themes), units=len(report.units), kinds=kinds
        ),
    ]
    return "\n".join(lines) + "\n"


def write_quotes_csv(report: ThemeReport, path: Path) -> None:
    """One row per quote shown (theme quotes, takeaways, each speaker's best quote per theme)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "theme",
                "use",
                "speaker",
                "initials",
                "quote",
                "source",
                "start_char",
                "end_char",
                "start_time",
                "end_time",
            ]
        )
        uses = (
            [(t, q, "quote") for t in report.themes for q in t.quotes]
            + [(t, t.takeaway, "takeaway") for t in report.themes if t.takeaway is not None]
            + [
                (report.theme(i), q, "best of speaker")
                for row in report.speakers
                for i, q in sorted(row.best.items())
            ]
        )
        for t, q, use in uses:
            writer.writerow(
                [
                    t.label,
                    use,
                    q.speaker,
                    q.initials,
                    q.quote,
                    q.source_path,
                    q.start_char,
                    q.end_char,
                    "" if q.start_time is None else q.start_time,
                    "" if q.end_time is None else q.end_time,
                ]
            )


def heatmap_figure(report: ThemeReport) -> Figure:
    """The speaker × theme matrix as a matplotlib Figure (shares of each speaker's words; the
    :data:`HEATMAP_SPEAKERS` speakers with the most passages)."""
    import numpy as np
    from matplotlib.figure import Figure

    labels = [axis_label(f"{t.id}. {t.label}") for t in report.themes]
    rows = report.speakers[:HEATMAP_SPEAKERS]
    values = np.array([[row.shares.get(t.id, 0.0) for t in report.themes] for row in rows])
    # Room on the left for the initials and for the first theme's slanted name.
    margin = max(1.6, 0.4 + 0.08 * max((len(r.initials) for r in rows), default=2))
    width = margin + 1.6 + 0.85 * len(labels)
    height = 2.2 + 0.35 * len(rows)
    # Fixed margins, not a layout engine: a layout engine draws the figure twice.
    fig = Figure(figsize=(width, height), dpi=110)
    fig.subplots_adjust(left=margin / width, right=1 - 1.4 / width, top=1 - 0.5 / height)
    fig.subplots_adjust(bottom=min(0.6, 1.7 / height))
    ax = fig.add_subplot()
    top = max(0.01, float(values.max(initial=0)))
    image = ax.imshow(values, cmap="Blues", vmin=0.0, vmax=top, aspect="auto")
    ax.set_xticks(range(len(labels)), labels=labels, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), labels=[r.initials for r in rows])
    if values.size <= 150:
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if values[i, j] > 0:
                    colour = "white" if values[i, j] > 0.6 * top else "black"
                    ax.text(
                        j,
                        i,
                        f"{values[i, j]:.0%}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color=colour,
                    )
    title = prompts.THEMES_MATRIX
    if len(rows) < len(report.speakers):
        title += " " + prompts.THEMES_MATRIX_TOP.format(shown=len(rows), total=len(report.speakers))
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.04)
    return fig


def axis_label(text: str, width: int = AXIS_WIDTH, lines: int = AXIS_LINES) -> str:
    """A theme's label for the heatmap's axis: whole words on up to ``lines`` lines of about
    ``width`` characters, cut with "…" only when longer than that."""
    import textwrap

    wrapped = textwrap.wrap(text, width) or [text]
    if len(wrapped) > lines:
        wrapped = [
            *wrapped[: lines - 1],
            textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…"),
        ]
    return "\n".join(wrapped)


def write_outputs(report: ThemeReport, out: Path) -> dict[str, Path]:
    """Write themes.json, digest.md, quotes.csv and heatmap.png under ``out``; their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in FILES}
    paths["themes.json"].write_text(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    paths["digest.md"].write_text(digest_markdown(report), encoding="utf-8")
    write_quotes_csv(report, paths["quotes.csv"])
    heatmap_figure(report).savefig(paths["heatmap.png"])
    return paths
