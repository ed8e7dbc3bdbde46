"""Statement checking for `llm` mode: the model's answer read sentence by sentence.

Each sentence of the model's answer (:func:`~interview_qa.assistant.statements.split_statements`)
is shown only when it is *supported* by a passage it cites: every quote in it verbatim in the
cited passage (:func:`~interview_qa.assistant.verify.verify_answer`), every speaker it credits
("T. said…", "He explained…", names) the cited passage's speaker, and its words supported by one
cited passage under the support judge of :mod:`interview_qa.assistant.support` (verbatim, else
the judge's score at or above its threshold; the prose around a verbatim quote must share at
least half its content words with the passage).

* **Post-hoc citation.** A sentence the model left uncited, or whose citations fail it, is
  matched against every passage sent to the model: when one supports it (the same checks, the
  same judge), the sentence is cited to that passage (``cited_by="system"``) and shown with its
  speaker's initials. What no passage supports stays out.
* **Statements carry content**
  (:func:`~interview_qa.assistant.statements.carries_content`): a sentence that leans on its
  citations for its content ("The biggest struggles are [3] and [7].") or only restates the
  question or talks about the passages is ``empty``: never shown, never counted.

Sentences that fail are left out of the answer's text and kept, with their status, in
``answer.verification.statements`` (the UI shows them struck through as unverified).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from interview_qa.assistant import prompts
from interview_qa.assistant.results import (
    Citation,
    CitedBy,
    Passage,
    QuoteCheck,
    SentenceCheck,
    StatementStatus,
)
from interview_qa.assistant.statements import carries_content, split_statements
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
    normalize,
    verify_answer,
)
from interview_qa.ingest import SUMMARY_SPEAKER
from interview_qa.ingest.speakers import INITIALS
from interview_qa.ingest.text import STOPWORDS
from interview_qa.ingest.text import content_words as text_words

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
#: Capital initials ("A.", "D.Pe."; not "Dr.") opening a sentence, or before a speech verb.
_CAPITALS = r"([A-Z]\.(?:[A-Z][a-z]?\.){0,2})(?!\w)"
_SUBJECT_INITIALS = re.compile(rf"^\W*(?i:according to\s+)?{_CAPITALS}")
_SPEAKING_INITIALS = re.compile(rf"(?<![\w.]){_CAPITALS}\s+{_SPEECH}\b")
_FINAL_STOP = re.compile(r"[.!?…]+$")
#: "They also say…" right after a sentence about one speaker credits that speaker.
_THEY_SAY = re.compile(rf"^\W*they\s+{_SPEECH}\b", re.I)
_THE_SUMMARY = re.compile(r"\b(?:the|a) summary\b", re.I)
_LEADING_CITES = re.compile(r"\s*(?:\[\d+\]\s*)+")
#: Where a sentence's clauses meet: punctuation, or a conjunction that adds a claim.
_CLAUSE = re.compile(
    r"[,;:—–()]\s*|\s+(?=(?:which|because|since|but|although|though|while|so that|whereas)\b)",
    re.I,
)


class Speakers:
    """Who may be credited with words: each speaker's initials, full label and first name."""

    def __init__(self, registry: Mapping[str, str]) -> None:
        self.initials = {i for label, i in registry.items() if label != SUMMARY_SPEAKER}
        #: What stands for the written summary ("The summary says…"), when the index has one.
        self.summary = registry.get(SUMMARY_SPEAKER)
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
        if self.summary is not None:
            found += [(m.start(), self.summary) for m in _THE_SUMMARY.finditer(sentence)]
        return [i for _, i in sorted(found)]

    def unknown(self, sentence: str) -> str | None:
        """Initials a sentence credits (as its subject, or with a speech verb) that are no
        speaker's: a model copying the prompt example's "A." or lettering its points."""
        text = CITE.sub(" ", QUOTED.sub(" ", sentence))
        for pattern in (_SUBJECT_INITIALS, _SPEAKING_INITIALS):
            for m in pattern.finditer(text):
                if m.group(1) not in self.initials:
                    return m.group(1)
        return None


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


@dataclass
class _Judged:
    """What checking one sentence against the passages it cites found."""

    status: StatementStatus
    detail: str = ""
    score: float | None = None
    cited: list[Passage] = field(default_factory=list)
    shown: str = ""
    checks: list[QuoteCheck] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)


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


