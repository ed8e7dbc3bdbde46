"""The assistant: hybrid retrieval over the index and grounded answers cited by speaker.

Public API (what the UI and the evaluation use): ``Assistant``, ``Answer``, ``Passage``,
``Citation``, ``Verification`` (with each ``Statement`` of an llm answer), ``Filters``,
``stream_text``, ``streaming`` (tokens of an llm answer as they come), ``prompts``, the quote
helpers ``find_verbatim``/``closest_span``/``normalize``, the support judge (``SupportScorer``,
``make_scorer``, ``supports``…, shared by llm-mode verification and the evaluation), and the
extractive composer's parts. The
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
    Statement,
    Verification,
)
from interview_qa.assistant.support import (
    NLI_ENV,
    NLI_THRESHOLD,
    STOPWORDS,
    SUPPORT_THRESHOLD,
    LexicalEmbeddingScorer,
    NLIScorer,
    SupportScorer,
    content_words,
    lexical_recall,
    make_scorer,
    nli_model_dir,
    supports,
    verbatim_support,
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
    from interview_qa.assistant.llm_compose import streaming

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
    "streaming": "llm_compose",
}

__all__ = [
    "NLI_ENV",
    "NLI_THRESHOLD",
    "STOPWORDS",
    "SUPPORT_THRESHOLD",
    "Answer",
    "Assistant",
    "Citation",
    "FilterError",
    "Filters",
    "LLMConfigError",
    "LexicalEmbeddingScorer",
    "NLIScorer",
    "Passage",
    "QuoteCheck",
    "Sentence",
    "Statement",
    "SupportScorer",
    "UnknownSpeakerError",
    "Verification",
    "candidate_sentences",
    "closest_span",
    "compose",
    "content_words",
    "find_verbatim",
    "lexical_recall",
    "make_scorer",
    "nli_model_dir",
    "normalize",
    "prompts",
    "score_sentences",
    "select",
    "stream_text",
    "streaming",
    "supports",
    "verbatim_support",
]


def __getattr__(name: str) -> Any:
    """Load the heavy parts of the public API on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
