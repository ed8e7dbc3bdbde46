"""The ``interview-qa`` command line. Thin: each command parses its options, builds Settings and
calls the library. Heavy imports happen inside the commands, so ``--help`` is instant."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from interview_qa.assistant import Assistant
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
    """The settings (environment, then these flags); a bad setting ends the command with one
    line naming it (exit code 2)."""
    from interview_qa.ingest import Settings, SettingsError

    store: dict[str, Any] = {"index_dir": index.resolve() if index else None}
    store["chroma_url"] = chroma_url
    try:
        return Settings.load(store=store, **sections)
    except SettingsError as exc:
        raise _fail(str(exc), 2) from None


def prompts() -> ModuleType:
    """The module of fixed phrases (light to import)."""
    from interview_qa.assistant import prompts as module

    return module


def _fail(message: str, code: int = 1) -> typer.Exit:
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    return typer.Exit(code)


def _run_ingest(settings: Settings, paths: list[Path] | None, rebuild: bool) -> IngestReport:
    from interview_qa.ingest import ingest, progress_bar

    with progress_bar("embedding") as bar:

        def progress(done: int, total: int) -> None:
            if done == 0:
                typer.echo(prompts().EMBEDDING_CHUNKS.format(total=total), err=True)
            bar(done, total)

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
    from interview_qa.ingest import IndexMismatchError, InterviewQAError

    settings = _settings(index, chroma_url)
    default = not paths and index is None and chroma_url is None
    try:
        try:
            report = _run_ingest(settings, paths, rebuild)
        except IndexMismatchError:
            if not default:
                raise
            # The bundled corpus's own index, built by an older version: it is generated, so
            # it is rebuilt rather than asked about (`make run` after an upgrade).
            typer.echo(prompts().DEFAULT_INDEX_REBUILT, err=True)
            report = _run_ingest(settings, None, rebuild=True)
    except InterviewQAError as exc:
        raise _fail(str(exc)) from None
    text = prompts()
    for error in report.errors:
        typer.echo(text.ERROR_LINE.format(message=error), err=True)
    for note in report.notes:
        typer.echo(note, err=True)
    if report.nothing_to_embed and not report.removed:
        typer.echo(text.INDEX_UP_TO_DATE)
    typer.echo(
        text.INGEST_SUMMARY.format(
            documents=report.documents,
            speakers=report.speakers,
            chunks=report.chunks,
            added=report.added,
            removed=report.removed,
            unchanged=report.unchanged_documents,
            changed=report.changed_documents,
            removed_documents=report.removed_documents,
            seconds=report.seconds,
        )
    )
    for group in report.likely_same:
        typer.echo(_likely_same_line(group))
    if report.errors:
        raise typer.Exit(1)


@app.command()
def stats(index: IndexOpt = None, chroma_url: UrlOpt = None) -> None:
    """List the documents and the speakers of the index, with chunk counts."""
    from rich.console import Console
    from rich.table import Table

    from interview_qa.ingest import Index, InterviewQAError

    try:
        _ensure_default_index(index, chroma_url)
        data = Index(_settings(index, chroma_url)).stats()
    except InterviewQAError as exc:
        raise _fail(str(exc)) from None
    console = Console(highlight=False)
    console.print(prompts().STATS_HEADER.format(location=data.location, chunks=data.chunks))
    docs = Table("document", "kind", "chunks", "speakers", title="Documents")
    docs.columns[0].overflow = "fold"
    for d in data.documents:
        docs.add_row(d.doc_id, d.kind, str(d.chunks), ", ".join(d.speakers))
    console.print(docs)
    people = Table("initials", "speaker", "role", "chunks", "in", title="Speakers")
    for s in data.speakers:
        label = "" if s.label == s.initials else s.label
        people.add_row(s.initials, label, s.role, str(s.chunks), ", ".join(s.kinds))
    console.print(people)
    for group in data.likely_same:
        console.print(_likely_same_line(group), markup=False, soft_wrap=True)


def _likely_same_line(names: tuple[str, ...]) -> str:
    """The line naming one group of speakers who are likely the same person."""
    return prompts().LIKELY_SAME.format(names=", ".join(f"'{n}'" for n in names))


def _ensure_default_index(index: Path | None, chroma_url: str | None) -> None:
    """Ingest the bundled corpus into the default index when that index is missing, or rebuild
    it when an older version built it (and only that one: an index named by --index or
    --chroma-url must exist, and is never rebuilt unasked)."""
    from interview_qa.ingest import Index, IndexEmptyError, IndexMismatchError

    if index is not None or chroma_url is not None:
        return
    settings = _settings()
    try:
        Index(settings)
        return
    except IndexEmptyError:
        typer.echo(prompts().NO_INDEX_YET, err=True)
        rebuild = False
    except IndexMismatchError:
        typer.echo(prompts().DEFAULT_INDEX_REBUILT, err=True)
        rebuild = True
    report = _run_ingest(settings, None, rebuild=rebuild)
    for error in report.errors:
        typer.echo(prompts().ERROR_LINE.format(message=error), err=True)


def _assistant(index: Path | None, chroma_url: str | None, **sections: Any) -> Assistant:
    """An Assistant over the chosen index (the default one ingested first when missing)."""
    from interview_qa.assistant import Assistant

    _ensure_default_index(index, chroma_url)
    return Assistant(_settings(index, chroma_url, **sections))


ModeOpt = Annotated[
    Optional[str],
    typer.Option("--mode", help="extractive (default, offline) or llm (needs IQA_LLM__*)."),
]
SpeakerOpt = Annotated[
    Optional[list[str]],
    typer.Option("--speaker", help="Only this speaker (initials or name); repeatable."),
]
KindOpt = Annotated[
    Optional[list[str]], typer.Option("--kind", help="transcript or summary; repeatable.")
]
SourceOpt = Annotated[
    Optional[list[str]], typer.Option("--source", help="Only this document id; repeatable.")
]
TopKOpt = Annotated[
    Optional[int], typer.Option("--top-k", min=1, max=50, help="Passages to retrieve (1-50).")
]


def _check_mode(mode: str | None) -> Any:
    from interview_qa.assistant import MODES

    if mode is not None and mode not in MODES:
        raise _fail(f"--mode must be {' or '.join(MODES)}, not {mode!r}", 2)
    return mode


def _asking(assistant: Assistant, question: str, conversation: Any = None, **options: Any) -> Any:
    """``assistant.ask`` (as the next turn of ``conversation`` when given); in llm mode with a
    live spinner on stderr counting the model's tokens (the answer is printed once every
    sentence is verified)."""
    import time

    from rich.console import Console

    from interview_qa.assistant import streaming

    def ask() -> Any:
        if conversation is not None:
            return conversation.ask(assistant, question, **options)
        return assistant.ask(question, **options)

    if (options.get("mode") or assistant.settings.answer.mode) != "llm":
        return ask()
    console = Console(stderr=True, highlight=False)
    started = time.monotonic()
    count = 0
    with console.status(prompts().LLM_PROGRESS.format(tokens=0, seconds=0)) as status:

        def on_token(_: str) -> None:
            nonlocal count
            count += 1
            seconds = time.monotonic() - started
            status.update(prompts().LLM_PROGRESS.format(tokens=count, seconds=seconds))

        with streaming(on_token):
            return ask()


def _print_answer(answer: Any, as_json: bool) -> None:
    from rich.console import Console
    from rich.text import Text

    from interview_qa.ingest import initials_with_name

    if as_json:
        typer.echo(answer.to_json())
        return
    # soft_wrap: quotes must stay the speakers' exact words when the output is piped or saved.
    console = Console(highlight=False, soft_wrap=True)
    console.print(Text(answer.text))
    if answer.verification is not None and answer.verification.issues:
        console.print(
            Text(
                prompts().VERIFICATION_LINE.format(
                    issues="; ".join(i.detail for i in answer.verification.issues)
                ),
                style="yellow",
            )
        )
    if answer.verification is not None:
        for s in answer.verification.unverified:
            line = prompts().UNVERIFIED_LINE.format(detail=s.detail, text=s.text)
            console.print(Text(line, style="dim strike"))
    cited = answer.cited_passages()
    if cited:
        console.print()
        for p in cited:
            who = initials_with_name(p.initials, p.speaker)
            times = answer.quote_times(p.number)
            line = (
                f"[{p.number}] {who} — {p.location(times=times if times[0] is not None else None)}"
            )
            if p.media and times[0] is not None:
                line += prompts().SOURCE_RECORDING.format(path=p.media)
            console.print(Text(line, style="dim"))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    speaker: SpeakerOpt = None,
    kind: KindOpt = None,
    source: SourceOpt = None,
    mode: ModeOpt = None,
    top_k: TopKOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole result as JSON.")
    ] = False,
    index: IndexOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Answer one question from the interviews."""
    from interview_qa.ingest import InterviewQAError

    try:
        assistant = _assistant(index, chroma_url)
        answer = _asking(
            assistant,
            question,
            speakers=speaker or (),
            kinds=kind or (),
            sources=source or (),
            mode=_check_mode(mode),
            top_k=top_k,
        )
    except InterviewQAError as exc:
        raise _fail(str(exc)) from None
    _print_answer(answer, as_json)


