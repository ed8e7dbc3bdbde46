"""Who is speaking: turning the labels of one document into the people it names.

Rules, in order (documented in corpus/README.md):

1. A ``speakers.yaml`` beside the transcripts overrides everything: ``label: Full Name`` or
   ``label: {name: Full Name, role: host}``, for the whole folder, or under a file's name for
   that file only (``episode-3.md: {Mike: Mike Perham}``).
   An entry whose key is a full name ("Dana Okafur: Dana Okafor") is also a *merge*: it renames
   that speaker in every document of the index, whatever folder (:func:`merge_entries`; the
   ingest pipeline applies it to the stored chunks).
2. A one-word label ("Mike") becomes the full name the same document gives for it. The names
   its title (front matter ``title``, else its first ``# heading``) and front matter (``name``,
   ``guest(s)``, ``host(s)``, ``speakers``) give come first: "Mike McQuaid (GitHub)", "Why Tests
   Fail, with Ben Ortiz", "Sarah Lee & Tom Berg: …" (:func:`people_in_title`). Only when none of
   them has that first name do its introductions count ("our guest today is Mike McQuaid", "I'm
   Sam Whitfield", "joined by …"). Only a name that is one person in that document is used, so
   "Mike" in one episode is not "Mike" in another.
3. A label that is a near spelling of a name the title or front matter gives ("Kofy" for Kofi
   Mensah, "Dana Okafour" for Dana Okafor, "Priya R." for Priya Raman: :func:`near_spelling`)
   takes the document's spelling.
4. A diariser's generic label (``SPEAKER_00``, ``SPEAKER_D``) stays an unnamed speaker of its
   own; it is never resolved to, or merged with, a named one.
5. Hosts: a label found in most transcripts of a folder (at least three of them), or named in
   ``speakers.hosts`` (settings), gets role ``host``: quoted and cited like any speaker, shown
   as a host. A host's full name, given in any one episode ("I'm Sam Whitfield"), names that
   host in the episodes that give none; when the episodes spell it differently (a transcriber's
   slips) each keeps its own spelling, and a full-name label that is a near spelling of a host's
   name is a host too.

Across documents nothing is merged by itself: two speakers of different documents who are
likely one person (near spellings of one name, or a first name and a surname's first letters
beside the full name) are only *reported* (:func:`likely_same`), for ``speakers.yaml`` to merge.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, cast

import yaml

from interview_qa.ingest.errors import InputError
from interview_qa.ingest.sources import SPEAKER_FILES, SourceFile, scope_of
from interview_qa.ingest.speakers import (
    is_diarised,
    is_initials,
    is_interviewer,
    normalize_label,
)
from interview_qa.ingest.text import fold
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
#: Two spellings of a name this similar (difflib ratio of their folded letters, spaces left
#: out) and starting with the same letter are taken for one name.
NEAR_RATIO = 0.85
#: Where a title's names are separated from one another and from the rest of the title.
_TITLE_SPLIT = re.compile(
    r"\s+[-–—|/·•]\s+|:\s+|[,;]\s*|\s+&\s+|\s+\+\s+|\s+(?:and|with|feat\.?|ft\.?|featuring|"
    r"on|about|vs\.?|x|of|at|from|for|in|to)\s+",
    re.I,
)
_NUMBERING = re.compile(r"^\s*(?:#\s*\d+|(?:episode|ep\.?|no\.?)\s*#?\d+)\b\.?", re.I)
_HEADING = re.compile(r"^\s{0,3}#\s+(?P<title>.+?)\s*#*\s*$", re.M)


@dataclass(frozen=True)
class SpeakerOverride:
    """What ``speakers.yaml`` says about one label."""

    name: str | None
    role: Role | None


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


def people_in_title(title: str) -> list[str]:
    """Every person a title names, in order: "Priya Raman (Acme)", "Why Tests Fail, with Ben
    Ortiz", "Sarah Lee & Tom Berg (Fernwood): Shipping on Fridays", "#5 — Building Platforms —
    Lena Ortiz". A run of capitalised words followed by more of them ("Mike McQuaid Talks Open
    Source") is not taken for a name; Title Case phrases can be (they name nobody a label
    stands for)."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", title)
    found: list[str] = []
    for part in _TITLE_SPLIT.split(text):
        part = _NUMBERING.sub("", part).strip(" \t\"'“”‘’*_.!?")
        for m in NAME_RE.finditer(part):
            rest = part[m.end() :].strip()
            words = m.group().rstrip(".").split()
            if any(fold(w) in _NOT_NAME_WORDS for w in words):
                continue
            if not rest or not rest[0].isupper():
                found.append(" ".join(words))
    return list(dict.fromkeys(found))


