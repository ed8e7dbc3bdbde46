"""Ingesting folders of transcripts and summaries into the index: incremental, idempotent and
safe to kill.

* Chunk ids are derived from document id, position and text, so the same content always maps
  to the same ids: a re-ingest adds only ids the store lacks and deletes only ids no longer
  produced. An unchanged corpus embeds nothing.
* New chunks are written before stale ones are deleted, batch by batch; an ingest killed at any
  point leaves a store that opens and answers, and the next ingest completes it exactly.
* Files that fail keep whatever they had in the index; a file gone from an ingested folder loses
  its chunks. Documents are identified as ``<folder name>/<path inside it>`` (or the file name
  for a file given directly); only documents under the folders being ingested are ever removed.
* A re-ingest of an unchanged corpus stops at the manifest beside the index
  (:mod:`interview_qa.ingest.manifest`) before Chroma is opened or a model library imported.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interview_qa.ingest import manifest, media
from interview_qa.ingest.bm25 import build_bm25, save_bm25, saved_generation
from interview_qa.ingest.errors import EmbeddingError, InputError
from interview_qa.ingest.parsers import read_source
from interview_qa.ingest.parsers.frontmatter import front_matter_of
from interview_qa.ingest.people import (
    likely_same,
    merge_entries,
    merged_speaker,
    presence,
    speaker_files,
)
from interview_qa.ingest.sources import SourceFile, discover, scope_of
from interview_qa.ingest.speakers import assign_initials
from interview_qa.ingest.store import IndexStore, bm25_dir
from interview_qa.ingest.turns import SUMMARY_SPEAKER, UNKNOWN_SPEAKER
from interview_qa.ingest.unit_store import UnitStore

if TYPE_CHECKING:
    import numpy as np
    from llama_index.core.schema import TextNode

    from interview_qa.ingest.embedder import Embedder
    from interview_qa.ingest.settings import Settings

#: Called as ``progress(done, total)`` while chunks are embedded.
ProgressFn = Callable[[int, int], None]
EMBED_BATCH = 512
#: What a failing embedder raises: torch and ONNX Runtime report their failures (out of memory,
#: bad input, a broken model file) as RuntimeError; reading the weights can raise OSError.
EMBEDDING_FAILURES = (RuntimeError, MemoryError, OSError)


@dataclass
class IngestReport:
    """What an ingest did."""

    documents: int = 0
    speakers: int = 0
    chunks: int = 0
    added: int = 0
    removed: int = 0
    #: Texts of units and headings embedded (:mod:`interview_qa.ingest.unit_store`).
    units: int = 0
    #: Seconds spent embedding and storing them (part of ``seconds``).
    units_seconds: float = 0.0
    unchanged_documents: int = 0
    changed_documents: int = 0
    removed_documents: int = 0
    errors: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Speakers of different documents who are likely one person, most quoted first
    #: (:func:`interview_qa.ingest.people.likely_same`): for ``speakers.yaml`` to merge.
    likely_same: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def nothing_to_embed(self) -> bool:
        """Whether the ingest embedded nothing (everything was up to date)."""
        return self.added == 0 and self.units == 0


def _in_scope(doc_id: str, scopes: set[str]) -> bool:
    return any(doc_id == s or (s.endswith("/") and doc_id.startswith(s)) for s in scopes)


#: Chunk metadata that can change while the chunk's id (its document, position, text and
#: speaker) stays: such chunks get their metadata rewritten, not re-embedded.
REWRITTEN_KEYS = ("start_time", "end_time", "cues", *media.MEDIA_KEYS)


@dataclass
class ChunkedFile:
    """One file read and chunked: its chunks (with their recording's metadata), what the
    recording lookup found (for the manifest) and one-line notes about the recording."""

    nodes: list[TextNode]
    media: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def chunk_file(source: SourceFile, settings: Settings) -> list[TextNode]:
    """Read and chunk one file; raise InputError on bad input."""
    return read_and_chunk(source, settings).nodes


def read_and_chunk(source: SourceFile, settings: Settings) -> ChunkedFile:
    """Read and chunk one file and attach its recording to its timed chunks
    (:func:`attach_media`); raise InputError on bad input (a bad recording is only a note)."""
    text = read_source(source.path)
    nodes = _chunk_text(source, text, settings)
    looked_up, notes = attach_media(source.path, text, nodes)
    return ChunkedFile(nodes, looked_up, notes)


def _chunk_text(source: SourceFile, text: str, settings: Settings) -> list[TextNode]:
    from llama_index.core.schema import Document, TextNode

    from interview_qa.ingest.chunker import SpeakerTurnNodeParser

    parser = SpeakerTurnNodeParser(
        max_chars=settings.chunking.max_chars,
        overlap_sentences=settings.chunking.overlap_sentences,
        hosts=settings.speakers.hosts,
    )
    doc = Document(
        text=text,
        id_=source.doc_id,
        metadata={
            "source_path": str(source.path),
            "doc_hash": hashlib.sha256(text.encode()).hexdigest()[:16],
        },
    )
    return [n for n in parser.get_nodes_from_documents([doc]) if isinstance(n, TextNode)]


def attach_media(
    path: Path, text: str, nodes: Sequence[TextNode]
) -> tuple[dict[str, Any], list[str]]:
    """Find the recording of the transcript at ``path`` (:mod:`interview_qa.ingest.media`) and
    record it in the metadata of its timed chunks, those that start before its end when its
    length is known. Returns what the lookup found (for the manifest) and one line for each
    problem: a recording named but missing, unreadable, not audio or video, outside the
    transcript's folder; chunks past its end; a transcript without times. Never raises for
    the recording: the transcript is indexed either way."""
    try:
        ref = media.reference(front_matter_of(path, text))
    except (media.MediaError, InputError) as exc:
        return {"ref": None, "state": media.REFUSED}, [f"{path}: {exc}; {NO_RECORDING}"]
    looked_up = media.lookup(path, ref)
    try:
        found = media.locate(path, ref)
        if found is None:
            return looked_up, []
        recording = media.probe(found)
    except media.MediaError as exc:
        return looked_up, [f"{path}: {exc}; {NO_RECORDING}"]
    timed = [n for n in nodes if n.metadata.get("start_time") is not None]
    if not timed:
        return looked_up, [f"{path}: has no times, so its recording {found.name} can't be cued"]
    past = [
        n
        for n in timed
        if recording.duration is not None
        and float(n.metadata["start_time"]) > recording.duration + media.END_TOLERANCE_S
    ]
    meta = recording.metadata()
    for node in timed:
        if node in past:
            continue
        node.metadata.update(meta)
        for keys in (node.excluded_embed_metadata_keys, node.excluded_llm_metadata_keys):
            keys.extend(k for k in meta if k not in keys)
    notes = []
    if past and recording.duration is not None:
        first = media.clock(min(float(n.metadata["start_time"]) for n in past))
        notes.append(
            f"{path}: {len(past)} passage(s) from {first} on start after the end of its "
            f"recording {found.name} ({media.clock(recording.duration)}): they play no recording"
        )
    return looked_up, notes


#: The end of a note about a transcript's recording that can't be used.
NO_RECORDING = "the transcript is indexed without its recording"


def ingest(
    paths: Sequence[Path] | None,
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: ProgressFn | None = None,
    embedder: Embedder | None = None,
) -> IngestReport:
    """Bring the index up to date with ``paths`` (default: the bundled corpus).

    Returns a report; files that could not be ingested are listed in ``report.errors`` and keep
    whatever they had in the index. When the manifest shows nothing changed since the last clean
    ingest, returns at once with the recorded totals. Raises EmbeddingError when the embedder
    fails, IndexUnavailableError when the store can't be reached or written.
    """
    started = time.perf_counter()
    sources = list(paths or settings.corpus.paths)
    missing = [Path(p) for p in sources if not Path(p).expanduser().exists()]
    if missing and len(missing) == len(sources):
        # Nothing to read at all: say so before creating or touching any index.
        hint = "" if paths else " (the bundled corpus: pass the folders to ingest)"
        raise InputError(missing[0], f"no such file or folder{hint}")
    files, errors = discover(sources)
    # The speakers.yaml files are watched too: an edited one re-resolves the speakers.
    yamls = speaker_files(sources)
    if not rebuild and not errors:
        totals = manifest.unchanged_since_last_ingest(settings, sources, [*files, *yamls])
        if totals is not None:
            return IngestReport(
                documents=totals.documents,
                speakers=totals.speakers,
                chunks=totals.chunks,
                unchanged_documents=len(files),
                seconds=time.perf_counter() - started,
                likely_same=[tuple(g) for g in totals.likely_same],
            )
    # The index may change from here on: no manifest until this ingest has finished cleanly.
    manifest.forget(settings)
    snapshot_started = time.time_ns()
    snapshot = _snapshot([*files, *yamls])
    if rebuild:
        IndexStore.drop(settings)
    store = IndexStore.open(settings, create=True)
    report = IngestReport(errors=errors)

    produced: dict[str, list[TextNode]] = {}
    looked_up: dict[str, dict[str, Any]] = {}
    for source in files:
        try:
            chunked = read_and_chunk(source, settings)
        except InputError as exc:
            report.errors.append(exc)
            continue
        produced[source.doc_id] = chunked.nodes
        looked_up[source.doc_id] = chunked.media
        report.notes.extend(chunked.notes)
    held = {rec["id"]: rec["metadata"] for rec in store.iter_records()}
    existing: dict[str, set[str]] = {}
    for id_, meta in held.items():
        existing.setdefault(str(meta.get("doc_id", "")), set()).add(id_)
    scopes = {scope_of(Path(p)) for p in sources}
    on_disk = {f.doc_id for f in files}

    to_add: list[TextNode] = []
    to_delete: list[str] = []
    # Chunks kept as they are whose times or recording changed: metadata rewritten in place.
    to_rewrite: list[TextNode] = []
    for doc_id, nodes in produced.items():
        have = existing.get(doc_id, set())
        want = {n.node_id for n in nodes}
        if have == want:
            stale = [n for n in nodes if _rewritten(held[n.node_id], n.metadata)]
            if not stale:
                report.unchanged_documents += 1
                continue
            report.changed_documents += 1
            to_rewrite.extend(stale)
            continue
        report.changed_documents += 1
        to_add.extend(n for n in nodes if n.node_id not in have)
        to_delete.extend(sorted(have - want))
    for doc_id, ids in existing.items():
        if doc_id not in on_disk and _in_scope(doc_id, scopes):
            report.removed_documents += 1
            to_delete.extend(sorted(ids))

    # What the index will hold: initials are assigned over all of it before anything is written.
    deleted = set(to_delete)
    final = {i: m for i, m in held.items() if i not in deleted}
    final.update({n.node_id: n.metadata for n in [*to_add, *to_rewrite]})
    # speakers.yaml merges name one person the same way in every document of the index.
    merges = _index_merges(store, yamls, scopes, report)
    fresh = {n.node_id: n.metadata for nodes in produced.values() for n in nodes}
    renamed = {i: u for i, u in _apply_merges(final, fresh, merges).items() if i in held}
    registry = assign_initials(str(m.get("speaker", UNKNOWN_SPEAKER)) for m in final.values())
    for node in [*to_add, *to_rewrite]:
        node.metadata["initials"] = registry[node.metadata["speaker"]]

    # Every chunk's units and heading, embedded once here so that questions embed only
    # themselves: those of new chunks, of chunks stored without them, or under another split.
    sync = UnitStore.create(settings, store.client).plan(
        set(final), {n.node_id: (n.get_content(), n.metadata) for n in to_add}, store.documents
    )
    generation = store.generation()
    if to_add or to_delete or sync.pending or renamed or to_rewrite:
        generation += 1
        store.set_metadata(generation=generation, state="writing")
        store.update_metadata(renamed)
        if embedder is None and (to_add or sync.missing):
            from interview_qa.ingest.embedder import make_embedder

            embedder = make_embedder(settings)
        _write(store, to_add, settings, progress, embedder)
        store.rewrite_metadata(to_rewrite, held)
        store.delete_ids(to_delete)
        units_started = time.perf_counter()
        report.units = sync.apply(
            _unit_embedding(embedder) if embedder is not None else None,
            (lambda done, total: progress(len(to_add) + done, len(to_add) + total))
            if progress
            else None,
        )
        report.units_seconds = time.perf_counter() - units_started
    report.added, report.removed = len(to_add), len(to_delete)
    if renamed:
        report.notes.append(f"speakers.yaml merges renamed the speaker of {len(renamed)} chunks")

    rewritten = {n.node_id for n in to_rewrite}
    _store_speakers(
        store, registry, {i: m for i, m in held.items() if i not in deleted | rewritten}
    )
    folder = bm25_dir(settings)
    if to_add or to_delete or saved_generation(folder) != generation:
        save_bm25(build_bm25(store.all_nodes()), folder, generation)
    store.set_metadata(state="ready")
    if settings.embedding.backend == "auto":
        report.notes.extend(ensure_onnx_export(settings))
    _fill_totals(final, report)
    if snapshot is not None and not report.errors:
        manifest.record(
            settings,
            sources,
            [replace(f, media=looked_up.get(f.doc_id)) for f in snapshot],
            started_ns=snapshot_started,
            generation=generation,
            totals=manifest.Totals(
                report.documents,
                report.speakers,
                report.chunks,
                [list(g) for g in report.likely_same],
            ),
        )
    report.seconds = time.perf_counter() - started
    return report


def _rewritten(stored: dict[str, Any], produced: dict[str, Any]) -> bool:
    """Whether a kept chunk's times or recording differ from what the store holds."""
    return any(stored.get(k) != produced.get(k) for k in REWRITTEN_KEYS)


def _snapshot(files: Sequence[SourceFile]) -> list[manifest.FileRecord] | None:
    """The files' manifest records, or None when one can't be read (its chunking then reports
    it; no manifest is written)."""
    try:
        return manifest.snapshot(files)
    except OSError:
        return None


def _write(
    store: IndexStore,
    nodes: list[TextNode],
    settings: Settings,
    progress: ProgressFn | None,
    embedder: Embedder | None,
) -> None:
    """Embed ``nodes`` and add them to the store, batch by batch, reporting progress."""
    if not nodes:
        return
    from interview_qa.ingest.embedder import make_embedder
    from interview_qa.ingest.llama_embedding import EmbedderAdapter

    embed_model = EmbedderAdapter(embedder or make_embedder(settings))
    done = 0
    if progress:
        progress(0, len(nodes))
    for i in range(0, len(nodes), EMBED_BATCH):
        batch = nodes[i : i + EMBED_BATCH]
        try:
            embedded = embed_model(batch, show_progress=False)
        except EMBEDDING_FAILURES as exc:
            raise EmbeddingError(
                f"embedding {len(batch)} chunks failed ({type(exc).__name__}: "
                f"{_first_line(exc)}); nothing of them was written and the index still answers "
                "as before: fix the cause and run ingest again"
            ) from exc
        store.add_nodes(embedded)
        done += len(batch)
        if progress:
            progress(done, len(nodes))


def _unit_embedding(embedder: Embedder) -> Callable[[list[str]], np.ndarray]:
    """``embedder`` as :meth:`UnitSync.apply` takes it, failures reported as for chunks."""
    import numpy as np

    def embed(texts: list[str]) -> np.ndarray:
        try:
            return np.asarray(embedder.embed(texts), dtype=np.float32)
        except EMBEDDING_FAILURES as exc:
            raise EmbeddingError(
                f"embedding {len(texts)} quotable units failed ({type(exc).__name__}: "
                f"{_first_line(exc)}); the chunks are written and the index answers (their "
                "units are embedded at question time): fix the cause and run ingest again"
            ) from exc

    return embed


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no detail"


def ensure_onnx_export(settings: Settings) -> list[str]:
    """Export the embedder to ONNX (for fast query start-up) unless a current export exists.

    Returns notes for the user; a failed export is reported there, and queries then use
    sentence-transformers.
    """
    from interview_qa.ingest.embedder import (
        ONNX_OTHER_MODEL,
        export_onnx,
        is_packaged,
        onnx_export_is_current,
    )

    cfg = settings.embedding
    if cfg.model_dir is None:
        return []
    if not is_packaged(Path(cfg.model_dir)):
        return [ONNX_OTHER_MODEL]  # the export serves the packaged all-MiniLM-L6-v2 only
    if onnx_export_is_current(settings.onnx_dir, cfg.model_sha256):
        return []
    try:
        export_onnx(cfg.model_dir, cfg.model_sha256, settings.onnx_dir)
    except Exception as exc:  # reported to the user; queries fall back to sentence-transformers
        return [f"ONNX export skipped ({type(exc).__name__}: {exc}); queries use torch"]
    return [f"exported the embedder to ONNX in {settings.onnx_dir} for fast start-up"]


def _store_speakers(
    store: IndexStore, registry: dict[str, str], kept: dict[str, dict[str, Any]]
) -> None:
    """Record the speaker registry, and fix the initials of kept chunks whose initials changed
    (a new speaker can make an old one's initials ambiguous)."""
    updates = {
        id_: {"initials": registry[str(meta.get("speaker", UNKNOWN_SPEAKER))]}
        for id_, meta in kept.items()
        if meta.get("initials") != registry[str(meta.get("speaker", UNKNOWN_SPEAKER))]
    }
    if updates:
        store.update_metadata(updates)
    store.set_metadata(speakers=json.dumps(registry, sort_keys=True))


def _fill_totals(final: dict[str, dict[str, Any]], report: IngestReport) -> None:
    docs = {str(m.get("doc_id")) for m in final.values()}
    speakers = {str(m.get("speaker")) for m in final.values()} - {SUMMARY_SPEAKER}
    report.documents, report.speakers, report.chunks = len(docs), len(speakers), len(final)
    report.likely_same = likely_same(presence(final.values()))


def _index_merges(
    store: IndexStore, yamls: list[SourceFile], scopes: set[str], report: IngestReport
) -> dict[str, list[str | None]]:
    """The merges of every speakers.yaml of the index (folded full name → ``[name, role]``):
    those read now for the paths ingested, and those recorded by earlier ingests of other
    paths. Records the union in the store's metadata."""
    try:
        recorded = json.loads(store.metadata().get("speaker_merges", "{}"))
    except ValueError:
        recorded = {}
    if not isinstance(recorded, dict):
        recorded = {}
    before = json.loads(json.dumps(recorded))
    read, errors = merge_entries(yamls)
    known = {str(e) for e in report.errors}
    report.errors.extend(e for e in errors if str(e) not in known)
    # A path whose speakers.yaml can't be read keeps the merges recorded for it.
    failed = {f.scope for f in yamls if any(e.path == f.path for e in errors)}
    for scope in scopes - failed:
        recorded.pop(scope, None)
    recorded.update({s: entries for s, entries in read.items() if entries and s not in failed})
    merges: dict[str, list[str | None]] = {}
    for scope in sorted(recorded):
        for alias, entry in recorded[scope].items():
            merges.setdefault(alias, entry)
    if recorded != before:
        store.set_metadata(speaker_merges=json.dumps(recorded, sort_keys=True))
    return merges


def _apply_merges(
    final: dict[str, dict[str, Any]],
    fresh: dict[str, dict[str, Any]],
    merges: dict[str, list[str | None]],
) -> dict[str, dict[str, Any]]:
    """Give every chunk the speaker and role the merges make of the one its document resolved
    (this ingest's reading when it read the document, else the stored one), changing ``final``
    in place; returns the changed keys by chunk id."""
    changed: dict[str, dict[str, Any]] = {}
    for id_, meta in final.items():
        base = fresh.get(id_, meta)
        speaker, role = str(base.get("speaker", UNKNOWN_SPEAKER)), base.get("role")
        merge = merged_speaker(speaker, merges)
        if merge is not None:
            speaker, role = merge.name, merge.role or role
        if meta.get("speaker") != speaker or meta.get("role") != role:
            meta["speaker"], meta["role"] = speaker, role
            changed[id_] = {"speaker": speaker, "role": role}
    return changed
