"""Our :class:`~interview_qa.ingest.embedder.Embedder` as a llama-index embedding model, so it
composes with IngestionPipeline and VectorStoreIndex: queries get the model's query prompt, texts
its document prompt."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from interview_qa.ingest.embedder import Embedder, embed_texts


class EmbedderAdapter(BaseEmbedding):
    """llama-index embedding backed by an interview-qa Embedder."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, embed_batch_size=2048, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        """Name used by llama-index serialisation."""
        return "InterviewQAEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return list(embed_texts(self._embedder, [query], "query")[0].tolist())

    def _get_text_embedding(self, text: str) -> list[float]:
        return list(self._embedder.embed([text])[0].tolist())

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return list(self._embedder.embed(texts).tolist())

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)
