"""The Themes and Speakers pages of the app (``page_themes.py``, ``page_speakers.py``).

The themes are computed once per index generation and server (``st.cache_resource``), from the
vectors already in the index. "Ask about this theme" puts the theme's question in the chat box
and opens the chat page, where it waits to be sent. Corpus text is shown only through
``interview_qa.ui.render``'s escaping.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from interview_qa.assistant import Assistant, ThemeError, ThemeQuote, ThemeReport, prompts
from interview_qa.ingest import IndexEmptyError, InterviewQAError, initials_with_name
from interview_qa.ui import render
from interview_qa.ui.resources import app_settings, assistant_for, settings_key

if TYPE_CHECKING:
    from streamlit.navigation.page import StreamlitPage

HERE = Path(__file__).resolve().parent
THEMES_SCRIPT = HERE / "page_themes.py"
SPEAKERS_SCRIPT = HERE / "page_speakers.py"
#: Session keys: the question to put in the chat box, and "open the chat page now".
FILL_QUESTION = "theme_question"
OPEN_CHAT = "open_chat"
#: The chat box's widget key (ui/app.py).
CHAT_KEY = "question"


def pages() -> list[StreamlitPage]:
    """The Themes and Speakers pages, for ``st.navigation``."""
    return [
        st.Page(
            THEMES_SCRIPT,
            title=prompts.THEMES_PAGE,
            icon=prompts.THEMES_PAGE_ICON,
            url_path="themes",
        ),
        st.Page(
            SPEAKERS_SCRIPT,
            title=prompts.SPEAKERS_PAGE,
            icon=prompts.SPEAKERS_PAGE_ICON,
            url_path="speakers",
        ),
    ]


def before_page(page: StreamlitPage, chat: StreamlitPage) -> None:
    """Called by the app before running ``page``: open the chat when a theme asked for it, and
    fill the chat box with that theme's question."""
    if st.session_state.pop(OPEN_CHAT, False) and page.url_path != chat.url_path:
        st.switch_page(chat)
    if page.url_path == chat.url_path and FILL_QUESTION in st.session_state:
        st.session_state[CHAT_KEY] = st.session_state.pop(FILL_QUESTION)


def ask_about(question: str) -> None:
    """on_click of "Ask about this theme"."""
    st.session_state[FILL_QUESTION] = question
    st.session_state[OPEN_CHAT] = True


@st.cache_resource(show_spinner=False, max_entries=4)
def load_themes(key: str, generation: int, _assistant: Assistant) -> ThemeReport:
    """The themes of the assistant's index, one computation per index generation."""
    from interview_qa.assistant import find_themes

    return find_themes(_assistant.index, scorer=_assistant.relevance.pair_scorer())


def current_themes() -> ThemeReport | None:
    """The themes of the configured index, or None after showing why there are none."""
    try:
        settings = app_settings()
        assistant = assistant_for(settings)
        generation = assistant.index.generation()
        with st.spinner(prompts.THEMES_PROGRESS["cluster"]):
            return load_themes(settings_key(settings), generation, assistant)
    except IndexEmptyError:
        st.info(prompts.EMPTY_INDEX)
    except (ThemeError, InterviewQAError) as exc:
        st.warning(render.escape_markdown(prompts.THEMES_FAILED.format(detail=exc)))
    return None


def show_quote(q: ThemeQuote) -> None:
    """A verbatim quote by initials, with its citation, inert."""
    line = prompts.THEMES_QUOTE_LINE.format(quote=" ".join(q.quote.split()), initials=q.initials)
    st.markdown(render.escape_markdown(line))
    st.caption(render.escape_markdown(f"{Path(q.source_path).name}, {q.where}"))


def themes_page() -> None:
    """Heatmap, then each theme: speakers, takeaway, quotes, and "ask about this theme"."""
    from interview_qa.assistant import heatmap_figure

    st.title(prompts.THEMES_TITLE)
    report = current_themes()
    if report is None:
        return
    st.caption(
        render.escape_markdown(
            prompts.THEMES_INTRO.format(
                units=len(report.units),
                speakers=len(report.speakers),
                documents=report.documents,
            )
        )
    )
    st.subheader(prompts.THEMES_MATRIX)
    st.pyplot(heatmap_figure(report), clear_figure=False)
    st.caption(prompts.THEMES_MATRIX_CAPTION)
    for t in report.themes:
        with st.container(border=True):
            st.subheader(render.escape_markdown(f"{t.id}. {t.label}"))
            st.caption(
                render.escape_markdown(
                    prompts.THEMES_SPEAKERS_LINE.format(
                        speakers=", ".join(t.speakers),
                        count=len(t.speakers),
                        total=t.speaker_total,
                    )
                )
            )
            if t.takeaway is not None:
                takeaway = prompts.THEMES_QUOTE_LINE.format(
                    quote=" ".join(t.takeaway.quote.split()), initials=t.takeaway.initials
                )
                st.markdown("**" + render.escape_markdown(takeaway) + "**")
            with st.expander(prompts.THEMES_QUOTES, expanded=t.id == 1):
                for q in t.quotes:
                    show_quote(q)
            st.button(
                prompts.THEMES_ASK_BUTTON,
                key=f"ask-theme-{t.id}",
                on_click=ask_about,
                args=(t.question,),
                help=t.question,
            )
    st.caption(
        render.escape_markdown(
            prompts.THEMES_METHOD.format(
                method=report.method,
                themes=len(report.themes),
                units=len(report.units),
                kinds=", ".join(report.kinds),
            )
        )
    )


def speakers_page() -> None:
    """Each person: role, the themes they speak to most, their most representative quotes."""
    st.title(prompts.SPEAKERS_TITLE)
    report = current_themes()
    if report is None:
        return
    rows = {row.initials: row for row in report.speakers}
    chosen = st.selectbox(
        prompts.SPEAKERS_SELECT,
        list(rows),
        key="speaker-page",
        format_func=lambda i: initials_with_name(i, rows[i].speaker),
    )
    row = rows.get(str(chosen)) if chosen else None
    if row is None:
        return
    st.subheader(render.escape_markdown(initials_with_name(row.initials, row.speaker)))
    st.caption(
        render.escape_markdown(
            prompts.SPEAKERS_ROLE.format(
                role=row.role,
                passages=render.count(prompts.PASSAGES, row.units),
                documents=", ".join(row.documents),
            )
        )
    )
    top = row.top_themes()
    shares = ", ".join(
        prompts.SPEAKERS_THEME_SHARE.format(label=report.theme(t).label, share=s) for t, s in top
    )
    st.markdown(render.escape_markdown(prompts.SPEAKERS_TOP_THEMES.format(themes=shares)))
    st.subheader(prompts.SPEAKERS_QUOTES)
    for t, _ in top:
        quote = row.best.get(t)
        if quote is None:
            continue
        with st.container(border=True):
            st.caption(render.escape_markdown(report.theme(t).label))
            show_quote(quote)
