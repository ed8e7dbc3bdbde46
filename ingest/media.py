"""Recordings beside transcripts: finding them, checking that they are audio or video, and
reading their duration when that is cheap.

A transcript's recording is the file its front matter names (``media: recordings/a.m4a``,
relative to the transcript, never outside the transcript's folder), else a file beside it with
the same stem and a media extension (``interview.vtt`` + ``interview.mp3``). Recordings are
never copied into the index: ingest records their path, MIME type, size and (for WAV, Ogg, MP4
and MP3 files with a Xing/Info header) duration with the document's chunks.

Standard library only, and cheap: a header sniff of the first bytes, and for the duration a few
small reads (the WAV header, an MP4's ``moov`` box, an Ogg file's last page).
"""

from __future__ import annotations

import os
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

#: Media extensions, in the order a same-stem recording is looked for, and their MIME types.
MEDIA_TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".webm": "video/webm",
    ".mp4": "video/mp4",
}
MEDIA_EXTENSIONS: tuple[str, ...] = tuple(MEDIA_TYPES)
#: The front matter key naming a transcript's recording.
FRONT_MATTER_KEY = "media"
_SNIFF = 64
#: How far before the end of an Ogg file its last page is looked for.
_OGG_TAIL = 65536
#: A time this much past a recording's known end still counts as inside it (rounding).
END_TOLERANCE_S = 0.5


class MediaError(Exception):
    """A recording that can't be used: the message says why, on one line, naming the file."""


@dataclass(frozen=True)
class Media:
    """A recording as ingest found it."""

    path: Path
    mime: str
    size: int
    duration: float | None = None

    @property
    def is_video(self) -> bool:
        """Whether it is shown in a video player (else an audio player)."""
        return self.mime.startswith("video/")

    def metadata(self) -> dict[str, Any]:
        """The chunk metadata that records it (``media_*`` keys; no duration when unknown)."""
        meta: dict[str, Any] = {
            "media_path": str(self.path),
            "media_type": self.mime,
            "media_size": self.size,
        }
        if self.duration is not None:
            meta["media_duration"] = round(self.duration, 3)
        return meta


#: The chunk metadata keys a recording sets (see :meth:`Media.metadata`).
MEDIA_KEYS = ("media_path", "media_type", "media_size", "media_duration")


def clock(seconds: float) -> str:
    """A time as a recording's player shows it: "0:09", "12:34", "1:02:03"."""
    s = int(seconds)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def is_media(path: Path) -> bool:
    """Whether ``path`` has a media extension (such files are recordings, never transcripts)."""
    return path.suffix.lower() in MEDIA_TYPES


def reference(front: dict[str, Any]) -> str | None:
    """The recording a transcript's front matter names (``media:``), as written; None when it
    names none. Raises MediaError when the value is not a file path."""
    value = front.get(FRONT_MATTER_KEY)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MediaError(f"`{FRONT_MATTER_KEY}:` in the front matter must be a file path")
    return value.strip()


def locate(transcript: Path, ref: str | None) -> Path | None:
    """The recording of ``transcript``: the file ``ref`` (its front matter's ``media:``) names,
    relative to the transcript's folder, else a file beside it with the same stem and a media
    extension. None when there is none. The named file need not exist (:func:`probe` says so);
    a ``ref`` that leaves the transcript's folder (``..``, an absolute path elsewhere) raises
    MediaError."""
    folder = transcript.parent
    if ref is not None:
        target = Path(os.path.normpath(folder / Path(ref).expanduser()))
        if not target.is_relative_to(Path(os.path.normpath(folder))):
            raise MediaError(
                f"{ref}: the recording must lie in the transcript's folder or below it"
            )
        return target
    for ext in MEDIA_EXTENSIONS:
        for suffix in (ext, ext.upper()):
            candidate = transcript.with_name(transcript.stem + suffix)
            if candidate.is_file():
                return candidate
    return None


def stamp(path: Path | None) -> list[Any] | None:
    """What tells whether a recording changed: its path, size and mtime (size -1 when it is
    missing); None for no recording."""
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return [str(path), -1, 0]
    return [str(path), st.st_size, st.st_mtime_ns]


#: The lookup state of a transcript whose ``media:`` was refused (it stands while the transcript
#: is unchanged).
REFUSED = ["refused"]


def lookup(transcript: Path, ref: str | None) -> dict[str, Any]:
    """What the recording lookup of ``transcript`` found, for the ingest manifest: the reference
    its front matter gives and the :func:`stamp` of the file found (or :data:`REFUSED`)."""
    try:
        found = stamp(locate(transcript, ref))
    except MediaError:
        found = REFUSED
    return {"ref": ref, "state": found}


def unchanged(transcript: Path, recorded: Any) -> bool:
    """Whether the recording lookup of an unchanged ``transcript`` still finds what
    :func:`lookup` recorded (the same file, same size and mtime; still none; still refused)."""
    if not isinstance(recorded, dict) or "state" not in recorded:
        return False
    if recorded["state"] == REFUSED:
        return True
    ref = recorded.get("ref")
    return lookup(transcript, ref if isinstance(ref, str) else None) == recorded


