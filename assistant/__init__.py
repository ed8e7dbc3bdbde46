"""The assistant: hybrid retrieval over the index and grounded answers cited by speaker.

Public API (what the UI and the evaluation use): ``Assistant``, the typed results (``Answer``,
``Statement``, ``Quotation``, ``Credit``, ``Passage``, ``Citation``, ``Verification``,
``Filters``, ``MODES``), ``prompts``, the quote helpers ``find_verbatim``/``closest_span``/
``normalize``, ``streaming`` (tokens of an llm answer as they come), the support judge
(``SupportScorer``, ``make_scorer``, ``supports``…, shared by llm-mode verification and the
evaluation), the errors, the extractive composer's parts (the first line's viewpoints:
``viewpoint``, ``fragment_reason``, ``read_viewpoints``), and themes (``find_themes``,
``write_theme_outputs``, ``ThemeReport``…, with ``pair_scorer_for``, the configured
cross-encoder, reading their quotes; how a summary relates to them is the evaluation's
business, ``interview_qa.eval.summary_themes``). The heavy parts (the Assistant and what it
imports) load on first use, so importing ``prompts`` or the result types stays instant.

The answer path, stage by stage: ``plan`` (QueryPlan) → ``evidence`` (EvidenceBuilder:
``retrieval``'s PassageRetriever, ``candidates``, ``gate``'s Gate → one frozen Evidence) → the
first composer that answers: ``quotes``, ``declined``, ``llm_answer`` (llm, over ``llm_compose``:
``generation`` bounds the model, ``llm_check`` verifies its sentences) or ``extractive``;
``core`` (Assistant) builds the Answer.
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
from interview_qa.assistant.support import (
    NLI_THRESHOLD,
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
from interview_qa.ingest.text import STOPWORDS

if TYPE_CHECKING:
    from interview_qa.assistant.candidates import Sentence, candidate_sentences
    from interview_qa.assistant.core import AnswerError, Assistant
    from interview_qa.assistant.extractive import compose, score_sentences, select
    from interview_qa.assistant.generation import streaming
    from interview_qa.assistant.llm_check import asked_words, passage_support
    from interview_qa.assistant.plan import FilterError, UnknownSpeakerError
    from interview_qa.assistant.relevance import pair_scorer_for
    from interview_qa.assistant.statements import read_statements
    from interview_qa.assistant.theme_clusters import cluster
    from interview_qa.assistant.theme_model import (
        SpeakerThemes,
        Theme,
        ThemeError,
        ThemeQuote,
        ThemeReport,
        Unit,
    )
    from interview_qa.assistant.theme_outputs import digest_markdown, heatmap_figure
    from interview_qa.assistant.theme_outputs import write_outputs as write_theme_outputs
    from interview_qa.assistant.themes import find_themes, is_interviewee, parse_theme_count
    from interview_qa.assistant.viewpoints import fragment_reason, read_viewpoints, viewpoint

_LAZY = {
    "Assistant": "core",
    "AnswerError": "core",
    "FilterError": "plan",
    "UnknownSpeakerError": "plan",
    "Sentence": "candidates",
    "candidate_sentences": "candidates",
    "compose": "extractive",
    "score_sentences": "extractive",
    "select": "extractive",
    "cluster": "theme_clusters",
    "SpeakerThemes": "theme_model",
    "Theme": "theme_model",
    "ThemeError": "theme_model",
    "ThemeQuote": "theme_model",
    "ThemeReport": "theme_model",
    "Unit": "theme_model",
    "find_themes": "themes",
    "pair_scorer_for": "relevance",
    "is_interviewee": "themes",
    "parse_theme_count": "themes",
    "digest_markdown": "theme_outputs",
    "heatmap_figure": "theme_outputs",
    "write_theme_outputs": "theme_outputs",
    "streaming": "generation",
    "asked_words": "llm_check",
    "passage_support": "llm_check",
    "read_statements": "statements",
    "fragment_reason": "viewpoints",
    "read_viewpoints": "viewpoints",
    "viewpoint": "viewpoints",
}
#: Public names whose attribute in their module is spelt otherwise.
_RENAMED = {"write_theme_outputs": "write_outputs"}

__all__ = [
    "MODES",
    "NLI_THRESHOLD",
    "STOPWORDS",
    "SUPPORT_THRESHOLD",
    "Answer",
    "AnswerError",
    "Assistant",
    "Citation",
    "Conversation",
    "Credit",
    "FilterError",
    "Filters",
    "LLMConfigError",
    "LexicalEmbeddingScorer",
    "NLIScorer",
    "Passage",
    "Quotation",
    "QuoteCheck",
    "Sentence",
    "SpeakerThemes",
    "Statement",
    "SupportScorer",
    "Theme",
    "ThemeError",
    "ThemeQuote",
    "ThemeReport",
    "Unit",
    "UnknownSpeakerError",
    "Verification",
    "asked_words",
    "candidate_sentences",
    "closest_span",
    "cluster",
    "compose",
    "content_words",
    "digest_markdown",
    "find_themes",
    "find_verbatim",
    "fragment_reason",
    "heatmap_figure",
    "is_interviewee",
    "lexical_recall",
    "make_scorer",
    "nli_model_dir",
    "normalize",
    "pair_scorer_for",
    "parse_theme_count",
    "passage_support",
    "prompts",
    "read_statements",
    "read_viewpoints",
    "score_sentences",
    "select",
    "streaming",
    "supports",
    "verbatim_support",
    "viewpoint",
    "write_theme_outputs",
]


def __getattr__(name: str) -> Any:
    """Load the heavy parts of the public API on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), _RENAMED.get(name, name))
