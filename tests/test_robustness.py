"""Robustness: fuzzed parsers, concurrent questions, a Chroma server that goes away and comes
back, corrupt or foreign index folders, and odd questions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from interview_qa.assistant import Assistant, prompts
from interview_qa.ingest import (
    Index,
    IndexEmptyError,
    IndexUnavailableError,
    InputError,
    Settings,
    ingest,
)
from interview_qa.ingest.parsers import parse_text, read_source

from .conftest import CORPUS, FIXTURES, ChromaServer, make_settings

EXTENSIONS = (".txt", ".md", ".vtt", ".srt", ".json")
FUZZ = hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_input_error(path: Path, text: str) -> None:
    try:
        doc = parse_text(path, text)
    except InputError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    for turn in doc.turns:
        assert turn.text.strip()


@FUZZ
@given(text=st.text(), ext=st.sampled_from(EXTENSIONS))
def test_parsers_take_any_text(text: str, ext: str) -> None:
    _parse_or_input_error(Path(f"fuzz{ext}"), text)


@FUZZ
@given(
    text=st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "WEBVTT",
                    "",
                    "NOTE x",
                    "1",
                    "00:00:01.000 --> 00:00:02.000",
                    "00:00:01,000 --> 00:00:02,000",
                    "<v Ann>hi",
                    "Bob: hello",
                    "---",
                    "name: Ann",
                    "## Question?",
                    "**Interviewer:** hi",
                    '"Quote here." - G.',
                    "- item:",
                ]
            ),
            st.text(max_size=30),
        ),
        max_size=25,
    ).map("\n".join),
    ext=st.sampled_from(EXTENSIONS),
)
def test_parsers_take_transcript_like_text(text: str, ext: str) -> None:
    _parse_or_input_error(Path(f"fuzz{ext}"), text)


@pytest.mark.parametrize("name", ["voice.vtt", "sample.srt", "whisperx.json", "plain.txt"])
@FUZZ
@given(cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncated_files(name: str, cut: float) -> None:
    source = (FIXTURES / "transcripts" / name).read_text()
    _parse_or_input_error(Path(name), source[: int(len(source) * cut)])


@FUZZ
@given(data=st.binary(max_size=400), ext=st.sampled_from(EXTENSIONS))
def test_read_source_takes_any_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, ext: str
) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"file{ext}"
    path.write_bytes(data)
    try:
        _parse_or_input_error(path, read_source(path))
    except InputError as exc:
        assert str(exc).startswith(str(path))


QUESTIONS = [
    "How do you measure your impact as a Staff-plus engineer?",
    "What does T. say about mental health?",
    "What books do they recommend?",
    "Why is building trust important?",
    'Who said "Read documentation, RTFM"?',
    "What is the weather in Paris tomorrow?",
    "What are the four archetypes?",
    "How do Staff engineers decide what to work on?",
    "What does G. say about permission?",
    "What do they like most about the role?",
]


@pytest.mark.slow
def test_concurrent_questions_match_sequential_answers(
    bundled_settings: Settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    assistant = Assistant(bundled_settings, embedder=embedder)
    expected = {q: assistant.ask(q) for q in QUESTIONS}
    errors: list[BaseException] = []
    mismatches: list[str] = []

    def worker(offset: int) -> None:
        try:
            for i in range(50):
                q = QUESTIONS[(offset + i) % len(QUESTIONS)]
                got = assistant.ask(q)
                want = expected[q]
                if (got.text, got.abstained, [c.quote for c in got.citations]) != (
                    want.text,
                    want.abstained,
                    [c.quote for c in want.citations],
                ):
                    mismatches.append(q)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors[:3]
    assert not mismatches, mismatches[:5]


@pytest.mark.slow
def test_server_stopped_then_back(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    server = ChromaServer(tmp_path / "server-data")
    server.start()
    try:
        settings = make_settings(tmp_path / "local", store={"chroma_url": server.url})
        ingest([CORPUS / "transcripts"], settings, embedder=embedder)
        assistant = Assistant(settings, embedder=embedder)
        assert not assistant.ask("What does T. say about mental health?").abstained
        server.stop()
        with pytest.raises(IndexUnavailableError, match="does not answer"):
            assistant.ask("What does G. say about trust?")
        cli = subprocess.run(
            [
                sys.executable,
                "-m",
                "interview_qa.ui.cli",
                "ask",
                "trust",
                "--chroma-url",
                server.url,
                "--index",
                str(tmp_path / "local"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert cli.returncode == 1 and "does not answer" in cli.stderr
        assert "Traceback" not in cli.stderr
        server.start()  # same port, same data
        answer = assistant.ask("What does G. say about trust?")
        assert not answer.abstained and answer.citations
    finally:
        server.stop()


def _corrupt(folder: Path) -> None:
    db = folder / "chroma.sqlite3"
    data = bytearray(db.read_bytes())
    for i in range(100, len(data), 97):
        data[i] = (data[i] * 7 + 3) % 256
    db.write_bytes(bytes(data))


@pytest.mark.slow
def test_corrupt_or_foreign_index_folders(
    tmp_path: Path, bundled_settings: Settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    corrupt = tmp_path / "corrupt"
    shutil.copytree(bundled_settings.store.index_dir, corrupt)
    _corrupt(corrupt)
    settings = make_settings(corrupt)
    with pytest.raises(IndexUnavailableError, match="--rebuild"):
        Index(settings)
    done = subprocess.run(
        [sys.executable, "-m", "interview_qa.ui.cli", "stats", "--index", str(corrupt)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "--rebuild" in done.stderr and "Traceback" not in done.stderr
    # A folder that holds something else entirely.
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "chroma.sqlite3").write_text("not a database")
    with pytest.raises(IndexUnavailableError, match="--rebuild"):
        Index(make_settings(foreign))
    # An index whose BM25 files were damaged.
    broken = tmp_path / "bm25"
    shutil.copytree(bundled_settings.store.index_dir, broken)
    for f in (broken / "bm25").iterdir():
        if f.name != "generation.json":
            f.write_bytes(b"\x00garbage")
    with pytest.raises(IndexUnavailableError, match="--rebuild"):
        Index(make_settings(broken)).bm25()
    # --rebuild recovers, and nothing beside the index is touched.
    (corrupt / "notes.txt").write_text("mine")
    report = ingest([CORPUS], make_settings(corrupt), rebuild=True, embedder=embedder)
    assert report.chunks > 0 and (corrupt / "notes.txt").read_text() == "mine"
    assert (
        not Assistant(make_settings(corrupt), embedder=embedder).ask("why build trust?").abstained
    )


def test_missing_index_folder_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(IndexEmptyError):
        Index(make_settings(tmp_path / "nope"))
    assert not (tmp_path / "nope").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expect"),
    [
        ("", prompts.EMPTY_QUESTION),
        ("   \n\t ", prompts.EMPTY_QUESTION),
        ("🤖🚀💡", prompts.EMPTY_QUESTION),
        ("?!", prompts.EMPTY_QUESTION),
        ("x" * 5000, "too long"),
    ],
)
def test_empty_and_huge_questions_are_refused_politely(
    bundled_settings: Settings, embedder, question: str, expect: str
) -> None:  # type: ignore[no-untyped-def]
    answer = Assistant(bundled_settings, embedder=embedder).ask(question)
    assert answer.abstained and expect in answer.text


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "Why is trust important? " * 60,
        "Comment les ingénieurs Staff décident-ils sur quoi travailler ?",
        "信任为什么重要？",
        "Why is building trust important? 🤝🙏",
        "What does G. say about trust?\u0000\u200b",
        "<script>alert(1)</script> what about trust?",
    ],
)
def test_long_foreign_and_emoji_questions_are_handled(
    bundled_settings: Settings, embedder, question: str
) -> None:  # type: ignore[no-untyped-def]
    answer = Assistant(bundled_settings, embedder=embedder).ask(question)
    assert answer.text
    json.loads(answer.to_json())
    if not answer.abstained:
        for c in answer.citations:
            p = next(p for p in answer.passages if p.number == c.number)
            assert p.text[c.quote_start : c.quote_end] == c.quote
