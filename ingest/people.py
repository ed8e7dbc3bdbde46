"""Who is speaking: turning the labels of one document into the people it names.

Rules, in order (documented in corpus/README.md):

1. A ``speakers.yaml`` beside the transcripts overrides everything: ``label: Full Name`` or
   ``label: {name: Full Name, role: host}``, for the whole folder, or under a file's name for
   that file only (``episode-3.md: {Mike: Mike Perham}``).
2. A one-word label ("Mike") becomes the full name the same document gives for it: its front
   matter (``name``, ``guest``, ``host``, a ``title`` such as "Mike McQuaid (GitHub)") or its
   introductions ("our guest today is Mike McQuaid", "I'm Sam Whitfield", "joined by …"). Only a
   name found exactly once in that document is used, so "Mike" in one episode is not "Mike" in
   another.
3. A diariser's generic label (``SPEAKER_00``, ``SPEAKER_D``) stays an unnamed speaker of its
   own; it is never resolved to, or merged with, a named one.
4. Hosts: a label found in most transcripts of a folder (at least three of them), or named in
   ``speakers.hosts`` (settings), gets role ``host``: quoted and cited like any speaker, shown
   as a host. A host's full name, given in any one episode ("I'm Sam Whitfield"), names that
   host in every episode of the folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.sources import SPEAKER_FILES
from interview_qa.ingest.speakers import is_diarised, is_interviewer, normalize_label
from interview_qa.ingest.turns import NOTES_SPEAKER, SUMMARY_SPEAKER, UNKNOWN_SPEAKER, Role, Turn

_ROLES: dict[str, Role] = {
    "host": "host",
    "co-host": "host",
    "interviewer": "interviewer",
    "interviewee": "interviewee",
    "guest": "interviewee",
}
_WORD = r"[A-Z](?:[a-z]{0,2}\.|[\w'’\-]*)"
_PARTICLE = r"(?:de|da|del|der|van|von|le|la|di|du|dos|bin|al)"
NAME_RE = re.compile(rf"{_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_WORD}){{1,3}}")
_CUES = re.compile(
    r"(?:(?:our|my|today['’]s|this\s+week['’]s)\s+(?:special\s+)?guests?\s+(?:today\s+|this\s+"
    r"week\s+|again\s+)?(?:is|are|was)|(?:joined|here)\s+(?:today\s+|again\s+|once\s+again\s+)?"
    r"(?:by|with)|welcome(?:\s+back)?(?:\s+to\s+the\s+show)?,?|(?:talking|speaking|chatting)\s+"
    r"(?:to|with)|\bI['’]m|\bI\s+am|my\s+name\s+is|(?:my|our)\s+co-?hosts?,?|interview(?:ed)?"
    r"\s+with)\s+",
    re.I,
)
_NAME_KEYS = ("name", "speaker", "interviewee", "guest", "guests", "host", "hosts", "speakers")
_NOT_NAME_WORDS = {"the", "this", "episode", "show", "podcast", "part", "season", "and", "with"}
#: At least this many transcripts in a folder before a label common to most is taken as a host.
MIN_EPISODES_FOR_HOSTS = 3
_INTRO_CHARS = 6000


@dataclass(frozen=True)
class SpeakerOverride:
    """What ``speakers.yaml`` says about one label."""

    name: str | None
    role: Role | None


def fold(text: str) -> str:
    """Lower-case, accent-free form of a name, for comparing names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def person_from_title(title: str) -> str | None:
    """The person a title names, when it is (or starts with) a name: "Mike McQuaid (GitHub)",
    "Episode 12: Mike McQuaid on open source", "Interview with Ana Lima"."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", title)
    parts = re.split(r"\s+[-–—|]\s+|:\s+|\bwith\s+|\bfeat\.?\s+|\bft\.?\s+", text)
    for part in parts:
        part = part.strip(" \t\"'“”‘’*_")
        m = NAME_RE.match(part)
        if not m:
            continue
        rest = part[m.end() :].strip()
        words = m.group().split()
        if any(w.lower() in _NOT_NAME_WORDS for w in words):
            continue
        if not rest or rest[0].islower() or rest[0] in ",&":
            return m.group()
    return None


def names_in_document(front: dict[str, Any], text: str, body_start: int = 0) -> list[str]:
    """Full names (two words or more) a document gives for its people: front matter, then the
    introductions of its first pages."""
    found: list[str] = []
    for key in _NAME_KEYS:
        value = front.get(key)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, dict):
                v = v.get("name")
            if isinstance(v, str) and len(v.split()) >= 2:
                found.append(" ".join(v.split()))
    title = front.get("title")
    if isinstance(title, str):
        person = person_from_title(title)
        if person:
            found.append(person)
    intro = text[body_start : body_start + _INTRO_CHARS]
    for cue in _CUES.finditer(intro):
        window = intro[cue.end() : cue.end() + 120]
        for m in NAME_RE.finditer(window.split(".\n")[0]):
            if m.start() > 60:
                break
            words = m.group().rstrip(".").split()
            if words[0].lower() not in _NOT_NAME_WORDS:
                found.append(" ".join(words))
    return list(dict.fromkeys(found))


def full_name_for(label: str, names: Iterable[str]) -> str | None:
    """The one full name among ``names`` whose first word is the one-word ``label``; None when
    there is none or more than one."""
    if " " in label.strip():
        return None
    key = fold(label)
    owners = {n for n in names if fold(n.split()[0]) == key}
    return owners.pop() if len(owners) == 1 else None


def _role(value: object, where: Path) -> Role | None:
    if value is None:
        return None
    role = _ROLES.get(str(value).strip().lower())
    if role is None:
        raise InputError(where, f"unknown role {value!r} (use host, interviewer or interviewee)")
    return role


def _entry(value: object, where: Path) -> SpeakerOverride:
    if isinstance(value, str):
        return SpeakerOverride(" ".join(value.split()), None)
    if isinstance(value, dict):
        name = value.get("name")
        return SpeakerOverride(
            " ".join(str(name).split()) if name else None, _role(value.get("role"), where)
        )
    raise InputError(where, f"expected a name or {{name, role}}, got {value!r}")


def speaker_overrides(path: Path) -> dict[str, SpeakerOverride]:
    """What the ``speakers.yaml`` beside ``path`` says about its labels (lower-cased label →
    override); the file's own section wins over the folder's."""
    for name in SPEAKER_FILES:
        candidate = path.parent / name
        if candidate.is_file():
            break
    else:
        return {}
    try:
        data = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(candidate, f"cannot read speaker names: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(candidate, "expected `label: Full Name` lines")
    folder: dict[str, SpeakerOverride] = {}
    own: dict[str, SpeakerOverride] = {}
    for key, value in data.items():
        if str(key) == path.name and isinstance(value, dict):
            own = {normalize_label(str(k)).lower(): _entry(v, candidate) for k, v in value.items()}
        elif not _looks_like_file(str(key)):
            folder[normalize_label(str(key)).lower()] = _entry(value, candidate)
    return {**folder, **own}


def _looks_like_file(key: str) -> bool:
    return bool(re.search(r"\.(?:md|markdown|txt|vtt|srt|json)$", key, re.I))


_HOST_CACHE: dict[tuple[str, tuple[tuple[str, int, int], ...]], dict[str, str | None]] = {}


def folder_hosts(path: Path) -> dict[str, str | None]:
    """Labels (lower-cased) found in most labelled transcripts of ``path``'s folder, when it
    holds at least :data:`MIN_EPISODES_FOR_HOSTS`, each with the one full name the folder's
    documents give for it (or None); cached while the folder is unchanged."""
    folder = path.parent
    try:
        files = sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in (".md", ".markdown", ".txt")
        )
        key = (str(folder), tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    except OSError:
        return {}
    if key in _HOST_CACHE:
        return _HOST_CACHE[key]
    counts: Counter[str] = Counter()
    given: dict[str, set[str]] = {}
    episodes = 0
    for file in files:
        labels, names = _labels_of(file)
        if labels:
            episodes += 1
            counts.update(labels)
            for label in labels:
                name = full_name_for(label, names)
                given.setdefault(label, set()).update([name] if name else [])
    # A host is one person: a label that names different people in different episodes (a
    # recurring first name of guests) is not a host.
    hosts = {
        label: next(iter(given.get(label, ())), None)
        for label, n in counts.items()
        if episodes >= MIN_EPISODES_FOR_HOSTS
        and 2 * n > episodes
        and not is_diarised(label)
        and len(given.get(label, ())) <= 1
    }
    _HOST_CACHE[key] = hosts
    return hosts


def _labels_of(file: Path) -> tuple[set[str], list[str]]:
    """The labels of one transcript (lower-cased; none unless two or more) and the full names
    it gives."""
    from interview_qa.ingest.parsers.frontmatter import split_front_matter
    from interview_qa.ingest.parsers.labelled import match_label, transcript_start

    try:
        text = file.read_text(encoding="utf-8", errors="replace")
        front, body = split_front_matter(file, text)
    except (OSError, InputError):
        # A sibling that can't be read reports its own error when it is ingested; here it
        # simply tells nothing about the folder's hosts.
        return set(), []
    body = transcript_start(text, body) or body
    labels: set[str] = set()
    for line in text[body:].splitlines():
        found = match_label(line)
        if found:
            labels.add(found[0].lower())
    if len(labels) < 2:
        return set(), []
    return labels, names_in_document(front, text, body)


def resolve_speakers(
    turns: list[Turn],
    path: Path,
    front: dict[str, Any],
    text: str,
    body_start: int = 0,
    hosts: Iterable[str] = (),
) -> None:
    """Give each turn of one document its person's full name and role (module docstring)."""
    overrides = speaker_overrides(path)
    names = names_in_document(front, text, body_start)
    named_hosts = {fold(h) for h in hosts}
    common = folder_hosts(path) if any(t.role != "summary" for t in turns) else {}
    resolved: dict[str, tuple[str, Role]] = {}
    for turn in turns:
        label = turn.speaker
        if turn.role in ("notes", "summary") or label in (
            UNKNOWN_SPEAKER,
            SUMMARY_SPEAKER,
            NOTES_SPEAKER,
        ):
            continue
        if label not in resolved:
            resolved[label] = _resolve(label, turn.role, overrides, names, named_hosts, common)
        turn.speaker, turn.role = resolved[label]


def _resolve(
    label: str,
    role: Role,
    overrides: dict[str, SpeakerOverride],
    names: list[str],
    named_hosts: set[str],
    common: dict[str, str | None],
) -> tuple[str, Role]:
    override = overrides.get(label.lower())
    if override is not None:
        name = override.name or label
        return name, override.role or cast(Role, "interviewer" if is_interviewer(name) else role)
    if is_diarised(label) or is_interviewer(label):
        return label, role
    name = full_name_for(label, names) or label
    if role != "interviewee":
        return name, role
    if label.lower() in common:
        return common[label.lower()] or name, "host"
    if fold(name) in named_hosts or fold(label) in named_hosts:
        return name, "host"
    return name, role
