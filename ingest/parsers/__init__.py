"""Reading source files into speaker turns, whatever their format.

Formats, chosen by extension and content:

* ``.vtt`` WebVTT, ``.srt`` SRT subtitles;
* ``.json`` speech-to-text segments;
* ``.md``/``.markdown``/``.txt``: a *summary* when the file name contains "summary" or the front
  matter says ``kind: summary``; a *written interview* when the front matter names the interviewee
  (``name:`` or ``speaker:``), or its ``title`` is a person's name and its questions are lines of
  their own; otherwise labelled turns (``Name: text``).

Speaker labels are then resolved to the people the document names (:mod:`..people`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.parsers.frontmatter import split_front_matter
from interview_qa.ingest.parsers.labelled import parse_labelled
from interview_qa.ingest.parsers.segments import parse_segments
from interview_qa.ingest.parsers.subtitles import parse_srt, parse_vtt
from interview_qa.ingest.parsers.summary import parse_summary
from interview_qa.ingest.parsers.written import interviewee_of, looks_written, parse_written
from interview_qa.ingest.people import resolve_speakers
from interview_qa.ingest.turns import (
    SPOKEN_ROLES,
    ParsedDocument,
    attach_questions,
    fill_end_times,
    merge_consecutive,
)

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".vtt", ".srt", ".json")
_BINARY_SNIFF = 8192

__all__ = ["SUPPORTED_EXTENSIONS", "InputError", "parse_text", "read_source"]


def read_source(path: Path) -> str:
    """Read a file as UTF-8 text, or raise InputError saying in one line why it can't be used."""
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        kinds = ", ".join(SUPPORTED_EXTENSIONS)
        raise InputError(path, f"unsupported file type {path.suffix or '(none)'!r} (use {kinds})")
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise InputError(path, "is a folder, not a file") from exc
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise InputError(path, "binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at position {exc.start})"
        ) from exc
    if not text.strip():
        raise InputError(path, "empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_summary(path: Path, front: dict[str, object]) -> bool:
    """Whether a Markdown/text file is read as a summary rather than a transcript."""
    return str(front.get("kind", "")).lower() == "summary" or "summary" in path.stem.lower()


def parse_text(path: Path, text: str, hosts: Sequence[str] = ()) -> ParsedDocument:
    """Parse a file's text into a :class:`ParsedDocument`, its labels resolved to the people it
    names (``hosts``: names or labels of hosts, from settings); raise InputError on bad content."""
    suffix = path.suffix.lower()
    front: dict[str, object] = {}
    body = 0
    if suffix == ".vtt":
        doc = ParsedDocument(path, "webvtt", "transcript", parse_vtt(path, text))
    elif suffix == ".srt":
        doc = ParsedDocument(path, "srt", "transcript", parse_srt(path, text))
    elif suffix == ".json":
        doc = ParsedDocument(path, "json-segments", "transcript", parse_segments(path, text))
    else:
        front, body = split_front_matter(path, text)
        title = str(front.get("title", ""))
        if is_summary(path, front):
            turns, heading = parse_summary(path, text, body)
            doc = ParsedDocument(path, "summary", "summary", turns, title or heading)
        elif interviewee_of(front) or (person := looks_written(front, text, body)):
            turns = parse_written(path, text, front, body, interviewee_of(front) or person)
            doc = ParsedDocument(path, "written-interview", "transcript", turns, title)
        else:
            doc = ParsedDocument(path, "labelled-turns", "transcript", [], title)
            doc.turns = parse_labelled(path, text, body)
    if doc.kind != "summary":
        resolve_speakers(doc.turns, path, front, text, body, hosts)
    doc.turns = attach_questions(merge_consecutive(fill_end_times(doc.turns)))
    if not any(t.role in SPOKEN_ROLES for t in doc.turns):
        raise InputError(path, "no interviewee text found")
    return doc
