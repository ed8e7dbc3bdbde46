"""The Chroma side of the index: opening it (embedded or server), its recorded settings, and
reading and writing chunks.

The collection's metadata records what the index was built with (schema, embedding model,
chunking) plus bookkeeping: a *generation* counter bumped before every change, the *state*
(``writing`` while an ingest runs, ``ready`` after) and the speaker registry (label → initials).
Chroma's default embedding function is never used: vectors always come from our embedder.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from interview_qa.ingest.embedder import HASH_MODEL_NAME, model_identity
from interview_qa.ingest.errors import IndexEmptyError, IndexMismatchError, IndexUnavailableError
from interview_qa.ingest.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from llama_index.core.schema import BaseNode, TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

#: 2: speakers resolved to full names, hosts (role `host`), notes not indexed (issue #11).
SCHEMA_VERSION = 2
_PAGE = 2000
_UUID_DIR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
REBUILD_HINT = "re-ingest with --rebuild"


def expected_fingerprint(settings: Settings) -> dict[str, Any]:
    """What an index must have been built with to be queried with these settings: the schema,
    the embedding model (its name and the start of its weights' sha256: the packaged MiniLM's,
    a model folder's name and digest, or a hub name's) and the chunking."""
    if settings.embedding.backend == "hash":
        model, digest = HASH_MODEL_NAME, settings.embedding.model_sha256
    else:
        model, digest = model_identity(settings.embedding)
    return {
        "iqa_schema": SCHEMA_VERSION,
        "embed_model": model,
        "embed_sha256": digest[:16],
        "chunk_max_chars": settings.chunking.max_chars,
        "chunk_overlap": settings.chunking.overlap_sentences,
    }


def units_collection_name(settings: Settings) -> str:
    """The name of the collection of stored unit vectors (:mod:`~interview_qa.ingest.unit_store`)
    beside the chunks'."""
    return f"{settings.store.collection}_units"


def describe_location(settings: Settings) -> str:
    """Human-readable location of the index (folder or server URL)."""
    return settings.store.chroma_url or str(settings.store.index_dir)


def _client(settings: Settings) -> ClientAPI:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    url = settings.store.chroma_url
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise IndexUnavailableError(f"{url}: not a Chroma server URL (use http://host:port)")
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        return chromadb.HttpClient(
            host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=chroma_settings
        )
    settings.store.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.store.index_dir), settings=chroma_settings)


def store_failures(*more: type[BaseException]) -> tuple[type[BaseException], ...]:
    """What Chroma raises when the store can't be reached or read, for ``except`` clauses:
    its own errors (a corrupt or foreign database file), ValueError (no server at the URL),
    httpx's errors (a server that stops answering), SQLite's errors and OSError. Anything else
    is a bug and goes up as it is. ``more`` adds types a particular call site expects."""
    import sqlite3

    import httpx
    from chromadb.errors import ChromaError

    return (
        ChromaError,
        ValueError,
        httpx.HTTPError,
        sqlite3.Error,
        ConnectionError,
        OSError,
        *more,
    )


def unavailable(settings: Settings, exc: BaseException) -> IndexUnavailableError:
    """A one-line error for a store that can't be reached or read."""
    where = describe_location(settings)
    if settings.store.chroma_url:
        return IndexUnavailableError(
            f"the Chroma server at {where} does not answer ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); start it, or drop "
            "--chroma-url to use the embedded index"
        )
    return IndexUnavailableError(
        f"the index at {where} cannot be read ({type(exc).__name__}); it may be corrupt or "
        f"belong to another program: {REBUILD_HINT}"
    )


def wipe_embedded(index_dir: Path) -> None:
    """Delete what the embedded store and BM25 keep in ``index_dir`` (nothing else there)."""
    if not index_dir.is_dir():
        return
    for entry in index_dir.iterdir():
        if entry.name.startswith("chroma.sqlite3") or entry.name.startswith("bm25"):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        elif entry.is_dir() and _UUID_DIR.match(entry.name):
            shutil.rmtree(entry)


