"""The chat over the interviews, as a Streamlit script (``interview-qa ui`` serves it).

Settings come from the environment (``IQA_<SECTION>__<FIELD>``), which is how ``interview-qa
ui`` hands them over. The settings and the Assistant are built once per server
(``ui/resources.py``); every page reads the same settings.

Safety: corpus text, answers, questions and error messages are only ever shown through
``interview_qa.ui.render``'s escaping (or as plain text), never as live Markdown or HTML.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import streamlit as st

from interview_qa.assistant import MODES, Answer, Assistant, Conversation, prompts, streaming
from interview_qa.ingest import (
    IndexEmptyError,
    IndexStats,
    InterviewQAError,
    Settings,
    initials_with_name,
)
from interview_qa.ui import render, theme_pages
from interview_qa.ui.corpus_panel import speaker_panel
from interview_qa.ui.resources import app_settings, assistant_for

logger = logging.getLogger("interview_qa.ui")

#: Longest time the answer takes to appear once computed (it streams in small pieces).
STREAM_SECONDS = 0.8


@dataclass
class Turn:
    """One question of the conversation and what came back: an answer, or an error."""

    id: int
    question: str
    answer: Answer | None = None
    error: str | None = None


@dataclass
class Options:
    """What the sidebar chose."""

    speakers: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    mode: str = "extractive"
    top_k: int = 10


def md(text: str) -> None:
    """Show plain text (any origin) as inert Markdown."""
    st.markdown(render.escape_markdown(text))


# ---- session state ---------------------------------------------------------------------------


def turns() -> list[Turn]:
    """The conversation of this browser session."""
    return cast(list[Turn], st.session_state.setdefault("turns", []))


def new_turn(question: str) -> Turn:
    """Start a turn of the conversation for ``question``."""
    number = int(st.session_state.get("next_turn", 0))
    st.session_state["next_turn"] = number + 1
    return Turn(id=number, question=question)


def clear_chat() -> None:
    """Forget the conversation (the sidebar's clear button)."""
    st.session_state["turns"] = []
    st.session_state["feedback_saved"] = {}


def request_ingest() -> None:
    """Ask for an ingest on the next run of the script (the ingest buttons)."""
    st.session_state["ingest_requested"] = True


def ask_starter(question: str) -> None:
    """Ask one of the starter questions."""
    st.session_state["starter"] = question


def ask_anew(question: str) -> None:
    """on_click of "ask as a new question": ask it again, not as a follow-up."""
    st.session_state["anew"] = question


def save_feedback(turn_id: int, settings: Settings) -> None:
    """on_change of a thumbs widget: append the verdict to the feedback file."""
    value = st.session_state.get(f"feedback-{turn_id}")
    turn = next((t for t in turns() if t.id == turn_id), None)
    if value is None or turn is None or turn.answer is None:
        return
    verdict: render.Verdict = "up" if value == 1 else "down"
    saved = st.session_state.setdefault("feedback_saved", {})
    try:
        render.append_feedback(
            settings.ui.feedback_file, render.feedback_record(turn.answer, verdict)
        )
    except OSError as exc:
        saved[turn_id] = prompts.FEEDBACK_FAILED.format(detail=exc)
        return
    saved[turn_id] = prompts.FEEDBACK_THANKS


# ---- ingestion -------------------------------------------------------------------------------


def run_ingest(assistant: Assistant) -> None:
    """Re-ingest the configured corpus with a progress bar; report the outcome."""
    bar = st.progress(0.0, text=prompts.INGESTING.format(done=0, total="…"))

    def progress(done: int, total: int) -> None:
        fraction = min(1.0, done / total) if total else 1.0
        bar.progress(fraction, text=prompts.INGESTING.format(done=done, total=total))

    try:
        report = assistant.reingest(progress=progress)
    except Exception as exc:  # shown, never raised: the app must keep working
        logger.exception("ingestion failed")
        bar.empty()
        st.error(render.escape_markdown(prompts.INGEST_FAILED.format(detail=_detail(exc))))
        return
    bar.empty()
    for error in report.errors:
        st.warning(render.escape_markdown(str(error)))
    for note in report.notes:
        st.info(render.escape_markdown(note))
    done = prompts.INGEST_DONE.format(
        documents=report.documents,
        chunks=report.chunks,
        added=report.added,
        removed=report.removed,
        seconds=report.seconds,
    )
    st.success(render.escape_markdown(done))


def _detail(exc: BaseException) -> str:
    if isinstance(exc, InterviewQAError):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# ---- sidebar ---------------------------------------------------------------------------------


def passages(n: int) -> str:
    """ "1 passage", "3 passages"."""
    return render.count(prompts.PASSAGES, n)


def sidebar(assistant: Assistant, stats: IndexStats | None, settings: Settings) -> Options:
    """Corpus contents, filters and actions; returns the chosen options."""
    with st.sidebar:
        st.subheader(prompts.CORPUS_HEADER)
        speakers: list[str] = []
        labels: dict[str, str] = {}
        kinds: list[str] = []
        if stats is not None:
            documents = render.count(prompts.DOCUMENTS, len(stats.documents))
            md(prompts.CORPUS_COUNTS.format(documents=documents, passages=passages(stats.chunks)))
            speaker_panel(stats)
            for s in stats.speakers:
                speakers.append(s.initials)
                labels[s.initials] = s.label
            kinds = sorted({d.kind for d in stats.documents if d.kind})

        st.subheader(prompts.OPTIONS_HEADER)
        chosen = st.multiselect(
            prompts.SPEAKER_FILTER,
            speakers,
            key="speakers",
            format_func=lambda i: initials_with_name(i, labels.get(i, "")),
            help=prompts.SPEAKER_FILTER_HELP,
            disabled=not speakers,
        )
        kind = st.radio(
            prompts.KIND_FILTER,
            ["", *kinds],
            key="kind",
            format_func=lambda k: (
                prompts.KIND_ALL
                if not k
                else prompts.KIND_ONLY.get(k, prompts.KIND_OTHER.format(kind=k))
            ),
            disabled=len(kinds) < 2,
        )
        modes = list(MODES) if assistant.llm_available() else ["extractive"]
        default_mode = settings.answer.mode if settings.answer.mode in modes else modes[0]
        mode = st.radio(
            prompts.MODE_LABEL,
            modes,
            index=modes.index(default_mode),
            key="mode",
            format_func=lambda m: prompts.MODE_NAMES.get(m, m),
        )
        top_k = st.slider(
            prompts.TOP_K_LABEL,
            min_value=1,
            max_value=max(20, settings.retrieval.top_k),
            value=settings.retrieval.top_k,
            key="top_k",
        )
        left, right = st.columns(2)
        left.button(prompts.REINGEST_BUTTON, key="reingest", on_click=request_ingest)
        right.button(prompts.CLEAR_CHAT, key="clear", on_click=clear_chat)
    return Options(
        speakers=tuple(s for s in chosen if s in labels),
        kinds=(kind,) if kind else (),
        mode=str(mode or "extractive"),
        top_k=int(top_k),
    )


# ---- conversation ----------------------------------------------------------------------------


def paced(pieces: Iterable[str]) -> Iterator[str]:
    """Yield the pieces over at most STREAM_SECONDS, so the answer visibly streams in."""
    items = list(pieces)
    delay = min(0.03, STREAM_SECONDS / max(1, len(items)))
    for piece in items:
        yield piece
        time.sleep(delay)


def show_question(turn: Turn) -> None:
    """Show the user's question as a chat message, inert."""
    with st.chat_message("user"):
        md(turn.question)


def show_reply(turn: Turn, settings: Settings, *, live: bool, latest: bool) -> None:
    """The assistant's side of a turn: error box, or answer, citations, Sources, thumbs."""
    if turn.error is not None:
        st.error(render.escape_markdown(prompts.ERROR_BOX.format(detail=turn.error)))
        return
    answer = turn.answer
    if answer is None:
        return
    if answer.verification is not None and answer.verification.statements:
        show_llm_answer(answer)
    elif live:
        st.write_stream(paced(render.escaped_stream(render.stream_text(answer))))
    else:
        st.markdown(render.escape_markdown(answer.text))
    if answer.follow_up is not None:
        st.button(
            prompts.ASK_ANEW,
            key=f"anew-{turn.id}",
            on_click=ask_anew,
            args=(turn.question,),
            type="tertiary",
        )
    if answer.abstained and answer.nearest_topics:
        st.caption(prompts.TRY_TOPICS)
        for n, topic in enumerate(answer.nearest_topics):
            st.button(
                render.escape_inline(topic),
                key=f"topic-{turn.id}-{n}",
                on_click=ask_anew,
                args=(prompts.ABOUT_TOPIC.format(topic=topic),),
                type="secondary",
            )
    cited = render.cited_list(answer)
    if cited:
        st.caption(render.escape_markdown(prompts.CITED.format(citations=cited)))
    if answer.verification is not None and answer.verification.issues:
        issues = "; ".join(i.detail for i in answer.verification.issues)
        st.warning(render.escape_markdown(prompts.VERIFICATION_ISSUES.format(issues=issues)))
    views = render.source_views(answer)
    if views:
        with st.expander(prompts.SOURCES, expanded=latest):
            for view in views:
                with st.container(border=True):
                    st.markdown(view.heading_markdown())
                    st.caption(view.location_markdown())
                    st.markdown(view.body_markdown())
                    show_player(view, settings)
    st.feedback(
        "thumbs", key=f"feedback-{turn.id}", on_change=save_feedback, args=(turn.id, settings)
    )
    saved = st.session_state.get("feedback_saved", {}).get(turn.id)
    if saved:
        st.caption(render.escape_markdown(saved))


def show_player(view: render.SourceView, settings: Settings) -> None:
    """The recording of a source, cued to its quote (from ``ui.media_lead_s`` seconds before
    it to its end); nothing when the source has no recording or no time, a caption when its
    recording is gone since ingest."""
    player = view.player(settings.ui.media_lead_s)
    if player is None:
        return
    if not Path(player.path).is_file():
        st.caption(render.escape_markdown(prompts.RECORDING_MISSING.format(path=player.path)))
        return
    play = st.video if player.is_video else st.audio
    play(player.path, format=player.mime, start_time=player.start, end_time=player.end)


# ---- llm mode: the model's tokens as they come, then each sentence verified in place ----------


def unverified_markdown(text: str, detail: str) -> str:
    """A sentence of the model's answer that failed verification: struck through, marked."""
    mark = prompts.UNVERIFIED_MARK.format(detail=detail)
    return f"~~{render.escape_inline(text)}~~ *{render.escape_inline(mark)}*"


def show_llm_answer(answer: Answer) -> None:
    """An llm-mode answer: the model's sentences where it wrote them, the unverified ones struck
    through and marked; or, when it failed verification, the extractive answer, with the model's
    sentences below it, struck through."""
    verification = answer.verification
    assert verification is not None
    if verification.fell_back:
        st.markdown(render.escape_markdown(answer.text))
        struck = [unverified_markdown(s.text, s.detail) for s in verification.unverified]
        if struck:
            st.caption("  \n".join(struck))
        return
    lines: dict[int, list[str]] = {}
    for s in verification.statements:
        piece = (
            render.escape_inline(s.shown) if s.verified else unverified_markdown(s.text, s.detail)
        )
        lines.setdefault(s.line, []).append(piece)
    body = [render.escape_inline(note) for note in answer.notes]
    body += [" ".join(parts) for _, parts in sorted(lines.items())]
    st.markdown("  \n".join(body))
    counts = {"model": verification.cited_by_model, "system": verification.cited_by_system}
    st.caption(render.escape_inline(prompts.LLM_CITED_BY.format(**counts)))


def answer_streaming(
    assistant: Assistant, turn: Turn, conversation: Conversation, opts: Options, anew: bool
) -> None:
    """Ask in llm mode on a worker thread while the model's tokens are shown as they come; the
    streamed draft is then replaced by the verified answer (see show_reply)."""
    tokens: queue.Queue[str | None] = queue.Queue()

    def work() -> None:
        try:
            with streaming(tokens.put):
                answer_turn(assistant, turn, conversation, opts, anew)
        finally:
            tokens.put(None)

    def drain() -> Iterator[str]:
        while (token := tokens.get()) is not None:
            yield token

    worker = threading.Thread(target=work, name="llm-answer", daemon=True)
    slot = st.empty()
    with slot.container():
        st.caption(prompts.LLM_WRITING)
        worker.start()
        st.write_stream(render.escaped_stream(drain()))
    worker.join()
    slot.empty()


def answer_turn(
    assistant: Assistant, turn: Turn, conversation: Conversation, opts: Options, anew: bool
) -> None:
    """Ask (as the conversation's next turn, or ``anew`` as a question of its own); an error of
    any kind becomes the turn's error (shown in a box), never a crash."""
    ask = conversation.ask_anew if anew else conversation.ask
    try:
        turn.answer = ask(
            assistant,
            turn.question,
            speakers=opts.speakers,
            kinds=opts.kinds,
            mode=cast(Any, opts.mode),
            top_k=opts.top_k,
        )
    except InterviewQAError as exc:
        turn.error = _detail(exc)
    except Exception as exc:  # any failure is shown; the next question must still work
        logger.exception("answering %r failed", turn.question)
        turn.error = _detail(exc)


def starters() -> None:
    """Offer the starter questions while the chat is empty."""
    st.caption(prompts.STARTERS_HEADER)
    for i, question in enumerate(prompts.STARTER_QUESTIONS):
        st.button(question, key=f"starter-{i}", on_click=ask_starter, args=(question,))


# ---- page ------------------------------------------------------------------------------------


def open_index(assistant: Assistant) -> tuple[str, IndexStats | None, str]:
    """("ready" | "empty" | "error", stats, error detail)."""
    try:
        stats = assistant.stats()
    except IndexEmptyError:
        return "empty", None, ""
    except Exception as exc:  # unreachable server, corrupt folder, other settings…
        return "error", None, _detail(exc)
    return ("ready" if stats.chunks else "empty"), stats, ""


def main() -> None:
    """The page: sidebar, conversation, chat box."""
    st.set_page_config(page_title=prompts.APP_TITLE, page_icon=prompts.PAGE_ICON)
    st.title(prompts.APP_TITLE)
    st.caption(prompts.APP_CAPTION)
    try:
        settings = app_settings()
        assistant = assistant_for(settings)
    except Exception as exc:  # bad settings, missing model: say so instead of a traceback
        logger.exception("the assistant could not start")
        st.error(render.escape_markdown(prompts.START_FAILED.format(detail=_detail(exc))))
        st.stop()
        return

    if st.session_state.pop("ingest_requested", False):
        run_ingest(assistant)
    state, stats, problem = open_index(assistant)
    opts = sidebar(assistant, stats, settings)

    if state == "empty":
        st.info(prompts.EMPTY_INDEX)
        st.button(prompts.INGEST_BUTTON, key="ingest", type="primary", on_click=request_ingest)
        return
    if state == "error":
        st.error(render.escape_markdown(prompts.INDEX_ERROR.format(detail=problem)))

    typed = st.chat_input(prompts.CHAT_PLACEHOLDER, key="question")
    anew = st.session_state.pop("anew", None)
    question = typed or st.session_state.pop("starter", None) or anew
    past = turns()
    for n, turn in enumerate(past):
        show_question(turn)
        with st.chat_message("assistant"):
            show_reply(turn, settings, live=False, latest=not question and n == len(past) - 1)
    if question:
        turn = new_turn(question)
        show_question(turn)
        with st.chat_message("assistant"):
            conversation = Conversation([t.answer for t in past if t.answer is not None])
            fresh = bool(anew) and not typed
            if opts.mode == "llm":
                answer_streaming(assistant, turn, conversation, opts, fresh)
            else:
                with st.spinner(prompts.THINKING):
                    answer_turn(assistant, turn, conversation, opts, fresh)
            past.append(turn)
            show_reply(turn, settings, live=True, latest=True)
    elif not past:
        starters()


def navigation() -> None:
    """The pages: the chat (default), Themes and Speakers (``ui/theme_pages.py``)."""
    chat = st.Page(main, title=prompts.THEMES_CHAT_PAGE, icon=prompts.PAGE_ICON, default=True)
    page = st.navigation([chat, *theme_pages.pages()])
    theme_pages.before_page(page, chat)
    page.run()


navigation()
