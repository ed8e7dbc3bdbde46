"""How an answer quotes: a span of a passage shown as the speaker's own words, with its citation
and its statement (shared by every composer that quotes)."""

from __future__ import annotations

from collections.abc import Sequence

from interview_qa.assistant import prompts
from interview_qa.assistant.results import Citation, Passage, Statement
from interview_qa.ingest.markup import plain


def display(text: str) -> str:
    """A quote as shown in an answer: its own words without Markdown marks (a link as its
    text, list items as "• item"), line breaks shown as spaces."""
    return " ".join(plain(text).split())


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
