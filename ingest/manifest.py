"""The ingest manifest: a small JSON file beside the index that lets a re-ingest of an unchanged
corpus finish without opening Chroma or importing any model library.

A successful ingest (no file errors) of the embedded store writes it last, atomically: the
folders or files ingested, every file read (document id, path, size, mtime, sha256), a signature
of the settings and of ingest's own code, the store's generation and the totals of the index.
Every ingest that does not stop at the manifest deletes it before touching the index, so an
ingest killed half-way leaves none and the next ingest takes the full path.

A later ingest is a no-op when nothing it could see has moved: the same resolved paths, the same
discovered files with the same size and mtime (or, when the mtime differs or is too close to the
manifest to be trusted, the same sha256), the same recordings beside them (same path, size and
mtime, or still none), the same settings and code, the store (read from its
SQLite file with the standard library) and the BM25 index still at the recorded generation and
ready, the stored units (:mod:`interview_qa.ingest.unit_store`) there and cut with the
configured split and, with the ``auto`` backend, a current ONNX export. With
``--rebuild`` or a Chroma server (whose contents other clients can change) the full path always
runs.

Standard library only: this runs before torch, onnxruntime, llama-index or Chroma are imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interview_qa.ingest import media
from interview_qa.ingest.sources import SourceFile
from interview_qa.ingest.text import file_sha256
from interview_qa.ingest.units import SplitRule

if TYPE_CHECKING:
    from interview_qa.ingest.settings import Settings

FILE_NAME = "ingest-manifest.json"
FORMAT = 2
#: A file whose mtime lies this close to (or after) the moment the manifest's ingest started is
#: compared by content: it may have changed again within the same clock tick.
RACY_NS = 2_000_000_000
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileRecord:
    """One file as an ingest read it."""

    doc_id: str
    path: str
    size: int
    mtime_ns: int
    sha256: str
    #: What its recording lookup found (:func:`interview_qa.ingest.media.lookup`).
    media: dict[str, Any] | None = None


@dataclass(frozen=True)
class Totals:
    """What the index held after the recorded ingest."""

    documents: int
    speakers: int
    chunks: int
    #: Speakers likely to be one person, as the ingest reported them.
    likely_same: list[list[str]] = field(default_factory=list)


def manifest_path(settings: Settings) -> Path:
    """Where the manifest of the embedded index of ``settings`` lives."""
    return settings.store.index_dir / FILE_NAME


def forget(settings: Settings) -> None:
    """Delete the manifest: the index is about to change (or was built another way)."""
    manifest_path(settings).unlink(missing_ok=True)


def snapshot(files: Sequence[SourceFile]) -> list[FileRecord]:
    """Size, mtime and sha256 of every file, taken before an ingest reads them (a file changed
    while the ingest runs then differs from its record, and the next ingest looks at it again).
    Raises OSError for a file that can't be read (the caller then writes no manifest)."""
    records = []
    for f in files:
        stat = f.path.stat()
        records.append(
            FileRecord(f.doc_id, str(f.path), stat.st_size, stat.st_mtime_ns, file_sha256(f.path))
        )
    return records


def _code_signature() -> list[tuple[str, int, int]]:
    """Size and mtime of ingest's own modules: new code may chunk differently."""
    here = Path(__file__).resolve().parent
    out = []
    for path in sorted(here.rglob("*.py")):
        stat = path.stat()
        out.append((path.relative_to(here).as_posix(), stat.st_size, stat.st_mtime_ns))
    return out


