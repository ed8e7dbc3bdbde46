"""The answer of `llm` mode: build the prompt, generate within bounds, verify every sentence, and
fall back to the extractive answer when too little of the model's answer holds.

Grounded or silent, for a model's prose:

* **The prompt** (:func:`build_messages`): the rules and one worked example (the same for every
  provider), then the numbered passages labelled with their speaker's initials.
* **Bounded generation** (:mod:`interview_qa.assistant.generation`): the model streams its
  answer within ``llm.max_tokens``, ``llm.timeout_s`` and ``llm.max_sentences``, a repetition
  guard stops a model that loops, and :func:`~interview_qa.assistant.generation.streaming`
  listeners see the tokens.
* **Sentence by sentence** (:mod:`interview_qa.assistant.llm_check`): each sentence is shown
  only when a passage sent to the model supports it (quotes verbatim, speakers right, words
  supported), cited by the model or, failing that, by the system; the others are kept, with
  their status, in ``answer.verification.statements``.
* **Fallback.** When no sentence, or less than ``llm.min_supported_share`` of them, survives, or
  the model says the passages don't cover the question (they do: the gate let it through), the
  answer is the extractive one, with a note saying why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from interview_qa.assistant import prompts
from interview_qa.assistant.generation import Generation, finished_part, generate
from interview_qa.assistant.llm_check import Verified, verify_statements
from interview_qa.assistant.llms import LLMConfigError
from interview_qa.assistant.results import Answer, Draft, Passage, Verification
from interview_qa.assistant.statements import read_statements
from interview_qa.assistant.verify import normalize

if TYPE_CHECKING:
    from llama_index.core.llms import LLM, ChatMessage

    from interview_qa.assistant.support import SupportScorer
    from interview_qa.ingest.settings import LLMSettings, SupportSettings


def _listing(items: Sequence[tuple[int, str, str]]) -> str:
    """Numbered passages as the prompt shows them: (number, initials, text) each."""
    return "\n\n".join(
        prompts.PASSAGE_LINE.format(n=n, initials=initials, text=text)
        for n, initials, text in items
    )


def system_prompt(max_sentences: int = 4) -> str:
    """The system prompt: the rules and the worked example, the same for every question (and
    every provider); the answer asked for is 2 to ``max_sentences`` sentences."""
    example = [(n, *p) for n, p in enumerate(prompts.EXAMPLE_PASSAGES, start=1)]
    return prompts.SYSTEM_PROMPT.format(
        max_sentences=max_sentences,
        example_passages=_listing(example),
        example_question=prompts.EXAMPLE_QUESTION,
        example_answer=prompts.EXAMPLE_ANSWER,
    )


def speaker_label(passage: Passage) -> str:
    """How the prompt names a passage's speaker: the initials, and for the summary the section
    its words sit under ("summary (What it isn't)"), which their meaning may hang on."""
    leaf = passage.summary_section
    return (
        prompts.SUMMARY_LABEL.format(initials=passage.initials, section=leaf)
        if leaf
        else (passage.initials)
    )


def build_messages(
    question: str, passages: Sequence[Passage], max_sentences: int = 4
) -> list[ChatMessage]:
    """The system prompt, then the numbered passages (each with :func:`speaker_label`) and
    the question; 2 to ``max_sentences`` sentences are asked for."""
    from llama_index.core.llms import ChatMessage, MessageRole

    listing = _listing([(p.number, speaker_label(p), p.text) for p in passages])
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=system_prompt(max_sentences)),
        ChatMessage(
            role=MessageRole.USER,
            content=prompts.QA_PROMPT.format(
                passages=listing, question=question, max_sentences=max_sentences
            ),
        ),
    ]


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
    rewrites follow-ups into standalone questions. The support judge is built by ``scorer()``
    on the first answer it verifies and kept (its caches serve the answers that follow)."""

    def __init__(
        self, llm: Callable[[], LLM | None], cfg: LLMSettings, scorer: Callable[[], SupportScorer]
    ) -> None:
        self._llm = llm
        self.cfg = cfg
        self._make_scorer = scorer
        self._scorer: SupportScorer | None = None
        self._lock = threading.Lock()

    @property
    def scorer(self) -> SupportScorer:
        """The support judge the model's sentences are verified with (built on first use)."""
        with self._lock:
            if self._scorer is None:
                self._scorer = self._make_scorer()
            return self._scorer

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
            messages = build_messages(query, passages, self.cfg.max_sentences)
            generation = generate(llm, messages, self.cfg)
        except Exception as exc:  # any failure of the LLM's client: extractive mode, with a note
            notes.append(prompts.LLM_UNAVAILABLE.format(detail=type(exc).__name__))
            return LLMOutcome(None)
        if prompts.NOT_COVERED.lower() in normalize(generation.text).lower():
            # The gate found the passages bear on the question, and extractive mode answers
            # it (see llm_answer): the decline is not the model's to make.
            notes.append(prompts.LLM_SAID_NOT_COVERED)
            return LLMOutcome(None, _report(generation, fell_back=True))
        # A bound (token limit, timeout) may cut the last sentence mid-way: it is not verified.
        bounded = generation.stop_reason not in ("done", "sentences")
        text = finished_part(generation.text) if bounded else generation.text
        verified = verify_statements(
            text, passages, registry, self.scorer, list(question_speakers), query
        )
        return self._outcome(generation, verified, passages, notes, set(registry.values()))

    def _outcome(
        self,
        generation: Generation,
        verified: Verified,
        passages: Sequence[Passage],
        notes: list[str],
        known: set[str],
    ) -> LLMOutcome:
        """The verified sentences as a draft, with notes on what was dropped and why generation
        stopped; or no draft (the extractive answer) when too few sentences hold."""
        verification = _report(generation, verified)
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
        if generation.stop_reason in prompts.LLM_STOPPED:
            notes.append(prompts.LLM_STOPPED[generation.stop_reason])
        return LLMOutcome(
            Draft(
                text="\n".join([*notes, verified.text]) if notes else verified.text,
                citations=verified.citations,
                statements=read_statements(verified.text, passages, notes, known),
                verification=verification,
            ),
            verification,
        )


def _report(
    generation: Generation, verified: Verified | None = None, fell_back: bool = False
) -> Verification:
    """The verification report of a generation (and of its sentences, when verified)."""
    return Verification(
        checks=verified.checks if verified else [],
        statements=verified.statements if verified else [],
        draft=generation.text,
        stop_reason=generation.stop_reason,
        tokens=generation.tokens,
        seconds=generation.seconds,
        fell_back=fell_back,
    )


def scorer_for(embedder: Any, cfg: SupportSettings) -> SupportScorer:
    """The support judge llm mode verifies with, over the Assistant's embedder, as the
    ``support`` settings say (an NLI model, the cache size)."""
    from interview_qa.assistant.support import make_scorer

    return make_scorer(embedder, cfg)
