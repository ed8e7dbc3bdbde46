"""Which files a folder given to ingest contributes, and the document id of each: the one home of
the discovery rule (hidden files and folders, ``README*`` files and recordings are skipped).

Light on purpose (standard library only): the no-op check of ``interview-qa ingest`` runs it
before anything heavy is imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.media import is_media


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest, its document id, and the id prefix its folder owns."""

    path: Path
    doc_id: str
    scope: str


#: Why a recording given to ingest on its own is not read (one line, naming no file).
RECORDING_GIVEN = (
    "a recording, not a transcript: give its transcript (the recording is found beside it, "
    "with the same name, or named by the transcript's `media:` front matter)"
)

#: Speaker files (label → full name and role) that sit beside transcripts: read, not ingested.
SPEAKER_FILES = ("speakers.yaml", "speakers.yml")


def is_skipped(path: Path, root: Path) -> bool:
    """Whether ingest skips ``path`` inside the folder ``root``: a hidden file, a file in a hidden
    folder (below ``root``), a ``README*`` file, a speakers file, or a recording (read with its
    transcript, :mod:`interview_qa.ingest.media`)."""
    rel = path.relative_to(root).parts
    return (
        any(p.startswith(".") for p in rel)
        or path.name.upper().startswith("README")
        or path.name in SPEAKER_FILES
        or is_media(path)
    )


def corpus_files(folder: Path) -> list[Path]:
    """The files of ``folder`` (walked recursively, sorted) that ingest reads from it, as paths
    under ``folder`` as given."""
    root = Path(folder).expanduser()
    return [p for p in sorted(root.rglob("*")) if p.is_file() and not is_skipped(p, root)]


def scope_of(path: Path) -> str:
    """The document id prefix a path given to ingest owns (``<folder name>/`` or the file name)."""
    resolved = Path(path).expanduser().resolve()
    return f"{resolved.name}/" if resolved.is_dir() else resolved.name


def discover(paths: Iterable[Path]) -> tuple[list[SourceFile], list[InputError]]:
    """Expand folders into the files ingest reads (see :func:`corpus_files`) and give each its
    document id, ``<folder name>/<path inside it>`` (the file name for a file given directly).
    Paths that don't exist, and recordings given on their own, are returned as errors."""
    files: list[SourceFile] = []
    errors: list[InputError] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            root = path.resolve()
            scope = scope_of(root)
            for item in corpus_files(root):
                files.append(
                    SourceFile(item, f"{root.name}/{item.relative_to(root).as_posix()}", scope)
                )
        elif path.exists() and is_media(path):
            errors.append(InputError(path, RECORDING_GIVEN))
        elif path.exists():
            files.append(SourceFile(path.resolve(), path.name, scope_of(path)))
        else:
            errors.append(InputError(path, "no such file or folder"))
    return files, errors