def heading_title(text: str, body_start: int = 0) -> str | None:
    """The first ``# heading`` (level 1) of a document's first pages: its title when its front
    matter has none."""
    m = _HEADING.search(text[body_start : body_start + _INTRO_CHARS])
    return m.group("title").strip("*_ ") if m else None


@dataclass(frozen=True)
class DocumentNames:
    """The full names (two words or more) one document gives for its people."""

    #: From its title and front matter: how the document itself spells them.
    given: tuple[str, ...]
    #: From the introductions of its first pages (a transcriber's spelling).
    mentioned: tuple[str, ...]

    @property
    def all(self) -> list[str]:
        """Every name, given ones first, each once."""
        return list(dict.fromkeys(self.given + self.mentioned))


def _front_names(front: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for key in _NAME_KEYS:
        value = front.get(key)
        if isinstance(value, dict) and key == "speakers":
            value = list(value.values())  # speakers: {Dana: Dana Okafor}
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, dict):
                v = v.get("name")
            if not isinstance(v, str):
                continue
            for name in re.split(r"\s*(?:[,;&]|\band\b)\s*", v):
                if len(name.split()) >= 2:
                    found.append(" ".join(name.split()))
    return found


def document_names(front: Mapping[str, Any], text: str, body_start: int = 0) -> DocumentNames:
    """The names a document gives: its front matter and title (front matter ``title``, else its
    first ``# heading``), then the introductions of its first pages."""
    given = _front_names(front)
    title = front.get("title")
    if not isinstance(title, str) or not title.strip():
        title = heading_title(text, body_start)
    if title:
        given += people_in_title(title)
    mentioned: list[str] = []
    intro = text[body_start : body_start + _INTRO_CHARS]
    for cue in _CUES.finditer(intro):
        window = intro[cue.end() : cue.end() + 120]
        for m in NAME_RE.finditer(window.split(".\n")[0]):
            if m.start() > 60:
                break
            words = m.group().rstrip(".").split()
            if words[0].lower() not in _NOT_NAME_WORDS:
                mentioned.append(" ".join(words))
    return DocumentNames(tuple(dict.fromkeys(given)), tuple(dict.fromkeys(mentioned)))


def names_in_document(front: dict[str, Any], text: str, body_start: int = 0) -> list[str]:
    """Full names (two words or more) a document gives for its people: front matter and title,
    then the introductions of its first pages."""
    return document_names(front, text, body_start).all


def _letters(name: str) -> str:
    return "".join(c for c in fold(name) if c.isalnum())


def _edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def near_spelling(a: str, b: str) -> bool:
    """Whether two spellings are likely one name a transcriber wrote two ways: the same first
    letter, and letters (folded, spaces and punctuation left out) at least :data:`NEAR_RATIO`
    alike, or one letter apart in names of four letters or more ("Kofy", "Kofi"). Equal
    spellings are near too."""
    x, y = _letters(a), _letters(b)
    if not x or not y or x[0] != y[0]:
        return False
    if x == y or SequenceMatcher(None, x, y).ratio() >= NEAR_RATIO:
        return True
    return min(len(x), len(y)) >= 4 and _edit_distance(x, y) <= 1


def spelled_apart(a: str, b: str) -> bool:
    """Whether two full names are likely one person's name a transcriber wrote two ways: the
    same first name, and the whole a near spelling ("Dana Okafor", "Dana Okafur", "Dana O
    Kafor"), or one the other's first name and first letters of its surname ("Priya R.").
    Stricter than :func:`near_spelling`: "Mark Smith" and "Mary Smith" are two people."""
    wa, wb = a.split(), b.split()
    if len(wa) < 2 or len(wb) < 2 or fold(wa[0]) != fold(wb[0]):
        return False
    return near_spelling(a, b) or _abbreviates(a, b) or _abbreviates(b, a)


def _abbreviates(short: str, full: str) -> bool:
    """Whether ``short`` is ``full``'s first name and the first letters of its surname ("Priya
    R.", "Dana Oka" for "Dana Okafor")."""
    a, b = short.split(), full.split()
    if len(a) < 2 or len(b) < 2 or fold(a[0]) != fold(b[0]):
        return False
    head, surname = _letters(" ".join(a[1:])), _letters(" ".join(b[1:]))
    return bool(head) and len(head) < len(surname) and surname.startswith(head)


