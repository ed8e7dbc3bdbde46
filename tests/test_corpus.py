"""The bundled corpus: a clean copy of the published summary, and transcripts that attribute to
each speaker nothing the summary does not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from interview_qa.ingest import SUMMARY_SPEAKER, parse_file

from .conftest import CORPUS, ROOT

SEED = ROOT.parent / "shared" / "seed" / "extract_and_summarize_interviews_content_back_market.txt"
CHROME = ("Skip to content", "Latest commit", "History", "158 lines", "File metadata", "Alt text")


def summary_quotes() -> list[tuple[str, str]]:
    doc = parse_file(CORPUS / "summary.md")
    return [
        (t.speaker, s.text) for t in doc.turns if t.speaker != SUMMARY_SPEAKER for s in t.segments
    ]


def test_summary_has_no_page_chrome_and_has_structure() -> None:
    text = (CORPUS / "summary.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        assert not line.strip().startswith(CHROME), line
    assert text.count("\n## ") >= 6 and "\n- " in text
    assert "•" not in text


def test_summary_quotes_are_attributed_to_the_six_speakers() -> None:
    quotes = summary_quotes()
    assert len(quotes) == 29
    assert {s for s, _ in quotes} == {"S.", "G.", "P.", "T.", "N.", "F."}


@pytest.mark.skipif(
    not SEED.exists(), reason="the raw seed (../shared) is not beside this checkout"
)
def test_summary_keeps_every_sentence_of_the_seed() -> None:
    summary = (CORPUS / "summary.md").read_text(encoding="utf-8")
    for raw in SEED.read_text(encoding="utf-8").splitlines():
        line = raw.strip().removeprefix("• ").strip()
        if not line or line.startswith(CHROME) or line.endswith(".md"):
            continue
        assert line in summary, line


def test_one_transcript_per_speaker_with_a_provenance_header() -> None:
    files = sorted((CORPUS / "transcripts").iterdir())
    assert len(files) == 6
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "reconstructed from the published summary" in re.sub(r"\s+", " ", text)
        doc = parse_file(path)
        assert len(doc.speakers()) == 1


@pytest.mark.parametrize("path", sorted((CORPUS / "transcripts").glob("*")), ids=lambda p: p.name)
def test_every_transcript_turn_is_a_quote_the_summary_gives_that_speaker(path: Path) -> None:
    quotes = summary_quotes()
    doc = parse_file(path)
    answers = [t for t in doc.turns if t.role == "interviewee"]
    assert answers
    for turn in doc.turns:
        if turn.role == "interviewer":
            continue
        for seg in turn.segments:
            assert (turn.speaker, seg.text) in quotes, (path.name, seg.text[:60])
    # And each Interviewer turn names the summary section the quote sits under.
    sections = {
        t.section.split(" › ")[-1]
        for t in parse_file(CORPUS / "summary.md").turns
        if t.speaker != SUMMARY_SPEAKER
    }
    assert all(t.text in sections for t in doc.turns if t.role == "interviewer")


def test_every_summary_quote_appears_in_its_speakers_transcript() -> None:
    by_speaker: dict[str, str] = {}
    for path in (CORPUS / "transcripts").iterdir():
        doc = parse_file(path)
        by_speaker[doc.speakers()[0]] = path.read_text(encoding="utf-8")
    for speaker, quote in summary_quotes():
        assert quote in by_speaker[speaker]
