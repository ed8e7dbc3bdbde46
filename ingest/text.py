"""Text rules shared by every layer: what a word is, accent folding, the section path's
separator, and how a speaker is named beside their initials. One home for each, so that ingest,
the assistant, the UI and the evaluation read text the same way."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

#: A word: letters, with inner apostrophes and hyphens ("don't", "staff-plus").
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
#: Between the levels of a summary's section path ("Challenges › Rewards › Agency").
SECTION_SEP = " › "


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, in order (see :data:`WORD`)."""
    return [w.lower() for w in WORD.findall(text)]


def word_set(text: str) -> set[str]:
    """The distinct words of ``text``, lower-cased; a hyphenated word also as its parts
    ("staff-plus" → staff-plus, staff, plus)."""
    found = set(words(text))
    return found | {p for w in found if "-" in w for p in w.split("-") if p}


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
