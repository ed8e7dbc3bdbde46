"""Does a passage support a statement? The offline judge behind llm-mode verification (each
sentence of a model's answer is shown only when the passages it cites support it) and behind the
evaluation's citation recall and precision.

Default scorer, :class:`LexicalEmbeddingScorer` (offline, deterministic, no extra model):

1. **Verbatim first.** The statement's quoted text, or the statement itself stripped of citation
   markers and its ``— G.`` credit, found in the passage after normalisation (whitespace and
   curly quotes, :func:`interview_qa.assistant.verify.find_verbatim`): supported.
2. Otherwise ``score = 0.5 * lexical + 0.5 * cosine`` where *lexical* is the share of the
   statement's content words (lower-cased, stopwords, speech verbs and initials dropped,
   Snowball-stemmed) that occur in the passage, and *cosine* is the cosine similarity of the
   statement and the passage under the same all-MiniLM-L6-v2 model the index uses (clipped at
   0). Supported when ``score >= SUPPORT_THRESHOLD`` (**0.6**).

Why 0.6: on a probe of 16 hand-written statements about corpus passages (7 faithful
paraphrases, 9 unsupported: other topics, wrong claims, contradictions), 0.6 sorted 12 right,
better than 0.55 or 0.65. Faithful paraphrases that reuse the passage's words score 0.6-0.9;
statements on another topic score 0.05-0.35. Its blind spots: a paraphrase that shares few
words (0.45-0.55, judged unsupported) and a negation that shares all of them ("N. says trust is
not important", 0.78, judged supported). It is a proxy for entailment, not entailment: an
extractive answer's statements are verbatim quotes and never reach step 2; for llm-mode answers
plug in an NLI model.

An NLI model can replace step 2: :class:`NLIScorer` loads a sentence-transformers CrossEncoder
(e.g. an MNLI cross-encoder) from a **local folder**, the setting ``support.nli_model``
(``IQA_SUPPORT__NLI_MODEL``), never downloads, and scores the entailment probability (supported
at ≥ 0.5). Either scorer keeps at most ``support.cache_size`` vectors or scores in memory.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from interview_qa.assistant.vectors import CachedVectors
from interview_qa.assistant.verify import find_verbatim, normalize
from interview_qa.ingest.settings import SupportSettings
from interview_qa.ingest.text import content_stems

if TYPE_CHECKING:
    from interview_qa.ingest import Embedder

#: Supported at or above this 0.5 * lexical + 0.5 * cosine score (see the module docstring).
SUPPORT_THRESHOLD = 0.6
#: Entailment probability at or above which the NLI scorer calls a statement supported.
NLI_THRESHOLD = 0.5
#: Vectors or scores a scorer keeps when built without settings: ``support.cache_size``'s default.
CACHE_SIZE: int = SupportSettings.default("cache_size")


def content_words(text: str) -> set[str]:
    """The statement's topic-bearing words, Snowball-stemmed ("skills" = "skill"): the
    content words of :func:`interview_qa.ingest.text.content_words`, quotes straightened."""
    return content_stems(normalize(text))


def lexical_recall(statement: str, passage: str) -> float:
    """Share of the statement's content words that occur in the passage (1.0 when it has none)."""
    wanted = content_words(statement)
    if not wanted:
        return 1.0
    have = content_words(passage)
    return len(wanted & have) / len(wanted)


@runtime_checkable
class SupportScorer(Protocol):
    """Scores how well a passage supports a statement; supported at ``score >= threshold``."""

    name: str
    threshold: float

    def describe(self) -> str:
        """One paragraph for reports: what the scorer does and its threshold."""
        ...

    def score(self, statement: str, passage: str) -> float:
        """Support of ``statement`` by ``passage``, higher is better."""
        ...


def verbatim_support(statement: str, quoted: Sequence[str], passage: str) -> bool:
    """Step 1: the statement's quoted text, or the bare statement, lies verbatim in the passage."""
    quotes = [q for q in quoted if q.strip()]
    if quotes and all(find_verbatim(q, passage) is not None for q in quotes):
        return True
    return bool(statement.strip()) and find_verbatim(statement, passage) is not None


def supports(
    scorer: SupportScorer, statement: str, quoted: Sequence[str], passages: Sequence[str]
) -> bool:
    """Whether ``passages`` (together) support the statement: verbatim in one of them, else the
    scorer's score against their concatenation reaches its threshold."""
    if not passages:
        return False
    if any(verbatim_support(statement, quoted, p) for p in passages):
        return True
    return scorer.score(statement, "\n".join(passages)) >= scorer.threshold


