"""The ``interview-qa`` command line. Thin: each command parses its options, builds Settings and
calls the library. Heavy imports happen inside the commands, so ``--help`` is instant."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from interview_qa.ingest import IngestReport, Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Ask questions of interview transcripts; answers quote speakers verbatim and cite them.",
    pretty_exceptions_enable=False,
)

IndexOpt = Annotated[
    Optional[Path],
    typer.Option("--index", help="Index folder (default: the bundled corpus's index)."),
]
UrlOpt = Annotated[
    Optional[str],
    typer.Option("--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000."),
]


def _settings(
    index: Path | None = None, chroma_url: str | None = None, **sections: Any
) -> Settings:
    from interview_qa.ingest import Settings

    store: dict[str, Any] = {"index_dir": index.resolve() if index else None}
    store["chroma_url"] = chroma_url
    return Settings().with_overrides(store=store, **sections)


def _fail(message: str, code: int = 1) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {message}", markup=True)
    return typer.Exit(code)


def _run_ingest(settings: Settings, paths: list[Path] | None, rebuild: bool) -> IngestReport:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from interview_qa.ingest import ingest

    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("embedding", total=None, visible=False)

        def progress(done: int, total: int) -> None:
            if done == 0:
                console.print(f"embedding {total} chunks…", highlight=False)
            bar.update(task, completed=done, total=total, visible=True)

        return ingest(paths or None, settings, rebuild=rebuild, progress=progress)


@app.command()
def ingest(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Folders or files to ingest (default: the bundled corpus/)."),
    ] = None,
    index: IndexOpt = None,
    chroma_url: UrlOpt = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the index and build it anew.")
    ] = False,
) -> None:
    """Index transcripts and summaries (incremental: unchanged files cost nothing)."""
    from interview_qa.ingest import InterviewQAError

    settings = _settings(index, chroma_url)
    try:
        report = _run_ingest(settings, paths, rebuild)
    except InterviewQAError as exc:
        raise _fail(str(exc)) from None
    for error in report.errors:
        typer.echo(f"error: {error}", err=True)
    for note in report.notes:
        typer.echo(note, err=True)
    if report.nothing_to_embed and not report.removed:
        typer.echo("index up to date: nothing to embed")
    typer.echo(
        f"{report.documents} documents, {report.speakers} speakers, {report.chunks} chunks "
        f"(+{report.added} -{report.removed}; {report.unchanged_documents} unchanged, "
        f"{report.changed_documents} changed, {report.removed_documents} removed) "
        f"in {report.seconds:.1f}s"
    )
    if report.errors:
        raise typer.Exit(1)


@app.command()
def stats(index: IndexOpt = None, chroma_url: UrlOpt = None) -> None:
    """List the documents and the speakers of the index, with chunk counts."""
    from rich.console import Console
    from rich.table import Table

    from interview_qa.ingest import Index, InterviewQAError

    try:
        data = Index(_settings(index, chroma_url)).stats()
    except InterviewQAError as exc:
        raise _fail(str(exc)) from None
    console = Console(highlight=False)
    console.print(f"index: {data.location} — {data.chunks} chunks")
    docs = Table("document", "kind", "chunks", "speakers", title="Documents")
    for d in data.documents:
        docs.add_row(d.doc_id, d.kind, str(d.chunks), ", ".join(d.speakers))
    console.print(docs)
    people = Table("initials", "speaker", "chunks", "in", title="Speakers")
    for s in data.speakers:
        people.add_row(s.initials, s.label, str(s.chunks), ", ".join(s.kinds))
    console.print(people)


def main() -> None:
    """Entry point of the ``interview-qa`` console script."""
    app(prog_name="interview-qa")


if __name__ == "__main__":
    main()
