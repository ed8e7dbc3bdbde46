"""Quotable units of a chunk: the one rule that cuts a chunk's text into the thoughts an answer
may quote, shared by ingest (which embeds and stores every unit) and the assistant (which scores
them), so both always split the same text the same way.

A unit is a sentence of at least ``min_words`` words, or a question sentence joined to the
sentences of its paragraph that answer it (up to ``budget_words`` words). A question with no
answer after it is no unit, and neither is an interviewer's or host's question (it leads to the
answer; it is never one). A unit never crosses a paragraph boundary. The item lines of a summary
list are marked (quoted only when a question asks for a list).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from interview_qa.ingest.sentences import sentence_spans
from interview_qa.ingest.text import section_leaf
from interview_qa.ingest.turns import SUMMARY_SPEAKER

if TYPE_CHECKING:
    from interview_qa.ingest.settings import Settings

#: Bump when the rule below changes: stored units are then recomputed at the next ingest (so
#: they are when the code the rule runs on changes: see :func:`rule_digest`).
RULE_VERSION = 1
#: The modules whose code decides what a unit is and what text of it is embedded.
_RULE_MODULES = ("units.py", "sentences.py", "markup.py")
#: Roles whose questions lead to an answer rather than being one.
ASKING_ROLES = frozenset({"interviewer", "host"})
_PARAGRAPH = re.compile(r"\n\s*\n")
#: An interviewer's question addressed to someone by name: "Raj, what do you…", "…hiring, Raj?".
_ASKS = (
    r"what|how|why|when|where|who|whom|whose|which|do|does|did|can|could|would|will|should|is|"
    r"are|was|were|have|has|had|tell|so|and|any"
)
_LEADING_ADDRESS = re.compile(rf"^(?:[A-Z][\w'’.-]*\s+){{0,2}}[A-Z][\w'’.-]*,\s+(?=(?i:{_ASKS})\b)")
_TRAILING_ADDRESS = re.compile(r",\s+(?:[A-Z][\w'’.-]*\s+){0,2}[A-Z][\w'’.-]*(?=\s*\?\s*$)")


@dataclass(frozen=True)
class UnitSpan:
    """One unit of a text: its span, the index of its paragraph, whether it opens with a
    question, and whether it is a line of a summary list."""

    start: int
    end: int
    paragraph: int
    asks: bool = False
    list_item: bool = False


@dataclass(frozen=True)
class SplitRule:
    """The settings that decide how texts are cut into units."""

    min_words: int
    budget_words: int

    @classmethod
    def of(cls, settings: Settings) -> SplitRule:
        """The split the settings configure (``answer.min_sentence_words`` and
        ``answer.question_budget_words``)."""
        return cls(settings.answer.min_sentence_words, settings.answer.question_budget_words)

    @classmethod
    def default(cls) -> SplitRule:
        """The split of the default settings."""
        from interview_qa.ingest.settings import AnswerSettings

        return cls(
            AnswerSettings.default("min_sentence_words"),
            AnswerSettings.default("question_budget_words"),
        )

    @property
    def signature(self) -> str:
        """What stored units were cut with: the rule's version, code and settings."""
        return f"v{RULE_VERSION}:{rule_digest()}:min{self.min_words}:budget{self.budget_words}"


@functools.cache
def rule_digest() -> str:
    """A digest of the code of the rule (this module, the sentence splitter, the markup
    stripper): a change there re-embeds the stored units at the next ingest."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _RULE_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


def paragraph_starts(text: str) -> list[int]:
    """Start offsets of the paragraphs of ``text``."""
    return [0] + [m.end() for m in _PARAGRAPH.finditer(text)]


def list_lines(text: str, speaker: str) -> list[tuple[int, int]]:
    """Spans of the item lines of a summary list chunk (every line after the first when the text
    has several lines and no blank line between them)."""
    if speaker != SUMMARY_SPEAKER or "\n" not in text.strip() or _PARAGRAPH.search(text):
        return []
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    first = text[spans[0][0] : spans[0][1]].rstrip()
    return spans[1:] if first.endswith(":") else spans


def unit_spans(
    text: str, role: str, speaker: str, min_words: int, budget_words: int
) -> list[UnitSpan]:
    """The units of one chunk's ``text`` (spoken by ``speaker`` in ``role``), in order (see the
    module docstring); ``min_words`` and ``budget_words`` are the settings'
    ``answer.min_sentence_words`` and ``answer.question_budget_words``."""
    out = []
    starts = paragraph_starts(text)
    items = list_lines(text, speaker)
    spans = sentence_spans(text)
    asking = role in ASKING_ROLES
    for i, (start, end) in enumerate(spans):
        para = max(k for k, s in enumerate(starts) if s <= start)
        words = len(text[start:end].split())
        if text[start:end].rstrip(' "”’)').endswith("?"):
            if asking:
                continue
            stop = end
            for a, b in spans[i + 1 :]:
                if a >= (starts[para + 1] if para + 1 < len(starts) else len(text)):
                    break
                if words >= budget_words:
                    break
                stop, words = b, words + len(text[a:b].split())
            if stop > end:
                out.append(UnitSpan(start, stop, para, asks=True))
            continue
        if words >= min_words:
            item = any(a <= start < b for a, b in items)
            out.append(UnitSpan(start, end, para, list_item=item))
    return out


def heading(section: str, question: str) -> str:
    """What a chunk answers: the interviewer's question, or the deepest level of its summary
    section ("Prioritizing Tasks"). The levels above name the document's broad parts ("Key
    Advice from Staff-plus Engineers"), whose words are the corpus's context words: matched
    against a question, they would make every section under them look relevant.

    A question addressed to someone by name is read with the name aside ("Raj, what do you
    look for when hiring?" answers "What do you look for when hiring?"): who was asked is the
    speaker filter's business, and the name would only pull the question away from a user's
    question that names someone else, or nobody."""
    if question:
        return unaddressed(question)
    return section_leaf(section)


def unaddressed(question: str) -> str:
    """An interviewer's question without the name it is addressed to ("Raj, what do you…" →
    "What do you…"; "…when hiring, Raj?" → "…when hiring?")."""
    out = _TRAILING_ADDRESS.sub("", _LEADING_ADDRESS.sub("", question.strip(), count=1))
    if not out or not any(ch.isalpha() for ch in out):
        return question
    return out[0].upper() + out[1:]