def signature(settings: Settings) -> str:
    """A digest of what decides the index's contents besides the files: the embedding, chunking
    and store settings, and ingest's code."""
    data = {
        "embedding": settings.embedding.model_dump(mode="json"),
        "chunking": settings.chunking.model_dump(mode="json"),
        "units": SplitRule.of(settings).signature,
        "store": settings.store.model_dump(mode="json"),
        "onnx_dir": str(settings.onnx_dir),
        "code": _code_signature(),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _resolved(sources: Sequence[Path]) -> list[str]:
    return [str(Path(p).expanduser().resolve()) for p in sources]


def record(
    settings: Settings,
    sources: Sequence[Path],
    files: Sequence[FileRecord],
    *,
    started_ns: int,
    generation: int,
    totals: Totals,
) -> None:
    """Write the manifest of a successful ingest, atomically (a temporary file renamed over it).

    ``started_ns`` is ``time.time_ns()`` taken before the files were snapshotted.
    Only for the embedded store; does nothing with a Chroma server.
    """
    if settings.store.chroma_url:
        return
    data = {
        "format": FORMAT,
        "signature": signature(settings),
        "sources": _resolved(sources),
        "started_ns": started_ns,
        "generation": generation,
        "totals": asdict(totals),
        "files": [asdict(f) for f in files],
    }
    target = manifest_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(settings: Settings) -> dict[str, Any] | None:
    try:
        data = json.loads(manifest_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def _unchanged(file: SourceFile, rec: dict[str, Any], started_ns: int) -> bool:
    """Whether ``file`` still is what ``rec`` says: same size, and same mtime (trusted only when
    well before the recorded ingest started) or else the same sha256; and its recording lookup
    finds what it found then."""
    try:
        stat = file.path.stat()
        if stat.st_size != rec["size"]:
            return False
        trusted = stat.st_mtime_ns == rec["mtime_ns"] and rec["mtime_ns"] + RACY_NS < started_ns
        if not trusted and file_sha256(file.path) != rec["sha256"]:
            return False
        return media.unchanged(file.path, rec.get("media"))
    except OSError:
        return False


def _onnx_pending(settings: Settings) -> bool:
    """Whether a full ingest would export the embedder to ONNX (``auto`` backend, no export)."""
    from interview_qa.ingest.embedder import is_packaged, onnx_export_is_current

    cfg = settings.embedding
    if cfg.backend != "auto" or cfg.model_dir is None or not is_packaged(Path(cfg.model_dir)):
        return False
    return not onnx_export_is_current(settings.onnx_dir, cfg.model_sha256)


def _store_state(settings: Settings) -> tuple[object, object] | None:
    """The generation and state our collection's metadata holds, read straight from Chroma's
    SQLite file (read-only, without Chroma); None when that file can't be read that way (the
    full path then opens it properly and says what is wrong). A corrupt or replaced database, or
    one another program changed, does not pass for the recorded one."""
    import sqlite3

    db = settings.store.index_dir / "chroma.sqlite3"
    if not db.is_file():
        return None
    query = (
        "SELECT m.key, m.str_value, m.int_value FROM collections c "
        "JOIN collection_metadata m ON m.collection_id = c.id "
        "WHERE c.name = ? AND m.key IN ('generation', 'state')"
    )
    try:
        connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = connection.execute(query, (settings.store.collection,)).fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    values = {key: text if text is not None else number for key, text, number in rows}
    return values.get("generation"), values.get("state")


def _units_split(settings: Settings) -> object:
    """The split the stored units were cut with, read from Chroma's SQLite file like
    :func:`_store_state`; None when there are none (or the file can't be read that way)."""
    import sqlite3

    from interview_qa.ingest.store import units_collection_name

    db = settings.store.index_dir / "chroma.sqlite3"
    query = (
        "SELECT m.str_value FROM collections c JOIN collection_metadata m "
        "ON m.collection_id = c.id WHERE c.name = ? AND m.key = 'split'"
    )
    try:
        connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute(query, (units_collection_name(settings),)).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def unchanged_since_last_ingest(
    settings: Settings, sources: Sequence[Path], files: Sequence[SourceFile]
) -> Totals | None:
    """The index's totals when an ingest of ``sources`` (discovered as ``files``) would change
    nothing, per the manifest; None when the full ingest must run (see the module docstring)."""
    from interview_qa.ingest.bm25 import saved_generation
    from interview_qa.ingest.store import bm25_dir

    if settings.store.chroma_url:
        return None
    data = _load(settings)
    if data is None:
        return None
    try:
        recorded = data["files"]
        started_ns = int(data["started_ns"])
        if (
            data["sources"] != _resolved(sources)
            or [(r["doc_id"], r["path"]) for r in recorded]
            != [(f.doc_id, str(f.path)) for f in files]
            or data["signature"] != signature(settings)
            or saved_generation(bm25_dir(settings)) != data["generation"]
            or _store_state(settings) != (data["generation"], "ready")
            or _units_split(settings) != SplitRule.of(settings).signature
            or _onnx_pending(settings)
            or not all(_unchanged(f, r, started_ns) for f, r in zip(files, recorded, strict=True))
        ):
            return None
        return Totals(**data["totals"])
    except (KeyError, TypeError, ValueError):
        return None  # a manifest of another shape: not ours to trust
