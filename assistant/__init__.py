"""The assistant: hybrid retrieval over the index and grounded answers cited by speaker.

Public API (what the UI and the evaluation use): ``Assistant``, ``Answer``, ``Passage``,
``Citation``, ``Verification``, ``Filters``, ``stream_text``, ``prompts``.
"""

from __future__ import annotations

from interview_qa.assistant import prompts
from interview_qa.assistant.core import Assistant, UnknownSpeakerError, stream_text
from interview_qa.assistant.llms import LLMConfigError
from interview_qa.assistant.results import (
    Answer,
    Citation,
    Filters,
    Passage,
    QuoteCheck,
    Verification,
)

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "Filters",
    "LLMConfigError",
    "Passage",
    "QuoteCheck",
    "UnknownSpeakerError",
    "Verification",
    "prompts",
    "stream_text",
]
