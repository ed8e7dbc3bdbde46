"""The command line: instant --help, `ask --json` on the default index (ingested first when
missing), readable errors instead of tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "torch",
    "sentence_transformers",
    "streamlit",
    "llama_index.core",
    "chromadb",
    "onnxruntime",
)


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interview_qa.ui.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys\n"
        "from interview_qa.ui.cli import app\n"
        "from typer.testing import CliRunner\n"
        "out = CliRunner().invoke(app, ['--help'])\n"
        "assert out.exit_code == 0, out.output\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    for command in ("ingest", "stats", "ask", "chat", "ui", "eval", "verify-summary"):
        assert command in cli("--help").stdout


@pytest.mark.slow
def test_ask_json_ingests_the_default_index_when_missing(tmp_path: Path) -> None:
    env = {"IQA_STORE__INDEX_DIR": str(tmp_path / "default-index")}
    done = cli("ask", "What does T. say about mental health?", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert "ingesting the bundled corpus first" in done.stderr
    data = json.loads(done.stdout)
    assert data["abstained"] is False and data["citations"]
    assert {c["initials"] for c in data["citations"]} == {"T."}
    again = cli("ask", 'Who said "Read documentation, RTFM"?', env=env)
    assert again.returncode == 0 and "ingesting" not in again.stderr
    assert "G. said it:" in again.stdout


@pytest.mark.slow
def test_errors_are_one_line_not_tracebacks(tmp_path: Path) -> None:
    missing = cli("ask", "anything", "--index", str(tmp_path / "nothing-here"))
    assert missing.returncode == 1
    assert "interview-qa ingest" in missing.stderr and "Traceback" not in missing.stderr
    bad_mode = cli("ask", "anything", "--mode", "poetry", "--index", str(tmp_path / "x"))
    assert bad_mode.returncode != 0 and "Traceback" not in bad_mode.stderr


@pytest.mark.slow
def test_ingest_reports_bad_files_and_exits_non_zero(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Interviewer: Hi?\n\nAna Lima: Hello there, welcome.\n")
    (corpus / "empty.txt").write_text("")
    (corpus / "data.bin.txt").write_bytes(b"\x00\x01\x02")
    done = cli("ingest", str(corpus), "--index", str(tmp_path / "idx"))
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("empty.txt: empty file" in e for e in errors)
    assert any("data.bin.txt: binary file" in e for e in errors)
    assert "1 documents" in done.stdout
    again = cli("ingest", str(corpus), "--index", str(tmp_path / "idx"))
    assert "nothing to embed" in again.stdout


@pytest.mark.parametrize("command", [["ingest"], ["stats"], ["ask", "anything"]])
def test_unknown_setting_is_a_one_line_error(command: list[str], tmp_path: Path) -> None:
    env = {"IQA_RETRIEVAL__TOPK": "5", "IQA_STORE__INDEX_DIR": str(tmp_path / "idx")}
    done = cli(*command, env=env, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: invalid settings:")
    assert "IQA_RETRIEVAL__TOPK" in lines[0] and "top_k" in lines[0]
    assert not (tmp_path / "idx").exists()
