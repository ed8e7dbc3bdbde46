"""The Streamlit chat, driven headless with Streamlit's AppTest over real indexes.

Settings reach the app through IQA_* environment variables, as ``interview-qa ui`` passes them.
Every file written (indexes, feedback) is under tmp_path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from interview_qa.assistant import Answer, Assistant, prompts
from interview_qa.ingest import Settings
from interview_qa.ui import render
from interview_qa.ui.launch import app_path, settings_env, streamlit_command
from tests.conftest import FIXTURES, free_port, make_settings

pytestmark = pytest.mark.slow

HOSTILE = (
    "Interviewer: Tell me about security.\n\n"
    "Mallory: Security matters. <script>alert('x')</script> <img src=x onerror=alert(1)> "
    "[click me](http://evil.example) ![img](http://evil.example/a.png) "
    "Security is everyone's job.\n"
)

_ESCAPED = re.compile(r"\\(.)")
# What remark-gfm turns into links even in plain text (it matches decoded text, escapes gone).
_AUTOLINK = re.compile(r"(?i)(https?://|www\.)[-.\w]|[-.+\w]@[-\w]+\.[-\w]")


def plain(markdown: str) -> str:
    """What an escaped Markdown string displays (backslash escapes and zero-width spaces out)."""
    return _ESCAPED.sub(r"\1", markdown).replace("\u200b", "")


@pytest.fixture(autouse=True)
def fresh_assistant() -> Iterator[None]:
    """Each test gets its own Assistant (the loaded embedding model is kept across tests)."""
    from interview_qa.ui.resources import load_assistant

    load_assistant.clear()
    yield
    load_assistant.clear()


def use_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Hand ``settings`` to the app the way ``interview-qa ui`` does: IQA_* variables."""
    for var in list(os.environ):
        if var.startswith("IQA_"):
            monkeypatch.delenv(var)
    for var, value in settings_env(settings, base={}).items():
        monkeypatch.setenv(var, value)


def app() -> AppTest:
    at = AppTest.from_file(str(app_path()), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="question").set_value(question).run()
    assert not at.exception, at.exception
    return at


def last_answer(at: AppTest) -> Answer:
    turn = at.session_state["turns"][-1]
    assert turn.error is None, turn.error
    assert isinstance(turn.answer, Answer)
    return turn.answer


def shown_texts(at: AppTest) -> list[str]:
    """The raw (Markdown) values of every text element on the page, sidebar included."""
    values: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "text", "code"):
        values.extend(str(e.value) for e in getattr(at, kind))
    values.extend(e.label for e in at.expander)
    return values


@pytest.fixture
def bundled(bundled_settings: Settings, tmp_path: Path) -> Settings:
    """The shared bundled index, with this test's own feedback file."""
    return bundled_settings.with_overrides(ui={"feedback_file": tmp_path / "fb" / "feedback.jsonl"})


def test_answer_cites_initials_and_lists_sources(
    monkeypatch: pytest.MonkeyPatch, bundled: Settings
) -> None:
    use_settings(monkeypatch, bundled)
    at = app()
    assert at.title[0].value == prompts.APP_TITLE
    assert prompts.APP_CAPTION in [c.value for c in at.caption]
    assert at.chat_input(key="question").placeholder == prompts.CHAT_PLACEHOLDER
    sidebar = " ".join(plain(c.value) for c in at.sidebar.caption)
    for initials in ("S.", "G.", "P.", "T.", "N.", "F."):
        assert f"{initials} · " in sidebar

    ask(at, "What does T. say about mental health?")
    answer = last_answer(at)
    assert not answer.abstained and answer.citations
    assert {c.initials for c in answer.citations} == {"T."}
    messages = at.chat_message
    assert [m.name for m in messages] == ["user", "assistant"]
    reply = [plain(m.value) for m in messages[1].markdown]
    assert any("— T. [" in r for r in reply), reply
    assert any(plain(c.value).startswith("Cited: T. [") for c in messages[1].caption)

    sources = messages[1].expander
    assert [e.label for e in sources] == [prompts.SOURCES]
    shown = [m.value for m in sources[0].markdown]
    for cited in answer.cited_passages():
        assert any(
            plain(v).strip("*").startswith(f"[{cited.number}] {cited.initials}") for v in shown
        )
        assert cited.doc_id in " ".join(plain(c.value) for c in sources[0].caption)
    for citation in answer.citations:
        lit = render.HIGHLIGHT.format(text=render.escape_inline(citation.quote.split("\n")[0]))
        assert any(lit in v for v in shown), (lit, shown)

    # A follow-up is read against the conversation (the history reaches the assistant).
    ask(at, "why?")
    follow = last_answer(at)
    assert any(n.startswith("Read as a follow-up to") for n in follow.notes), follow.notes
    assert len(at.chat_message) == 4
    # ... and offers to ask it as a new question instead, in one click.
    anew = [b for b in at.button if b.label == prompts.ASK_ANEW]
    assert anew
    anew[-1].click().run()
    assert not at.exception, at.exception
    again = last_answer(at)
    assert again.question == "why?" and again.follow_up is None and not again.notes
    assert len(at.chat_message) == 6


