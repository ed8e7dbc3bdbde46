"""Stored unit vectors: every quotable unit of every chunk (:mod:`interview_qa.ingest.units`) and
every chunk's heading, embedded at ingest, so that a question embeds nothing but itself.

They live in a second Chroma collection beside the chunks' (``<collection>_units``, in the same
client: embedded folder or server alike). Entry ids are ``<chunk_id>:<n>`` for a chunk's units
and ``<chunk_id>:h`` for its heading; the metadata names the chunk (``chunk_id``) and the kind
(``unit``, ``heading``, or ``marker`` for a chunk with no heading); the document is the text that
was embedded (a unit's words without markup, :func:`~interview_qa.ingest.markup.words_only`, or
the heading). Every chunk has exactly one ``:h`` entry, so the chunks whose units are stored are
known from the ids alone.

The collection's metadata records the split (rule version and settings) and the embedding
fingerprint the units were made with; an ingest under another split or model drops them all and
embeds them again. Lookups are by text, so a unit cut differently at question time (another
setting, an index written by older code) is simply not found and gets embedded then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from interview_qa.ingest.markup import words_only
from interview_qa.ingest.store import (
    expected_fingerprint,
    store_failures,
    unavailable,
    units_collection_name,
)
from interview_qa.ingest.units import SplitRule, heading, unit_spans

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from interview_qa.ingest.settings import Settings

HEADING_ID = "h"
_PAGE = 2000


def recorded_with(settings: Settings) -> dict[str, Any]:
    """What the stored units must have been made with to be reused: the split and the model."""
    fingerprint = expected_fingerprint(settings)
    return {
        "split": SplitRule.of(settings).signature,
        "embed_model": fingerprint["embed_model"],
        "embed_sha256": fingerprint["embed_sha256"],
    }


def chunk_entries(
    chunk_id: str, text: str, metadata: dict[str, Any], rule: SplitRule
) -> list[tuple[str, str, str]]:
    """``(entry id, kind, embedded text)`` of one chunk: its units, then its heading (or a
    marker when it has none)."""
    out = []
    spans = unit_spans(
        text,
        str(metadata.get("role", "")),
        str(metadata.get("speaker", "")),
        rule.min_words,
        rule.budget_words,
    )
    for n, span in enumerate(spans):
        words = words_only(text[span.start : span.end])
        if words:
            out.append((f"{chunk_id}:{n}", "unit", words))
    title = heading(str(metadata.get("section", "")), str(metadata.get("question", "")))
    out.append((f"{chunk_id}:{HEADING_ID}", "heading" if title else "marker", title))
    return out


def _chunk_of(entry_id: str) -> str:
    return entry_id.rsplit(":", 1)[0]


@dataclass
class UnitSync:
    """What an ingest must change in the units collection: the chunks whose units to embed and
    store, and those whose units to delete."""

    store: UnitStore
    #: chunk id → (text, metadata) of every chunk whose units are missing.
    missing: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    stale: set[str] = field(default_factory=set)

    @property
    def pending(self) -> bool:
        """Whether anything is to change."""
        return bool(self.missing or self.stale)

    def apply(
        self,
        embed: Callable[[list[str]], np.ndarray] | None,
        progress: Callable[[int, int], None] | None = None,
        batch: int = 256,
    ) -> int:
        """Embed and store the missing units, ``batch`` chunks at a time (each distinct text of
        a batch once; a batch is written before the next is embedded, so memory stays bounded
        and a killed ingest keeps what it wrote), then delete the stale ones. Returns how many
        texts were embedded. ``embed`` turns texts into unit vectors (it may be None when
        nothing is missing); ``progress(done, total)`` counts chunks."""
        rule = self.store.rule
        ids = list(self.missing)
        embedded = 0
        for i in range(0, len(ids), batch):
            part = ids[i : i + batch]
            entries = [e for cid in part for e in chunk_entries(cid, *self.missing[cid], rule=rule)]
            texts = list(dict.fromkeys(t for _, kind, t in entries if kind != "marker"))
            if texts and embed is None:
                raise ValueError("units to embed but no embedder")
            vectors = dict(zip(texts, embed(texts), strict=True)) if texts and embed else {}
            embedded += len(texts)
            marker = np.zeros(self.store.dimension(vectors), dtype=np.float32)
            marker[0] = 1.0
            for j in range(0, len(entries), _PAGE):
                page = entries[j : j + _PAGE]
                self.store.add(
                    [e[0] for e in page],
                    [vectors[t] if kind != "marker" else marker for _, kind, t in page],
                    [{"chunk_id": _chunk_of(e[0]), "kind": e[1]} for e in page],
                    [e[2] for e in page],
                )
            if progress:
                progress(i + len(part), len(ids))
        self.store.delete_chunks(sorted(self.stale))
        self.store.forget_entries()
        return embedded


class UnitStore:
    """The units collection of one index."""

    def __init__(self, settings: Settings, client: ClientAPI, collection: Collection) -> None:
        self.settings = settings
        self.client = client
        self.collection = collection
        self.rule = SplitRule.of(settings)
        self._entries: dict[str, list[str]] | None = None

    @classmethod
    def open(cls, settings: Settings, client: ClientAPI) -> UnitStore | None:
        """The units collection, or None when the index has none (written before units were
        stored, or under another split or model than ``settings``'s)."""
        name = units_collection_name(settings)
        try:
            names = [getattr(c, "name", c) for c in client.list_collections()]
            if name not in names:
                return None
            collection = client.get_collection(name, embedding_function=None)
        except store_failures() as exc:
            raise unavailable(settings, exc) from exc
        meta = dict(collection.metadata or {})
        if any(meta.get(k) != v for k, v in recorded_with(settings).items()):
            return None
        return cls(settings, client, collection)

    @classmethod
    def create(cls, settings: Settings, client: ClientAPI) -> UnitStore:
        """The units collection for ``settings``, made (empty) when missing or when it holds
        units of another split or model."""
        found = cls.open(settings, client)
        if found is not None:
            return found
        name = units_collection_name(settings)
        try:
            cls.drop(settings, client)
            collection = client.create_collection(
                name,
                embedding_function=None,
                metadata=recorded_with(settings),
                configuration={"hnsw": {"space": "cosine"}},
            )
        except store_failures() as exc:
            raise unavailable(settings, exc) from exc
        return cls(settings, client, collection)

    @staticmethod
    def drop(settings: Settings, client: ClientAPI) -> None:
        """Delete the units collection, if there is one."""
        name = units_collection_name(settings)
        names = [getattr(c, "name", c) for c in client.list_collections()]
        if name in names:
            client.delete_collection(name)

    def dimension(self, vectors: dict[str, np.ndarray]) -> int:
        """The vectors' dimension (of one at hand, else of one stored, else MiniLM's)."""
        for vec in vectors.values():
            return len(vec)
        got = self.collection.get(limit=1, include=["embeddings"])
        stored = got.get("embeddings")
        return len(stored[0]) if stored is not None and len(stored) else 384

    def entries(self) -> dict[str, list[str]]:
        """Chunk id → the ids of its stored entries (read once: a UnitStore is opened per state
        of the index)."""
        if self._entries is not None:
            return self._entries
        ids: list[str] = []
        while True:
            try:
                page = self.collection.get(limit=_PAGE, offset=len(ids), include=[])
            except store_failures() as exc:
                raise unavailable(self.settings, exc) from exc
            if not page["ids"]:
                break
            ids += page["ids"]
        out: dict[str, list[str]] = {}
        for entry in ids:
            out.setdefault(_chunk_of(entry), []).append(entry)
        self._entries = out
        return out

    def forget_entries(self) -> None:
        """Read the entry ids again on next use (after a change)."""
        self._entries = None

    def chunk_ids(self) -> set[str]:
        """The chunks whose units are all stored (their ``:h`` entry, written last, is there)."""
        return {c for c, entries in self.entries().items() if f"{c}:{HEADING_ID}" in entries}

    def add(
        self,
        ids: list[str],
        vectors: Sequence[np.ndarray],
        metadatas: list[dict[str, Any]],
        documents: list[str],
    ) -> None:
        """Add entries (``upsert``: an entry left by an interrupted ingest is overwritten)."""
        try:
            self.collection.upsert(
                ids=ids,
                embeddings=np.asarray(vectors, dtype=np.float32),
                metadatas=metadatas,  # type: ignore[arg-type]
                documents=documents,
            )
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc

    def delete_chunks(self, chunk_ids: Sequence[str]) -> None:
        """Delete every entry of these chunks."""
        entries = self.entries()
        ids = [e for c in chunk_ids for e in entries.get(c, [])]
        for i in range(0, len(ids), _PAGE):
            try:
                self.collection.delete(ids=ids[i : i + _PAGE])
            except store_failures() as exc:
                raise unavailable(self.settings, exc) from exc

    def vectors(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """Embedded text → stored vector, for the units and headings of these chunks (one
        batched read)."""
        entries = self.entries()
        ids = [e for c in dict.fromkeys(chunk_ids) for e in entries.get(c, [])]
        if not ids:
            return {}
        try:
            got = self.collection.get(ids=ids, include=["documents", "embeddings", "metadatas"])
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc
        vectors = got.get("embeddings")
        if vectors is None:
            return {}
        out = {}
        for doc, meta, vec in zip(
            got.get("documents") or [], got.get("metadatas") or [], vectors, strict=False
        ):
            if doc and (meta or {}).get("kind") != "marker":
                out[doc] = np.asarray(vec, dtype=np.float32)
        return out

    def headings(self) -> dict[str, np.ndarray]:
        """Heading → stored vector, for every chunk's heading (read in pages)."""
        out: dict[str, np.ndarray] = {}
        offset = 0
        while True:
            try:
                page = self.collection.get(
                    where={"kind": "heading"},
                    limit=_PAGE,
                    offset=offset,
                    include=["documents", "embeddings"],
                )
            except store_failures() as exc:
                raise unavailable(self.settings, exc) from exc
            vectors = page.get("embeddings")
            if not page["ids"] or vectors is None:
                return out
            for doc, vec in zip(page.get("documents") or [], vectors, strict=False):
                if doc:
                    out[doc] = np.asarray(vec, dtype=np.float32)
            offset += len(page["ids"])

    def plan(
        self,
        final: set[str],
        new: dict[str, tuple[str, dict[str, Any]]],
        read: Callable[[list[str]], dict[str, tuple[str, dict[str, Any]]]],
    ) -> UnitSync:
        """What to change so that exactly the chunks of ``final`` have their units stored:
        ``new`` holds the text and metadata of chunks being added; ``read`` fetches those of
        chunks already in the index."""
        have = self.chunk_ids()
        lacking = final - have
        missing = {cid: new[cid] for cid in sorted(lacking) if cid in new}
        older = sorted(lacking - set(missing))
        for i in range(0, len(older), _PAGE):
            missing.update(read(older[i : i + _PAGE]))
        return UnitSync(self, missing, set(self.entries()) - final)
