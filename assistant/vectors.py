"""Question-time embedding: the embedder behind a bounded, thread-safe cache (questions and the
sentences of retrieved passages repeat a lot across questions)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from interview_qa.ingest.embedder import EmbedKind, embed_texts

if TYPE_CHECKING:
    from interview_qa.ingest.embedder import Embedder


class CachedVectors:
    """Embeds texts through ``embedder()`` (built on first use), keeping up to ``size``."""

    def __init__(self, embedder: Callable[[], Embedder], size: int) -> None:
        self._embedder = embedder
        self._size = size
        self._lock = threading.Lock()
        self._vectors: OrderedDict[tuple[EmbedKind, str], np.ndarray] = OrderedDict()

    def embed(
        self,
        texts: Sequence[str],
        stored: Mapping[str, np.ndarray] | None = None,
        kind: EmbedKind = "document",
    ) -> np.ndarray:
        """Unit vectors of ``texts``, one row each: from ``stored`` (vectors ingest stored, by
        text) when there, else from the cache, else embedded now. ``kind="query"``: the texts
        are the user's question (or words of it), embedded with the model's query prompt."""
        stored = (stored or {}) if kind == "document" else {}
        if not texts:
            return np.zeros((0, self._embedder().dimension), dtype=np.float32)
        with self._lock:
            missing = [
                t
                for t in dict.fromkeys(texts)
                if (kind, t) not in self._vectors and t not in stored
            ]
        fresh = embed_texts(self._embedder(), missing, kind) if missing else np.zeros((0, 0))
        with self._lock:
            found = {t: self._vectors[(kind, t)] for t in texts if (kind, t) in self._vectors}
            found.update((t, stored[t]) for t in texts if t in stored)
            found.update(zip(missing, fresh, strict=True))
            for text, vec in zip(missing, fresh, strict=True):
                self._vectors[(kind, text)] = vec
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return np.array([found[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def clear(self) -> None:
        """Forget every kept vector (benchmarks measuring first-time questions)."""
        with self._lock:
            self._vectors.clear()

    def one(self, text: str, kind: EmbedKind = "document") -> np.ndarray:
        """The unit vector of one text (``kind="query"``: a question)."""
        return self.embed([text], kind=kind)[0]
