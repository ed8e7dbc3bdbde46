"""Statement checking for `llm` mode: the model's answer read sentence by sentence.

Each sentence of the model's answer (:func:`~interview_qa.assistant.statements.split_statements`)
is shown only when it is *supported* by a passage it cites: every quote in it verbatim in the
cited passage (:func:`~interview_qa.assistant.verify.verify_answer`), every speaker it credits
("T. said…", "He explained…", names) the cited passage's speaker, and its words supported by one
cited passage under the support judge of :mod:`interview_qa.assistant.support` (verbatim, else
lexical + MiniLM score at or above its threshold; the prose around a verbatim quote must share
at least half its content words with the passage). Uncited, unsupported, misquoted and
misattributed sentences are left out of the answer's text and kept, with their status, in
``answer.verification.statements`` (the UI shows them struck through as unverified).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interview_qa.assistant import prompts
from interview_qa.assistant.results import (
    Citation,
    Passage,
    QuoteCheck,
    SentenceCheck,
    StatementStatus,
)
from interview_qa.assistant.statements import split_statements
from interview_qa.assistant.support import (
    SupportScorer,
    content_words,
    lexical_recall,
    verbatim_support,
)
from interview_qa.assistant.verify import (
    CITE,
    INITIALS_WORD,
    QUOTED,
    closest_span,
    find_verbatim,
    verify_answer,
)
from interview_qa.ingest import SUMMARY_SPEAKER
from interview_qa.ingest.speakers import INITIALS
from interview_qa.ingest.text import STOPWORDS

#: Prose around a verbatim quote must share at least this share of its content words with the
#: quoted passage, when it has at least PROSE_MIN_WORDS of them.
PROSE_MIN_RECALL = 0.5
PROSE_MIN_WORDS = 3

_CITE_GROUP = re.compile(r"\s*(?:\[\d+\]\s*)+")
_PRONOUN = re.compile(r"\b(?:he|she|him|his|her|hers)\b", re.I)
_SPEECH = (
    r"(?:also\s+|further\s+)?(?:said|says|say|explained|explains|explain|noted|notes|note|"
    r"argued|argues|mentioned|mentions|believes|believe|believed|thinks|think|thought|"
    r"recommended|recommends|suggested|suggests|described|describes|emphasized|emphasizes|"
    r"emphasised|emphasises|stressed|stresses|added|adds|shared|shares|told|tells|pointed out|"
    r"points out|highlighted|highlights|advised|advises|recalled|recalls|feels|felt|stated|states|"
    r"observed|observes|admitted|admits|warned|warns|wrote|writes|puts it|put it)"
)
_LEAD_IN = re.compile(rf"^\s*(?:[\w.#'’ -]{{1,40}}?)\s+{_SPEECH}(?:\s+that)?\s*[,:]?\s*", re.I)
_ACCORDING = re.compile(r"^\s*(?:according to|as)\s+[\w.#'’ -]{1,40}?(?:\s+puts? it)?,\s*", re.I)
_DASH_CREDIT = re.compile(rf"\s*[—–-]\s*{INITIALS}\s*$")


class Speakers:
    """Who may be credited with words: each speaker's initials, full label and first name."""

    def __init__(self, registry: Mapping[str, str]) -> None:
        self.initials = {i for label, i in registry.items() if label != SUMMARY_SPEAKER}
        self.by_name: dict[str, str] = {}
        for label, initials in registry.items():
            if label in (SUMMARY_SPEAKER, initials):
                continue
            self.by_name[label] = initials
            first = label.split()[0]
            if len(first) > 2 and not first.endswith(".") and first.lower() not in STOPWORDS:
                self.by_name.setdefault(first, initials)

    def named(self, sentence: str) -> list[str]:
        """Initials of the speakers a sentence names, in order."""
        found: list[tuple[int, str]] = [
            (m.start(), m.group(1))
            for m in INITIALS_WORD.finditer(sentence)
            if m.group(1) in self.initials
        ]
        for name, initials in self.by_name.items():
            for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", sentence):
                found.append((m.start(), initials))
        return [i for _, i in sorted(found)]


def bare_statement(sentence: str) -> str:
    """The claim of a sentence: citation markers, a dash credit (``— G.``) and a lead-in
    ("T. explained that", "According to G.,") removed."""
    text = _CITE_GROUP.sub(" ", sentence).strip()
    text = _DASH_CREDIT.sub("", text)
    for lead in (_ACCORDING, _LEAD_IN):
        stripped = lead.sub("", text, count=1)
        if stripped != text and len(stripped.split()) >= 3:
            text = stripped
            break
    return " ".join(text.split())


@dataclass
class Verified:
    """The outcome of verifying a model's answer: its statements, quote checks, and the text and
    citations of the sentences that hold."""

    statements: list[SentenceCheck]
    checks: list[QuoteCheck]
    text: str
    citations: list[Citation]


