"""Stage 3a, relevance: one component scores what retrieval found against the question, and
every later decision reads its scores.

After retrieval (a pool of ``rerank.pool`` passages), :class:`RelevanceStage` scores the pool's
quotable units against the question and re-ranks the pool, keeping the best
``retrieval.top_k``. Its :class:`Relevance` is what the gate (abstention), the extractive
composer (which units are quoted, heading matches) and the viewpoint line read: no later stage
computes a similarity of its own. Themes have no question: they cluster the embedder's stored
vectors, and a configured cross-encoder (:func:`pair_scorer_for`) reads each passage against
its theme's label to choose the theme's quotes. The scorer is a setting (``rerank.kind``):

* ``none`` (default): the embedder's cosines (read from the unit vectors ingest stored: a
  question costs one query embedding) and retrieval's own order;
* ``embedder``: the same cosines, and a pool of ``rerank.pool`` passages re-ranked by reciprocal
  rank fusion of retrieval's order with the order of their best units;
* ``cross-encoder``: a sentence-transformers ``CrossEncoder`` folder (``rerank.model_dir``)
  scores each (question, unit) pair; its probability moves the unit's cosine by up to
  ±``rerank.cross_encoder_weight``/2 (the thresholds stay on the cosine scale), and the pool is
  re-ranked as for ``embedder``.

Thresholds (``retrieval.min_similarity``, ``answer.min_sentence_similarity``, margins) are on the
embedder's cosine scale; check another model's with ``interview-qa eval --embedding-model DIR``
(README, *Choosing the embedding model*). The stage is also a llama-index ``BaseNodePostprocessor``
(:class:`RelevancePostprocessor`), for pipelines built from nodes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle

from interview_qa.ingest import InterviewQAError

if TYPE_CHECKING:
    from interview_qa.assistant.results import Passage
    from interview_qa.ingest.embedder import EmbedKind
    from interview_qa.ingest.settings import RerankSettings

#: Embeds texts as questions (``"query"``) or passages (``"document"``).
EmbedFn = Callable[[Sequence[str], "EmbedKind"], np.ndarray]


#: Cross-encoder scores kept in memory: a few questions' pools.
PAIR_CACHE = 4096


class RerankModelError(InterviewQAError):
    """The configured reranker can't be used (no such folder, not a CrossEncoder)."""


class PairScorer(Protocol):
    """Scores (question, text) pairs: higher is more relevant."""

    name: str

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One score per pair."""
        ...


class CrossEncoderScorer:
    """A sentence-transformers CrossEncoder with one output (a relevance score; sigmoid applied
    by sentence-transformers), read from a folder, or from the hub only with the opt-in."""

    def __init__(self, cfg: RerankSettings) -> None:
        from interview_qa.ingest import offline_environment

        if cfg.model_dir is None:
            raise RerankModelError(
                "rerank.kind=cross-encoder needs IQA_RERANK__MODEL_DIR, a sentence-transformers "
                "CrossEncoder folder"
            )
        folder = Path(cfg.model_dir).expanduser()
        local = folder.is_dir()
        if not local and not cfg.allow_download:
            raise RerankModelError(
                f"IQA_RERANK__MODEL_DIR={cfg.model_dir}: no such folder; name a CrossEncoder "
                "folder, or set IQA_RERANK__ALLOW_DOWNLOAD=true to download it from the hub"
            )
        if local:
            offline_environment()
            _check_classifier(folder)
        from sentence_transformers import CrossEncoder

        location = str(folder) if local else str(cfg.model_dir)
        try:
            self.model: Any = CrossEncoder(location, device="cpu", local_files_only=local)
        except Exception as exc:  # a folder that is not such a model
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise RerankModelError(f"{location}: not a CrossEncoder that loads ({detail})") from exc
        labels = int(getattr(self.model.model.config, "num_labels", 1) or 1)
        if labels != 1:
            raise RerankModelError(
                f"{location}: a CrossEncoder with {labels} outputs; a reranker has one "
                "(a relevance score)"
            )
        self.name = folder.name if local else str(cfg.model_dir)
        self.batch_size = cfg.batch_size
        self._lock = threading.Lock()
        #: The last PAIR_CACHE pairs' scores (a question scores its pool, then what goes on).
        self._scores: OrderedDict[tuple[str, str], float] = OrderedDict()

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The relevance of each (question, text) pair, in [0, 1]; pairs scored recently are
        not scored again."""
        with self._lock:
            missing = list(dict.fromkeys(p for p in pairs if p not in self._scores))
            if missing:
                scores = self.model.predict(
                    missing, batch_size=self.batch_size, show_progress_bar=False
                )
                flat = np.asarray(scores, dtype=np.float32).reshape(len(missing))
                self._scores.update(zip(missing, (float(x) for x in flat), strict=True))
            out = []
            for pair in pairs:
                self._scores.move_to_end(pair)
                out.append(self._scores[pair])
            while len(self._scores) > PAIR_CACHE:
                self._scores.popitem(last=False)
        return np.asarray(out, dtype=np.float32)


def cross_encoder_shift(probabilities: np.ndarray, weight: float) -> np.ndarray:
    """How far a cross-encoder's probabilities move cosines: (p - 0.5) × ``weight``, so that
    the thresholds stay on the cosine scale (``rerank.cross_encoder_weight``)."""
    return (np.asarray(probabilities, dtype=np.float32) - 0.5) * weight


def pair_scorer_for(cfg: RerankSettings) -> PairScorer | None:
    """The configured cross-encoder (loaded now), or None unless ``rerank.kind`` is
    ``cross-encoder``; for a caller without an :class:`Assistant` (the themes command)."""
    return CrossEncoderScorer(cfg) if cfg.kind == "cross-encoder" else None


