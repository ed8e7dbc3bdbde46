"""The answer of `llm` mode: build the prompt, generate within bounds, verify every sentence, and
fall back to the extractive answer when too little of the model's answer holds.

Grounded or silent, for a model's prose:

* **Bounded generation.** The model streams its answer; ``llm.max_tokens`` is sent on every call,
  generation stops past ``llm.timeout_s``, and a repetition guard (:func:`repetition_cut`) stops a
  model that loops and cuts the repeat off. Listeners registered with :func:`streaming` receive
  the tokens as they come (the app shows them; the CLI counts them).
* **Sentence by sentence.** Each sentence of the model's answer (:func:`split_statements`) is
  shown only when it is *supported* by a passage it cites: every quote in it verbatim in the
  cited passage (:func:`~interview_qa.assistant.verify.verify_answer`), every speaker it credits
  ("T. said…", "He explained…", names) the cited passage's speaker, and its words supported by
  one cited passage under the support judge of :mod:`interview_qa.assistant.support` (verbatim,
  else lexical + MiniLM score at or above its threshold; the prose around a verbatim quote must
  share at least half its content words with the passage). Uncited, unsupported, misquoted and
  misattributed sentences are left out of the answer's text and kept, with their status, in
  ``answer.verification.statements`` (the UI shows them struck through as unverified).
* **Fallback.** When no sentence, or less than ``llm.min_supported_share`` of them, survives, the
  answer is the extractive one, with a note that the model's answer failed verification.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from interview_qa.assistant import prompts
from interview_qa.assistant.declined import not_covered
from interview_qa.assistant.llms import LLMConfigError
from interview_qa.assistant.results import (
    Answer,
    Citation,
    Draft,
    Passage,
    QuoteCheck,
    SentenceCheck,
    StatementStatus,
    StopReason,
    Verification,
)
from interview_qa.assistant.statements import read_statements
from interview_qa.assistant.support import (
    STOPWORDS,
    SupportScorer,
    content_words,
    lexical_recall,
    verbatim_support,
)
from interview_qa.assistant.verify import closest_span, find_verbatim, normalize, verify_answer
from interview_qa.ingest import SUMMARY_SPEAKER

if TYPE_CHECKING:
    from llama_index.core.llms import LLM, ChatMessage

    from interview_qa.ingest.settings import LLMSettings

#: Prose around a verbatim quote must share at least this share of its content words with the
#: quoted passage, when it has at least PROSE_MIN_WORDS of them.
PROSE_MIN_RECALL = 0.5
PROSE_MIN_WORDS = 3

_CITE = re.compile(r"\[(\d+)\]")
_CITE_GROUP = re.compile(r"\s*(?:\[\d+\]\s*)+")
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{2,}?)[\"”]")
_INITIALS = re.compile(r"(?<![\w.])((?:[A-Z][a-z]{0,3}\.){1,3}(?:#\d+)?)(?!\w)")
_PRONOUN = re.compile(r"\b(?:he|she|him|his|her|hers)\b", re.I)
#: A sentence ends after . ! ? … (and closing quotes or brackets, and any citation markers that
#: follow) when whitespace and a capital, digit or opening quote come next.
_BOUNDARY = re.compile(r"[.!?…][\"”’)]*(?:\s*\[\d+\])*\s+(?=[\"“‘(]?[A-Z0-9])")
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
_DASH_CREDIT = re.compile(r"\s*[—–-]\s*(?:[A-Z][a-z]{0,3}\.){1,3}\s*$")

_TOKENS: ContextVar[Callable[[str], None] | None] = ContextVar("iqa_llm_tokens", default=None)


@contextmanager
def streaming(on_token: Callable[[str], None]) -> Iterator[None]:
    """While the block runs, every token an llm-mode answer generates (in this thread or
    context) is passed to ``on_token`` as it arrives: ``with streaming(show): assistant.ask(…)``.
    """
    token = _TOKENS.set(on_token)
    try:
        yield
    finally:
        _TOKENS.reset(token)


# ---- prompt ----------------------------------------------------------------------------------


def build_messages(question: str, passages: Sequence[Passage]) -> list[ChatMessage]:
    """The system prompt and the numbered passages with the question."""
    from llama_index.core.llms import ChatMessage, MessageRole

    listing = "\n\n".join(
        prompts.PASSAGE_LINE.format(n=p.number, initials=p.initials, where=p.where, text=p.text)
        for p in passages
    )
    return [
        ChatMessage(
            role=MessageRole.SYSTEM,
            content=prompts.SYSTEM_PROMPT.format(not_covered=prompts.NOT_COVERED),
        ),
        ChatMessage(
            role=MessageRole.USER,
            content=prompts.QA_PROMPT.format(passages=listing, question=question),
        ),
    ]


# ---- bounded generation ----------------------------------------------------------------------


@dataclass
class Generation:
    """What the model produced and how generation ended."""

    text: str
    stop_reason: StopReason
    tokens: int
    seconds: float


def _words(text: str) -> list[tuple[str, int]]:
    """Lower-cased words of ``text`` with their start offsets."""
    return [(m.group(0).lower(), m.start()) for m in re.finditer(r"[\w'’]+", text)]


def repetition_cut(text: str, ngram: int = 8) -> int | None:
    """Where to cut ``text`` when the model has started repeating itself, else None.

    Two signs of a loop: a sentence (of four words or more) that repeats an earlier one
    word for word, cut where the repeat starts; and the last ``ngram`` words already present
    twice before, cut where the second occurrence starts.
    """
    seen: set[str] = set()
    for start, end in _sentence_spans(text):
        key = " ".join(w for w, _ in _words(_CITE.sub("", text[start:end])))
        if len(key.split()) >= 4:
            if key in seen:
                return start
            seen.add(key)
    words = _words(text)
    if len(words) < 3 * ngram:
        return None
    tail = [w for w, _ in words[-ngram:]]
    starts = [
        words[i][1]
        for i in range(len(words) - ngram)
        if [w for w, _ in words[i : i + ngram]] == tail
    ]
    return starts[1] if len(starts) >= 2 else None


def generate(llm: LLM, messages: Sequence[ChatMessage], cfg: LLMSettings) -> Generation:
    """Stream the model's answer within the bounds of ``cfg`` (max tokens, timeout, repetition
    guard), passing each token to the :func:`streaming` listener. A model that can't stream is
    asked in one call instead. Connection errors propagate (the caller falls back)."""
    listener = _TOKENS.get()
    started = time.monotonic()
    deadline = started + cfg.timeout_s
    pieces: list[str] = []
    tokens = 0
    reason: StopReason = "done"
    try:
        stream = llm.stream_chat(list(messages))
        try:
            for chunk in stream:
                delta = chunk.delta or ""
                if not delta:  # a closing chunk (finish reason, usage): no token
                    continue
                tokens += 1
                pieces.append(delta)
                if listener is not None:
                    listener(delta)
                if any(ch.isspace() or ch in ".!?" for ch in delta):
                    text = "".join(pieces)
                    cut = repetition_cut(text, cfg.repeat_ngram)
                    if cut is not None:
                        pieces = [text[:cut]]
                        reason = "repetition"
                        break
                if tokens >= cfg.max_tokens:  # the server should stop there; make sure
                    reason = "max_tokens"
                    break
                if time.monotonic() > deadline:
                    reason = "timeout"
                    break
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
    except NotImplementedError:
        text = llm.chat(list(messages)).message.content or ""
        if listener is not None and text:
            listener(text)
        pieces, tokens = [text], len(text.split())
    text = "".join(pieces)
    if reason == "done":
        cut = repetition_cut(text, cfg.repeat_ngram)
        if cut is not None:
            text, reason = text[:cut], "repetition"
        elif tokens >= cfg.max_tokens:
            reason = "max_tokens"
    return Generation(text.strip(), reason, tokens, time.monotonic() - started)


# ---- sentences and speakers ------------------------------------------------------------------


def _inside_quote(text: str, pos: int) -> bool:
    before = text[:pos]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def _sentence_spans(line: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``line`` (see :func:`split_statements`)."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        if _inside_quote(line, m.start()):
            continue
        before = line[start : m.start() + 1].split()
        if before and _INITIALS.fullmatch(before[-1]):
            continue  # "T. Said" is not a sentence end after initials
        out.append((start, m.start() + len(m.group(0).rstrip())))
        start = m.end()
    if line[start:].strip():
        out.append((start, len(line)))
    return out


def split_statements(text: str) -> list[tuple[int, str]]:
    """The sentences of a model's answer, each with the index of its line: never split inside
    a quotation or right after initials, and citation markers after a full stop stay with the
    sentence they close ("… health. [2]")."""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n")):
        for start, end in _sentence_spans(line):
            sentence = line[start:end].strip()
            if sentence and any(ch.isalnum() for ch in _CITE.sub("", sentence)):
                out.append((number, sentence))
    return out


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
            for m in _INITIALS.finditer(sentence)
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


# ---- verification ----------------------------------------------------------------------------


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
        prose = _QUOTED.sub(" ", bare)
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
        numbers = list(dict.fromkeys(int(n) for n in _CITE.findall(sentence)))
        cited = [by_number[n] for n in numbers if n in by_number]
        named = speakers.named(_CITE.sub("", sentence))
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
    pronoun = not named and _PRONOUN.search(_QUOTED.sub(" ", sentence))
    if pronoun and ((subject is not None and subject not in cited_people) or not cited_people):
        claimed = subject or prompts.STATEMENT_SOMEONE
        detail = prompts.STATEMENT_WRONG_SPEAKER.format(claimed=claimed, actual=actual)
        return "wrong_speaker", detail, None, []
    bare = bare_statement(sentence)
    quotes = [q.strip() for q in _QUOTED.findall(bare) if len(q.split()) >= 2]
    best: float | None = None
    for passage in cited:
        ok, score = _supported(scorer, bare, quotes, passage.text)
        if score is not None:
            best = score if best is None else max(best, score)
        if ok:
            _, start, end = closest_span(_QUOTED.sub(" ", bare) or bare, passage.text)
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


# ---- the llm-mode answer ---------------------------------------------------------------------


@dataclass
class LLMOutcome:
    """What the llm composer hands back: a draft to show, or None when the extractive answer
    is to be shown instead (the LLM could not be reached, or its answer failed verification),
    with the verification report of the model's answer when there was one."""

    draft: Draft | None
    verification: Verification | None = None


