"""The same ingest against a real ``chroma run`` server on 127.0.0.1, and the CLI on top."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from interview_qa.ingest import Index, IndexUnavailableError, ingest

from .conftest import CORPUS, ChromaServer, make_settings

pytestmark = pytest.mark.slow


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interview_qa.ui.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_ingest_into_a_chroma_server(tmp_path: Path, chroma_server: ChromaServer, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path / "local", store={"chroma_url": chroma_server.url})
    first = ingest([CORPUS], settings, embedder=embedder)
    assert not first.errors and first.added == first.chunks > 0
    again = ingest([CORPUS], settings, embedder=embedder)
    assert again.added == 0 and again.unchanged_documents == 7
    stats = Index(settings).stats()
    assert {s.label for s in stats.speakers} >= {"S.", "G.", "P.", "T.", "N.", "F."}
    assert Index(settings).bm25() is not None


def test_cli_ingest_and_stats_against_the_server(
    tmp_path: Path, chroma_server: ChromaServer
) -> None:
    index = str(tmp_path / "idx")
    done = cli(
        "ingest", str(CORPUS / "transcripts"), "--index", index, "--chroma-url", chroma_server.url
    )
    assert done.returncode == 0, done.stderr
    assert "6 speakers" in done.stdout
    shown = cli("stats", "--index", index, "--chroma-url", chroma_server.url)
    assert shown.returncode == 0, shown.stderr
    for initials in ("S.", "G.", "P.", "T.", "N.", "F."):
        assert initials in shown.stdout


def test_server_down_is_a_clear_error(tmp_path: Path) -> None:
    server = ChromaServer(tmp_path / "never-started")
    settings = make_settings(tmp_path / "local", store={"chroma_url": server.url})
    with pytest.raises(IndexUnavailableError, match="does not answer"):
        Index(settings)
    shown = cli("stats", "--index", str(tmp_path / "x"), "--chroma-url", server.url)
    assert shown.returncode == 1
    assert "does not answer" in shown.stderr and "Traceback" not in shown.stderr
