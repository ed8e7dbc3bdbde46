"""The stock llama-index pipeline, as a baseline to compare our retrieval against.

This is the one module of ``eval`` that uses chromadb and llama-index directly, because it
exists to show what they do out of the box: the same source files (read with
:func:`interview_qa.ingest.parsers.read_source`, raw text, no speaker parsing), split by
llama-index's default ``SentenceSplitter()``, embedded with our MiniLM embedder wrapped as a
llama-index embedding, indexed in a ``VectorStoreIndex`` over a throw-away in-memory Chroma
collection (telemetry off, Chroma's default embedding function never used), and retrieved with
``index.as_retriever(similarity_top_k=k)``.

Its answers are composed by the same extractive composer as ours
(:mod:`interview_qa.assistant.extractive`) over passages built from the stock chunks, with
speaker ``unknown`` (the stock pipeline knows no speakers), and it abstains by the same rule
(best question–passage cosine below ``retrieval.min_similarity``, or no sentence relevant
enough), so its citation scores compare with ours. It has no conversation memory: follow-ups
are asked as they are.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from interview_qa.assistant import Answer, Passage, prompts
from interview_qa.ingest import UNKNOWN_SPEAKER, InputError

if TYPE_CHECKING:
    from interview_qa.ingest import Embedder, Settings


class StockPipeline:
    """llama-index defaults over the raw files (see the module docstring)."""

    name = "stock llama-index"

    def __init__(self, paths: Sequence[Path], settings: Settings, embedder: Embedder) -> None:
        self.paths = list(paths)
        self.settings = settings
        self.embedder = embedder
        self.errors: list[InputError] = []
        self._index: Any = None
        self._client: Any = None
        self._collection_name = f"iqa-stock-{uuid.uuid4().hex[:12]}"
        self._vectors: dict[str, np.ndarray] = {}
        self.chunks = 0

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vec in zip(missing, self.embedder.embed(missing), strict=True):
                self._vectors[text] = np.asarray(vec, dtype=np.float32)
        return np.array([self._vectors[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def build(self) -> None:
        """Read, split, embed and index the files (once)."""
        if self._index is not None:
            return
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.core import StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.core.schema import Document
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from interview_qa.ingest import EmbedderAdapter, discover, read_source

        documents = []
        files, self.errors = discover(self.paths)
        for source in files:
            try:
                text = read_source(source.path)
            except InputError as exc:
                self.errors.append(exc)
                continue
            metadata = {"file_name": source.doc_id, "source_path": str(source.path)}
            documents.append(Document(text=text, metadata=metadata))
        nodes = SentenceSplitter().get_nodes_from_documents(documents)
        self.chunks = len(nodes)
        self._client = chromadb.EphemeralClient(
            settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        )
        collection = self._client.create_collection(self._collection_name, embedding_function=None)
        storage = StorageContext.from_defaults(
            vector_store=ChromaVectorStore(chroma_collection=collection)
        )
        self._index = VectorStoreIndex(
            nodes, storage_context=storage, embed_model=EmbedderAdapter(self.embedder)
        )

    def close(self) -> None:
        """Drop the in-memory collection."""
        if self._client is not None:
            with contextlib.suppress(Exception):  # already gone: nothing to free
                self._client.delete_collection(self._collection_name)
        self._index = self._client = None

    def ask(self, question: str, history: Sequence[Answer] = (), *, mode: Any = None) -> Answer:
        """Retrieve the top-k stock chunks and compose an extractive answer from them."""
        from interview_qa.assistant import (
            candidate_sentences,
            compose,
            score_sentences,
            select,
        )

        started = time.perf_counter()
        self.build()
        k = self.settings.retrieval.top_k
        answer = Answer(question=question, text="", mode="extractive", abstained=False)
        answer.query = question
        t = time.perf_counter()
        hits = self._index.as_retriever(similarity_top_k=k).retrieve(question)
        answer.timings["retrieve"] = time.perf_counter() - t
        qvec = self._embed([question])[0]
        texts = [h.node.get_content() for h in hits]
        pvecs = self._embed(texts) if texts else np.zeros((0, len(qvec)), dtype=np.float32)
        for number, (hit, vec) in enumerate(zip(hits, pvecs, strict=True), start=1):
            meta = hit.node.metadata
            answer.passages.append(
                Passage(
                    number=number,
                    id=hit.node.node_id,
                    text=hit.node.get_content(),
                    speaker=UNKNOWN_SPEAKER,
                    initials=UNKNOWN_SPEAKER,
                    kind="",
                    doc_id=str(meta.get("file_name", "")),
                    source_path=str(meta.get("source_path", "")),
                    start_char=int(getattr(hit.node, "start_char_idx", None) or 0),
                    end_char=int(getattr(hit.node, "end_char_idx", None) or 0),
                    score=float(hit.score or 0.0),
                    similarity=float(np.dot(vec, qvec)),
                )
            )
        best = max((p.similarity for p in answer.passages), default=0.0)
        chosen = []
        if best >= self.settings.retrieval.min_similarity:
            cfg = self.settings.answer
            sentences = candidate_sentences(answer.passages, cfg.min_sentence_words)
            vectors = self._embed([s.text for s in sentences])
            sentences = score_sentences(sentences, question, qvec, vectors, cfg)
            chosen = select(sentences, cfg)
        if chosen:
            answer.text, answer.citations, answer.statements = compose(
                chosen, [], self.settings.answer.max_span_chars
            )
        else:
            answer.abstained = True
            answer.text = prompts.NOT_COVERED
        answer.timings["total"] = time.perf_counter() - started
        return answer