def _one_person(names: Sequence[str]) -> str | None:
    """The first of ``names`` when they are all spellings of one person's name, else None."""
    distinct = list(dict.fromkeys(names))
    if distinct and all(near_spelling(distinct[0], n) for n in distinct[1:]):
        return distinct[0]
    return None


def full_name_for(label: str, names: Iterable[str]) -> str | None:
    """The one full name among ``names`` whose first word is the one-word ``label``; None when
    there is none or more than one."""
    if " " in label.strip():
        return None
    key = fold(label)
    owners = {n for n in names if fold(n.split()[0]) == key}
    return owners.pop() if len(owners) == 1 else None


def _near_first_name(a: str, b: str) -> bool:
    """Whether two different first names are likely one a transcriber slipped on: near
    spellings of four letters or more ("Kofy", "Kofi"; not "Dan", "Dana")."""
    return min(len(_letters(a)), len(_letters(b))) >= 4 and near_spelling(a, b)


def resolve_name(
    label: str, names: DocumentNames, *, others: Collection[str] = (), fuzzy: bool = True
) -> str | None:
    """The full name a document gives for one of its labels (rules 2 and 3 of the module
    docstring), spelled as the document's title or front matter spells it; None when it gives
    none, or more than one person fits.

    ``others``: the folded first words of the document's other labels; a name one of them
    bears is theirs, never taken for a slip of this label's first name. ``fuzzy``: whether a
    one-word label may take a name whose first name is spelled near its own (not for a
    folder's host, whose first name a guest's may resemble).
    """
    label = label.strip()
    if not label or is_diarised(label) or is_initials(label):
        return None
    given = list(names.given)
    first = fold(label.split()[0])

    def slipped(name: str) -> bool:
        """``name``'s first name differs from the label's, as a slip of it would."""
        own = fold(name.split()[0])
        return own != first and own not in others and _near_first_name(label.split()[0], own)

    if " " not in label:
        owners = [n for n in given if fold(n.split()[0]) == first]
        if owners:
            return _one_person(owners)
        near = [n for n in given if fuzzy and slipped(n)]
        return (near and _one_person(near)) or _one_person(
            [n for n in names.mentioned if fold(n.split()[0]) == first]
        )
    for n in given:
        if fold(n) == fold(label):
            return n
    return _one_person(
        [
            n
            for n in given
            if (fold(n.split()[0]) == first and (near_spelling(label, n) or _abbreviates(label, n)))
            or (slipped(n) and near_spelling(label, n))
        ]
    )


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
    data = _read_speakers_file(candidate)
    folder: dict[str, SpeakerOverride] = {}
    own: dict[str, SpeakerOverride] = {}
    for key, value in data.items():
        if str(key) == path.name and isinstance(value, dict):
            own = {normalize_label(str(k)).lower(): _entry(v, candidate) for k, v in value.items()}
        elif not _looks_like_file(str(key)):
            folder[normalize_label(str(key)).lower()] = _entry(value, candidate)
    return {**folder, **own}