class LexicalEmbeddingScorer:
    """0.5 * lexical token recall + 0.5 * MiniLM cosine (see the module docstring)."""

    name = "lexical+embedding"

    def __init__(
        self,
        embedder: Embedder,
        threshold: float = SUPPORT_THRESHOLD,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.vectors = CachedVectors(lambda: embedder, cache_size)

    def describe(self) -> str:
        """What the scorer does, for reports."""
        return (
            "Verbatim containment first (the statement's quoted text, or the statement without "
            "its citation markers and credit, found in the cited passage modulo whitespace and "
            "curly quotes); otherwise score = 0.5 × lexical recall of the statement's stemmed "
            f"content words in the passage + 0.5 × MiniLM cosine ({self.embedder.name}), "
            f"supported at ≥ {self.threshold:g} (a proxy for entailment, blind to negation; "
            "calibration in assistant/support.py)."
        )

    def cosine(self, a: str, b: str) -> float:
        """Cosine similarity of two texts under the embedder (its vectors are unit length)."""
        va, vb = self.vectors.embed([a, b])
        return float((va * vb).sum())

    def score(self, statement: str, passage: str) -> float:
        """0.5 * lexical recall + 0.5 * max(cosine, 0)."""
        lexical = lexical_recall(statement, passage)
        return 0.5 * lexical + 0.5 * max(self.cosine(statement, passage), 0.0)


class NLIScorer:
    """Entailment probability from a local sentence-transformers CrossEncoder NLI model.

    The model is read from ``model_dir`` only (``local_files_only``); nothing is downloaded.
    The entailment label is found in the model config's ``id2label``.
    """

    name = "nli"

    def __init__(
        self, model_dir: Path, threshold: float = NLI_THRESHOLD, cache_size: int = CACHE_SIZE
    ) -> None:
        from interview_qa.ingest import offline_environment

        model_dir = Path(model_dir)
        if not model_dir.is_dir():
            raise FileNotFoundError(f"{model_dir}: no such NLI model folder")
        offline_environment()
        from sentence_transformers import CrossEncoder

        self.model_dir = model_dir
        self.threshold = threshold
        self.model: Any = CrossEncoder(str(model_dir), local_files_only=True)
        labels = getattr(self.model.model.config, "id2label", {}) or {}
        matches = [int(i) for i, label in labels.items() if "entail" in str(label).lower()]
        self.entail = matches[0] if matches else (1 if len(labels) == 3 else 0)
        self._entailment = lru_cache(maxsize=cache_size)(self._predict)

    def describe(self) -> str:
        """What the scorer does, for reports."""
        return (
            "Verbatim containment first; otherwise the entailment probability of the statement "
            f"given the passage under the NLI cross-encoder in {self.model_dir}, supported at "
            f"≥ {self.threshold:g}."
        )

    def score(self, statement: str, passage: str) -> float:
        """Entailment probability of ``statement`` given ``passage`` (the last
        ``cache_size`` pairs are kept)."""
        return self._entailment(passage, statement)

    def _predict(self, passage: str, statement: str) -> float:
        logits = self.model.predict([(passage, statement)], apply_softmax=False)[0]
        values = [float(x) for x in (logits if hasattr(logits, "__len__") else [logits])]
        if len(values) == 1:  # one-label models already end in a sigmoid
            return values[0]
        top = max(values)
        exps = [math.exp(v - top) for v in values]
        return exps[self.entail] / sum(exps)


def nli_model_dir(folder: Path | None) -> Path | None:
    """The NLI model folder to use (``support.nli_model``), ``~`` expanded; None unless it is
    an existing folder."""
    if folder is None:
        return None
    path = Path(folder).expanduser()
    return path if path.is_dir() else None


def make_scorer(embedder: Embedder, cfg: SupportSettings) -> SupportScorer:
    """The support judge the ``support`` settings name: the NLI scorer when ``nli_model`` is an
    existing local folder, else the lexical+embedding scorer over ``embedder``; either keeps
    ``cache_size`` vectors or scores."""
    folder = nli_model_dir(cfg.nli_model)
    if folder is not None:
        return NLIScorer(folder, cache_size=cfg.cache_size)
    return LexicalEmbeddingScorer(embedder, cache_size=cfg.cache_size)