def _supported(
    scorer: SupportScorer, bare: str, quotes: Sequence[str], passage: str
) -> tuple[bool, float | None]:
    """Whether one passage supports a statement: verbatim (its quotes, then the prose around
    them), else the scorer's score reaches its threshold. Returns the score where computed."""
    if quotes and all(find_verbatim(q, passage) is not None for q in quotes):
        prose = QUOTED.sub(" ", bare)
        if len(content_words(prose)) < PROSE_MIN_WORDS:
            return True, None
        recall = lexical_recall(prose, passage)
        return recall >= PROSE_MIN_RECALL, recall
    if quotes:
        return False, None
    if verbatim_support(bare, (), passage):
        return True, None
    score = scorer.score(bare, passage)
    return score >= scorer.threshold, score


def verify_statements(
    draft: str,
    passages: Sequence[Passage],
    registry: Mapping[str, str],
    scorer: SupportScorer,
    question_speakers: Sequence[str] = (),
) -> Verified:
    """Verify a model's answer sentence by sentence (see the module docstring).

    ``registry`` maps every speaker label of the index to its initials; ``question_speakers``
    are the initials the question is restricted to (the referent of an unresolved "he"/"she").
    """
    by_number = {p.number: p for p in passages}
    speakers = Speakers(registry)
    statements: list[SentenceCheck] = []
    checks: list[QuoteCheck] = []
    citations: list[Citation] = []
    subject = question_speakers[0] if len(question_speakers) == 1 else None
    for line, sentence in split_statements(draft):
        shown, quote_citations, quote_report = verify_answer(
            sentence, passages, set(registry.values())
        )
        checks.extend(quote_report.checks)
        numbers = list(dict.fromkeys(int(n) for n in CITE.findall(sentence)))
        cited = [by_number[n] for n in numbers if n in by_number]
        named = speakers.named(CITE.sub("", sentence))
        referent = named[-1] if named else subject
        status: StatementStatus
        score: float | None = None
        detail = ""
        if not cited:
            status, detail = "uncited", prompts.STATEMENT_UNCITED
        elif any(c.status in ("not_in_passage", "uncited") for c in quote_report.checks):
            status, detail = "misquoted", prompts.STATEMENT_MISQUOTED
        elif any(c.status == "wrong_speaker" for c in quote_report.checks):
            status, detail = "wrong_speaker", quote_report.issues[0].detail
        else:
            status, detail, score, support = _check_one(sentence, named, subject, cited, scorer)
            if status == "supported":
                citations.extend(quote_citations or support)
        statements.append(
            SentenceCheck(
                text=sentence,
                status=status,
                citations=[p.number for p in cited],
                shown=shown if status == "supported" else "",
                score=score,
                detail=detail,
                line=line,
            )
        )
        subject = referent
    return Verified(statements, checks, _shown_text(statements), citations)


def _check_one(
    sentence: str,
    named: Sequence[str],
    subject: str | None,
    cited: Sequence[Passage],
    scorer: SupportScorer,
) -> tuple[StatementStatus, str, float | None, list[Citation]]:
    """Attribution, then support, of one cited sentence whose quotes (if any) check out."""
    cited_people = {p.initials for p in cited if p.speaker != SUMMARY_SPEAKER}
    actual = " ".join(sorted({p.initials for p in cited}))
    for who in named:
        if who not in cited_people:
            detail = prompts.STATEMENT_WRONG_SPEAKER.format(claimed=who, actual=actual)
            return "wrong_speaker", detail, None, []
    # "He explained…": the speaker last named before, else the question's one speaker.
    pronoun = not named and _PRONOUN.search(QUOTED.sub(" ", sentence))
    if pronoun and ((subject is not None and subject not in cited_people) or not cited_people):
        claimed = subject or prompts.STATEMENT_SOMEONE
        detail = prompts.STATEMENT_WRONG_SPEAKER.format(claimed=claimed, actual=actual)
        return "wrong_speaker", detail, None, []
    bare = bare_statement(sentence)
    quotes = [q.strip() for q in QUOTED.findall(bare) if len(q.split()) >= 2]
    best: float | None = None
    for passage in cited:
        ok, score = _supported(scorer, bare, quotes, passage.text)
        if score is not None:
            best = score if best is None else max(best, score)
        if ok:
            _, start, end = closest_span(QUOTED.sub(" ", bare) or bare, passage.text)
            span = find_verbatim(bare, passage.text) or (start, end)
            return "supported", "", best, [Citation.of(passage, *span)]
    return "unsupported", prompts.STATEMENT_UNSUPPORTED, best, []


def _shown_text(statements: Sequence[SentenceCheck]) -> str:
    """The supported sentences, on the lines the model put them."""
    lines: dict[int, list[str]] = {}
    for s in statements:
        if s.verified:
            lines.setdefault(s.line, []).append(s.shown)
    return "\n".join(" ".join(parts) for _, parts in sorted(lines.items()))
