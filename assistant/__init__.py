"""The assistant: hybrid retrieval over the index and grounded answers cited by speaker.

Public API (what the UI and the evaluation use): ``Assistant``, the typed results (``Answer``,
``Statement``, ``Quotation``, ``Credit``, ``Passage``, ``Citation``, ``Verification``,
``Filters``, ``MODES``), ``prompts``, the quote helpers ``find_verbatim``/``closest_span``/
``normalize``, the errors, and the extractive composer's parts. The heavy parts (the Assistant
and what it imports) load on first use, so importing ``prompts`` or the result types stays
instant.

The answer path, stage by stage: ``plan`` (QueryPlan) → ``retrieval`` (PassageRetriever) →
``gate`` (Gate) → a composer: ``quotes``, ``extractive``, ``generative`` (llm) or
``declined``; ``core`` (Assistant) builds the Answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interview_qa.assistant import prompts
from interview_qa.assistant.conversation import Conversation
from interview_qa.assistant.llms import LLMConfigError
from interview_qa.assistant.results import (
    MODES,
    Answer,
    Citation,
    Credit,
    Filters,
    Passage,
    Quotation,
    QuoteCheck,
    Statement,
    Verification,
)
from interview_qa.assistant.verify import closest_span, find_verbatim, normalize

if TYPE_CHECKING:
    from interview_qa.assistant.core import AnswerError, Assistant
    from interview_qa.assistant.extractive import (
        Sentence,
        candidate_sentences,
        compose,
        score_sentences,
        select,
    )
    from interview_qa.assistant.plan import FilterError, UnknownSpeakerError

_LAZY = {
    "Assistant": "core",
    "AnswerError": "core",
    "FilterError": "plan",
    "UnknownSpeakerError": "plan",
    "Sentence": "extractive",
    "candidate_sentences": "extractive",
    "compose": "extractive",
    "score_sentences": "extractive",
    "select": "extractive",
}

__all__ = [
    "MODES",
    "Answer",
    "AnswerError",
    "Assistant",
    "Citation",
    "Conversation",
    "Credit",
    "FilterError",
    "Filters",
    "LLMConfigError",
    "Passage",
    "Quotation",
    "QuoteCheck",
    "Sentence",
    "Statement",
    "UnknownSpeakerError",
    "Verification",
    "candidate_sentences",
    "closest_span",
    "compose",
    "find_verbatim",
    "normalize",
    "prompts",
    "score_sentences",
    "select",
]


def __getattr__(name: str) -> Any:
    """Load the heavy parts of the public API on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
