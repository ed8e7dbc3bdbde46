"""The evaluation gold set, eval/questions.jsonl: its format, its coverage, that every evidence
string is verbatim corpus text spoken (or, for summary prose, written) by the gold speakers, and
that every topic snippet is verbatim corpus text inside one passage."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from interview_qa.eval.gold import CATEGORIES as GOLD_CATEGORIES
from interview_qa.eval.gold import OPTIONAL_FIELDS, REQUIRED_FIELDS
from interview_qa.eval.topic import words
from interview_qa.ingest import SUMMARY_SPEAKER, UNKNOWN_SPEAKER, parse_file
from interview_qa.ingest import corpus_files as ingested_files

from .conftest import CORPUS, ROOT

QUESTIONS = ROOT / "eval" / "questions.jsonl"
FORMAT_DOC = ROOT / "eval" / "QUESTIONS.md"

# The schema is the evaluation's own (interview_qa.eval.gold), not a copy of it. The bundled
# file writes out every field a user's file may leave out, except "follows" and "topic".
REQUIRED = {**REQUIRED_FIELDS, **OPTIONAL_FIELDS}
del REQUIRED["follows"], REQUIRED["topic"]
ALLOWED = {*REQUIRED_FIELDS, *OPTIONAL_FIELDS}
CATEGORIES = set(GOLD_CATEGORIES) - {"uncategorized"}
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+")


def load_questions() -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        assert isinstance(row, dict), f"line {n} is not a JSON object"
        rows.append(row)
    return rows


@cache
def corpus_files() -> tuple[Path, ...]:
    return tuple(ingested_files(CORPUS))


@cache
def corpus_texts() -> tuple[str, ...]:
    return tuple(p.read_text(encoding="utf-8") for p in corpus_files())


@cache
def passages() -> tuple[tuple[str, str], ...]:
    """(speaker, text) of every non-interviewer segment of the corpus. A segment is one quote, or
    one paragraph or list item of summary prose, so evidence can never span two of them."""
    found = []
    for path in corpus_files():
        for turn in parse_file(path).turns:
            if turn.role == "interviewer":
                continue
            found.extend((turn.speaker, seg.text) for seg in turn.segments)
    return tuple(found)


def _norm(label: str) -> str:
    label = re.sub(r"\s+", " ", label.strip())
    return re.sub(r"\.{2,}$", ".", label).casefold()


def _initials_of(label: str) -> str:
    if _INITIALS.fullmatch(label):
        return label
    return "".join(w[0] + "." for w in re.split(r"[\s\-]+", label) if w and w[0].isalpha())


def speaker_matches(gold: str, speaker: str) -> bool:
    """Gold initials match a speaker's initials; a gold full name matches the full label. Summary
    prose and unlabelled text belong to no one."""
    if speaker in (SUMMARY_SPEAKER, UNKNOWN_SPEAKER):
        return False
    gold_n, speaker_n = _norm(gold), _norm(speaker)
    if _INITIALS.fullmatch(gold_n):
        return gold_n == _norm(_initials_of(speaker))
    return gold_n == speaker_n


ROWS = load_questions()


def test_every_line_has_the_required_keys_and_types() -> None:
    for row in ROWS:
        for key, kind in REQUIRED.items():
            assert key in row, (row.get("id"), key)
            assert isinstance(row[key], kind), (row.get("id"), key)
        assert row["id"].strip() and row["question"].strip(), row
        assert all(isinstance(s, str) and s.strip() for s in row["speakers"]), row["id"]
        assert all(isinstance(e, str) and e.strip() for e in row["evidence"]), row["id"]
        assert row["category"] in CATEGORIES, (row["id"], row["category"])
        assert set(row) <= ALLOWED, (row["id"], set(row) - ALLOWED)


def test_ids_are_unique_and_follow_ups_point_back() -> None:
    seen: set[str] = set()
    for row in ROWS:
        assert row["id"] not in seen, f"duplicate id {row['id']}"
        if "follows" in row:
            assert isinstance(row["follows"], str)
            assert row["follows"] in seen, f"{row['id']} follows {row['follows']!r}, not earlier"
        assert ("follows" in row) == (row["category"] == "follow-up"), row["id"]
        seen.add(row["id"])


def test_coverage() -> None:
    assert len(ROWS) >= 50
    assert sum(not r["answerable"] for r in ROWS) >= 10
    assert {r["category"] for r in ROWS} == CATEGORIES


def test_answerable_rows_have_evidence_and_unanswerable_rows_have_none() -> None:
    for row in ROWS:
        if row["answerable"]:
            assert row["evidence"], row["id"]
            assert row["category"] != "unanswerable", row["id"]
        else:
            assert row["speakers"] == [] and row["evidence"] == [], row["id"]
            assert row["category"] == "unanswerable", row["id"]
        if row["category"] == "summary-only":
            assert row["speakers"] == [], row["id"]


@pytest.mark.parametrize("row", [r for r in ROWS if r["evidence"]], ids=lambda r: str(r.get("id")))
def test_evidence_is_verbatim_and_spoken_by_the_gold_speakers(row: dict[str, Any]) -> None:
    for evidence in row["evidence"]:
        assert "\n" not in evidence, (row["id"], evidence)
        assert 3 <= len(evidence.split()) <= 40, (row["id"], evidence)
        assert any(evidence in text for text in corpus_texts()), (row["id"], evidence)
        if row["speakers"]:
            owners = [
                speaker
                for speaker, text in passages()
                if evidence in text
                and any(speaker_matches(gold, speaker) for gold in row["speakers"])
            ]
        else:
            owners = [s for s, text in passages() if evidence in text and s == SUMMARY_SPEAKER]
        assert owners, (row["id"], row["speakers"], evidence)


@pytest.mark.parametrize("row", [r for r in ROWS if r["speakers"]], ids=lambda r: str(r["id"]))
def test_every_gold_speaker_has_evidence(row: dict[str, Any]) -> None:
    for gold in row["speakers"]:
        assert any(
            speaker_matches(gold, speaker) and evidence in text
            for evidence in row["evidence"]
            for speaker, text in passages()
        ), (row["id"], gold)


def test_speaker_matching() -> None:
    assert speaker_matches("G.", "G.")
    assert speaker_matches("g.", "G.")
    assert speaker_matches("D.P.", "Dmitry Petrashko")
    assert speaker_matches("Dmitry Petrashko", "Dmitry Petrashko")
    assert not speaker_matches("G.", "N.")
    assert not speaker_matches("Dmitry", "Dmitry Petrashko")
    assert not speaker_matches("S.", SUMMARY_SPEAKER)


def test_the_format_doc_exists() -> None:
    assert FORMAT_DOC.is_file()
    text = FORMAT_DOC.read_text(encoding="utf-8")
    for word in ("evidence", "speakers", "follows", "answerable", *sorted(CATEGORIES)):
        assert word in text, word


# ---- topic (answer precision and recall) -----------------------------------------------------

OPEN = [r for r in ROWS if r["category"] == "open"]
#: Words every heading of the summary shares with any question about the role.
_CONTEXT_WORDS = {"staff", "plus", "engineer", "engineers", "role", "back", "market"}
_STOP = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "to",
    "for",
    "in",
    "on",
    "at",
    "it",
    "is",
    "what",
    "how",
    "do",
    "does",
    "i",
    "my",
    "they",
    "them",
    "their",
    "with",
    "be",
    "being",
    "from",
    "your",
    "you",
    "don't",
    "are",
    "there",
    "should",
    "when",
    "get",
    "t",
}


def headings() -> list[str]:
    """Every heading of corpus/summary.md, and every ``Label:`` it nests quotes under."""
    text = (CORPUS / "summary.md").read_text(encoding="utf-8")
    found = re.findall(r"^#+\s+(.+)$", text, flags=re.M)
    found += re.findall(r"^- ([^:\n]{3,60}):\s*$", text, flags=re.M)
    return found


def _stems(text: str) -> set[str]:
    return {w[:5] for w in words(text) if w not in _STOP and w not in _CONTEXT_WORDS}


@pytest.mark.parametrize("row", [r for r in ROWS if r.get("topic")], ids=lambda r: str(r["id"]))
def test_topic_snippets_are_verbatim_inside_one_passage(row: dict[str, Any]) -> None:
    topic = row["topic"]
    assert row["answerable"] and topic, row["id"]
    for snippet in topic:
        assert isinstance(snippet, str) and "\n" not in snippet, (row["id"], snippet)
        assert 2 <= len(snippet.split()) <= 70, (row["id"], snippet)
        assert any(snippet in text for text in corpus_texts()), (row["id"], snippet)
        assert any(snippet in text for _, text in passages()), (row["id"], snippet)
    # Distinct gold units: no snippet repeats or lies inside another of the same question.
    for i, a in enumerate(topic):
        for b in topic[i + 1 :]:
            assert a not in b and b not in a, (row["id"], a, b)


@pytest.mark.parametrize("row", [r for r in ROWS if r.get("topic")], ids=lambda r: str(r["id"]))
def test_evidence_is_part_of_the_topic(row: dict[str, Any]) -> None:
    """``evidence`` stays the minimal set: each evidence string lies inside a topic snippet."""
    for evidence in row["evidence"]:
        assert any(evidence in snippet for snippet in row["topic"]), (row["id"], evidence)


def test_open_questions() -> None:
    assert len(OPEN) >= 20
    assert all(r.get("topic") for r in OPEN)
    # Worded as users ask, not as the summary's section titles: at most one content word of any
    # heading in common (the words naming the role itself aside).
    titles = headings()
    assert len(titles) >= 25
    for row in OPEN:
        for title in titles:
            shared = _stems(row["question"]) & _stems(title)
            assert len(shared) <= 1, (row["id"], title, shared)
    # The topic is every on-topic passage, not only the minimal evidence.
    for row in OPEN:
        assert len(row["topic"]) >= max(2, len(row["evidence"])), row["id"]