class IndexStore:
    """An open Chroma collection holding this project's chunks."""

    def __init__(self, settings: Settings, client: ClientAPI, collection: Collection) -> None:
        self.settings = settings
        self.client = client
        self.collection = collection

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings, *, create: bool = False, check: bool = True) -> IndexStore:
        """Open the collection; with ``create``, make it when missing.

        Raises IndexUnavailableError (server down, corrupt folder), IndexEmptyError (nothing
        ingested yet) or IndexMismatchError (built with other settings, when ``check``).
        """
        name = settings.store.collection
        index_dir = settings.store.index_dir
        embedded = not settings.store.chroma_url
        if not create and embedded and not (index_dir / "chroma.sqlite3").is_file():
            raise IndexEmptyError(f"no index at {index_dir} yet: run `interview-qa ingest`")
        try:
            client = _client(settings)
            if create:
                collection = client.get_or_create_collection(
                    name,
                    embedding_function=None,
                    metadata={**expected_fingerprint(settings), "generation": 0, "state": "ready"},
                    configuration={"hnsw": {"space": "cosine"}},
                )
            else:
                existing = [
                    c.name if hasattr(c, "name") else str(c) for c in client.list_collections()
                ]
                if name not in existing:
                    raise IndexEmptyError(
                        f"no interview-qa index at {describe_location(settings)}: run "
                        "`interview-qa ingest` (with --rebuild if it holds another program's data)"
                    )
                collection = client.get_collection(name, embedding_function=None)
        except (IndexEmptyError, IndexUnavailableError):
            raise
        except store_failures() as exc:
            raise unavailable(settings, exc) from exc
        except BaseException as exc:
            # Chroma's Rust core reports some corrupt files as a PanicException, which derives
            # from BaseException; anything else of that kind (KeyboardInterrupt…) goes on up.
            if type(exc).__name__ != "PanicException":
                raise
            raise unavailable(settings, exc) from exc
        store = cls(settings, client, collection)
        if check:
            store.check_compatible()
        return store

    @classmethod
    def drop(cls, settings: Settings) -> None:
        """Delete the whole index (``--rebuild``): the collection and the BM25 index beside it.

        An embedded index folder that Chroma cannot even open (corrupt, foreign) is cleared of
        Chroma's and BM25's files instead; nothing else in the folder is touched.
        """
        try:
            client = _client(settings)
            names = [getattr(c, "name", c) for c in client.list_collections()]
            for name in (settings.store.collection, units_collection_name(settings)):
                if name in names:
                    client.delete_collection(name)
        except IndexUnavailableError:
            raise
        except store_failures(AttributeError) as exc:
            # AttributeError: Chroma's own clean-up after it fails to open a corrupt folder
            # raises "'RustBindingsAPI' object has no attribute 'bindings'" over the real error.
            if settings.store.chroma_url:
                raise unavailable(settings, exc) from exc
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
            wipe_embedded(settings.store.index_dir)
        folder = bm25_dir(settings)
        if folder.exists():
            shutil.rmtree(folder)

    def check_compatible(self) -> None:
        """Raise IndexMismatchError when the index was built with other settings."""
        meta = self.metadata()
        expected = expected_fingerprint(self.settings)
        diffs = [
            f"{k}={meta.get(k)!r} (now {v!r})" for k, v in expected.items() if meta.get(k) != v
        ]
        if diffs:
            raise IndexMismatchError(
                f"the index at {describe_location(self.settings)} was built with other settings "
                f"({', '.join(diffs)}): {REBUILD_HINT}"
            )

    # ---- bookkeeping in the collection's metadata -----------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The collection's metadata, fresh from the store."""
        try:
            collection = self.client.get_collection(self.collection.name, embedding_function=None)
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc
        self.collection = collection
        return dict(collection.metadata or {})

    def set_metadata(self, **changes: Any) -> None:
        """Change some keys of the collection's metadata, keeping the others."""
        meta = self.metadata()
        meta.update(changes)
        meta = {k: v for k, v in meta.items() if not k.startswith("hnsw:")}
        try:
            self.collection.modify(metadata=meta)
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc

    def generation(self) -> int:
        """The change counter: bumped at the start of every ingest that changes something."""
        return int(self.metadata().get("generation", 0))

    def speaker_registry(self) -> dict[str, str]:
        """Speaker label → initials, for every speaker in the index."""
        raw = self.metadata().get("speakers", "{}")
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()}

    # ---- chunks ----------------------------------------------------------------------------

    def count(self) -> int:
        """Number of chunks."""
        try:
            return int(self.collection.count())
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc

    def iter_records(self, include: Sequence[str] = ("metadatas",)) -> Iterator[dict[str, Any]]:
        """Every chunk as ``{"id", "metadata", "document"?, "embedding"?}``, read in pages."""
        offset = 0
        while True:
            try:
                page = self.collection.get(limit=_PAGE, offset=offset, include=list(include))  # type: ignore[arg-type]
            except store_failures() as exc:
                raise unavailable(self.settings, exc) from exc
            ids = page["ids"]
            if not ids:
                return
            none: list[Any] = [None] * len(ids)
            metas: list[Any] = list(page.get("metadatas") or none)
            docs: list[Any] = list(page.get("documents") or none)
            vectors = page.get("embeddings")
            vectors = none if vectors is None else vectors
            for i, id_ in enumerate(ids):
                rec = {"id": id_, "metadata": dict(metas[i] or {}), "document": docs[i]}
                if "embeddings" in include:
                    rec["embedding"] = vectors[i]
                yield rec
            offset += len(ids)

    def doc_chunk_ids(self) -> dict[str, set[str]]:
        """Chunk ids held for each document id."""
        out: dict[str, set[str]] = defaultdict(set)
        for rec in self.iter_records():
            out[str(rec["metadata"].get("doc_id", ""))].add(rec["id"])
        return dict(out)

    def all_nodes(self) -> list[TextNode]:
        """Every chunk as a TextNode whose metadata is the store's current metadata."""
        return [
            record_to_node(rec["metadata"], rec["document"] or "")
            for rec in self.iter_records(("metadatas", "documents"))
        ]

    def vector_store(self) -> ChromaVectorStore:
        """This collection as a llama-index vector store."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def add_nodes(self, nodes: Sequence[BaseNode]) -> None:
        """Add embedded chunks (each node carries its vector)."""
        try:
            self.vector_store().add(list(nodes))
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc

    def documents(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Text and metadata of some chunks, by id."""
        try:
            got = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc
        none: list[Any] = [None] * len(got["ids"])
        return {
            i: (d or "", dict(m or {}))
            for i, d, m in zip(
                got["ids"], got.get("documents") or none, got.get("metadatas") or none, strict=True
            )
        }

    def delete_ids(self, ids: Sequence[str]) -> None:
        """Delete chunks by id."""
        for i in range(0, len(ids), _PAGE):
            try:
                self.collection.delete(ids=list(ids[i : i + _PAGE]))
            except store_failures() as exc:
                raise unavailable(self.settings, exc) from exc

    def update_metadata(self, updates: dict[str, dict[str, Any]]) -> None:
        """Change some metadata keys of some chunks (id → keys), keeping the rest."""
        ids = list(updates)
        for i in range(0, len(ids), _PAGE):
            batch = ids[i : i + _PAGE]
            try:
                self.collection.update(ids=batch, metadatas=[updates[k] for k in batch])
            except store_failures() as exc:
                raise unavailable(self.settings, exc) from exc

    def rewrite_metadata(self, nodes: Sequence[TextNode], held: dict[str, dict[str, Any]]) -> None:
        """Replace the stored metadata of chunks kept as they are (same ids, text and vectors)
        with that of ``nodes``, as adding them would write it: top-level keys and the node
        llama-index keeps beside them; keys the nodes no longer have (``held``: the stored
        metadata) are removed."""
        if not nodes:
            return
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        updates: dict[str, dict[str, Any]] = {}
        for node in nodes:
            meta = node_to_metadata_dict(node, remove_text=True, flat_metadata=True)
            meta = {k: "" if v is None else v for k, v in meta.items()}
            meta.update({k: None for k in held.get(node.node_id, {}) if k not in meta})
            updates[node.node_id] = meta
        self.update_metadata(updates)


def record_to_node(metadata: dict[str, Any], text: str) -> TextNode:
    """A stored chunk as a TextNode, its metadata taken from the store's top-level keys."""
    from llama_index.core.schema import TextNode
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    node = metadata_dict_to_node(metadata, text=text)
    assert isinstance(node, TextNode)
    overlay_metadata(node, metadata)
    return node


def overlay_metadata(node: TextNode, metadata: dict[str, Any]) -> None:
    """Refresh a node's metadata from the store's top-level keys (they may have been updated)."""
    for key, value in metadata.items():
        if not key.startswith("_") and key not in ("document_id", "ref_doc_id"):
            node.metadata[key] = value


def bm25_dir(settings: Settings) -> Path:
    """Where the BM25 index of this store lives (beside the embedded store, or per server)."""
    url = settings.store.chroma_url
    if not url:
        return settings.store.index_dir / "bm25"
    parsed = urlparse(url)
    tag = re.sub(r"[^\w.-]", "_", f"{parsed.hostname}_{parsed.port}_{settings.store.collection}")
    return settings.store.index_dir / f"bm25-server-{tag}"
