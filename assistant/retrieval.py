"""Stage 2, retrieval: dense (Chroma) and BM25 results fused by reciprocal rank, with metadata
filters, duplicate passages dropped and a per-speaker cap so one speaker's passages can't crowd
out the others. Each :class:`~interview_qa.assistant.results.Passage` keeps its fused, dense and
lexical scores.

Everything is a llama-index component composed through public APIs: the dense retriever is
``VectorStoreIndex.as_retriever``, the lexical one ``BM25Retriever``, the fusion a
``BaseRetriever`` that keys on chunk ids (the content hash differs between the dense and BM25
copies of a chunk, so ``QueryFusionRetriever`` can't fuse them), and the dedupe and cap are
``BaseNodePostprocessor``s. Retrievers are built once per index and filter set.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from interview_qa.assistant.results import Filters, Passage
from interview_qa.assistant.topic import TopicTest, path_aspects
from interview_qa.ingest import Settings
from interview_qa.ingest.settings import RetrievalSettings
from interview_qa.ingest.store import store_failures, unavailable
from interview_qa.ingest.units import heading as heading_of_chunk

if TYPE_CHECKING:
    from llama_index.core import VectorStoreIndex
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from interview_qa.ingest import Index

DENSE, LEXICAL, HEADING = "dense", "lexical", "heading"
#: Embeds texts (the assistant's cached question-time embedder).
EmbedFn = Callable[[Sequence[str]], np.ndarray]


def metadata_filters(filters: Filters) -> MetadataFilters | None:
    """Filters as llama-index MetadataFilters on the chunk metadata (speaker, kind, doc_id)."""
    parts: list[MetadataFilter | MetadataFilters] = []
    for key, values in (
        ("speaker", filters.speakers),
        ("kind", filters.kinds),
        ("doc_id", filters.sources),
    ):
        if values:
            parts.append(MetadataFilter(key=key, value=list(values), operator=FilterOperator.IN))
    return MetadataFilters(filters=parts) if parts else None


def matches(meta: dict[str, Any], filters: Filters) -> bool:
    """Whether chunk metadata passes ``filters``."""
    return (
        (not filters.speakers or meta.get("speaker") in filters.speakers)
        and (not filters.kinds or meta.get("kind") in filters.kinds)
        and (not filters.sources or meta.get("doc_id") in filters.sources)
    )


class FusedNode(NodeWithScore):
    """A fused result: ``score`` is the reciprocal-rank score; ``scores`` what each retriever
    gave it (absent where that retriever did not find it)."""

    scores: dict[str, float] = Field(default_factory=dict)


class RankFusionRetriever(BaseRetriever):
    """Reciprocal rank fusion of named retrievers, keyed by chunk id, then postprocessors."""

    def __init__(
        self,
        retrievers: dict[str, BaseRetriever],
        rrf_k: int,
        postprocessors: list[BaseNodePostprocessor],
    ) -> None:
        super().__init__()
        self.retrievers = retrievers
        self.rrf_k = rrf_k
        self.postprocessors = postprocessors

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        fused: dict[str, FusedNode] = {}
        for name, retriever in self.retrievers.items():
            hits = retriever.retrieve(query_bundle)
            ranked = sorted(hits, key=lambda h: h.score or 0.0, reverse=True)
            for rank, hit in enumerate(ranked):
                node = fused.setdefault(hit.node.node_id, FusedNode(node=hit.node, score=0.0))
                node.score = (node.score or 0.0) + 1.0 / (rank + 1 + self.rrf_k)
                node.scores[name] = float(hit.score or 0.0)
        out: list[NodeWithScore] = sorted(
            fused.values(), key=lambda n: (-(n.score or 0.0), n.node.node_id)
        )
        for post in self.postprocessors:
            out = post.postprocess_nodes(out, query_bundle=query_bundle)
        return out


class DropRepeats(BaseNodePostprocessor):
    """Drops passages whose text (case and spacing aside) repeats a better-ranked one."""

    @classmethod
    def class_name(cls) -> str:
        """Name used by llama-index serialisation."""
        return "DropRepeats"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        seen: set[str] = set()
        out = []
        for hit in nodes:
            key = " ".join(hit.node.get_content().lower().split())
            if key not in seen:
                seen.add(key)
                out.append(hit)
        return out


class SpeakerCap(BaseNodePostprocessor):
    """At most ``cap`` passages per speaker first; the rest follow (they fill any gap)."""

    cap: int = Field(default_factory=lambda: RetrievalSettings.default("per_speaker_cap"))

    @classmethod
    def class_name(cls) -> str:
        """Name used by llama-index serialisation."""
        return "SpeakerCap"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        taken: Counter[str] = Counter()
        first, rest = [], []
        for hit in nodes:
            speaker = str(hit.node.metadata.get("speaker"))
            if taken[speaker] < self.cap:
                taken[speaker] += 1
                first.append(hit)
            else:
                rest.append(hit)
        return first + rest


class FilteredBM25(BaseRetriever):
    """llama-index's BM25Retriever over the index's shared bm25s index, restricted by filters;
    an empty result (rather than bm25s' ValueError) when everything is filtered out."""

    def __init__(self, base: Any, filters: Filters, top_k: int) -> None:
        from llama_index.retrievers.bm25 import BM25Retriever

        super().__init__()
        self.filters = filters
        self.retriever = BM25Retriever(
            existing_bm25=base.bm25,
            similarity_top_k=min(top_k, len(base.corpus)),
            filters=metadata_filters(filters),
        )

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        if not any(ch.isalnum() for ch in query_bundle.query_str):
            return []
        try:
            hits = self.retriever.retrieve(query_bundle)
        except ValueError:
            # bm25s raises when every document is filtered out, or the query has no terms.
            return []
        return [h for h in hits if (h.score or 0.0) > 0 and matches(h.node.metadata, self.filters)]


class HeadingRetriever(BaseRetriever):
    """Chunks under the headings most similar to the question: the interviewer's question a turn
    answers, a written interview's question heading, a summary section's title. A user's
    question is matched against the question it resembles (MiniLM's strength), and the answer
    that follows that heading is what comes back."""

    def __init__(
        self,
        nodes: Sequence[Any],
        filters: Filters,
        top_k: int,
        embed: EmbedFn,
        min_similarity: float,
    ) -> None:
        super().__init__()
        groups: dict[str, list[Any]] = defaultdict(list)
        for node in nodes:
            heading = heading_of_chunk(
                str(node.metadata.get("section", "")), str(node.metadata.get("question", ""))
            )
            if heading and matches(node.metadata, filters):
                groups[heading].append(node)
        self.headings = list(groups)
        self.groups = groups
        self.vectors = embed(self.headings) if self.headings else None
        self.top_k = top_k
        self.min_similarity = min_similarity

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        if self.vectors is None or query_bundle.embedding is None:
            return []
        sims = self.vectors @ np.asarray(query_bundle.embedding, dtype=np.float32)
        out: list[NodeWithScore] = []
        for i in np.argsort(-sims):
            if sims[i] < self.min_similarity or len(out) >= self.top_k:
                break
            out += [
                NodeWithScore(node=n, score=float(sims[i])) for n in self.groups[self.headings[i]]
            ]
        return out[: self.top_k]


class AspectRetriever(BaseRetriever):
    """Chunks whose section or interviewer question speaks to the aspect a question asks about
    (what is hard, what is rewarding), by dense similarity: "What is the hardest part?" finds
    the "Challenges" section although it shares no word with it."""

    def __init__(
        self,
        nodes: Sequence[Any],
        filters: Filters,
        aspects: frozenset[str],
        index: Index,
        top_k: int,
    ) -> None:
        super().__init__()
        self.nodes = []
        for node in nodes:
            meta = node.metadata
            where = path_aspects(str(meta.get("section", "")), str(meta.get("question", "")))
            if aspects & where and matches(meta, filters):
                self.nodes.append(node)
        self.index = index
        self.top_k = top_k
        self.stored: dict[str, list[float]] | None = None

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        if not self.nodes or query_bundle.embedding is None:
            return []
        if self.stored is None:  # read once: built per BM25 index, i.e. per generation
            self.stored = self.index.embeddings([n.node_id for n in self.nodes])
        stored = self.stored
        query = np.asarray(query_bundle.embedding, dtype=np.float32)
        scored = [
            NodeWithScore(node=n, score=float(np.dot(stored[n.node_id], query)))
            for n in self.nodes
            if n.node_id in stored
        ]
        return sorted(scored, key=lambda h: -(h.score or 0.0))[: self.top_k]


class PassageRetriever:
    """Hybrid retrieval over one index, as scored, numbered passages. Thread-safe."""

    def __init__(
        self, settings: Settings, index: Index, embed_model: BaseEmbedding, embed: EmbedFn
    ) -> None:
        self.settings = settings
        self.index = index
        self.embed_model = embed_model
        self.embed = embed
        self._lock = threading.Lock()
        self._vector_index: VectorStoreIndex | None = None

    def retrieve(
        self,
        query: str,
        vector: np.ndarray,
        filters: Filters,
        top_k: int,
        topic: TopicTest | None = None,
    ) -> list[Passage]:
        """The ``top_k`` passages for ``query`` (``vector`` is its unit embedding). With a
        ``topic`` that asks for an aspect, passages under headings of that aspect join the
        candidates and those under headings of the opposite aspect only are left out."""
        candidates = max(self.settings.retrieval.candidates, top_k)
        try:
            fusion = self._fusion(filters, candidates)
            if topic is not None and topic.aspects and LEXICAL in fusion.retrievers:
                bm25 = self.index.bm25()
                aspect = self._aspect(bm25, filters, topic.aspects, candidates)
                fusion = RankFusionRetriever(
                    {**fusion.retrievers, "aspect": aspect},
                    rrf_k=fusion.rrf_k,
                    postprocessors=fusion.postprocessors,
                )
            bundle = QueryBundle(query_str=query, embedding=vector.tolist())
            hits = [
                h
                for h in fusion.retrieve(bundle)
                if matches(h.node.metadata, filters)
                and (
                    topic is None
                    or topic.on_topic(
                        "",
                        str(h.node.metadata.get("section", "")),
                        str(h.node.metadata.get("question", "")),
                    )
                )
            ]
            hits = hits[:top_k]
            # Lexical-only hits have no dense score yet: read their stored vectors.
            missing = [h.node.node_id for h in hits if DENSE not in _scores(h)]
            stored = self.index.embeddings(missing)
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc
        passages = []
        for number, hit in enumerate(hits, start=1):
            scores = _scores(hit)
            dense = cosine_of(scores[DENSE]) if DENSE in scores else None
            if dense is None:
                vec = stored.get(hit.node.node_id)
                dense = float(np.dot(np.asarray(vec), vector)) if vec is not None else 0.0
            passages.append(_passage(number, hit, self.index, dense, scores.get(LEXICAL, 0.0)))
        return passages

    def following(
        self, passages: Sequence[Passage], vector: np.ndarray, first_number: int = 1
    ) -> list[Passage]:
        """What the speakers of ``passages`` said next in their documents (the rest of the
        turn, their next turns), numbered from ``first_number``."""
        from interview_qa.ingest.store import record_to_node

        try:
            records = self.index.following([p.id for p in passages])
            stored = self.index.embeddings([r["id"] for r in records])
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc
        out = []
        for number, rec in enumerate(records, start=first_number):
            node = record_to_node(rec["metadata"], rec["document"])
            vec = stored.get(rec["id"])
            dense = float(np.dot(np.asarray(vec), vector)) if vec is not None else 0.0
            out.append(
                _passage(number, NodeWithScore(node=node, score=0.0), self.index, dense, 0.0)
            )
        return out

    def _aspect(
        self, bm25: Any, filters: Filters, aspects: frozenset[str], candidates: int
    ) -> AspectRetriever:
        """The aspect retriever for these filters and aspects, built once per generation of the
        index (it reads every chunk's metadata: ~0.4 s on 3,000 chunks)."""
        return self.index.snapshot().keyed(
            ("aspect", filters, aspects, candidates),
            lambda: AspectRetriever(self._nodes(bm25), filters, aspects, self.index, candidates),
        )

    def _nodes(self, bm25: Any) -> list[Any]:
        """The chunks of the generation's BM25 index as nodes, parsed once (~0.2 s on 3,000
        chunks) and shared by the heading and aspect retrievers of every filter set."""
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        return self.index.snapshot().value(
            "bm25-nodes", lambda: [metadata_dict_to_node(entry) for entry in bm25.corpus]
        )

    def _fusion(self, filters: Filters, candidates: int) -> RankFusionRetriever:
        """The fused retriever for ``filters``, built once per filter set and generation."""
        return self.index.snapshot().keyed(
            ("fusion", filters, candidates), lambda: self._build_fusion(filters, candidates)
        )

    def _build_fusion(self, filters: Filters, candidates: int) -> RankFusionRetriever:
        from llama_index.core import VectorStoreIndex

        cfg = self.settings.retrieval
        bm25 = self.index.bm25() if cfg.method in ("hybrid", "bm25") else None
        retrievers: dict[str, BaseRetriever] = {}
        if cfg.method in ("hybrid", "dense"):
            with self._lock:
                if self._vector_index is None:
                    self._vector_index = VectorStoreIndex.from_vector_store(
                        self.index.vector_store(), embed_model=self.embed_model
                    )
            retrievers[DENSE] = self._vector_index.as_retriever(
                similarity_top_k=candidates, filters=metadata_filters(filters)
            )
        if bm25 is not None:
            retrievers[LEXICAL] = FilteredBM25(bm25, filters, candidates)
        if bm25 is not None and cfg.method == "hybrid":
            retrievers[HEADING] = HeadingRetriever(
                self._nodes(bm25), filters, candidates, self.embed, cfg.min_heading_similarity
            )
        return RankFusionRetriever(
            retrievers,
            rrf_k=cfg.rrf_k,
            postprocessors=[DropRepeats(), SpeakerCap(cap=cfg.per_speaker_cap)],
        )


def cosine_of(chroma_score: float) -> float:
    """The cosine similarity behind a score of llama-index's Chroma store, which reports
    ``exp(-distance)`` for a collection in cosine space (distance = 1 - cosine)."""
    return 1.0 + math.log(chroma_score) if chroma_score > 0 else -1.0


def _scores(hit: NodeWithScore) -> dict[str, float]:
    return hit.scores if isinstance(hit, FusedNode) else {}


def _passage(
    number: int, hit: NodeWithScore, index: Index, dense: float, lexical: float
) -> Passage:
    meta = hit.node.metadata
    return Passage.from_chunk(
        number,
        hit.node.node_id,
        hit.node.get_content(),
        meta,
        index.initials(str(meta.get("speaker"))),
        score=float(hit.score or 0.0),
        similarity=dense,
        lexical=lexical,
    )