def _read_speakers_file(candidate: Path) -> dict[Any, Any]:
    """The mapping a speakers file holds; InputError naming the file when it holds none."""
    try:
        data = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(candidate, f"cannot read speaker names: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(candidate, "expected `label: Full Name` lines")
    return data


def _looks_like_file(key: str) -> bool:
    return bool(re.search(r"\.(?:md|markdown|txt|vtt|srt|json)$", key, re.I))


_HOST_CACHE: dict[tuple[str, tuple[tuple[str, int, int], ...]], dict[str, str | None]] = {}


def folder_hosts(path: Path) -> dict[str, str | None]:
    """Labels (lower-cased) found in most labelled transcripts of ``path``'s folder, when it
    holds at least :data:`MIN_EPISODES_FOR_HOSTS`, each with the full name the folder's
    documents give for it most often (or None); cached while the folder is unchanged. A label
    whose episodes give names of different people is not a host; spellings of one name are one
    person."""
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
    given: dict[str, Counter[str]] = {}
    episodes = 0
    for file in files:
        labels, names = _labels_of(file)
        if labels:
            episodes += 1
            counts.update(labels)
            for label in labels:
                others = {fold(o.split()[0]) for o in labels if o != label}
                name = resolve_name(label, names, others=others, fuzzy=False)
                given.setdefault(label, Counter()).update([name] if name else [])
    hosts: dict[str, str | None] = {}
    for label, n in counts.items():
        if episodes < MIN_EPISODES_FOR_HOSTS or 2 * n <= episodes or is_diarised(label):
            continue
        spellings = given.get(label, Counter())
        # A host is one person: a label that names different people in different episodes (a
        # recurring first name of guests) is not a host.
        if spellings and _one_person(list(spellings)) is None:
            continue
        hosts[label] = spellings.most_common(1)[0][0] if spellings else None
    _HOST_CACHE[key] = hosts
    return hosts


def _labels_of(file: Path) -> tuple[set[str], DocumentNames]:
    """The labels of one transcript (lower-cased; none unless two or more) and the full names
    it gives."""
    from interview_qa.ingest.parsers.frontmatter import split_front_matter
    from interview_qa.ingest.parsers.labelled import match_label, transcript_start

    nothing = DocumentNames((), ())
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
        front, body = split_front_matter(file, text)
    except (OSError, InputError):
        # A sibling that can't be read reports its own error when it is ingested; here it
        # simply tells nothing about the folder's hosts.
        return set(), nothing
    start = transcript_start(text, body) or body
    labels: set[str] = set()
    for line in text[start:].splitlines():
        found = match_label(line)
        if found:
            labels.add(found[0].lower())
    if len(labels) < 2:
        return set(), nothing
    return labels, document_names(front, text, start)


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
    names = document_names(front, text, body_start)
    common = folder_hosts(path) if any(t.role != "summary" for t in turns) else {}
    known = _Hosts(
        {fold(h) for h in hosts} | {fold(h) for h in common.values() if h},
        [h for h in [*hosts, *(n for n in common.values() if n)] if len(h.split()) >= 2],
    )
    merges = {fold(k): v for k, v in overrides.items() if _is_merge_key(k)}
    labels = {t.speaker for t in turns if t.role not in ("notes", "summary")}
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
            others = {fold(o.split()[0]) for o in labels if o != label}
            name, role = _resolve(label, turn.role, overrides, names, known, common, others)
            merge = merges.get(fold(name))
            if merge is not None and fold(name) != fold(label):
                # The folder's speakers.yaml merges the name this label resolved to.
                name, role = merge.name or name, merge.role or role
            resolved[label] = name, role
        turn.speaker, turn.role = resolved[label]


@dataclass(frozen=True)
class _Hosts:
    """The hosts a document may have: folded names and labels, and full names."""

    folded: set[str]
    names: list[str]

    def named(self, name: str, label: str) -> bool:
        """Whether ``name`` (resolved from ``label``) is one of the hosts, or a full name
        spelled near one of theirs."""
        if fold(name) in self.folded or fold(label) in self.folded:
            return True
        return any(spelled_apart(name, h) for h in self.names)


def _resolve(
    label: str,
    role: Role,
    overrides: dict[str, SpeakerOverride],
    names: DocumentNames,
    hosts: _Hosts,
    common: dict[str, str | None],
    others: set[str],
) -> tuple[str, Role]:
    override = overrides.get(label.lower())
    if override is not None:
        name = override.name or label
        if override.role:
            return name, override.role
        if is_interviewer(name):
            return name, "interviewer"
        return name, "host" if role == "interviewee" and hosts.named(name, label) else role
    if is_diarised(label) or is_interviewer(label):
        return label, role
    host = label.lower() in common
    name = resolve_name(label, names, others=others, fuzzy=not host) or label
    if role != "interviewee":
        return name, role
    if host:
        # The episode's own spelling of its host's name, else the folder's.
        return (name if name != label else common[label.lower()] or name), "host"
    if hosts.named(name, label):
        return name, "host"
    return name, role


# ---- merges across the whole index ------------------------------------------------------------


def _is_merge_key(key: str) -> bool:
    """Whether a folder-level ``speakers.yaml`` key names a speaker by full name (a merge
    applying to the whole index) rather than a label of the folder's own transcripts."""
    return len(key.split()) >= 2 and not is_diarised(key) and not is_interviewer(key)


def speaker_files(paths: Iterable[Path]) -> list[SourceFile]:
    """The ``speakers.yaml`` files an ingest of ``paths`` reads: every one inside a folder given
    (at any depth, hidden folders aside), and the one beside a file given. Each is a
    :class:`SourceFile` whose ``scope`` is the path given, so that the manifest notices an edit."""
    found: dict[Path, SourceFile] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        scope = scope_of(path)
        if path.is_dir():
            root = path.resolve()
            candidates = [
                p
                for name in SPEAKER_FILES
                for p in root.rglob(name)
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(root).parts)
            ]
            for p in sorted(candidates):
                found.setdefault(
                    p, SourceFile(p, f"{root.name}/{p.relative_to(root).as_posix()}", scope)
                )
        elif path.is_file():
            for name in SPEAKER_FILES:
                p = path.resolve().parent / name
                if p.is_file():
                    found.setdefault(p, SourceFile(p, f"{scope}:{name}", scope))
    return list(found.values())


