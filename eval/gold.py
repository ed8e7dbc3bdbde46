"""The gold question set: reading and validating a question file (format: eval/QUESTIONS.md).

Every problem is reported as one :class:`~interview_qa.ingest.InputError` line naming the file
and the line, e.g. ``questions.jsonl: line 7: "speakers" must be a list of strings``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interview_qa.ingest import InputError

#: The bundled gold set.
DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"

CATEGORIES = (
    "single-speaker",
    "several-speakers",
    "who-said",
    "speaker-named",
    "summary-only",
    "paraphrased",
    "follow-up",
    "open",
    "unanswerable",
    "uncategorized",
)
#: The category of a question that names none.
DEFAULT_CATEGORY = "uncategorized"
#: Fields every question has.
REQUIRED_FIELDS: dict[str, type] = {"question": str, "answerable": bool}
#: Fields a question may leave out (defaults: id ``line-N``, no speakers, no evidence, category
#: ``uncategorized``, follows nothing, no topic).
OPTIONAL_FIELDS: dict[str, type] = {
    "id": str,
    "speakers": list,
    "evidence": list,
    "category": str,
    "follows": str,
    "topic": list,
}
_TYPE_NAMES = {str: "a string", list: "a list of strings", bool: "true or false"}


@dataclass(frozen=True)
class Question:
    """One gold question."""

    id: str
    question: str
    speakers: tuple[str, ...]
    evidence: tuple[str, ...]
    answerable: bool
    category: str = DEFAULT_CATEGORY
    follows: str | None = None
    line: int = 0
    topic: tuple[str, ...] = ()


def _check_row(path: Path, n: int, row: Any, seen: dict[str, int]) -> Question:
    def bad(problem: str) -> InputError:
        return InputError(path, f"line {n}: {problem}")

    if not isinstance(row, dict):
        raise bad(f"expected a JSON object, got {type(row).__name__}")
    for key in REQUIRED_FIELDS:
        if key not in row:
            raise bad(f'missing field "{key}"')
    for key, kind in {**REQUIRED_FIELDS, **OPTIONAL_FIELDS}.items():
        if key not in row:
            continue
        value = row[key]
        if not isinstance(value, kind) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            if key == "follows":
                raise bad('"follows" must be a string (the id of an earlier question)')
            raise bad(f'"{key}" must be {_TYPE_NAMES[kind]}')
    unknown = sorted(set(row) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        allowed = ", ".join([*REQUIRED_FIELDS, *OPTIONAL_FIELDS])
        raise bad(f'unknown field "{unknown[0]}" (fields: {allowed})')
    qid = row.get("id", f"line-{n}").strip()
    speakers: list[str] = row.get("speakers", [])
    evidence: list[str] = row.get("evidence", [])
    topic: list[str] = row.get("topic", [])
    category: str = row.get("category", DEFAULT_CATEGORY)
    if not qid:
        raise bad('"id" is empty')
    if qid in seen:
        raise bad(f'duplicate id "{qid}" (first on line {seen[qid]})')
    if not row["question"].strip():
        raise bad('"question" is empty')
    if category not in CATEGORIES:
        raise bad(f'unknown category "{category}" (one of: {", ".join(CATEGORIES)})')
    if any(not s.strip() for s in speakers):
        raise bad('"speakers" holds an empty name')
    if any(not e.strip() for e in evidence):
        raise bad('"evidence" holds an empty string')
    if any(not t.strip() for t in topic):
        raise bad('"topic" holds an empty string')
    if not row["answerable"] and (speakers or evidence or topic):
        raise bad('an unanswerable question must have no "speakers", "evidence" or "topic"')
    if category == "unanswerable" and row["answerable"]:
        raise bad('category "unanswerable" needs "answerable": false')
    if category == "open" and not topic:
        raise bad('an open question needs "topic" (every on-topic passage)')
    follows = row.get("follows")
    if follows is not None and follows not in seen:
        raise bad(f'"follows": "{follows}" is not the id of an earlier question')
    if category == "follow-up" and follows is None:
        raise bad('a follow-up question needs "follows" (the id of the question it follows)')
    seen[qid] = n
    return Question(
        id=qid,
        question=row["question"],
        speakers=tuple(speakers),
        evidence=tuple(evidence),
        answerable=row["answerable"],
        category=category,
        follows=follows,
        line=n,
        topic=tuple(topic),
    )


def read_jsonl(path: Path, what: str) -> list[tuple[int, Any]]:
    """The rows of a JSON Lines file (``what`` it is, for messages: "question file"), each with
    its line number, blank lines skipped. Raises InputError, one line naming the file (and the
    line), when it can't be read or a line is not JSON."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, f"no such {what}") from None
    except IsADirectoryError:
        raise InputError(path, f"is a folder, not a {what}") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid UTF-8 (position {exc.start})") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InputError(
                path, f"line {n}: not valid JSON ({exc.msg}, column {exc.colno})"
            ) from None
    return rows


def load_questions(path: Path | None = None) -> list[Question]:
    """Read and validate a question file (default: the bundled eval/questions.jsonl).

    Raises InputError, one line naming the file and line, on the first problem found.
    """
    path = Path(path) if path is not None else DEFAULT_QUESTIONS
    seen: dict[str, int] = {}
    questions = [_check_row(path, n, row, seen) for n, row in read_jsonl(path, "question file")]
    if not questions:
        raise InputError(path, "holds no questions")
    return questions
