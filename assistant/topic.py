"""What a question is about, beyond its words: the aspect it asks for (what is hard about
something, or what is rewarding about it), whether it asks for a list, and which of its words
merely name the context (the company, the interviews' own title words, the speakers).

The extractive composer uses it to keep every quoted unit on the question's topic: a unit
speaking to the opposite aspect (what people like, asked what is hard) is left out, summary
lists appear only when a list is asked for, and context words carry no relevance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from interview_qa.ingest.text import STOPWORDS, section_levels, word_set

_ASPECTS: dict[str, re.Pattern[str]] = {
    "difficulty": re.compile(
        r"\b(?:hard|harder|hardest|difficult\w*|challeng\w*|struggl\w*|tough\w*|frustrat\w*|"
        r"painful|pain\s+points?|obstacles?|downsides?|worst|drawbacks?|pitfalls?|stress\w*|"
        r"problems?\s+(?:do|did|they)|cons)\b",
        re.I,
    ),
    "reward": re.compile(
        r"\b(?:like\s+(?:the\s+)?most|like\s+best|love\w*|enjoy\w*|reward\w*|best\s+part|"
        r"favou?rite|satisf\w*|fun|fulfil\w*|upsides?|perks?|benefits?|pros|appeal\w*|"
        r"motivat\w*)\b",
        re.I,
    ),
}
_OPPOSITE = {"difficulty": "reward", "reward": "difficulty"}

_LIST_QUESTION = re.compile(
    r"\b(?:books?|reading|read|archetypes?|skills?|resources?|traits?|qualities|types|kinds|"
    r"list|examples?|opportunities|trainings?|courses?|tasks|responsibilities|recommend\w*)\b",
    re.I,
)


def aspects_of(text: str) -> set[str]:
    """The aspects ("difficulty", "reward") that ``text`` speaks to."""
    return {name for name, pattern in _ASPECTS.items() if pattern.search(text)}


def path_aspects(section: str, question: str = "") -> set[str]:
    """The aspects of where a unit sits: those of its interviewer question, else of the deepest
    level of its section path that names any ("Challenges and Rewards › Rewards › Agency" is
    about rewards)."""
    for level in [question, *reversed(section_levels(section))]:
        found = aspects_of(level) if level else set()
        if found:
            return found
    return set()


def asks_for_list(question: str) -> bool:
    """Whether the question asks for things a list would hold (books, archetypes, skills…)."""
    return bool(_LIST_QUESTION.search(question))


def words_of(texts: Iterable[str]) -> set[str]:
    """Lower-cased words of ``texts`` (hyphenated words also as their parts)."""
    return set().union(*(word_set(t) for t in texts))


@dataclass(frozen=True)
class TopicTest:
    """The on-topic test for the quoted units of one question's answer."""

    aspects: frozenset[str] = frozenset()
    wants_list: bool = False
    #: Words that only name the context (document titles, speakers): they carry no relevance.
    context: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, question: str, context: Iterable[str] = ()) -> TopicTest:
        """The test for ``question``; ``context`` are the corpus's context words."""
        return cls(frozenset(aspects_of(question)), asks_for_list(question), frozenset(context))

    def on_topic(self, text: str, section: str, question: str = "") -> bool:
        """Whether a unit (``text``, under ``section`` or answering ``question``) may answer: it
        does not speak only to the aspect opposite to the one asked for."""
        if not self.aspects:
            return True
        found = aspects_of(text) or path_aspects(section, question)
        opposite = {_OPPOSITE[a] for a in self.aspects if a in _OPPOSITE}
        return not (found & opposite) or bool(found & self.aspects)


def context_words(titles: Iterable[str], speakers: Iterable[str]) -> set[str]:
    """The corpus's context words: those of its documents' titles and its speakers' names (and
    their possessives), less common question words."""

    words = words_of([*titles, *speakers]) - STOPWORDS
    # "Market's" names the context as much as "Market" does.
    return words | {f"{w}{s}" for w in words for s in ("'s", "’s")}
