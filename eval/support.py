"""The support judge of the citation metrics. It lives in the assistant, which uses the same
scorer to verify llm-mode answers sentence by sentence; see :mod:`interview_qa.assistant.support`
for what it does and how its threshold was calibrated."""

from __future__ import annotations

from interview_qa.assistant import (
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

__all__ = [
    "NLI_ENV",
    "NLI_THRESHOLD",
    "STOPWORDS",
    "SUPPORT_THRESHOLD",
    "LexicalEmbeddingScorer",
    "NLIScorer",
    "SupportScorer",
    "content_words",
    "lexical_recall",
    "make_scorer",
    "nli_model_dir",
    "supports",
    "verbatim_support",
]