class LLMComposer:
    """Writes llm-mode drafts with the LLM that ``llm()`` returns (None: none configured), and
    rewrites follow-ups into standalone questions."""

    def __init__(
        self, llm: Callable[[], LLM | None], cfg: LLMSettings, scorer: Callable[[], SupportScorer]
    ) -> None:
        self._llm = llm
        self.cfg = cfg
        self._scorer = scorer

    def condense(self, question: str, previous: Answer, notes: list[str]) -> str:
        """The follow-up ``question`` as a standalone question, or "" (and a note) when the LLM
        can't be reached."""
        llm = self._llm()
        if llm is None:
            return ""
        history = f"User: {previous.question}\nAssistant: {previous.text[:800]}"
        prompt = prompts.CONDENSE_PROMPT.format(history=history, question=question)
        try:
            return llm.complete(prompt, max_tokens=self.cfg.max_tokens).text.strip()
        except Exception as exc:  # any failure of the LLM's client: say so, rewrite without it
            notes.append(prompts.LLM_UNAVAILABLE.format(detail=type(exc).__name__))
            return ""

    def compose(
        self,
        query: str,
        passages: Sequence[Passage],
        notes: list[str],
        registry: Mapping[str, str],
        question_speakers: Sequence[str] = (),
    ) -> LLMOutcome:
        """The model's answer to ``query`` from ``passages``, generated within bounds and
        verified sentence by sentence (see the module docstring). ``registry`` maps every
        speaker label to its initials; ``question_speakers`` are the initials the question is
        restricted to."""
        llm = self._llm()
        if llm is None:
            raise LLMConfigError("no LLM is configured: set IQA_LLM__PROVIDER (see README)")
        try:
            generation = generate(llm, build_messages(query, passages), self.cfg)
        except Exception as exc:  # any failure of the LLM's client: extractive mode, with a note
            notes.append(prompts.LLM_UNAVAILABLE.format(detail=type(exc).__name__))
            return LLMOutcome(None)
        draft = generation.text
        if prompts.NOT_COVERED.lower() in normalize(draft).lower():
            return LLMOutcome(not_covered(passages, notes))
        verified = verify_statements(
            draft, passages, registry, self._scorer(), list(question_speakers)
        )
        verification = Verification(
            checks=verified.checks,
            statements=verified.statements,
            draft=draft,
            stop_reason=generation.stop_reason,
            tokens=generation.tokens,
            seconds=generation.seconds,
        )
        kept = sum(s.verified for s in verified.statements)
        share = verification.supported_share or 0.0
        if kept == 0 or share < self.cfg.min_supported_share:
            verification.fell_back = True
            notes.append(
                prompts.LLM_FAILED_VERIFICATION.format(kept=kept, total=len(verified.statements))
            )
            return LLMOutcome(None, verification)
        dropped = len(verified.statements) - kept
        if dropped:
            notes.append(
                prompts.LLM_SENTENCES_DROPPED.format(dropped=dropped, total=kept + dropped)
            )
        if generation.stop_reason != "done":
            notes.append(prompts.LLM_STOPPED[generation.stop_reason])
        known = set(registry.values())
        return LLMOutcome(
            Draft(
                text="\n".join([*notes, verified.text]) if notes else verified.text,
                citations=verified.citations,
                statements=read_statements(verified.text, passages, notes, known),
                verification=verification,
            ),
            verification,
        )


def scorer_for(embedder: Any) -> SupportScorer:
    """The support judge llm mode verifies with, over the Assistant's embedder."""
    from interview_qa.assistant.support import make_scorer

    return make_scorer(embedder)
