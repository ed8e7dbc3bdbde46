"""How an answer quotes: a span of a passage shown as the speaker's own words, with its citation
and its statement (shared by every composer that quotes)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from interview_qa.assistant import prompts
from interview_qa.assistant.results import Citation, Passage, Statement
from interview_qa.ingest.markup import plain
from interview_qa.ingest.sentences import sentence_spans

_AUX = (
    r"is|was|has|had|does|did|can|could|will|would|should|must|may|might|means|meant|makes|"
    r"made|takes|took|helps|helped|gives|gave|becomes|became|seems|seemed|sounds|feels|depends"
)
_PLURAL_AUX = r"are|were|have|had|do|did|can|could|will|would|should|must|may|might"
#: A filler a speaker may open with before the pronoun ("Yeah, it's…").
_FILLER = r"(?:(?:yeah|yes|so|well|okay|ok|right|oh)\b,?\s+)?"
#: A sentence whose subject is a pronoun pointing back ("It is extremely difficult…", "That's
#: why…", "They were…"): it says nothing whole without the sentence before it.
_POINTS_BACK = re.compile(
    rf"^[\"“‘]?{_FILLER}(?:(?:it|that|this|he|she)(?:['’]s\b|\s+(?:{_AUX})\b)|"
    rf"(?:they|these|those)(?:['’](?:re|ve)\b|\s+(?:{_PLURAL_AUX})\b))",
    re.I,
)
#: "It is important to…", "It's clear that…": an "it" that points forward, to what follows
#: (unless what follows points back: "it's important to do that").
_POINTS_AHEAD = re.compile(
    rf"^[\"“‘]?{_FILLER}it(?:['’]s|\s+is|\s+was)(?:\s+[\w,-]+){{1,3}}?\s+(?:to|that)\b",
    re.I,
)
_DOES_THAT = re.compile(r"^[^;:.!?]*?\bto\s+do\s+(?:that|this|it|so)\b", re.I)


def display(text: str) -> str:
    """A quote as shown in an answer: its own words without Markdown marks (a link as its
    text, list items as "• item"), line breaks shown as spaces."""
    return " ".join(plain(text).split())


def points_back(sentence: str) -> bool:
    """Whether the sentence's subject is a pronoun pointing back to the sentence before ("It is
    extremely difficult…", "That's why…", "Yeah, they were…"), not an "it" pointing ahead ("It
    is important to…", unless to "do that")."""
    if not _POINTS_BACK.match(sentence):
        return False
    return not _POINTS_AHEAD.match(sentence) or bool(_DOES_THAT.match(sentence))


#: A sentence this short ("I think.", "Think about it.") is no antecedent on its own: the
#: quote goes back past it.
_SHORT_WORDS = 4


def antecedent_start(text: str, start: int, limit: int) -> int:
    """Where a quote starting at ``start`` should start so that it is whole: at the sentence
    before it, in the same paragraph, when it opens with a pronoun that points back to that
    sentence ("I'm not perfect at switching between the archetypes. It is extremely
    difficult…"), going back past sentences of fewer than four words ("I think."), as long as
    the quote stays within ``limit`` characters; ``start`` otherwise."""
    if not points_back(text[start : start + 80]):
        return start
    spans = sentence_spans(text)
    end = next((e for s_, e in spans if s_ == start), len(text))
    at = start
    for a, b in reversed([(a, b) for a, b in spans if b <= start]):
        between = text[b:at]
        if between.strip() or "\n" in between or end - a > limit:
            break
        at = a
        if len(text[a:b].split()) >= _SHORT_WORDS:
            break
    return at


def quote_line(passage: Passage, start: int, end: int, where: str | None = None) -> str:
    """The line quoting ``passage.text[start:end]``: credited to the passage's speaker, or to
    the summary's section ``where``."""
    quote = display(passage.text[start:end])
    if where is not None:
        return prompts.SUMMARY_QUOTE_LINE.format(quote=quote, where=where, n=passage.number)
    return prompts.QUOTE_LINE.format(quote=quote, initials=passage.initials, n=passage.number)


def quote_statement(passage: Passage, start: int, end: int) -> Statement:
    """The statement quoting ``passage.text[start:end]``, credited to the passage's speaker."""
    return Statement.quoting(display(passage.text[start:end]), passage.number, passage.initials)


def quote_lines(
    passages: Sequence[tuple[Passage, int, int]],
) -> tuple[list[str], list[Citation], list[Statement]]:
    """Lines quoting exact spans of passages, with their citations and statements (for "who
    said" answers)."""
    lines, citations, statements = [], [], []
    for passage, start, end in passages:
        lines.append(quote_line(passage, start, end))
        citations.append(Citation.of(passage, start, end))
        statements.append(quote_statement(passage, start, end))
    return lines, citations, statements