def merge_entries(
    files: Iterable[SourceFile],
) -> tuple[dict[str, dict[str, list[str | None]]], list[InputError]]:
    """The merges the ``speakers.yaml`` files say, by scope: folded full name → ``[name,
    role]`` (either may be None); and an error for each file that can't be read."""
    out: dict[str, dict[str, list[str | None]]] = {}
    errors: list[InputError] = []
    for file in files:
        entries = out.setdefault(file.scope, {})
        try:
            read = _folder_entries(file.path)
        except InputError as exc:
            errors.append(exc)
            continue
        for key, override in read.items():
            if _is_merge_key(key) and (override.name or override.role):
                entries.setdefault(fold(key), [override.name, override.role])
    return out, errors


def _folder_entries(candidate: Path) -> dict[str, SpeakerOverride]:
    """The folder-level entries of one speakers file (normalised label → override)."""
    data = _read_speakers_file(candidate)
    return {
        normalize_label(str(key)): _entry(value, candidate)
        for key, value in data.items()
        if not _looks_like_file(str(key))
    }


@dataclass(frozen=True)
class Merge:
    """What the index's merges make of one speaker."""

    name: str
    role: Role | None


def merged_speaker(speaker: str, merges: Mapping[str, Sequence[str | None]]) -> Merge | None:
    """The speaker ``speaker`` is merged into (following chains of merges), or None when no
    merge names it. ``merges``: folded full name → ``[name, role]``."""
    seen = {fold(speaker)}
    name, role = speaker, None
    while (entry := merges.get(fold(name))) is not None:
        target, target_role = entry[0] or name, entry[1]
        role = cast(Role, target_role) if target_role else role
        if fold(target) in seen:
            name = target
            break
        seen.add(fold(target))
        name = target
    if name == speaker and role is None:
        return None
    return Merge(name, role)


# ---- who is likely the same person -------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerPresence:
    """Where one speaker of an index speaks: documents and chunk count."""

    name: str
    documents: frozenset[str]
    chunks: int = 0


def presence(metadatas: Iterable[dict[str, Any]]) -> list[SpeakerPresence]:
    """Where each speaker of some chunks speaks: their documents and chunk count."""
    documents: dict[str, set[str]] = {}
    chunks: Counter[str] = Counter()
    for m in metadatas:
        speaker = str(m.get("speaker", UNKNOWN_SPEAKER))
        documents.setdefault(speaker, set()).add(str(m.get("doc_id", "")))
        chunks[speaker] += 1
    return [SpeakerPresence(s, frozenset(d), chunks[s]) for s, d in documents.items()]


def _reportable(name: str) -> bool:
    return not (
        is_diarised(name)
        or is_interviewer(name)
        or is_initials(name)
        or name in (UNKNOWN_SPEAKER, SUMMARY_SPEAKER, NOTES_SPEAKER)
    )


def likely_same(speakers: Iterable[SpeakerPresence]) -> list[tuple[str, ...]]:
    """Groups of speakers of different documents who are likely one person
    (:func:`spelled_apart`): the same first name and near spellings of one full name ("Dana
    Okafor", "Dana Okafur", "Dana O Kafor"), or a first name and its surname's first letters
    beside the full name ("Priya R.", "Priya Raman"). A first name alone is no evidence, and
    speakers of one document are never grouped (they are the two sides of a conversation).
    Each group lists its most quoted speaker first; groups come in that order too."""
    people = sorted(
        (s for s in speakers if _reportable(s.name)), key=lambda s: (-s.chunks, fold(s.name))
    )
    groups: list[list[SpeakerPresence]] = []
    for person in people:
        for group in groups:
            if spelled_apart(group[0].name, person.name) and not any(
                member.documents & person.documents for member in group
            ):
                group.append(person)
                break
        else:
            groups.append([person])
    return [tuple(m.name for m in group) for group in groups if len(group) > 1]
