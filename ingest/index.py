"""Read access to an ingested index: the Chroma store and the BM25 index, kept consistent.

This is what the assistant (and, through it, the UI and the evaluation) reads. It notices when
another process changed the index (the store's generation moved) and reloads, and it rebuilds the
BM25 index from Chroma whenever the saved one was built from another generation.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from interview_qa.ingest.bm25 import build_bm25, load_bm25, save_bm25, saved_generation
from interview_qa.ingest.errors import IndexUnavailableError
from interview_qa.ingest.people import likely_same, presence
from interview_qa.ingest.speakers import base_initials
from interview_qa.ingest.store import (
    IndexStore,
    bm25_dir,
    describe_location,
    store_failures,
    unavailable,
)
from interview_qa.ingest.text import word_set
from interview_qa.ingest.turns import SUMMARY_SPEAKER
from interview_qa.ingest.unit_store import UnitStore

if TYPE_CHECKING:
    import numpy as np
    from llama_index.retrievers.bm25 import BM25Retriever
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from interview_qa.ingest.settings import Settings


@dataclass(frozen=True)
class SpeakerStat:
    """One speaker of the index."""

    label: str
    initials: str
    chunks: int
    kinds: tuple[str, ...]
    #: interviewee, host (or interviewer, summary): the role of most of the speaker's chunks.
    role: str = "interviewee"
    #: Documents the speaker speaks in.
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentStat:
    """One document of the index."""

    doc_id: str
    kind: str
    source_path: str
    chunks: int
    speakers: tuple[str, ...]


@dataclass
class IndexStats:
    """What an index holds."""

    location: str
    chunks: int = 0
    documents: list[DocumentStat] = field(default_factory=list)
    speakers: list[SpeakerStat] = field(default_factory=list)
    #: Speakers of different documents who are likely one person, most quoted first: for
    #: ``speakers.yaml`` to merge (:func:`interview_qa.ingest.people.likely_same`).
    likely_same: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class StoredChunks:
    """Chunks as stored, row for row: ids, texts, metadata and vectors (one per id)."""

    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    vectors: list[Any]
    #: Speaker label → initials, as assigned over the whole index.
    registry: dict[str, str] = field(default_factory=dict)


#: Keyed values a snapshot keeps (retrievers per filter set…); the oldest go first.
KEEP_KEYED = 64
T = TypeVar("T")


class Snapshot:
    """One generation of the index as loaded: its speakers and chunk list, and everything
    derived from them (the BM25 index, word frequencies, the units collection, heading vectors,
    and what readers build over them: retrievers, context words). Built by
    :meth:`Index.refresh` when the generation moves; what hangs off it goes with it."""

    def __init__(
        self, generation: int, registry: dict[str, str], records: list[dict[str, Any]]
    ) -> None:
        self.generation = generation
        self.registry = registry
        self.records = records
        self._lock = threading.RLock()
        self._values: dict[str, Any] = {}
        self._keyed: OrderedDict[Hashable, Any] = OrderedDict()

    def value(self, name: str, build: Callable[[], T]) -> T:
        """The value ``name`` of this generation, built on first use (one of a few fixed
        names: "bm25", "frequency"…)."""
        with self._lock:
            if name not in self._values:
                self._values[name] = build()
            return cast(T, self._values[name])

    def keyed(self, key: Hashable, build: Callable[[], T]) -> T:
        """A value of this generation kept by ``key`` (a filter set…), built on first use; at
        most :data:`KEEP_KEYED` are kept, the least recently used going first."""
        with self._lock:
            if key in self._keyed:
                self._keyed.move_to_end(key)
                return cast(T, self._keyed[key])
            value = build()
            self._keyed[key] = value
            while len(self._keyed) > KEEP_KEYED:
                self._keyed.popitem(last=False)
            return value


class Index:
    """An opened index. Thread-safe; cheap to keep for the life of a process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = IndexStore.open(settings)
        self._lock = threading.RLock()
        self._snapshot: Snapshot | None = None
        self._local = threading.local()

    @property
    def location(self) -> str:
        """Where the index lives (folder or server URL)."""
        return describe_location(self.settings)

    def refresh(self) -> bool:
        """Load a new :class:`Snapshot` if the index changed; return whether it did. Inside
        :meth:`pinned`, the index is not looked at again."""
        if getattr(self._local, "pinned", 0) and self._snapshot is not None:
            return False
        with self._lock:
            meta = self.store.metadata()
            generation = int(meta.get("generation", 0))
            if self._snapshot is not None and generation == self._snapshot.generation:
                return False
            self._snapshot = Snapshot(
                generation, self.store.speaker_registry(), list(self.store.iter_records())
            )
            return True

    def snapshot(self) -> Snapshot:
        """The loaded generation (after a refresh, unless pinned)."""
        with self._lock:
            self.refresh()
            assert self._snapshot is not None
            return self._snapshot

    def generation(self) -> int:
        """The index's generation: it moves whenever the index changes."""
        return self.store.generation()

    def loaded_generation(self) -> int:
        """The generation of what this object has loaded (after a refresh, unless pinned)."""
        return self.snapshot().generation

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Within the block, this thread reads the index as it was on entry: a question reads
        it a dozen times, and each look at whether another process changed it is a round trip
        to the store. Nested blocks are fine."""
        self.refresh()
        self._local.pinned = getattr(self._local, "pinned", 0) + 1
        try:
            yield
        finally:
            self._local.pinned -= 1

    def bm25(self) -> BM25Retriever | None:
        """The BM25 retriever over every chunk (None for an empty index), loaded on first use."""
        snap = self.snapshot()
        return snap.value("bm25", lambda: self._load_bm25(snap.generation))

    def _load_bm25(self, generation: int) -> BM25Retriever | None:
        folder = bm25_dir(self.settings)
        if saved_generation(folder) == generation:
            try:
                return load_bm25(folder)
            except (OSError, ValueError, KeyError) as exc:
                raise IndexUnavailableError(
                    f"the BM25 index at {folder} cannot be read ({type(exc).__name__}): "
                    "re-ingest with --rebuild"
                ) from exc
        # The saved BM25 index lags behind Chroma (an ingest was interrupted, or another
        # machine ingested into the server): rebuild it from what Chroma holds.
        bm25 = build_bm25(self.store.all_nodes())
        try:
            save_bm25(bm25, folder, generation)
        except OSError as exc:
            # A read-only location: the in-memory index is still correct; say so and go on.
            logging.getLogger(__name__).warning("BM25 index not saved to %s: %s", folder, exc)
        return bm25

    def vector_store(self) -> ChromaVectorStore:
        """The Chroma collection as a llama-index vector store."""
        return self.store.vector_store()

    def initials(self, label: str) -> str:
        """Initials of a speaker label, as assigned over the whole index."""
        registry = self._snapshot.registry if self._snapshot is not None else {}
        return registry.get(label) or base_initials(label)

    def speaker_registry(self) -> dict[str, str]:
        """Speaker label → initials for every speaker in the index."""
        return dict(self.snapshot().registry)

    def record_metadata(self) -> list[dict[str, Any]]:
        """Metadata of every chunk (cached per generation)."""
        return [r["metadata"] for r in self.snapshot().records]

    def vocabulary(self) -> AbstractSet[str]:
        """Every word (lower-cased) of every chunk and its section, cached per generation (a view,
        not a copy: it is read on every question)."""
        return self.document_frequency().keys()

    def document_frequency(self) -> dict[str, float]:
        """For every word (lower-cased), the share of chunks whose text or section holds it;
        cached per generation."""
        return self.snapshot().value("frequency", self._count_words)

    def _count_words(self) -> dict[str, float]:
        counts: Counter[str] = Counter()
        total = 0
        for rec in self.store.iter_records(("documents", "metadatas")):
            meta = rec["metadata"]
            context = f"{meta.get('section', '')} {meta.get('question', '')}"
            text = f"{rec['document'] or ''} {context}"
            # "staff-plus" also counts as "staff" and "plus".
            counts.update(word_set(text))
            total += 1
        return {w: c / max(total, 1) for w, c in counts.items()}

    def following(self, ids: list[str], turns: int = 1) -> list[dict[str, Any]]:
        """The chunks that come next after each of ``ids`` in its document by the same speaker:
        the rest of its turn, then that speaker's next ``turns`` turns (what they said next,
        answering the interviewer's follow-ups). Records ``{"id", "metadata", "document"}``, in
        document order, without ``ids`` themselves."""
        by_id = {r["id"]: r["metadata"] for r in self.snapshot().records}
        wanted: list[str] = []
        for id_ in ids:
            meta = by_id.get(id_)
            if meta is None:
                continue
            turn, piece = int(meta.get("turn_index", 0)), int(meta.get("chunk_index", 0))
            same = [
                (int(m.get("turn_index", 0)), int(m.get("chunk_index", 0)), i)
                for i, m in by_id.items()
                if m.get("doc_id") == meta.get("doc_id") and m.get("speaker") == meta.get("speaker")
            ]
            later = sorted(t for t in same if (t[0], t[1]) > (turn, piece))
            turns_seen = sorted({t[0] for t in later})[:turns] if later else []
            wanted += [i for t, _, i in later if t == turn or t in turns_seen]
        wanted = [i for i in dict.fromkeys(wanted) if i not in ids]
        if not wanted:
            return []
        try:
            got = self.store.collection.get(ids=wanted, include=["metadatas", "documents"])
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc
        records = {
            i: {"id": i, "metadata": dict(m or {}), "document": d or ""}
            for i, m, d in zip(
                got["ids"], got["metadatas"] or [], got["documents"] or [], strict=False
            )
        }
        return [records[i] for i in wanted if i in records]

    def embeddings(self, ids: list[str]) -> dict[str, list[float]]:
        """Stored vectors of some chunks, by id."""
        if not ids:
            return {}
        try:
            got = self.store.collection.get(ids=ids, include=["embeddings"])
        except store_failures() as exc:
            raise unavailable(self.settings, exc) from exc
        vectors = got.get("embeddings")
        if vectors is None:
            return {}
        return {i: list(v) for i, v in zip(got["ids"], vectors, strict=False)}

    def unit_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The vectors ingest stored for the quotable units and headings of some chunks, by the
        text embedded (a unit's ``words_only`` text, the heading as it is); empty for an index
        written without them. One batched read."""
        units = self._unit_store()
        return units.vectors(ids) if units is not None else {}

    def _unit_store(self) -> UnitStore | None:
        """The units collection of the loaded generation (None when there is none)."""
        return self.snapshot().value(
            "units", lambda: UnitStore.open(self.settings, self.store.client)
        )

    def heading_vectors(self) -> dict[str, np.ndarray]:
        """The vectors ingest stored for every chunk's heading (the interviewer's question, the
        summary's section), by heading; read once per generation, empty for an index written
        without them."""

        def read() -> dict[str, np.ndarray]:
            units = self._unit_store()
            return units.headings() if units else {}

        return self.snapshot().value("headings", read)

    def stored_chunks(self) -> StoredChunks:
        """Every chunk with its text, metadata and stored vector, read in pages (nothing is
        embedded: the vectors are those ingest wrote). Rows come sorted by chunk id, so the
        order never depends on how the store pages."""
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        vectors: list[Any] = []
        for rec in self.store.iter_records(("metadatas", "documents", "embeddings")):
            if rec.get("embedding") is None:
                continue
            ids.append(rec["id"])
            texts.append(rec["document"] or "")
            metas.append(rec["metadata"])
            vectors.append(rec["embedding"])
        order = sorted(range(len(ids)), key=ids.__getitem__)
        return StoredChunks(
            ids=[ids[i] for i in order],
            texts=[texts[i] for i in order],
            metadatas=[metas[i] for i in order],
            vectors=[vectors[i] for i in order],
            registry=self.store.speaker_registry(),
        )

    def stats(self) -> IndexStats:
        """Documents and speakers of the index, with chunk counts."""
        metas = self.record_metadata()
        stats = IndexStats(location=self.location, chunks=len(metas))
        doc_chunks: Counter[str] = Counter()
        doc_info: dict[str, tuple[str, str]] = {}
        doc_speakers: dict[str, set[str]] = defaultdict(set)
        speaker_chunks: Counter[str] = Counter()
        speaker_kinds: dict[str, set[str]] = defaultdict(set)
        speaker_roles: dict[str, Counter[str]] = defaultdict(Counter)
        speaker_docs: dict[str, set[str]] = defaultdict(set)
        for m in metas:
            doc_id, speaker = str(m.get("doc_id")), str(m.get("speaker"))
            doc_chunks[doc_id] += 1
            doc_info[doc_id] = (str(m.get("kind", "")), str(m.get("source_path", "")))
            doc_speakers[doc_id].add(speaker)
            speaker_chunks[speaker] += 1
            speaker_kinds[speaker].add(str(m.get("kind", "")))
            speaker_roles[speaker][str(m.get("role", "interviewee"))] += 1
            speaker_docs[speaker].add(doc_id)
        stats.documents = [
            DocumentStat(d, *doc_info[d], doc_chunks[d], tuple(sorted(doc_speakers[d])))
            for d in sorted(doc_chunks)
        ]
        order = sorted(speaker_chunks, key=lambda s: (s == SUMMARY_SPEAKER, s.lower()))
        stats.speakers = [
            SpeakerStat(
                s,
                self.initials(s),
                speaker_chunks[s],
                tuple(sorted(speaker_kinds[s])),
                speaker_roles[s].most_common(1)[0][0],
                tuple(sorted(speaker_docs[s])),
            )
            for s in order
        ]
        stats.likely_same = likely_same(presence(metas))
        return stats