@app.command()
def chat(
    speaker: SpeakerOpt = None,
    mode: ModeOpt = None,
    top_k: TopKOpt = None,
    index: IndexOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """A conversation in the terminal; follow-ups ("why?", "and what did N. say?") work."""
    from interview_qa.assistant import Conversation
    from interview_qa.ingest import InterviewQAError

    try:
        assistant = _assistant(index, chroma_url)
    except InterviewQAError as exc:
        raise _fail(str(exc)) from None
    conversation = Conversation()
    typer.echo(prompts().CHAT_INTRO)
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            answer = _asking(
                assistant,
                question,
                conversation=conversation,
                speakers=speaker or (),
                mode=_check_mode(mode),
                top_k=top_k,
            )
        except InterviewQAError as exc:
            typer.echo(prompts().ERROR_LINE.format(message=exc), err=True)
            continue
        _print_answer(answer, False)
        typer.echo("")


@app.command()
def ui(
    port: Annotated[Optional[int], typer.Option("--port", help="Port on 127.0.0.1.")] = None,
    index: IndexOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Serve the Streamlit chat on 127.0.0.1."""
    from interview_qa.ui.launch import serve

    settings = _settings(index, chroma_url, ui={"port": port})
    raise typer.Exit(serve(settings))


@app.command("eval")
def evaluate(
    questions: Annotated[
        Optional[Path],
        typer.Option("--questions", help="Question file (default: eval/questions.jsonl)."),
    ] = None,
    corpus: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--corpus",
            help="Ingest these folders or files into a temporary index (--corpus A B, or "
            "--corpus A --corpus B).",
        ),
    ] = None,
    more_corpus: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="DIR",
            help="More folders for --corpus (--corpus A B C).",
            show_default=False,
        ),
    ] = None,
    mode: ModeOpt = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for report.json, report.md and the chart.")
    ] = Path(".artifacts/eval"),
    compare: Annotated[
        bool, typer.Option("--compare", help="Also run BM25-only, dense-only, stock llama-index.")
    ] = False,
    thresholds: Annotated[
        Optional[Path],
        typer.Option(
            "--thresholds",
            help="TOML file of floors and ceilings to gate on (default: eval/thresholds.toml "
            "for the bundled questions, none for another question file).",
        ),
    ] = None,
    embedding_model: Annotated[
        Optional[str],
        typer.Option(
            "--embedding-model",
            metavar="DIR",
            help="Evaluate with this sentence-transformers model folder instead, in a temporary "
            "index (of --corpus, else the configured corpus); your index is untouched.",
        ),
    ] = None,
    index: IndexOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Score grounding on a question file: retrieval, citations, quotes, abstention, latency."""
    from interview_qa.eval.commands import run_eval
    from interview_qa.ingest import InterviewQAError

    if more_corpus and corpus is None:
        raise _fail(
            f"unexpected argument {str(more_corpus[0])!r}: name the folders to ingest after "
            "--corpus (--corpus A B)",
            code=2,
        )
    corpus = [*(corpus or []), *(more_corpus or [])]
    if not corpus and embedding_model is None:
        _ensure_default_index(index, chroma_url)
    settings = _settings(index, chroma_url)
    try:
        code = run_eval(
            settings,
            questions=questions,
            corpus=corpus or None,
            mode=_check_mode(mode),
            out=out,
            compare=compare,
            thresholds=thresholds,
            embedding_model=embedding_model,
        )
    except InterviewQAError as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


@app.command()
def themes(
    speaker: SpeakerOpt = None,
    kind: KindOpt = None,
    count: Annotated[
        str, typer.Option("--themes", help="How many themes: a number, or auto (silhouette).")
    ] = "auto",
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for themes.json, digest.md, quotes.csv, heatmap.png."),
    ] = Path(".artifacts/themes"),
    index: IndexOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Themes of the interviewees' words, with verbatim quotes by initials (no re-embedding)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from interview_qa.assistant import (
        find_themes,
        pair_scorer_for,
        parse_theme_count,
        write_theme_outputs,
    )
    from interview_qa.ingest import Index, InterviewQAError

    text = prompts()
    console = Console(stderr=True, highlight=False)
    try:
        n_themes = parse_theme_count(count)
        _ensure_default_index(index, chroma_url)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(text.THEMES_PROGRESS["read"], total=None)

            def progress(stage: str, done: int, total: int) -> None:
                label = text.THEMES_PROGRESS.get(stage, stage)
                bar.update(task, description=label, completed=done, total=total)

            settings = _settings(index, chroma_url)
            report = find_themes(
                Index(settings),
                speakers=speaker or (),
                kinds=kind or ("transcript",),
                n_themes=n_themes,
                progress=progress,
                scorer=pair_scorer_for(settings.rerank),
            )
            progress("write", 0, 1)
            paths = write_theme_outputs(report, out)
    except InterviewQAError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        text.THEMES_FOUND.format(
            themes=len(report.themes), units=len(report.units), seconds=report.seconds
        )
    )
    for t in report.themes:
        typer.echo(f"{t.id}. {t.label} — {t.speaker_share} speakers, {t.size} passages")
    typer.echo(text.THEMES_WROTE.format(paths=", ".join(str(p) for p in paths.values())))


@app.command("verify-summary")
def verify_summary(
    summary: Annotated[Path, typer.Argument(help="The summary (Markdown) to check.")],
    transcripts: Annotated[
        Path, typer.Option("--transcripts", help="Folder of the transcripts it summarises.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    with_themes: Annotated[
        bool,
        typer.Option(
            "--themes", help="Also list sections no theme of the transcripts supports, and back."
        ),
    ] = False,
) -> None:
    """Check every quote a summary attributes to a speaker against the transcripts."""
    from interview_qa.eval.commands import check_summary
    from interview_qa.ingest import InterviewQAError

    try:
        settings = _settings() if with_themes else None
        code = check_summary(summary, transcripts, as_json, themes=with_themes, settings=settings)
    except InterviewQAError as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


def main() -> None:
    """Entry point of the ``interview-qa`` console script."""
    app(prog_name="interview-qa")


if __name__ == "__main__":
    main()
