"""The themes' labels: a short phrase a person would write for a theme, built from its own words.

A theme's passages each answer something: the interviewer's question, a written interview's
heading, the summary section they sit under (:func:`interview_qa.ingest.units.heading`). The
label is the answered heading most distinctive of the theme, as a phrase: the number of the
theme's passages under it, times the share of all passages under it that fall in the theme
(so a heading every theme answers names none of them), among headings at least two of its
passages answer (one, for a theme of one passage). Each heading labels one theme at most,
the strongest pairs first, so labels are distinct. A heading is a label as it stands when it is
a title ("Prioritizing Tasks"); an interviewer's question becomes the phrase it asks about
("How do you plan your week?" → "Planning your week", "Tell me about your team" → "Your
team"). A theme no heading labels gets the key phrase of its most central passage: the run of
two to six words within one clause, from content word to content word, carrying most of the
theme's c-TF-IDF weight ("Opportunities outside your perceived scope"). Labels are never bags
of words.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from interview_qa.assistant import prompts
from interview_qa.assistant.theme_model import Unit
from interview_qa.assistant.theme_terms import TOKEN, stop_words
from interview_qa.ingest.units import heading

#: Most words of a heading used as a label as it stands, and of a phrase made of a question.
HEADING_WORDS = 10
QUESTION_WORDS = 7
#: Fewest and most words of a key phrase.
PHRASE_WORDS = (2, 6)

_LEAD = re.compile(
    r"^(?:(?:so|and|but|okay|ok|well|now|then|right|alright|finally|lastly|also)\b[\s,]*)+", re.I
)
_ABOUT = re.compile(
    r"^(?:(?:(?:can|could|would|will) you )?(?:tell|talk to|talk with|share with) (?:me|us)|"
    r"let'?s talk|let us talk) (?:a (?:little|bit) (?:more )?|more |briefly )?(?:about|of) "
    r"(?P<rest>.+)$",
    re.I,
)
_ATTITUDE = re.compile(
    r"^(?:what|how) (?:do|did|does) (?:you|they|we) (?:think|feel) (?:about|of) (?P<rest>.+)$",
    re.I,
)
_DO = re.compile(
    r"^what (?:do|did|does|would|will) (?:you|they|we) do "
    r"(?:(?:on|in|at|for|during) )?(?P<rest>.+)$",
    re.I,
)
_ACTION = re.compile(
    r"^(?:(?:how|why|when|where|what|which) (?:\w+ )?)?"
    r"(?:do|did|does|would|will|should|can|could|have|had) (?:you|we|they|people|one|i) "
    r"(?:(?:ever|usually|still|really|also|always|often|never|actually|typically) )?"
    r"(?P<verb>[a-z]+)(?P<rest>(?: .*)?)$",
    re.I,
)
_STATE = re.compile(r"^(?:what|who|which|how) (?:is|are|was|were) (?P<rest>.+)$", re.I)
_MAKES = re.compile(r"^what (?:makes|made) (?P<rest>.+)$", re.I)
#: Words that are no verb to turn into "-ing" after "do you".
_NOT_VERBS = frozenset(["think", "know", "mean", "say", "see", "feel"])
#: Words that open a question; a short question opening with none is a noun phrase ("And the
#: sauce?").
_QUESTION_WORDS = re.compile(
    r"^(?:what|how|why|when|where|who|whom|which|whose|do|does|did|is|are|was|were|can|could|"
    r"would|will|should|have|has|had|any|anything)\b",
    re.I,
)
_TRAILING = re.compile(
    r"(?:\s+(?:too|then|now|today|these days|at all|as well|in general|for you|so far))+$", re.I
)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_CLAUSE = re.compile(r"[,.;:!?()\[\]\"“”—–]|\s-\s")
_ODD = re.compile(r"[^\w\s'’&/+-]")


def heading_label(text: str) -> str | None:
    """``text`` (a heading, or an interviewer's words) as a label phrase, or None when it makes
    none: a title stays as it is, a question becomes the phrase it asks about."""
    text = " ".join(text.split())
    if not text:
        return None
    asked = _last_question(text)
    if asked is not None:
        return question_phrase(asked)
    about = _ABOUT.match(_LEAD.sub("", text).rstrip(".!"))
    if about is not None:
        return question_phrase(about.group(0))
    if text.endswith((".", "!")):  # a sentence said, not a heading
        return None
    title = _ODD.sub("", text).strip(" -:")
    if not title or len(title.split()) > HEADING_WORDS or not _has_content(title):
        return None
    return title


def _last_question(text: str) -> str | None:
    """The last sentence of ``text`` that is a question, or None when none is."""
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+", text) if p.strip()]
    asked = [p for p in parts if p.endswith("?")]
    return asked[-1] if asked else None


def question_phrase(question: str) -> str | None:
    """What a question asks about, as a phrase ("How do you mentor juniors?" → "Mentoring
    juniors"); None when it has no shape this knows."""
    q = _LEAD.sub("", question.strip().rstrip("?").strip())
    q = re.split(r"[:;]", q)[0].strip()
    phrase = None
    for pattern in (_ABOUT, _ATTITUDE, _DO, _MAKES, _STATE):
        match = pattern.match(q)
        if match:
            phrase = match.group("rest")
            break
    else:
        action = _ACTION.match(q)
        if action and action.group("verb").lower() not in _NOT_VERBS:
            phrase = gerund(action.group("verb").lower()) + action.group("rest")
        elif not _QUESTION_WORDS.match(q) and len(q.split()) <= 4:
            phrase = q
    if phrase is None:
        return None
    phrase = _ARTICLE.sub("", _TRAILING.sub("", _ODD.sub("", phrase).strip()))
    words = phrase.split()
    if not words or len(words) > QUESTION_WORDS or not _has_content(phrase):
        return None
    return capitalise(phrase)


def gerund(verb: str) -> str:
    """The "-ing" form of an English verb ("plan" → "planning", "make" → "making")."""
    if verb.endswith("ing"):
        return verb
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    vowels = "aeiou"
    one_syllable = len(re.findall(r"[aeiou]+", verb)) == 1
    if (
        one_syllable
        and len(verb) >= 3
        and verb[-1] not in vowels + "wxy"
        and verb[-2] in vowels
        and verb[-3] not in vowels
    ):
        return verb + verb[-1] + "ing"
    return verb + "ing"


def capitalise(phrase: str) -> str:
    """The phrase with its first letter in capitals, the rest as written."""
    return phrase[:1].upper() + phrase[1:]


def _has_content(text: str) -> bool:
    stop = stop_words()
    return any(w.lower() not in stop and len(w) > 2 for w in TOKEN.findall(text))


def key_phrase(text: str, weights: dict[str, float]) -> str | None:
    """The run of words of ``text`` within one clause, from content word to content word
    (:data:`PHRASE_WORDS` long), that carries most of a theme's c-TF-IDF weight (its stemmed
    words and two-word phrases, :class:`~interview_qa.assistant.theme_terms.Terms`) per
    square-root word; as written, its first letter in capitals."""
    best: tuple[float, int, str] | None = None
    offset = 0
    low, high = PHRASE_WORDS
    for clause in _CLAUSE.split(text):
        words = TOKEN.findall(clause)
        stems = _stems(words)
        for i in range(len(words)):
            for j in range(i + low - 1, min(len(words), i + high)):
                if stems[i] is None or stems[j] is None:
                    continue
                value = _stem_weight(stems[i : j + 1], weights)
                candidate = (value, -offset - i, " ".join(words[i : j + 1]))
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
        offset += len(words)
    return None if best is None else capitalise(best[2])


def _stems(words: list[str]) -> list[str | None]:
    """Each word's stem, as the themes' terms stem it; None for a stop word."""
    import Stemmer

    stop = stop_words()
    stemmer = Stemmer.Stemmer("english")
    out: list[str | None] = []
    for word in words:
        lowered = word.lower().replace("’", "'")
        keep = lowered not in stop and len(lowered) > 2 and "'" not in lowered
        out.append(stemmer.stemWord(lowered) if keep else None)
    return out


def _stem_weight(stems: list[str | None], weights: dict[str, float]) -> float:
    value = sum(weights.get(s, 0.0) for s in stems if s is not None)
    value += sum(
        weights.get(f"{a} {b}", 0.0)
        for a, b in itertools.pairwise(stems)
        if a is not None and b is not None
    )
    return value / math.sqrt(len(stems))


def unit_heading(unit: Unit) -> str:
    """What the unit's passage answers: its interviewer's question, else its section's
    deepest heading."""
    return heading(str(unit.meta.get("section") or ""), str(unit.meta.get("question") or ""))


def theme_labels(
    members: dict[int, list[Unit]], weights: dict[int, dict[str, float]]
) -> dict[int, str]:
    """A distinct label for every theme (id → label; see the module's docstring)."""
    labels: dict[int, str] = {}
    taken: set[str] = set()
    for theme_id, label in _heading_pairs(members):
        if theme_id not in labels and label.casefold() not in taken:
            labels[theme_id] = label
            taken.add(label.casefold())
    for theme_id in sorted(members):
        if theme_id in labels:
            continue
        phrase = _phrase_label(members[theme_id], weights.get(theme_id, {}), taken)
        labels[theme_id] = phrase or prompts.THEMES_LABEL_FALLBACK.format(id=theme_id)
        taken.add(labels[theme_id].casefold())
    return labels


def _heading_pairs(members: dict[int, list[Unit]]) -> list[tuple[int, str]]:
    """(theme, label of a heading it answers), the most distinctive pairs first."""
    answered: dict[int, Counter[str]] = {}
    centrality: dict[tuple[int, str], float] = defaultdict(float)
    shown: dict[str, str] = {}
    everywhere: Counter[str] = Counter()
    for theme_id, group in members.items():
        answered[theme_id] = Counter()
        for unit in group:
            label = heading_label(unit_heading(unit))
            if label is None:
                continue
            key = label.casefold()
            shown.setdefault(key, label)
            answered[theme_id][key] += 1
            everywhere[key] += 1
            centrality[theme_id, key] += unit.similarity
    scored = []
    for theme_id, counts in answered.items():
        least = min(2, len(members[theme_id]))
        for key, n in counts.items():
            if n >= least:
                score = n * n / everywhere[key]
                scored.append((-score, -centrality[theme_id, key], theme_id, key))
    return [(theme_id, shown[key]) for _, _, theme_id, key in sorted(scored)]


def _phrase_label(group: Iterable[Unit], weights: dict[str, float], taken: set[str]) -> str | None:
    """The key phrase of the theme's most central passage not already a label."""
    for unit in sorted(group, key=lambda u: (-u.similarity, u.id)):
        phrase = key_phrase(unit.text, weights)
        if phrase is not None and phrase.casefold() not in taken:
            return phrase
    return None