def _check_classifier(folder: Path) -> None:
    """Refuse a folder whose model is not a sequence classifier (an embedding model would load
    as a CrossEncoder with a new, random head)."""
    import json

    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RerankModelError(f"{folder}: no readable config.json ({exc})") from exc
    architectures = config.get("architectures") or []
    if architectures and not any(a.endswith("ForSequenceClassification") for a in architectures):
        raise RerankModelError(
            f"{folder}: a {architectures[0]}, not a CrossEncoder (a sequence classifier)"
        )


@dataclass(frozen=True)
class Relevance:
    """One question's relevance scores, on the reference scale (see the module docstring)."""

    #: Each unit's score against the question asked of the speakers' words (with its focus).
    units: np.ndarray
    #: Each unit's score against the question alone (speakers' names aside, no focus): the
    #: gate's reading.
    query_units: np.ndarray
    #: Each heading the passages answer → its score against the question.
    headings: Mapping[str, float]
    #: Passage id → its own (dense) score against the question.
    passages: Mapping[str, float]
    #: What scored the units: ``embedder``, ``cross-encoder:<name>`` or ``none``.
    scorer: str = "embedder"

    def passage(self, passage: Passage) -> float:
        """The score of ``passage`` itself (0 when it was not scored)."""
        return self.passages.get(passage.id, 0.0)


class RelevanceStage:
    """Scores a question's candidates (see the module docstring). Thread-safe; a cross-encoder
    is loaded once, on first use. ``embed`` embeds texts as questions or passages."""

    def __init__(self, cfg: RerankSettings, embed: EmbedFn) -> None:
        self.cfg = cfg
        self.kind = cfg.kind
        self.embed = embed
        self._lock = threading.Lock()
        self._pairs: PairScorer | None = None

    def pool(self, top_k: int) -> int:
        """How many passages to retrieve for the stage to choose ``top_k`` from."""
        return top_k if self.kind == "none" else max(top_k, self.cfg.pool)

    def pair_scorer(self) -> PairScorer | None:
        """The cross-encoder, for ``kind=cross-encoder`` (loaded once)."""
        if self.kind != "cross-encoder":
            return None
        with self._lock:
            if self._pairs is None:
                self._pairs = CrossEncoderScorer(self.cfg)
            return self._pairs

    def score(
        self,
        question: str,
        units: Sequence[str],
        cosines: np.ndarray,
        query_cosines: np.ndarray,
        headings: Mapping[str, float],
        passages: Mapping[str, float],
    ) -> Relevance:
        """The scores of one question's units (``cosines``: their cosines to the question, with
        its focus; ``query_cosines``: to the question alone), headings and passages."""
        unit_scores, query_scores = np.asarray(cosines), np.asarray(query_cosines)
        scorer: str = self.kind
        model = self.pair_scorer()
        if model is not None and len(units):
            shift = cross_encoder_shift(
                model.predict([(question, u) for u in units]), self.cfg.cross_encoder_weight
            )
            unit_scores, query_scores = unit_scores + shift, query_scores + shift
            scorer = f"cross-encoder:{model.name}"
        return Relevance(
            units=_frozen(unit_scores),
            query_units=_frozen(query_scores),
            headings=dict(headings),
            passages=dict(passages),
            scorer=scorer,
        )

    def order(
        self, passages: Sequence[Passage], relevance: Relevance, unit_passages: Sequence[str]
    ) -> list[Passage]:
        """``passages`` re-ranked: reciprocal rank fusion (``retrieval.rrf_k``) of their order as
        retrieved with their order by best unit (their own score, or their heading's, when
        higher); retrieval's order for ``kind=none``."""
        if self.kind == "none":
            return list(passages)
        best: dict[str, float] = {}
        for pid, score in zip(unit_passages, relevance.units, strict=True):
            best[pid] = max(best.get(pid, -1.0), float(score))
        by_units = sorted(
            range(len(passages)),
            key=lambda i: (-max(best.get(passages[i].id, -1.0), relevance.passage(passages[i])), i),
        )
        unit_rank = {i: r for r, i in enumerate(by_units)}
        k = self.cfg.rrf_k
        fused = sorted(
            range(len(passages)), key=lambda i: (-(1 / (k + i + 1) + 1 / (k + unit_rank[i] + 1)), i)
        )
        return [passages[i] for i in fused]


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=np.float32)
    array.setflags(write=False)
    return array


class RelevancePostprocessor(BaseNodePostprocessor):
    """The relevance stage as a llama-index node postprocessor: nodes re-scored by the stage's
    scorer against the query (their text as one unit; cosines from the node embeddings when the
    scorer is the embedder) and sorted best first, ``top_n`` kept."""

    top_n: int = Field(default=10, ge=1, description="Nodes kept.")
    _stage: RelevanceStage = PrivateAttr()

    def __init__(self, stage: RelevanceStage, top_n: int = 10) -> None:
        super().__init__(top_n=top_n)
        self._stage = stage

    @classmethod
    def class_name(cls) -> str:
        """Name used by llama-index serialisation."""
        return "RelevancePostprocessor"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        if query_bundle is None or not nodes:
            return nodes[: self.top_n]
        texts = [n.node.get_content() for n in nodes]
        query = query_bundle.query_str
        qvec = self._stage.embed([query], "query")[0]
        cosines = self._stage.embed(texts, "document") @ qvec
        rel = self._stage.score(query, texts, cosines, cosines, {}, {})
        ranked = sorted(zip(rel.units, nodes, strict=True), key=lambda sn: -float(sn[0]))
        return [NodeWithScore(node=n.node, score=float(s)) for s, n in ranked[: self.top_n]]