def test_uncovered_question_offers_the_nearest_topics(
    monkeypatch: pytest.MonkeyPatch, bundled: Settings
) -> None:
    """A declined question offers its nearest topics as buttons; one click asks about it."""
    use_settings(monkeypatch, bundled)
    at = app()
    ask(at, "How do I avoid burning out?")
    declined = last_answer(at)
    assert declined.abstained and declined.nearest_topics
    assert prompts.TRY_TOPICS in [c.value for c in at.caption]
    buttons = {b.label: b for b in at.button}
    topic = "Take Care of Your Mental Health"
    assert topic in declined.nearest_topics and topic in buttons, list(buttons)
    buttons[topic].click().run()
    assert not at.exception, at.exception
    about = last_answer(at)
    assert about.question == prompts.ABOUT_TOPIC.format(topic=topic)
    assert not about.abstained and {c.initials for c in about.citations} == {"T."}


def test_speaker_filter_restricts_citations(
    monkeypatch: pytest.MonkeyPatch, bundled: Settings
) -> None:
    use_settings(monkeypatch, bundled)
    at = app()
    question = "How do you measure your impact as a Staff-plus engineer?"
    ask(at, question)
    assert {c.initials for c in last_answer(at).citations} - {"G."}, "unfiltered: several speakers"

    at.multiselect(key="speakers").set_value(["G."])
    ask(at, question)
    answer = last_answer(at)
    assert answer.citations
    assert {c.initials for c in answer.citations} == {"G."}
    assert {p.initials for p in answer.cited_passages()} == {"G."}

    at.radio(key="kind").set_value("summary")
    at.multiselect(key="speakers").set_value([])
    ask(at, question)
    assert {p.kind for p in last_answer(at).cited_passages()} == {"summary"}

    at.button(key="clear").click().run()
    assert not at.chat_message
    assert at.button(key="starter-0").label == prompts.STARTER_QUESTIONS[0]


def test_empty_index_offers_ingest(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plain.txt").write_text((FIXTURES / "transcripts" / "plain.txt").read_text())
    settings = make_settings(
        tmp_path / "empty-index",
        corpus={"paths": [corpus]},
        embedding={"backend": "sentence-transformers"},
    )
    use_settings(monkeypatch, settings)
    at = app()
    assert [i.value for i in at.info] == [prompts.EMPTY_INDEX]
    assert at.button(key="ingest").label == prompts.INGEST_BUTTON
    assert not at.chat_input

    at.button(key="ingest").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert prompts.EMPTY_INDEX not in [i.value for i in at.info]
    assert len(at.success) == 1 and "Index up to date" in plain(at.success[0].value)
    assert at.chat_input(key="question")
    ask(at, "How did Dmitry become a Staff engineer?")
    assert last_answer(at).citations

    at.button(key="reingest").click().run()  # the sidebar's re-ingest: nothing new to embed
    assert not at.exception and "(0 embedded" in plain(at.success[0].value)


def test_unreachable_index_shows_error_boxes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path / "index",
        store={"chroma_url": f"http://127.0.0.1:{free_port()}", "timeout_s": 2.0},
        embedding={"backend": "sentence-transformers"},
    )
    use_settings(monkeypatch, settings)
    at = app()
    assert len(at.error) == 1 and "127.0.0.1" in plain(at.error[0].value)
    for _ in range(2):  # the app keeps answering, with an error box each time
        ask(at, "How do Staff engineers decide what to work on?")
        box = at.chat_message[-1].error
        assert len(box) == 1
        assert plain(box[0].value).startswith(prompts.ERROR_BOX.split("{")[0])
    assert len(at.chat_message) == 4