def probe(path: Path) -> Media:
    """The recording at ``path``: its MIME type from its first bytes (the extension decides only
    between audio and video of one container), size and, when cheap, duration. Raises MediaError
    when it is missing, unreadable, or not audio or video."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_SNIFF)
            mime = sniff(head, path.suffix.lower())
            if mime is None:
                raise MediaError(f"{path}: not an audio or video file (unrecognised header)")
            duration = _duration(handle, head, mime, size)
    except FileNotFoundError:
        raise MediaError(f"{path}: recording not found") from None
    except IsADirectoryError:
        raise MediaError(f"{path}: is a folder, not a recording") from None
    except OSError as exc:
        raise MediaError(f"{path}: cannot read recording: {exc.strerror or exc}") from None
    return Media(path, mime, size, duration)


def sniff(head: bytes, suffix: str = "") -> str | None:
    """The MIME type the first bytes of a file show (WAV, MP3, Ogg, WebM/Matroska, MP4), or
    None when they show no audio or video format."""
    if len(head) >= 12 and head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[:4] == b"OggS":
        return "audio/ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "audio/webm" if suffix == ".weba" else "video/webm"
    if len(head) >= 8 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        brand = head[8:12] if head[4:8] == b"ftyp" else b""
        audio = suffix == ".m4a" or brand in (b"M4A ", b"M4B ")
        return "audio/mp4" if audio else "video/mp4"
    return None


def _duration(handle: BinaryIO, head: bytes, mime: str, size: int) -> float | None:
    """The recording's length in seconds when its header says it cheaply; None otherwise (or
    when the header is damaged: a recording of unknown length still plays)."""
    try:
        if mime == "audio/wav":
            return _wav_duration(handle)
        if mime == "audio/ogg":
            return _ogg_duration(handle, size)
        if mime.endswith("/mp4"):
            return _mp4_duration(handle, size)
        if mime == "audio/mpeg":
            return _mp3_duration(handle, head)
    except (OSError, EOFError, wave.Error, struct.error, ValueError, ZeroDivisionError):
        return None
    return None


def _wav_duration(handle: BinaryIO) -> float | None:
    handle.seek(0)
    try:
        with wave.open(handle) as w:
            rate = w.getframerate()
            return w.getnframes() / rate if rate else None
    except wave.Error:
        pass
    # Formats the wave module doesn't read (float, extensible): the data size over the byte rate.
    handle.seek(12)
    byte_rate = 0
    while True:
        header = handle.read(8)
        if len(header) < 8:
            return None
        kind, length = header[:4], struct.unpack("<I", header[4:])[0]
        if kind == b"fmt ":
            body = handle.read(length + (length & 1))
            byte_rate = struct.unpack("<I", body[8:12])[0]
            continue
        if kind == b"data":
            return length / byte_rate if byte_rate else None
        handle.seek(length + (length & 1), os.SEEK_CUR)


def _ogg_duration(handle: BinaryIO, size: int) -> float | None:
    handle.seek(0)
    first = handle.read(_SNIFF + 64)
    segments = first[26]
    packet = first[27 + segments :]
    preskip = 0
    if packet[:7] == b"\x01vorbis":
        rate = struct.unpack("<I", packet[12:16])[0]
    elif packet[:8] == b"OpusHead":
        rate, preskip = 48000, struct.unpack("<H", packet[10:12])[0]
    else:
        return None
    handle.seek(max(0, size - _OGG_TAIL))
    tail = handle.read(_OGG_TAIL)
    at = tail.rfind(b"OggS")
    if at < 0 or not rate:
        return None
    granule = struct.unpack("<q", tail[at + 6 : at + 14])[0]
    return max(0, granule - preskip) / rate if granule >= 0 else None


def _boxes(handle: BinaryIO, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """The MP4 boxes between ``start`` and ``end``: (type, body start, box end)."""
    out = []
    pos = start
    while pos + 8 <= end:
        handle.seek(pos)
        header = handle.read(16)
        length, kind = struct.unpack(">I4s", header[:8])
        body = pos + 8
        if length == 1:
            length, body = struct.unpack(">Q", header[8:16])[0], pos + 16
        elif length == 0:
            length = end - pos
        if length < 8:
            break
        out.append((kind, body, pos + length))
        pos += length
    return out


def _mp4_duration(handle: BinaryIO, size: int) -> float | None:
    for kind, body, end in _boxes(handle, 0, size):
        if kind != b"moov":
            continue
        for inner, inner_body, _ in _boxes(handle, body, end):
            if inner != b"mvhd":
                continue
            handle.seek(inner_body)
            data = handle.read(32)
            if data[0] == 1:
                scale, length = struct.unpack(">IQ", data[20:32])
            else:
                scale, length = struct.unpack(">II", data[12:20])
            return length / scale if scale else None
    return None


_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_duration(handle: BinaryIO, head: bytes) -> float | None:
    """From the Xing/Info (or VBRI) header of the first frame, which encoders such as LAME
    write; None without one (the length of other MP3 files isn't cheap to know exactly)."""
    offset = 0
    if head[:3] == b"ID3":
        offset = 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9])
    handle.seek(offset)
    frame = handle.read(200)
    if len(frame) < 4 or frame[0] != 0xFF or frame[1] & 0xE0 != 0xE0:
        return None
    version = (frame[1] >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    layer = (frame[1] >> 1) & 3  # 1: layer III
    rate_index = (frame[2] >> 2) & 3
    if version not in _MP3_RATES or layer != 1 or rate_index == 3:
        return None
    rate = _MP3_RATES[version][rate_index]
    samples = 1152 if version == 3 else 576
    # The tag sits after the side information, whose length varies: it is searched for.
    for tag in (b"Xing", b"Info"):
        at = frame.find(tag, 4)
        if at >= 0:
            flags = struct.unpack(">I", frame[at + 4 : at + 8])[0]
            if flags & 1:
                frames = struct.unpack(">I", frame[at + 8 : at + 12])[0]
                return frames * samples / rate
            return None
    at = frame.find(b"VBRI", 4)
    if at >= 0:
        frames = struct.unpack(">I", frame[at + 14 : at + 18])[0]
        return frames * samples / rate
    return None
