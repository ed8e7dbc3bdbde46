"""Reading a question: which speakers it names, whether it asks "who said…", whether it quotes
something, whether it names a person who isn't in the interviews, and how a follow-up resolves
against the conversation (the deterministic rewrite of extractive mode)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from interview_qa.assistant import prompts
from interview_qa.ingest import SUMMARY_SPEAKER, UNKNOWN_SPEAKER
from interview_qa.ingest.text import WORD as _WORD
from interview_qa.ingest.text import content_stems, content_words, fold, initials_with_name

_NAME_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_QUOTED = re.compile(r"[\"“]([^\"”]{3,})[\"”]")
_WHO = re.compile(
    r"^\s*(?:who|which\s+(?:speaker|engineer|person|interviewee|one)s?|whose\s+words)\b", re.I
)
_SPEECH_VERBS = (
    r"say|said|says|think|thinks|thought|mention|mentions|mentioned|talk|talks|talked|feel|feels|"
    r"believe|believes|recommend|recommends|recommended|suggest|suggests|suggested|describe|"
    r"describes|described|explain|explains|explained|like|likes|tell|tells|told|answer|answered"
)
_NAME = r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?"
_PERSON_PATTERNS = (
    re.compile(rf"\b(?:does|did|do|would|will|can)\s+(?P<name>{_NAME})\s+(?:{_SPEECH_VERBS})\b"),
    re.compile(rf"\b(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+(?:{_SPEECH_VERBS})\b"),
    re.compile(r"\baccording\s+to\s+(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"),
)
_NOT_NAMES = {
    "what",
    "who",
    "why",
    "how",
    "when",
    "where",
    "which",
    "does",
    "did",
    "do",
    "the",
    "staff",
    "senior",
    "principal",
    "engineers",
    "engineer",
    "they",
    "anyone",
    "someone",
    "everyone",
    "people",
    "back",
    "market",
    "interviewer",
    "summary",
    "nobody",
    "somebody",
    "and",
    "but",
    "any",
    "can",
    "would",
    "will",
    "should",
    "is",
    "are",
    "was",
    "i",
    "you",
    "we",
    "he",
    "she",
}
_FOLLOWUP_CUE = re.compile(
    r"^\s*(?:and|but|also|so|then|what\s+about|how\s+about|why|how\s+so|any|anything|more)\b", re.I
)
#: Words that lean on an earlier question. "They" is not one: it means the interviewees.
_PRONOUNS = {"that", "it", "this", "those", "these", "there", "he", "she", "his", "her", "its"}
#: The pronouns that stand for a person: in a question naming a speaker, that speaker.
_PERSON_PRONOUNS = {"he", "she", "his", "her"}


@dataclass
class QuestionInfo:
    """What a question says about itself."""

    text: str
    speakers: list[str] = field(default_factory=list)
    who_said: bool = False
    quote: str | None = None
    unknown_person: str | None = None
    #: A name the question uses that several speakers bear → those speakers (all searched).
    ambiguous: dict[str, list[str]] = field(default_factory=dict)


def _first_names(label: str) -> list[str]:
    """The names a label can be called by: each capitalised word of three letters or more
    ("Mike McQuaid" → Mike, McQuaid)."""
    return [w for w in re.split(r"\s+", label) if len(w) >= 3 and w[0].isupper()]


def _name_owners(registry: Mapping[str, str]) -> dict[str, list[str]]:
    """Each name (first or last, folded) → the labels bearing it, in sorted order."""
    owners: dict[str, list[str]] = {}
    for label in sorted(registry):
        if label in (SUMMARY_SPEAKER, UNKNOWN_SPEAKER):
            continue
        for name in _first_names(label):
            owners.setdefault(fold(name), []).append(label)
    return owners


def match_names(
    question: str, registry: Mapping[str, str]
) -> tuple[list[str], dict[str, list[str]]]:
    """Speaker labels the question names, and the names it uses that several speakers bear.

    Initials ("G.", "M.M.") and full labels ("Mike McQuaid") name one speaker. Otherwise a
    capitalised first or last name ("Mike", "McQuaid") names everyone who bears it; when that is
    several people, they are all returned and the name is listed in the second value, so that
    the answer can say whom it took the name to mean.
    """
    found: list[str] = []
    for label, initials in registry.items():
        if label in (SUMMARY_SPEAKER, UNKNOWN_SPEAKER):
            continue
        pattern = rf"(?<![\w.]){re.escape(initials)}(?![\w])"
        if ("." in initials and re.search(pattern, question)) or re.search(
            rf"(?<!\w){re.escape(label)}(?!\w)", question, re.I
        ):
            found.append(label)
    if found:
        return found, {}
    owners = _name_owners(registry)
    ambiguous: dict[str, list[str]] = {}
    for word in _NAME_WORD.findall(question):
        word = re.sub(r"['’]s$", "", word)
        bearers = owners.get(fold(word), [])
        if not bearers or not word[0].isupper() or word.lower() in _NOT_NAMES:
            continue
        if len(bearers) > 1:
            ambiguous[word] = bearers
        found.extend(b for b in bearers if b not in found)
    return found, ambiguous


def speakers_named(question: str, registry: Mapping[str, str]) -> list[str]:
    """Speaker labels the question names, by initials ("G."), full label or a name of the label
    (see :func:`match_names`)."""
    return match_names(question, registry)[0]


def lookup_speaker(raw: str, registry: Mapping[str, str]) -> list[str]:
    """The labels a speaker filter means: a label or initials (any case), else everyone bearing
    that first or last name (several when the name is shared)."""
    key = raw.strip().lower()
    for label, initials in registry.items():
        if key in (label.lower(), initials.lower()):
            return [label]
    return list(_name_owners(registry).get(fold(raw.strip()), []))


def ambiguity_notes(
    ambiguous: Mapping[str, Sequence[str]], registry: Mapping[str, str]
) -> list[str]:
    """One note per name several speakers bear, saying whom it was taken to mean."""
    notes = []
    for name, labels in ambiguous.items():
        people = describe_speakers(labels, registry)
        joined = ", ".join(people[:-1]) + prompts.AND + people[-1]
        notes.append(prompts.AMBIGUOUS_NAME.format(name=name, people=joined))
    return notes


def describe_speakers(labels: Sequence[str], registry: Mapping[str, str]) -> list[str]:
    """How to name speakers in a note: their initials, with the full name beside initials that
    are not the name itself ("M.M. (Mike McQuaid)")."""
    return [initials_with_name(registry.get(label, label), label) for label in labels]


def person_not_in_corpus(
    question: str, registry: Mapping[str, str], vocabulary: AbstractSet[str]
) -> str | None:
    """A person's name the question attributes speech to, when no speaker and no corpus text
    bears that name; else None."""
    known = {w.lower() for label in registry for w in re.split(r"\s+", label)}
    for pattern in _PERSON_PATTERNS:
        for match in pattern.finditer(question):
            name = match.group("name")
            words = name.split()
            if words[0].lower() in _NOT_NAMES:
                continue
            if any(w.lower() in known or w.lower() in vocabulary for w in words):
                continue
            return name
    return None


def analyse(
    question: str, registry: Mapping[str, str], vocabulary: AbstractSet[str]
) -> QuestionInfo:
    """Everything :mod:`questions` can tell about one question."""
    quoted = _QUOTED.search(question)
    speakers, ambiguous = match_names(question, registry)
    return QuestionInfo(
        text=question,
        speakers=speakers,
        ambiguous=ambiguous,
        who_said=bool(_WHO.search(question)),
        quote=quoted.group(1).strip() if quoted else None,
        unknown_person=person_not_in_corpus(question, registry, vocabulary),
    )


def is_follow_up(question: str, registry: Mapping[str, str]) -> bool:
    """Whether a question leans on the previous one ("why?", "and what did N. say?"). A
    question naming a speaker refers to them by "he" or "she" ("What does Preston want to do
    when he gets out?"): only a cue or a pronoun for a thing ("that", "it") leans on it then."""
    stripped = _strip_speakers(question, registry)
    words = content_words(stripped)
    tokens = {w.lower() for w in _WORD.findall(question)}
    if not words:
        return True
    cue = bool(_FOLLOWUP_CUE.search(question))
    pronouns = _PRONOUNS - _PERSON_PRONOUNS if stripped != question else _PRONOUNS
    leaning = bool(tokens & pronouns)
    return (cue or leaning) and len(words) <= 2


def _strip_speakers(question: str, registry: Mapping[str, str]) -> str:
    out = question
    for label, initials in registry.items():
        out = re.sub(rf"(?<![\w.]){re.escape(initials)}", " ", out)
        out = re.sub(rf"(?<!\w){re.escape(label)}(?!\w)", " ", out, flags=re.I)
        for name in _first_names(label):
            out = re.sub(rf"(?<!\w){re.escape(name)}(?:['’]s)?(?!\w)", " ", out)
    return out


def without_speakers(question: str, speakers: Sequence[str]) -> str:
    """The question without the names of the speakers it is filtered to: the answer is about
    what they said, and a sentence that merely names them is no better for it."""
    out = question
    for label in speakers:
        for name in {label, *_first_names(label), *label.split()}:
            if len(name) >= 2:
                out = re.sub(rf"(?<![\w.]){re.escape(name)}(?!\w)", " ", out, flags=re.I)
    return " ".join(out.split())


def rewrite_follow_up(
    question: str,
    previous_query: str,
    registry: Mapping[str, str],
    asked: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> str:
    """The standalone query for a follow-up: the previous query plus what this one adds. With
    ``asked`` (the previous question's speakers, the ones this follow-up names), the previous
    question is put to the new speakers: "What does Kim say about hiring?" followed by "and
    Raj?" is "What does Raj Patel say about hiring?"."""
    before, after = asked
    base = swap_speakers(previous_query, before, after, registry) if after else previous_query
    return " ".join([base, *added_words(question, registry)]).strip()


def _mention_patterns(label: str, registry: Mapping[str, str]) -> list[str]:
    """The ways a question can name ``label``: its initials, the label, its names."""
    initials = registry.get(label, "")
    out = [rf"(?<![\w.]){re.escape(initials)}(?!\w)"] if "." in initials else []
    out.append(rf"(?<!\w){re.escape(label)}(?:['’]s)?(?!\w)")
    out.extend(rf"(?<!\w){re.escape(n)}(?:['’]s)?(?!\w)" for n in _first_names(label))
    return out


def swap_speakers(
    query: str, before: Sequence[str], after: Sequence[str], registry: Mapping[str, str]
) -> str:
    """``query`` with its mentions of the speakers ``before`` replaced by the speakers
    ``after`` (their labels; several mentions in a row, "Kim and Lee", become one). A query
    naming none of ``before`` is returned as it is."""
    spans: list[tuple[int, int]] = []
    for label in before:
        for pattern in _mention_patterns(label, registry):
            spans.extend(m.span() for m in re.finditer(pattern, query, re.I))
    if not spans:
        return query
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        gap = query[merged[-1][1] : start] if merged else None
        if gap is not None and (start < merged[-1][1] or _JOINER.fullmatch(gap)):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    joined = join_names(list(after))
    out, pos = [], 0
    for i, (start, end) in enumerate(merged):
        out.extend([query[pos:start], joined if i == 0 else ""])
        pos = end
    out.append(query[pos:])
    return " ".join("".join(out).split())


_JOINER = re.compile(r"\s*(?:,|and|or|&)?\s*", re.I)


_MORE = re.compile(
    r"^\s*(?:and\s+|so\s+|but\s+)?(?:why|why\s+(?:is|was)\s+that|how\s+so|how\s+come|tell\s+me\s+more|"
    r"more|go\s+on|continue|for\s+(?:example|instance)|an?\s+example|examples|elaborate|"
    r"can\s+you\s+elaborate|say\s+more|what\s+else|anything\s+else|and\s+then|really)"
    r"\b[\s?.!]*(?:please)?[\s?.!]*$",
    re.I,
)


_WHY = re.compile(r"^\s*(?:and\s+|but\s+|so\s+)?(?:why|how\s+so|how\s+come)\b", re.I)


def asks_for_more(question: str) -> bool:
    """Whether a follow-up asks to go on with the same thread ("why?", "why is that
    important?", "tell me more", "for example?") rather than bringing a topic of its own."""
    return bool(_MORE.match(question) or _WHY.match(question))


def brings_own_subject(question: str, registry: Mapping[str, str]) -> bool:
    """Whether a follow-up that adds topic words stands on them alone ("What about
    retrospectives?"), as opposed to leaning on the previous subject with a pronoun ("any books
    on that?")."""
    tokens = {w.lower() for w in _WORD.findall(_strip_speakers(question, registry))}
    return bool(added_words(question, registry)) and not tokens & _PRONOUNS


_ELABORATION = re.compile(r"^\s*(?:and\b|why\b|how\b|what\s+(?:do|did|does)\s+\w+\s+mean)", re.I)


def keeps_speakers(question: str, registry: Mapping[str, str]) -> bool:
    """Whether a follow-up stays with the previous speakers: it adds no topic ("and G.?"), or
    asks them to elaborate ("why is that important?", "how so?"); "any books on that?" moves on."""
    return not added_words(question, registry) or bool(_ELABORATION.search(question))


def added_words(question: str, registry: Mapping[str, str]) -> list[str]:
    """The topic words a follow-up adds to the previous question ("any books on that?" →
    ["books"]); the search leans on them."""
    return content_words(_strip_speakers(question, registry))


_QUANTITY_Q = re.compile(
    r"\b(?:how\s+(?:many|much|old|often)|what\s+(?:percentage|percent|share|number|year|date)|"
    r"in\s+what\s+year|when\s+(?:was|were|did|is|are|will)|"
    r"revenue|salary|salaries|earn|earns|paid|pay|cost|costs|price|budget|profit|turnover)\b",
    re.I,
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|thousand|million|billion|half|dozen"
)
_QUANTITY = re.compile(
    rf"\d|\b(?:{_NUMBER_WORDS})\b|\b(?:a|an)\s+(?:year|month|week|day|quarter|decade)\b|"
    r"\b(?:years?|months?|weeks?|days?|quarters?|decades?|percent|euros?|dollars?)\b|[%$€£]",
    re.I,
)


_DATE_Q = re.compile(
    r"\b(?:when\s+(?:was|were|did)|what\s+(?:year|date|month|day)|in\s+what\s+(?:year|month))\b",
    re.I,
)
#: Month and day names, capitalised ("May", not "may").
_MONTHS = (
    r"(?-i:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)"
)
_WEEKDAYS = r"(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_TIME_POINT = re.compile(
    r"\b(?:1[89]\d\d|20\d\d|'\d\d)s?\b|\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|"
    rf"\b(?:{_MONTHS}|{_WEEKDAYS})\b|\b(?:yesterday|today|tonight|tomorrow|nowadays|ago)\b|"
    r"\b(?:last|next|this|that)\s+(?:year|month|week|summer|winter|spring|autumn|fall|quarter|"
    r"semester|decade)\b|\b(?:since|until|when\s+I\s+was|at\s+the\s+age\s+of|"
    r"back\s+(?:then|in))\b|\b(?:early|late|mid)[-\s](?:19|20)?\d0s\b|"
    # A point in a life: "in high school", "as a kid", "at 20", "20 years old".
    r"\b(?:in|during|after|before|since|through)\s+(?:high\s+school|middle\s+school|school|"
    r"college|university|grad(?:uate)?\s+school|my\s+(?:first|last|previous)\s+\w+)\b|"
    r"\bas\s+an?\s+(?:kid|child|teenager|teen|student|intern)\b|\bat\s+(?:age\s+)?\d{1,2}\b|"
    r"\b\d{1,2}\s+years?\s+old\b",
    re.I,
)


def wants_date(question: str) -> bool:
    """Whether the question asks when something happened, or for a year or a date ("when were
    the interviews recorded?"): a point in time, which a duration ("a year and a half") is not."""
    return bool(_DATE_Q.search(question))


def has_time_point(text: str) -> bool:
    """Whether the text names a point in time: a year, a date, a month or weekday, "ago",
    "last year", "since…", "when I was…", a point in a life ("in high school", "at 20") — not a
    duration alone ("for two years")."""
    return bool(_TIME_POINT.search(text))


def wants_quantity(question: str) -> bool:
    """Whether the question asks for a number, an amount or a date."""
    return bool(_QUANTITY_Q.search(question))


def has_quantity(text: str) -> bool:
    """Whether the text holds a number, an amount or a time expression."""
    return bool(_QUANTITY.search(text))


_NAME_Q = re.compile(
    r"\b(?:what(?:'s|’s|\s+is|\s+was|\s+are|\s+were)|tell\s+me|give\s+me)\s+the\s+names?\s+of\b|"
    r"\bwhat\s+(?:is|was|'s|’s)\s+(?:his|her|their|its)\s+name\b|"
    # "Who is the CEO?", "Who was Back Market's first engineer?": a role, not a speaker by name.
    r"^\s*who\s+(?:is|was|are|were)\s+(?:the|an?|[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*['’]s)(?=\s+\w)",
    re.I,
)
#: A capitalised word that may open a sentence ("So", "I'm") yet names nothing.
_CAPITALISED = re.compile(r"(?<![\w'’-])([A-Z][\w'’-]*)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(\[]\s*|\n)\s*$")


def wants_name(question: str) -> bool:
    """Whether the question asks for somebody's or something's name ("what is the name of the
    CEO?", "who is the company's CTO?"): its answer has to name one. A question about a speaker
    by name ("who is T.?") or about who said a quote is not one."""
    return bool(_NAME_Q.search(question))


def named_thing(question: str) -> set[str]:
    """The stems of what a name question asks the name of, without the names it already holds
    ("What is the name of Back Market's CEO?" → {"ceo"}; "…of Lara's book?" → {"book"}): its
    words after the asking, other than capitalised ones ("Back", "Market's", "Lara's")."""
    match = _NAME_Q.search(question)
    rest = question[match.end() :] if match else question
    kept = [t for t in rest.split() if not (t[:1].isupper() and not t.isupper())]
    return content_stems(" ".join(kept))


def has_new_name(text: str, question: str) -> bool:
    """Whether ``text`` names what the question asks the name of: it holds a capitalised word
    inside a sentence (not its first word) that the question doesn't, and one of the words for
    the thing named (:func:`named_thing`; "CEO", "book"). A summary's line about the company,
    title-cased ("…within the Individual Contributor track"), names no CEO."""
    thing = named_thing(question)
    if thing and not thing & content_stems(text):
        return False
    asked = content_stems(question)
    for match in _CAPITALISED.finditer(text):
        if _SENTENCE_START.search(text[: match.start()]):
            continue
        if content_stems(match.group(1)) - asked:
            return True
    return False


def focus_text(
    question: str,
    frequency: Mapping[str, float],
    generic_share: float,
    context: AbstractSet[str] = frozenset(),
) -> str | None:
    """The question without the words in more than ``generic_share`` of the chunks and the
    ``context`` words (they say nothing about what it is after), or None when nothing that
    carries a topic would be left."""
    kept = []
    for token in question.split():
        word = re.sub(r"[^\w'’-]", "", token.lower())
        if frequency.get(word, 0.0) <= generic_share and word not in context:
            kept.append(token)
    text = " ".join(kept)
    return text if content_words(text) and text != question else None


def join_names(names: Sequence[str]) -> str:
    """ "A.", "A. and B.", "A., B. and C."."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + prompts.AND + names[-1]


def ordered_unique(items: Sequence[str]) -> list[str]:
    """Items without repeats, in first-seen order."""
    return list(dict.fromkeys(items))
