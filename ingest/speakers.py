"""Speaker labels: normalising them, and giving each speaker short, unique initials.

Initials rule (documented in corpus/README.md):

1. A label already written as initials ("G.", "D.P.") keeps them, upper-cased.
2. Diarisation labels such as ``SPEAKER_1`` or ``SPEAKER_D`` are their own initials.
3. Any other label becomes the first letter of each word of the name: "Dmitry Petrashko" ->
   "D.P.", "Jean-Luc Picard" -> "J.L.P.". A lower-case particle ("Ludwig van Beethoven" ->
   "L.B.") and a closing suffix ("Jr.", "III") are not words of their own, and a lone letter a
   speech-to-text label split off a surname ("Dana O Kafor", "Dana N Romo") belongs to the word
   after it ("D.O.", "D.N."): initials never carry a fragment of a surname.
4. When two or more speakers of one index would share initials, each speaker of that group that
   was not written as initials gets one more letter of its last word ("D.Pe.", "D.Pa."), then
   another, until the group is unique. A label that runs out of letters keeps its whole last
   name ("D.Park." beside "D.Parke."; of labels with the same letters, "Dana Okafor" and "Dana O
   Kafor", the more quoted one), or, when that is taken too, gets ``#2``, ``#3``… in sorted
   label order; so nobody in the group keeps the shared initials. The full label is always kept
   beside the initials.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from interview_qa.ingest.turns import SUMMARY_SPEAKER, UNKNOWN_SPEAKER, Role

_INITIALS_RE = re.compile(r"(?:[A-Za-z]\.)+")
#: Initials as written in answers, every form :func:`assign_initials` gives: "G.", "A.B.",
#: "A.Bri." (more letters of the last name), "G.#2". The one pattern every reader uses.
INITIALS = r"(?:[A-Z][a-z]{0,3}\.){1,3}(?:#\d+)?"
_DIARISED_RE = re.compile(r"[A-Za-z]+_\d+|SPEAKER_[A-Z]")
#: "Speaker 2", "SPEAKER_D", "spk_1": generic labels of a speech-to-text diariser.
_GENERIC_RE = re.compile(r"(?i)(?:speaker|spk|spkr)[ _-]?(?P<id>\d{1,3}|[a-z])")
_INTERVIEWER_LABELS = {"interviewer", "host", "q", "question", "moderator", "interviewer 1"}
_STRAY = "*_`[]()<>:;,!?\"'“”‘’-–—| \t"


def normalize_label(raw: str) -> str:
    """Clean a raw speaker label: stray punctuation, spacing and shouting or lower case.

    ``"**g.**"`` -> ``"G."``; ``"GEORGE SMITH"`` -> ``"George Smith"``; ``"SPEAKER_1"`` stays.
    """
    label = raw.strip().strip(_STRAY)
    label = re.sub(r"\s+", " ", label)
    if not label:
        return UNKNOWN_SPEAKER
    generic = _GENERIC_RE.fullmatch(label)
    if generic:
        return f"SPEAKER_{generic.group('id').upper()}"
    if _DIARISED_RE.fullmatch(label):
        return label
    collapsed = re.sub(r"\.{2,}$", ".", label)
    if _INITIALS_RE.fullmatch(collapsed):
        return collapsed.upper()
    words = label.split(" ")
    if label.isupper() or label.islower():
        return " ".join(w[:1].upper() + w[1:].lower() for w in words)
    return " ".join(
        w[:1].upper() + w[1:].lower() if (w.isupper() and len(w) > 3) or w.islower() else w
        for w in words
    )


def is_diarised(label: str) -> bool:
    """Whether a normalised label is a diariser's generic label (``SPEAKER_00``, ``SPEAKER_D``):
    an unnamed speaker, never taken for a named one."""
    return bool(_DIARISED_RE.fullmatch(label))


def is_initials(label: str) -> bool:
    """Whether a normalised label is written as initials ("G.", "D.P.")."""
    return bool(_INITIALS_RE.fullmatch(label))


def is_interviewer(label: str) -> bool:
    """Whether a normalised label names the interviewer rather than an interviewee."""
    return label.lower() in _INTERVIEWER_LABELS


def role_of(label: str) -> Role:
    """The role a transcript speaker label plays: interviewer or interviewee."""
    return "interviewer" if is_interviewer(label) else "interviewee"


#: Lower-case words between a first name and a surname that are not initials of their own.
_PARTICLES = re.compile(
    r"al|bin|da|das|de|del|della|den|der|di|do|dos|du|el|ibn|la|le|op|st|ten|ter|van|von|y|zu"
)
#: Closing words of a name that are not initials of their own ("Jr.", "III").
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md"})


def name_words(label: str) -> list[str]:
    """The words of a name its initials are made of, in order (rule 3 of the module docstring):
    hyphenated parts are words of their own, lower-case particles and closing suffixes are left
    out, and a lone letter inside the name ("Dana O Kafor") is joined to the word after it."""
    tokens = label.split()
    kept: list[str] = []
    split_off = ""
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        if i and last and token.strip(".,").lower() in _SUFFIXES and len(kept) > 1:
            continue
        if i and token.islower() and _PARTICLES.fullmatch(token) and not last:
            continue
        if i and not last and len(token) == 1 and token.isalpha():
            split_off += token  # a letter a transcriber split off the next word
            continue
        kept.append(split_off + token)
        split_off = ""
    words = [w for token in kept for w in re.split(r"-+", token)]
    return [w for w in words if w and w[0].isalpha()]


def base_initials(label: str) -> str:
    """Initials of one label, before disambiguation (rules 1-3 of the module docstring)."""
    if label in (UNKNOWN_SPEAKER, SUMMARY_SPEAKER):
        return label
    if _INITIALS_RE.fullmatch(label):
        return label.upper()
    if _DIARISED_RE.fullmatch(label):
        return label
    words = name_words(label)
    if not words:
        return label
    return "".join(w[0].upper() + "." for w in words)


def _extended(label: str, extra: int) -> str | None:
    """Initials with ``extra`` more letters of the last word, or None when it has too few."""
    words = name_words(label)
    if not words:
        return None
    last = "".join(c for c in words[-1] if c.isalpha())  # "O'Kafor": letters only
    if extra + 1 > len(last):
        return None
    head = "".join(w[0].upper() + "." for w in words[:-1])
    return head + last[0].upper() + last[1 : 1 + extra].lower() + "."


def assign_initials(labels: Iterable[str]) -> dict[str, str]:
    """Map every distinct label to initials unique among them (rule 4 of the module docstring);
    a label given more often (one per chunk) is the more quoted speaker."""
    quoted = Counter(labels)
    distinct = sorted(quoted)
    result = {label: base_initials(label) for label in distinct}
    groups: dict[str, list[str]] = defaultdict(list)
    for label in distinct:
        groups[result[label]].append(label)
    for initials, members in groups.items():
        if len(members) > 1:
            _disambiguate(initials, members, result, quoted)
    return result


def _disambiguate(
    initials: str, members: list[str], result: dict[str, str], quoted: Counter[str]
) -> None:
    """Give every member of a group sharing ``initials`` its own (rule 4)."""
    fixed = [m for m in members if base_initials(m) == m or _DIARISED_RE.fullmatch(m)]
    taken = {result[m] for m in fixed} | {initials}
    pending = [m for m in members if m not in fixed]
    extra = 1
    while pending:
        live = {m: c for m in pending if (c := _extended(m, extra)) is not None}
        if not live:
            break
        counts = Counter(live.values())
        for m, c in live.items():
            if counts[c] == 1 and c not in taken:
                result[m] = c
                taken.add(c)
        pending = [m for m in pending if result[m] == initials]
        extra += 1
    numbered = []
    # Out of letters: the whole last name, unless another member has that form too ("Dana
    # Okafor" beside "Dana O Kafor"): the more quoted one keeps it.
    for m in sorted(pending, key=lambda m: (-quoted[m], m)):
        words = name_words(m)
        letters = sum(c.isalpha() for c in words[-1]) if words else 0
        longest = _extended(m, letters - 1) if words else None
        if longest is not None and longest not in taken:
            result[m] = longest
            taken.add(longest)
        else:
            numbered.append(m)
    for n, m in enumerate(sorted(numbered), start=2):
        result[m] = f"{initials}#{n}"
