"""verify-summary: every quote a summary attributes to a speaker, checked against the transcripts
(verbatim / close / other-speaker / not-found), through the library and the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interview_qa.eval.commands import check_summary
from interview_qa.eval.summary_check import check_summary_quotes, word_diff
from interview_qa.ingest import InputError

from .conftest import CORPUS, ROOT

CHANGED = "ensure that your impact is positive and that you're helping them"
CHANGED_TO = "ensure that your impact is beneficial and that you're helping them"
SWAPPED = '"Our careers are long. Don\'t be afraid to deviate from the script." - S.'
SWAPPED_TO = '"Our careers are long. Don\'t be afraid to deviate from the script." - T.'
ANCHOR = "We're talking about months, maybe a year, a year and a half.\" - G.\n"
INVENTED = "Always write the tests first and the code second, every single time."


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    summary = tmp_path / "summary.md"
    shutil.copy(CORPUS / "summary.md", summary)
    transcripts = tmp_path / "transcripts"
    shutil.copytree(CORPUS / "transcripts", transcripts)
    return summary, transcripts


def alter(summary: Path) -> None:
    text = summary.read_text(encoding="utf-8")
    for old, new in ((CHANGED, CHANGED_TO), (SWAPPED, SWAPPED_TO)):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    assert text.count(ANCHOR) == 1
    text = text.replace(ANCHOR, ANCHOR + f'\n  "{INVENTED}" - G.\n')
    summary.write_text(text, encoding="utf-8")


def status_of(report: dict[str, Any], words: str) -> dict[str, Any]:
    found = [q for q in report["quotes"] if words in q["quote"]]
    assert len(found) == 1, words
    return found[0]


def test_the_bundled_summary_is_all_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    report = check_summary_quotes(CORPUS / "summary.md", CORPUS / "transcripts")
    assert report.ok and len(report.quotes) == 29
    assert report.counts()["verbatim"] == 29
    assert check_summary(CORPUS / "summary.md", CORPUS / "transcripts", as_json=False) == 0
    assert "29 quotes: 29 verbatim" in capsys.readouterr().out


def test_altered_summary_statuses(
    copies: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    summary, transcripts = copies
    alter(summary)
    assert check_summary(summary, transcripts, as_json=True) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"]
    assert report["counts"] == {"verbatim": 27, "close": 1, "other-speaker": 1, "not-found": 1}

    close = status_of(report, "is beneficial and")
    assert close["status"] == "close" and close["speaker"] == "G." and close["ratio"] >= 0.85
    assert "[-positive-]" in close["diff"] and "{+beneficial+}" in close["diff"]

    other = status_of(report, "Our careers are long")
    assert other["status"] == "other-speaker" and other["speaker"] == "T."
    assert other["matched_speakers"] == ["S."]

    invented = status_of(report, INVENTED[:30])
    assert invented["status"] == "not-found" and invented["speaker"] == "G."


def test_table_output_shows_each_status(
    copies: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    summary, transcripts = copies
    alter(summary)
    assert check_summary(summary, transcripts, as_json=False) == 1
    out = capsys.readouterr().out
    for status in ("close", "other-speaker", "not-found", "verbatim"):
        assert status in out
    assert "said by S." in out


def test_full_names_in_transcripts_match_initials_in_the_summary(tmp_path: Path) -> None:
    transcripts = tmp_path / "t"
    transcripts.mkdir()
    (transcripts / "README.md").write_text("not a transcript", encoding="utf-8")
    (transcripts / "gina.txt").write_text(
        "Interviewer: Trust?\n\nGina Rossi: The most essential skill is building trust.\n",
        encoding="utf-8",
    )
    summary = tmp_path / "summary.md"
    summary.write_text(
        "---\nkind: summary\n---\n\n# Notes\n\n"
        '"The most essential skill is building trust." - G.R.\n\n'
        '"The most essential skill is building trust." - G.\n',
        encoding="utf-8",
    )
    report = check_summary_quotes(summary, transcripts)
    assert [q.status for q in report.quotes] == ["verbatim", "verbatim"]


def test_errors_are_one_line(tmp_path: Path) -> None:
    not_summary = tmp_path / "notes.txt"
    not_summary.write_text("Interviewer: hi\n\nG.: hello there\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a summary"):
        check_summary_quotes(not_summary, CORPUS / "transcripts")
    no_quotes = tmp_path / "summary.md"
    no_quotes.write_text("# Summary\n\nThey talked about trust.\n", encoding="utf-8")
    with pytest.raises(InputError, match="no quote attributed"):
        check_summary_quotes(no_quotes, CORPUS / "transcripts")
    with pytest.raises(InputError, match="no such transcripts folder"):
        check_summary_quotes(CORPUS / "summary.md", tmp_path / "missing")


def test_word_diff() -> None:
    assert word_diff("a b c d", "a x c d e") == "a [-b-] {+x+} c d {+e+}"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interview_qa.ui.cli", "verify-summary", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
    )


def test_command_line(copies: tuple[Path, Path]) -> None:
    summary, transcripts = copies
    ok = run_cli(str(summary), "--transcripts", str(transcripts), "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["counts"]["verbatim"] == 29

    alter(summary)
    bad = run_cli(str(summary), "--transcripts", str(transcripts), "--json")
    assert bad.returncode == 1
    statuses = {q["status"] for q in json.loads(bad.stdout)["quotes"]}
    assert statuses == {"verbatim", "close", "other-speaker", "not-found"}

    missing = run_cli(str(summary), "--transcripts", str(summary.parent / "nope"))
    assert missing.returncode == 1
    assert "no such transcripts folder" in " ".join(missing.stderr.split())
