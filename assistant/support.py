"""Does a passage support a statement? The offline judge behind llm-mode verification (each
sentence of a model's answer is shown only when the passages it cites support it) and behind the
evaluation's citation recall and precision.

Default scorer, :class:`LexicalEmbeddingScorer` (offline, deterministic, no extra model):

1. **Verbatim first.** The statement's quoted text, or the statement itself stripped of citation
   markers and its ``— G.`` credit, found in the passage after normalisation (whitespace and
   curly quotes, :func:`interview_qa.assistant.verify.find_verbatim`): supported.
2. Otherwise ``whole = 0.5 * recall + 0.5 * cosine`` where *recall* is the share of the
   statement's claim words (content words, lower-cased and Snowball-stemmed, less stopwords,
   initials, speech and reporting verbs such as "advises" or "according", and negations) that
   occur in the passage, and *cosine* is the cosine similarity of the statement and the passage
   under the embedder the index uses (all-MiniLM-L6-v2 by default; clipped at 0).
3. **Clause by clause.** A statement of several clauses (cut at commas, semicolons, colons,
   "and", "but", "while", "because"…; each with three claim words or more) is held to its
   weakest clause: ``score = min(whole, weakest + threshold - clause_threshold)``, so each
   clause must reach ``support.clause_threshold`` (**0.4**) on its own. An invented half ("…,
   and ran a certification program for them") scores 0.05-0.3 and sinks the sentence.
4. **Contradictions halve the score** (``support.contradiction_checks``): a word negated on one
   side only ("trust is not important" against "super important"; "you should shy away"
   against "Don't shy away"), an absolute word the passage lacks ("always", "every", "only",
   "impossible"), a number it lacks ("five years" against "two years"); see
   :mod:`interview_qa.assistant.support_cues`.

Supported when ``score >= support.threshold`` (**0.6**).

Measured (``python -m interview_qa.eval.judge``; eval/judge_pairs.jsonl, labelled pairs written
from the bundled corpus, see :mod:`interview_qa.eval.judge`): with MiniLM, on the 202 ``dev``
pairs it was designed on, false support 4/126 (3.2%) and false rejection 12/76 (15.8%); on the
66 held-out ``test`` pairs, written after it was frozen and measured once, 2/38 (5.3%) and
6/28 (21.4%); with EmbeddingGemma-300m, 3/126 and 8/76 on dev, 2/38 and 5/28 on test. The
first version (no 3-word clause floor; "do all you can" read as an absolute)
scored 5.3% and 31% on the first held-out set, now part of dev. The weights 0.5/0.5 and the
0.6 threshold were kept from before (a grid on dev found nothing clearly better); 0.4 sits
between the weakest clauses of supported sentences (≥ 0.4) and of invented ones (≤ 0.3).
Blind spots: antonyms without a negation word ("easy" for "extremely difficult", "little
autonomy" for "considerable autonomy", "rarely"), negations whose reach is a quoted thought,
numbers said another way ("eighteen months" for "a year and a half", rejected), and faithful
paraphrases that share few words (rejected). It is a proxy for entailment, not entailment: an
extractive answer's statements are verbatim quotes and never reach step 2.

An NLI model can replace step 2: :class:`NLIScorer` loads a sentence-transformers CrossEncoder
(e.g. an MNLI cross-encoder) from a **local folder**, the setting ``support.nli_model``
(``IQA_SUPPORT__NLI_MODEL``), never downloads, and scores the entailment probability (supported
at ≥ 0.5). Either scorer keeps at most ``support.cache_size`` vectors or scores in memory.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from interview_qa.assistant.support_cues import claim_recall, clauses, contradiction
from interview_qa.assistant.vectors import CachedVectors
from interview_qa.assistant.verify import find_verbatim, normalize
from interview_qa.ingest.settings import SupportSettings
from interview_qa.ingest.text import content_stems

if TYPE_CHECKING:
    from interview_qa.ingest import Embedder

#: Supported at or above this 0.5 * recall + 0.5 * cosine score (see the module docstring):
#: ``support.threshold``'s default.
SUPPORT_THRESHOLD: float = SupportSettings.default("threshold")
#: Each clause of a statement must reach this score: ``support.clause_threshold``'s default.
CLAUSE_THRESHOLD: float = SupportSettings.default("clause_threshold")
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


@dataclass(frozen=True)
class SupportParts:
    """How the lexical + embedding judge scored one statement against one passage."""

    #: Share of the statement's claim words found in the passage.
    recall: float
    #: Cosine of the statement and the passage (clipped at 0).
    cosine: float
    #: 0.5 * recall + 0.5 * cosine, of the whole statement.
    whole: float
    #: The weakest clause and its own 0.5 * recall + 0.5 * cosine (None: one clause only).
    clause: str | None
    clause_score: float | None
    #: Why the statement says what the passage doesn't (a negation, absolute or number the
    #: passage lacks), or None.
    contradiction: str | None
    #: The score: ``whole``, held to ``clause_score`` + (threshold - clause_threshold), halved
    #: on a contradiction.
    score: float


class LexicalEmbeddingScorer:
    """Claim-word recall + embedding cosine, clause by clause, with negation, absolute and
    number checks (see the module docstring)."""

    name = "lexical+embedding"

    def __init__(
        self,
        embedder: Embedder,
        threshold: float = SUPPORT_THRESHOLD,
        cache_size: int = CACHE_SIZE,
        *,
        clause_threshold: float = CLAUSE_THRESHOLD,
        checks: bool = True,
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.clause_threshold = clause_threshold
        self.checks = checks
        self.vectors = CachedVectors(lambda: embedder, cache_size)

    def describe(self) -> str:
        """What the scorer does, for reports."""
        checks = (
            "; a negation on one side only, or an absolute word or number the passage lacks, "
            "halves the score"
            if self.checks
            else ""
        )
        return (
            "Verbatim containment first (the statement's quoted text, or the statement without "
            "its citation markers and credit, found in the cited passage modulo whitespace and "
            "curly quotes); otherwise score = 0.5 × recall of the statement's stemmed claim "
            f"words in the passage + 0.5 × cosine under {self.embedder.name}, for the whole "
            f"statement and for each of its clauses (each clause must reach "
            f"{self.clause_threshold:g}){checks}; supported at ≥ {self.threshold:g} "
            "(a proxy for entailment; calibration in assistant/support.py, measured on "
            "eval/judge_pairs.jsonl)."
        )

    def cosine(self, a: str, b: str) -> float:
        """Cosine similarity of two texts under the embedder (its vectors are unit length)."""
        va, vb = self.vectors.embed([a, b])
        return float((va * vb).sum())

    def warm(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Embed, in one batch, every text that scoring these (statement, passage) pairs needs
        (statements, passages, clauses): a slow embedder pays its per-call cost once."""
        texts = [t for statement, passage in pairs for t in (statement, passage)]
        texts += [c for statement, _ in pairs for c in clauses(statement)]
        self.vectors.embed(list(dict.fromkeys(texts)))

    def _plain(self, statement: str, passage: str) -> tuple[float, float, float]:
        recall = claim_recall(statement, passage)
        cosine = max(self.cosine(statement, passage), 0.0)
        return recall, cosine, 0.5 * recall + 0.5 * cosine

    def parts(self, statement: str, passage: str) -> SupportParts:
        """The score of ``statement`` against ``passage`` and what it is made of."""
        recall, cosine, whole = self._plain(statement, passage)
        score = whole
        weakest: tuple[str, float] | None = None
        pieces = clauses(statement)
        if len(pieces) > 1:
            weakest = min(((c, self._plain(c, passage)[2]) for c in pieces), key=lambda x: x[1])
            score = min(score, weakest[1] + self.threshold - self.clause_threshold)
        reason = contradiction(statement, passage) if self.checks else None
        if reason:
            score *= 0.5
        return SupportParts(
            recall=recall,
            cosine=cosine,
            whole=whole,
            clause=weakest[0] if weakest else None,
            clause_score=weakest[1] if weakest else None,
            contradiction=reason,
            score=score,
        )

    def score(self, statement: str, passage: str) -> float:
        """The score of :meth:`parts`: supported at ``score >= threshold``."""
        return self.parts(statement, passage).score


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
    return LexicalEmbeddingScorer(
        embedder,
        threshold=cfg.threshold,
        cache_size=cfg.cache_size,
        clause_threshold=cfg.clause_threshold,
        checks=cfg.contradiction_checks,
    )
