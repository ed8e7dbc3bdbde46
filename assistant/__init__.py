"""The assistant: hybrid retrieval over the index and grounded answers cited by speaker.

Public API (what the UI and the evaluation use): ``Assistant``, ``Answer``, ``Passage``,
``Citation``, ``Verification``, ``Filters``, ``stream_text``, ``prompts``, the quote helpers
``find_verbatim``/``closest_span``/``normalize``, and the extractive composer's parts. The
heavy parts (the Assistant and what it imports) load on first use, so importing ``prompts`` or
the result types stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interview_qa.assistant import prompts
from interview_qa.assistant.llms import LLMConfigError
from interview_qa.assistant.results import (
    Answer,
    Citation,
    Filters,
    Passage,
    QuoteCheck,
    Verification,
)
from interview_qa.assistant.verify import closest_span, find_verbatim, normalize

if TYPE_CHECKING:
    from interview_qa.assistant.core import (
        Assistant,
        FilterError,
        UnknownSpeakerError,
        stream_text,
    )
    from interview_qa.assistant.extractive import (
        Sentence,
        candidate_sentences,
        compose,
        score_sentences,
        select,
    )

_LAZY = {
    "Assistant": "core",
    "FilterError": "core",
    "UnknownSpeakerError": "core",
    "stream_text": "core",
    "Sentence": "extractive",
    "candidate_sentences": "extractive",
    "compose": "extractive",
    "score_sentences": "extractive",
    "select": "extractive",
}

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "FilterError",
    "Filters",
    "LLMConfigError",
    "Passage",
    "QuoteCheck",
    "Sentence",
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
    "stream_text",
]


def __getattr__(name: str) -> Any:
    """Load the heavy parts of the public API on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