def asked_words(question: str, names: Collection[str] = ()) -> dict[str, str]:
    """The question's content words (stem → the word as asked), speakers' ``names`` aside:
    what a paraphrase may not read into a passage that doesn't use them."""
    return {
        stem: word
        for word in dict.fromkeys(text_words(normalize(question)))
        for stem in content_words(word)
        if stem not in names
    }


@dataclass(frozen=True)
class PassageSupport:
    """One passage's verdict on a statement: supported or not, the judge's score (None:
    verbatim, or not scored), the question's words the statement reads into the passage
    (``missing``) and the clause it adds that the passage lacks (``added``)."""

    ok: bool
    score: float | None
    missing: frozenset[str] = frozenset()
    added: str = ""


def passage_support(
    scorer: SupportScorer,
    bare: str,
    passage: str,
    asked: Mapping[str, str] | None = None,
    names: Collection[str] = (),
) -> PassageSupport:
    """Whether ``passage`` (its judged text) supports a statement's claim (``bare``: citations
    left out), as llm mode decides it, and as ``interview-qa eval`` measures it on labelled pairs
    (:mod:`interview_qa.eval.judge`).

    The statement may not use the question's words (``asked``, from :func:`asked_words`) that
    the passage doesn't ("P. loves helping" from "I wanted to help", asked what they love); then
    the judge decides (:func:`_supported`: its quotes verbatim, else the scorer's score against
    its threshold); and a paraphrase may not add a clause none of whose words the passage has
    (:func:`added_clause`)."""
    missing = frozenset((content_words(bare) & set(asked or {})) - content_words(passage))
    if missing:
        return PassageSupport(False, None, missing=missing)
    quotes = [q.strip() for q in QUOTED.findall(bare) if len(q.split()) >= 2]
    ok, score = _supported(scorer, bare, quotes, passage)
    added = added_clause(bare, passage, names) if ok and score is not None else ""
    return PassageSupport(ok and not added, score, added=added)


def verify_statements(
    draft: str,
    passages: Sequence[Passage],
    registry: Mapping[str, str],
    scorer: SupportScorer,
    question_speakers: Sequence[str] = (),
    question: str = "",
) -> Verified:
    """Verify a model's answer sentence by sentence (see the module docstring).

    ``registry`` maps every speaker label of the index to its initials; ``question_speakers``
    are the initials the question is restricted to (the referent of an unresolved "he"/"she");
    ``question`` is what the model was asked (a sentence that only restates it says nothing).
    """
    checker = _Checker(passages, registry, scorer, question)
    statements: list[SentenceCheck] = []
    checks: list[QuoteCheck] = []
    citations: list[Citation] = []
    subject = question_speakers[0] if len(question_speakers) == 1 else None
    for line, sentence in split_statements(draft):
        named = checker.speakers.named(CITE.sub("", sentence))
        judged, cited_by = checker.judge(sentence, named, subject)
        checks.extend(judged.checks)
        supported = judged.status == "supported"
        if supported:
            citations.extend(judged.citations)
        statements.append(
            SentenceCheck(
                text=sentence,
                status=judged.status,
                citations=[p.number for p in judged.cited],
                shown=judged.shown if supported else "",
                score=judged.score,
                detail=judged.detail,
                line=line,
                cited_by=cited_by,
            )
        )
        # "He explained…": the speaker last named before, else the question's one speaker.
        subject = named[-1] if named else subject
    return Verified(statements, checks, _shown_text(statements), citations)


