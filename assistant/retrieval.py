"""Hybrid retrieval: dense (Chroma) and BM25 results fused by reciprocal rank, with metadata
filters and a per-speaker cap so one speaker's passages can't crowd out the others."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from interview_qa.assistant.results import Filters

if TYPE_CHECKING:
    from interview_qa.ingest import Index
    from interview_qa.ingest.llama_embedding import EmbedderAdapter


def metadata_filters(filters: Filters) -> MetadataFilters | None:
    """Filters as llama-index MetadataFilters on the chunk metadata (speaker, kind, doc_id)."""
    parts: list[MetadataFilter | MetadataFilters] = []
    for key, values in (("speaker", filters.speakers), ("kind", filters.kinds)):
        if values:
            parts.append(MetadataFilter(key=key, value=list(values), operator=FilterOperator.IN))
    if filters.sources:
        parts.append(
            MetadataFilter(key="doc_id", value=list(filters.sources), operator=FilterOperator.IN)
        )
    if not parts:
        return None
    return MetadataFilters(filters=parts)


def _matches(meta: dict[str, Any], filters: Filters) -> bool:
    return (
        (not filters.speakers or meta.get("speaker") in filters.speakers)
        and (not filters.kinds or meta.get("kind") in filters.kinds)
        and (not filters.sources or meta.get("doc_id") in filters.sources)
    )


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


class DiverseFusionRetriever(QueryFusionRetriever):
    """QueryFusionRetriever in reciprocal-rank mode, fusing by chunk id (not content hash, which
    differs between the dense and BM25 copies of a chunk), dropping passages whose text repeats
    a better-ranked one, and capping the passages of any one speaker in the top k."""

    def __init__(
        self,
        retrievers: list[BaseRetriever],
        *,
        top_k: int,
        rrf_k: int = 60,
        per_speaker_cap: int = 3,
    ) -> None:
        super().__init__(
            retrievers,
            llm=MockLLM(),
            mode=FUSION_MODES.RECIPROCAL_RANK,
            similarity_top_k=top_k,
            num_queries=1,
            use_async=False,
        )
        self.rrf_k = rrf_k
        self.per_speaker_cap = per_speaker_cap

    def _reciprocal_rerank_fusion(
        self, results: dict[tuple[str, int], list[NodeWithScore]]
    ) -> list[NodeWithScore]:
        fused: dict[str, float] = {}
        nodes: dict[str, NodeWithScore] = {}
        for hits in results.values():
            ranked = sorted(hits, key=lambda h: h.score or 0.0, reverse=True)
            for rank, hit in enumerate(ranked):
                node_id = hit.node.node_id
                nodes.setdefault(node_id, hit)
                fused[node_id] = fused.get(node_id, 0.0) + 1.0 / (rank + 1 + self.rrf_k)
        order = sorted(fused, key=lambda i: (-fused[i], i))
        out = []
        for node_id in order:
            hit = nodes[node_id]
            out.append(NodeWithScore(node=hit.node, score=fused[node_id]))
        return self._diversify(self._dedupe(out))

    def _dedupe(self, hits: list[NodeWithScore]) -> list[NodeWithScore]:
        seen: set[str] = set()
        out = []
        for hit in hits:
            key = _norm(hit.node.get_content())
            if key in seen:
                continue
            seen.add(key)
            out.append(hit)
        return out

    def _diversify(self, hits: list[NodeWithScore]) -> list[NodeWithScore]:
        """At most ``per_speaker_cap`` passages per speaker first; the rest fill any gap."""
        taken: Counter[str] = Counter()
        first, rest = [], []
        for hit in hits:
            speaker = str(hit.node.metadata.get("speaker"))
            if taken[speaker] < self.per_speaker_cap:
                taken[speaker] += 1
                first.append(hit)
            else:
                rest.append(hit)
        return first + rest


class HybridSearch:
    """Builds the dense, BM25 and fusion retrievers for a query and runs them."""

    def __init__(
        self,
        index: Index,
        embed_model: EmbedderAdapter,
        candidates: int,
        rrf_k: int,
        per_speaker_cap: int,
        method: str = "hybrid",
    ) -> None:
        self.index = index
        self.method = method
        self.embed_model = embed_model
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.per_speaker_cap = per_speaker_cap

    def retrievers(self, filters: Filters) -> list[BaseRetriever]:
        """The dense and BM25 retrievers, restricted by ``filters``."""
        from llama_index.core import VectorStoreIndex

        wanted = metadata_filters(filters)
        vector_index = VectorStoreIndex.from_vector_store(
            self.index.vector_store(), embed_model=self.embed_model
        )
        retrievers: list[BaseRetriever] = []
        if self.method in ("hybrid", "dense"):
            retrievers.append(
                vector_index.as_retriever(similarity_top_k=self.candidates, filters=wanted)
            )
        bm25 = self.index.bm25() if self.method in ("hybrid", "bm25") else None
        if bm25 is not None:
            retrievers.append(_FilteredBM25(bm25, filters, self.candidates))
        return retrievers

    def search(
        self, query: str, embedding: list[float], filters: Filters, top_k: int
    ) -> list[NodeWithScore]:
        """The top ``top_k`` passages for ``query`` (whose embedding is given), fused."""
        fusion = DiverseFusionRetriever(
            self.retrievers(filters),
            top_k=top_k,
            rrf_k=self.rrf_k,
            per_speaker_cap=self.per_speaker_cap,
        )
        hits = fusion.retrieve(QueryBundle(query_str=query, embedding=embedding))
        return [h for h in hits if _matches(h.node.metadata, filters)]


class _FilteredBM25(BaseRetriever):
    """BM25 over the shared bm25s index, with the filters applied as a weight mask."""

    def __init__(self, base: Any, filters: Filters, top_k: int) -> None:
        super().__init__()
        self.base, self.filters, self.top_k = base, filters, top_k

    def _retrieve(self, bundle: QueryBundle) -> list[NodeWithScore]:
        from llama_index.retrievers.bm25 import BM25Retriever

        if not any(ch.isalnum() for ch in bundle.query_str):
            return []
        try:
            retriever = BM25Retriever(
                existing_bm25=self.base.bm25,
                similarity_top_k=min(self.top_k, len(self.base.corpus)),
                filters=metadata_filters(self.filters),
            )
            hits = retriever.retrieve(bundle)
        except ValueError:
            # bm25s raises when every document is filtered out, or the query has no terms.
            return []
        return [h for h in hits if (h.score or 0.0) > 0 and _matches(h.node.metadata, self.filters)]