def test_failing_ask_keeps_app_working(monkeypatch: pytest.MonkeyPatch, bundled: Settings) -> None:
    use_settings(monkeypatch, bundled)
    real_ask = Assistant.ask
    calls: list[str] = []

    def flaky(self: Assistant, question: str, *args: Any, **kwargs: Any) -> Answer:
        calls.append(question)
        if len(calls) == 1:
            raise RuntimeError("disk on fire <b>now</b>")
        return real_ask(self, question, *args, **kwargs)

    monkeypatch.setattr(Assistant, "ask", flaky)
    at = app()
    ask(at, "Why is building trust so important?")
    box = at.chat_message[-1].error
    assert len(box) == 1
    shown = plain(box[0].value)
    assert shown == prompts.ERROR_BOX.format(detail="RuntimeError: disk on fire <b>now</b>")
    assert r"\<b\>" in box[0].value

    ask(at, "Why is building trust so important?")
    assert last_answer(at).citations
    assert not at.chat_message[-1].error


def test_hostile_transcript_renders_inert(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: Any
) -> None:
    from interview_qa.ingest import ingest

    corpus = tmp_path / "hostile"
    corpus.mkdir()
    (corpus / "mallory.txt").write_text(HOSTILE)
    settings = make_settings(
        tmp_path / "index",
        corpus={"paths": [corpus]},
        embedding={"backend": "sentence-transformers"},
    )
    report = ingest([corpus], settings, embedder=embedder)
    assert not report.errors and report.chunks
    use_settings(monkeypatch, settings)
    at = app()
    # A question the transcript doesn't cover: the "not covered" reply names the passage's
    # topic, which must be inert too. (Asked about security, Mallory is quoted: the
    # interviewer's question matches it with her name aside.)
    ask(at, "What does Mallory say about quarterly revenue targets?")
    assert last_answer(at).abstained
    ask(at, "Is security everyone's job?")
    answer = last_answer(at)
    assert answer.citations and any("<script>" in p.text for p in answer.cited_passages())

    values = shown_texts(at)
    joined = "\n".join(values)
    # The hostile markup is on the page, escaped: it displays as the very characters typed…
    assert r"\<script\>alert\(\'x\'\)\<\/script\>" in joined
    assert r"\<img src\=x onerror\=alert\(1\)\>" in joined
    assert r"\[click me\]\(http\:\/\/" + "\u200b" + r"evil\.example\)" in joined
    assert any("<script>alert('x')</script>" in plain(v) for v in values)
    assert any("[click me](http://evil.example)" in plain(v) for v in values)
    # …and nowhere is it live: no unescaped tag, entity, link or image syntax.
    for value in values:
        assert not re.search(r"(?<!\\)[<&]", value), value
        assert not re.search(r"(?<!\\)\]\(", value), value
        assert not re.search(r"(?<!\\)!\[", value), value
        assert not _AUTOLINK.search(_ESCAPED.sub(r"\1", value)), value


def test_plain_text_never_turns_into_links_or_emoji() -> None:
    text = "see www.evil.example, http://evil.example/x or bob@evil.example :smile: :red[x]"
    shown = render.escape_markdown(text)
    assert not _AUTOLINK.search(_ESCAPED.sub(r"\1", shown))
    assert not re.search(r":\w+:", _ESCAPED.sub(r"\1", shown))
    assert plain(shown) == text
    answer = Answer(question="q", text=f"{HOSTILE}\n\n  {text}", mode="extractive", abstained=False)
    streamed = "".join(render.escaped_stream(render.stream_text(answer)))
    assert streamed == render.escape_markdown(answer.text)


def test_escaped_markdown_is_inert_for_a_commonmark_parser() -> None:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    html = md.render(render.escape_markdown(HOSTILE))
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html.replace("&#x27;", "'")
    lit = render.highlight_markdown(HOSTILE, [(HOSTILE.index("<img"), HOSTILE.index(" [click"))])
    html = md.render(lit)
    assert "<img" not in html and "<a " not in html and "&lt;img src=x" in html