class _Checker:
    """Checks the sentences of one answer against the passages sent to the model."""

    def __init__(
        self,
        passages: Sequence[Passage],
        registry: Mapping[str, str],
        scorer: SupportScorer,
        question: str,
    ) -> None:
        self.passages = list(passages)
        self.by_number = {p.number: p for p in passages}
        self.speakers = Speakers(registry)
        self.known = set(registry.values())
        self.scorer = scorer
        self.question_words = content_words(question)
        self.names = names = content_words(" ".join(registry))
        self.asked = asked_words(question, names)

    def cited(self, sentence: str) -> list[Passage]:
        """The sent passages a sentence cites, in order, each once."""
        return [self.by_number[n] for n in _numbers(sentence) if n in self.by_number]

    def judge(
        self, sentence: str, named: Sequence[str], subject: str | None
    ) -> tuple[_Judged, CitedBy]:
        """One sentence: not a statement when it says nothing of its own; else checked
        against the passages it cites, and when they fail it, cited by the system to the sent
        passage that supports it best, if one does."""
        if not carries_content(sentence, self.question_words):
            return _Judged("empty", prompts.STATEMENT_EMPTY, cited=self.cited(sentence)), "model"
        stranger = self.speakers.unknown(sentence)
        if stranger is not None:
            detail = prompts.STATEMENT_UNKNOWN_SPEAKER.format(claimed=stranger)
            return _Judged("wrong_speaker", detail, cited=self.cited(sentence)), "model"
        first = self.as_cited(sentence, named, subject)
        if first.status == "supported":
            return first, "model"
        other = self.recited(sentence, named, subject)
        if other is None:
            return first, "model"
        was = _join_numbers([p.number for p in first.cited])
        other.detail = (
            prompts.STATEMENT_RECITED.format(cited=was) if was else prompts.STATEMENT_CITED
        )
        return other, "system"

    def as_cited(self, sentence: str, named: Sequence[str], subject: str | None) -> _Judged:
        """Check a sentence against the passages it cites: quotes, speakers, then support."""
        sentence = _citations_last(sentence)
        shown, quote_citations, report = verify_answer(sentence, self.passages, self.known)
        cited = self.cited(sentence)
        judged = _Judged("uncited", prompts.STATEMENT_UNCITED, cited=cited, checks=report.checks)
        if not cited:
            return judged
        if any(c.status in ("not_in_passage", "uncited") for c in report.checks):
            judged.status, judged.detail = "misquoted", prompts.STATEMENT_MISQUOTED
        elif any(c.status == "wrong_speaker" for c in report.checks):
            judged.status, judged.detail = "wrong_speaker", report.issues[0].detail
        else:
            wrong = _misattributed(sentence, named, subject, cited)
            if wrong:
                judged.status, judged.detail = "wrong_speaker", wrong
                return judged
            status, detail, score, support = self.support(bare_statement(sentence), cited)
            judged.status, judged.detail, judged.score = status, detail, score
            judged.shown, judged.citations = shown, quote_citations or support
            if status == "supported" and not quote_citations and len(cited) > 1:
                # One passage supports it: shown citing that one, not the others as well.
                only = self.by_number[support[0].number]
                judged.cited = [only]
                judged.shown = verify_answer(
                    with_citation(without_citations(sentence), only.number),
                    self.passages,
                    self.known,
                )[0]
        return judged

    def support(
        self, bare: str, cited: Sequence[Passage]
    ) -> tuple[StatementStatus, str, float | None, list[Citation]]:
        """Whether one of the ``cited`` passages supports a statement (its claim, ``bare``).

        Beyond the judge (:func:`_supported`), a paraphrase may not read the question's words
        into a passage that doesn't use them ("P. loves helping" from "I wanted to help", asked
        what they love), nor add a clause none of whose words the passage has (:func:
        `added_clause`)."""
        best: float | None = None
        missing: set[str] = set()
        added = ""
        for passage in cited:
            found = passage_support(self.scorer, bare, judged_text(passage), self.asked, self.names)
            missing |= found.missing
            added = found.added or added
            if found.score is not None:
                best = found.score if best is None else max(best, found.score)
            if found.ok:
                _, start, end = closest_span(QUOTED.sub(" ", bare) or bare, passage.text)
                span = find_verbatim(bare, passage.text) or (start, end)
                return "supported", "", best, [Citation.of(passage, *span)]
        if added:
            return "unsupported", prompts.STATEMENT_ADDED.format(clause=added), best, []
        if missing and best is None:
            words = ", ".join(sorted({self.asked[w] for w in missing}))
            return "unsupported", prompts.STATEMENT_QUESTION_WORDS.format(words=words), None, []
        return "unsupported", prompts.STATEMENT_UNSUPPORTED, best, []

    def recited(self, sentence: str, named: Sequence[str], subject: str | None) -> _Judged | None:
        """The sentence cited to the one sent passage that supports it best (verbatim first,
        then the highest score), checked like any other; None when no passage does."""
        plain = without_citations(sentence)
        best: tuple[tuple[bool, float], _Judged] | None = None
        for passage in self.passages:
            if named and passage.initials not in named:
                continue  # it would credit the words to someone else
            judged = self.as_cited(with_citation(plain, passage.number), named, subject)
            if judged.status != "supported":
                continue
            key = (judged.score is None, judged.score or 0.0)
            if best is None or key > best[0]:
                best = (key, judged)
        return best[1] if best else None


