"""The llm composer: an LLM writes the answer from the numbered passages; every citation and
quote of it is then verified (:mod:`interview_qa.assistant.verify`) and its statements read as
data (:mod:`interview_qa.assistant.statements`). Also the LLM's rewrite of a follow-up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from interview_qa.assistant import prompts
from interview_qa.assistant.declined import not_covered
from interview_qa.assistant.llms import LLMConfigError
from interview_qa.assistant.results import Answer, Draft, Passage
from interview_qa.assistant.statements import read_statements
from interview_qa.assistant.verify import verify_answer

if TYPE_CHECKING:
    from llama_index.core.llms import LLM


class LLMComposer:
    """Writes llm-mode drafts with the LLM that ``llm()`` returns (None: none configured)."""

    def __init__(self, llm: Callable[[], LLM | None]) -> None:
        self._llm = llm

    def condense(self, question: str, previous: Answer, notes: list[str]) -> str:
        """The follow-up ``question`` as a standalone question, or "" (and a note) when the LLM
        can't be reached."""
        llm = self._llm()
        if llm is None:
            return ""
        history = f"User: {previous.question}\nAssistant: {previous.text[:800]}"
        prompt = prompts.CONDENSE_PROMPT.format(history=history, question=question)
        try:
            return llm.complete(prompt).text.strip()
        except Exception as exc:  # any failure of the LLM's client: say so, rewrite without it
            notes.append(prompts.LLM_UNAVAILABLE.format(detail=type(exc).__name__))
            return ""

    def compose(
        self,
        query: str,
        passages: Sequence[Passage],
        notes: list[str],
        speakers: Sequence[str],
    ) -> Draft | None:
        """The verified llm answer to ``query`` from ``passages`` (``speakers``: the initials
        of everyone in the index); None, with a note, when the LLM can't be reached."""
        from llama_index.core.llms import ChatMessage, MessageRole

        llm = self._llm()
        if llm is None:
            raise LLMConfigError("no LLM is configured: set IQA_LLM__PROVIDER (see README)")
        listing = "\n\n".join(
            prompts.PASSAGE_LINE.format(n=p.number, initials=p.initials, where=p.where, text=p.text)
            for p in passages
        )
        messages = [
            ChatMessage(
                role=MessageRole.SYSTEM,
                content=prompts.SYSTEM_PROMPT.format(not_covered=prompts.NOT_COVERED),
            ),
            ChatMessage(
                role=MessageRole.USER,
                content=prompts.QA_PROMPT.format(passages=listing, question=query),
            ),
        ]
        try:
            raw = llm.chat(messages).message.content or ""
        except Exception as exc:  # any failure of the LLM's client: extractive mode, with a note
            notes.append(prompts.LLM_UNAVAILABLE.format(detail=type(exc).__name__))
            return None
        if prompts.NOT_COVERED.lower() in raw.lower():
            return not_covered(passages, notes)
        text, citations, verification = verify_answer(raw, passages, speakers)
        known = {p.initials for p in passages} | set(speakers)
        return Draft(
            text="\n".join([*notes, text]) if notes else text,
            citations=citations,
            statements=read_statements(text, passages, notes, known),
            verification=verification,
        )