def test_thumbs_up_appends_feedback_line(
    monkeypatch: pytest.MonkeyPatch, bundled: Settings
) -> None:
    use_settings(monkeypatch, bundled)
    feedback_file = bundled.ui.feedback_file
    assert not feedback_file.parent.exists()
    at = app()
    assert [b.label for b in at.button if b.key and b.key.startswith("starter-")] == list(
        prompts.STARTER_QUESTIONS
    )
    at.button(key="starter-1").click().run()  # a starter question asks itself
    answer = last_answer(at)
    assert answer.question == prompts.STARTER_QUESTIONS[1]
    assert not any(b.key and b.key.startswith("starter-") for b in at.button)

    at.feedback(key=f"feedback-{at.session_state['turns'][-1].id}").set_value(1).run()
    assert not at.exception, at.exception
    lines = feedback_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["verdict"] == "up"
    assert record["question"] == prompts.STARTER_QUESTIONS[1]
    assert record["answer"] == answer.text
    assert record["citations"] and {"initials", "quote", "number"} <= set(record["citations"][0])
    assert datetime.fromisoformat(record["time"]).tzinfo is not None
    assert prompts.FEEDBACK_THANKS in [plain(c.value) for c in at.chat_message[-1].caption]

    at.feedback(key=f"feedback-{at.session_state['turns'][-1].id}").set_value(0).run()
    lines = feedback_file.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["verdict"] for line in lines] == ["up", "down"]


def test_settings_travel_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path / "idx",
        store={"chroma_url": "http://127.0.0.1:9"},
        retrieval={"top_k": 5},
        corpus={"paths": [tmp_path / "a", tmp_path / "b"]},
        ui={"port": free_port()},
    )
    use_settings(monkeypatch, settings)
    assert Settings() == settings
    command = streamlit_command(settings.ui.port)
    assert command[-8:] == [
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(settings.ui.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    assert str(app_path()) in command and app_path().name == "app.py"


def _recorded_settings(tmp_path: Path, corpus: Path, embedder: Any, **ui: object) -> Settings:
    from interview_qa.ingest import ingest

    settings = make_settings(
        tmp_path / "index",
        corpus={"paths": [corpus]},
        embedding={"backend": "sentence-transformers"},
        ui={"feedback_file": tmp_path / "feedback.jsonl", **ui},
    )
    report = ingest([corpus], settings, embedder=embedder)
    assert not report.errors and not report.notes, (report.errors, report.notes)
    return settings


def test_a_quote_plays_from_its_recording(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: Any, recorded_corpus: Path
) -> None:
    use_settings(monkeypatch, _recorded_settings(tmp_path, recorded_corpus, embedder))
    at = ask(app(), "What is the hardest part of the job?")
    answer = last_answer(at)
    (cited,) = [c for c in answer.citations if c.quote.startswith("Saying no to good ideas")]
    # The quote is both of the answer's cues: from the first one's start to the second's end.
    assert cited.quote.endswith("Every yes costs a quarter of focus.")
    assert (cited.start_s, cited.end_s) == (5.0, 14.0)
    players = at.get("audio")
    assert len(players) == len(answer.cited_passages()) >= 1
    # Two seconds (ui.media_lead_s) before the quote's start, to just after its end.
    first = players[0].proto
    assert (first.start_time, first.end_time) == (3, 14)
    captions = [plain(c.value) for c in at.chat_message[1].caption]
    assert any("recorded/interview.vtt · at 0:05–0:14" in c for c in captions), captions
    assert any("Saying no to good ideas" in plain(m.value) for m in at.chat_message[1].markdown)


def test_the_players_lead_is_a_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: Any, recorded_corpus: Path
) -> None:
    settings = _recorded_settings(tmp_path, recorded_corpus, embedder, media_lead_s=0)
    use_settings(monkeypatch, settings)
    at = ask(app(), "What is the hardest part of the job?")
    assert at.get("audio")[0].proto.start_time == 5


def test_a_source_without_a_recording_shows_its_time_and_no_player(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: Any, recorded_corpus: Path
) -> None:
    (recorded_corpus / "interview.wav").unlink()
    use_settings(monkeypatch, _recorded_settings(tmp_path, recorded_corpus, embedder))
    at = ask(app(), "What is the hardest part of the job?")
    assert last_answer(at).citations
    assert not at.get("audio") and not at.get("video")
    captions = [plain(c.value) for c in at.chat_message[1].caption]
    assert any("at 0:05–0:14" in c for c in captions), captions