def judged_text(passage: Passage) -> str:
    """What a sentence citing ``passage`` is judged against: its text, and for the summary
    the section heading it sits under too (the prompt shows it: "What it isn't")."""
    leaf = passage.summary_section
    return f"{leaf}:\n{passage.text}" if leaf else passage.text


def _citations_last(sentence: str) -> str:
    """A sentence that opens with its citations ("[3] The summary says…") with them at its
    end, where they are shown."""
    lead = _LEADING_CITES.match(sentence)
    if lead is None or not sentence[lead.end() :].strip():
        return sentence
    rest = sentence[lead.end() :]
    end = _FINAL_STOP.search(rest)
    marks = lead.group(0).strip()
    if end is None:
        return f"{rest.rstrip()} {marks}"
    return f"{rest[: end.start()].rstrip()} {marks}{end.group(0)}"


def _numbers(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order, each once."""
    return list(dict.fromkeys(int(n) for n in CITE.findall(sentence)))


def _join_numbers(numbers: Sequence[int]) -> str:
    return " ".join(f"[{n}]" for n in numbers)


def without_citations(sentence: str) -> str:
    """A sentence with its citation markers removed (and the spaces they leave)."""
    text = _CITE_GROUP.sub(" ", sentence)
    text = re.sub(r"\s+([.,;:!?…])", r"\1", " ".join(text.split()))
    return text.strip()


def with_citation(sentence: str, number: int) -> str:
    """A sentence without citations cited to passage ``number``: the marker before its final
    punctuation ("… scope [3]."), or after it when it ends in a quotation or a bracket."""
    end = _FINAL_STOP.search(sentence)
    if end is None:
        return f"{sentence.rstrip()} [{number}]"
    return f"{sentence[: end.start()].rstrip()} [{number}]{end.group(0)}"


def _misattributed(
    sentence: str, named: Sequence[str], subject: str | None, cited: Sequence[Passage]
) -> str:
    """Why a sentence credits its words to someone other than the passages' speakers, or ""."""
    cited_people = {p.initials for p in cited if p.speaker != SUMMARY_SPEAKER}
    summaries = {p.initials for p in cited if p.speaker == SUMMARY_SPEAKER}
    actual = " ".join(sorted({p.initials for p in cited}))
    for who in named:
        if who not in cited_people | summaries:
            return prompts.STATEMENT_WRONG_SPEAKER.format(claimed=who, actual=actual)
    # "He explained…": the speaker last named before, else the question's one speaker.
    outside = QUOTED.sub(" ", sentence)
    pronoun = not named and (_PRONOUN.search(outside) or _THEY_SAY.match(outside))
    if pronoun and ((subject is not None and subject not in cited_people) or not cited_people):
        claimed = subject or prompts.STATEMENT_SOMEONE
        return prompts.STATEMENT_WRONG_SPEAKER.format(claimed=claimed, actual=actual)
    return ""


def added_clause(statement: str, passage: str, names: Collection[str] = ()) -> str:
    """A clause of a paraphrase (outside its quotations) none of whose content words (but
    speakers' ``names``) is in the passage: the model's own addition ("…, which can be
    challenging"), or ""."""
    have = content_words(passage)
    for clause in _CLAUSE.split(QUOTED.sub(" ", statement)):
        words = content_words(clause) - set(names)
        if words and not words & have:
            return clause.strip(" ,;:.!?")
    return ""


def _shown_text(statements: Sequence[SentenceCheck]) -> str:
    """The supported sentences, on the lines the model put them."""
    lines: dict[int, list[str]] = {}
    for s in statements:
        if s.verified:
            lines.setdefault(s.line, []).append(s.shown)
    return "\n".join(" ".join(parts) for _, parts in sorted(lines.items()))
