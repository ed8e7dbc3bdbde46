"""Text rules shared by every layer: what a word is, accent folding, the section path's
separator, and how a speaker is named beside their initials. One home for each, so that ingest,
the assistant, the UI and the evaluation read text the same way."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Any

#: A word: letters, with inner apostrophes and hyphens ("don't", "staff-plus").
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
#: Between the levels of a summary's section path ("Challenges › Rewards › Agency").
SECTION_SEP = " › "


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, in order (see :data:`WORD`)."""
    return [w.lower() for w in WORD.findall(text)]


def listed(text: str) -> frozenset[str]:
    """The words of a space-separated list written in the code (``listed("not no never")``)."""
    return frozenset(text.split())


def word_set(text: str) -> set[str]:
    """The distinct words of ``text``, lower-cased; a hyphenated word also as its parts
    ("staff-plus" → staff-plus, staff, plus)."""
    found = set(words(text))
    return found | {p for w in found if "-" in w for p in w.split("-") if p}


_CONTENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_STOPWORDS = """
    a about according again all also am an and any anything are as at be because been being
    believe believes both but by can could did do does don't done down each else even explain
    explained explains for from get got had has have having he her here him his how i i'm if in
    into is it it's its just like may me mention mentioned mentions might more most must my note
    noted notes of off on once one ones only onto or other our out over own please put puts
    really s said same say says shall she should so some such t talk talked tell tells than that
    that's the their them then there these they they're think thinks this those thought to told
    too under until up us very was we we're were what when where which while who whom whose why
    will with would you you're your"""
#: Words that carry no topic: function words, pronouns, speech verbs ("says", "mentioned"),
#: fillers; contractions with either apostrophe. Negations ("not", "no") carry meaning: "What
#: is the role not?" asks for what it isn't, and "trust is not important" says the opposite of
#: "trust is important".
STOPWORDS = frozenset(w for s in _STOPWORDS.split() for w in (s, s.replace("'", "’")))


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry its topic, in order: lower-cased, apostrophes and
    hyphens at their ends dropped, stopwords (:data:`STOPWORDS`) and one-letter words
    (initials) left out. The one rule of what a content word is."""
    out = []
    for raw in _CONTENT.findall(text):
        word = raw.lower().strip("'’-")
        if len(word) > 1 and word not in STOPWORDS:
            out.append(word)
    return out


@functools.cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.cache
def _stopword_stems() -> frozenset[str]:
    return frozenset(_stemmer().stemWords(sorted(STOPWORDS)))


def content_stems(text: str) -> set[str]:
    """The Snowball stems of ``text``'s content words ("skills" and "skill" are one): how a
    statement's words are matched against a passage's. A stem that a stopword has is left out
    too, so that a word counts alike in each of its forms ("explaining" as "explain")."""
    stems = _stemmer().stemWords([w.replace("’", "'") for w in content_words(text)])
    return set(stems) - _stopword_stems()


def fold(text: str) -> str:
    """``text`` without accents, case-folded ("Zoë" → "zoe"): how names are compared."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).casefold()


def section_levels(section: str) -> list[str]:
    """The levels of a section path, outermost first."""
    return [level.strip() for level in section.split(SECTION_SEP)] if section else []


def section_leaf(section: str) -> str:
    """The deepest level of a section path ("Prioritizing Tasks"), or ""."""
    return section.split(SECTION_SEP)[-1].strip() if section else ""


def initials_with_name(initials: str, label: str) -> str:
    """How a speaker is named: "G.", or "M.M. (Mike McQuaid)" when the label says more than
    the initials."""
    return initials if label in ("", initials) else f"{initials} ({label})"


def file_sha256(path: Path) -> str:
    """The sha256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
