"""The first line's viewpoints: each speaker's point in a few of their own words, whole.

A viewpoint ("S.: ask about the impact") is a clause of one sentence the speaker is quoted
saying, or it is left out (the speaker is named alone). :func:`fragment_reason` holds the rules,
and the evaluation applies it to every first line shown:

1. **Whole.** The phrase is the speaker's words, and a clause of one sentence: what comes before
   it in that sentence is nothing, or a clause break followed by an opening the phrase may
   drop (a filler "yeah", "so"; "I think"; "you need to", "you should", "it's important to"
   before advice; the speaker's "I" or "we" before a verb in the present: "I ask about" → "ask
   about"); what comes after it is nothing or starts a new clause (a punctuation break, or a
   word such as "because", "regardless", "which"), never the rest of a list, the condition it
   holds under ("if", "when", "unless"…) or the "but" that answers it (what comes before "but"
   is conceded, not the point). It is not quoted speech, nor the words after "I was thinking,".
2. **Short, never cut.** 2 to :data:`MAX_WORDS` words and no ellipsis: a shorter whole clause,
   or none.
3. **It stands alone.** It opens with neither a preposition, conjunction, relative word or
   negation ("in my previous company", "that…", "not…") nor an auxiliary or past tense whose
   subject was cut off ("was never thinking"); it holds a verb; cut inside its sentence, it does
   not end on a word that needs what follows ("the", "of", "thinking"). A sentence opening with
   "and", "or", "otherwise" or "because", or with a pronoun pointing back ("It is extremely
   difficult…", "That's why…"), goes on with the sentence before: no viewpoint.
4. **Not a filler.** It holds a content word besides "good", "question", "depends"… and the
   names in it.

Of a speaker's whole phrases, the first (most relevant quote first, then in reading order;
a clause after "but" first, as what the speaker stresses) that shares a word with the question
is shown; none sharing one, the first.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence

from interview_qa.assistant import prompts
from interview_qa.assistant.questions import content_words
from interview_qa.assistant.quoting import display, points_back
from interview_qa.ingest.sentences import sentence_spans
from interview_qa.ingest.text import listed

#: The most words a viewpoint has.
MAX_WORDS = 12


#: Common verbs (base forms): a clause without a subject must hold one (rule 3).
_VERBS = listed(
    "accept add address adjust allow answer ask avoid become begin believe bring build buy call "
    "care change choose come communicate consider continue contribute convince create decide "
    "deliver deviate digest direct do drive enjoy expect explain find focus follow forget get "
    "give go grow happen have hear help hire identify improve keep know learn leave let listen "
    "live look lose love make manage maintain mean meet mentor move need offer open own pay pick "
    "plan practice prepare present prioritize produce push put reach read receive rely remember "
    "review run say see seek sell share shy show sleep solve speak spend split stand start stay "
    "stop support take talk teach tell think try turn understand use wait want watch work write"
)
#: Verbs of doing whose subject "I" or "we" a viewpoint may drop ("I ask about" → "ask
#: about"); not verbs of thinking, feeling or having ("I know…" is no advice to know).
_DROP_BEFORE = sorted(
    _VERBS
    - listed(
        "know mean believe feel think love want need have say tell see hear care forget "
        "remember understand expect happen do get go come let live lose become begin find"
    )
)
_ADV = r"(?:really|also|always|just|absolutely|usually|often|definitely|actually|truly)"
_FILLER = r"(?:yeah|yes|well|so|oh|okay|ok|honestly|basically|really|also|then|now|i mean|you know)"
#: An opening a viewpoint may drop, at the start of a clause (the subject before a verb in the
#: present only: "I was…" keeps its "I"; "we try to" only outside continuations, see rule 3).
_LEAD = re.compile(
    rf"(?:(?:and|but|{_FILLER}),?\s+)*"
    rf"(?:(?:i|we)\s+(?:{_ADV}\s+)*(?:think|believe|guess|feel(?:\s+like)?|would\s+say|'d\s+say)"
    rf",?\s+(?:that\s+)?)?"
    rf"(?:(?:{_FILLER}),?\s+)*"
    rf"(?:(?:i|we|you)\s+(?:{_ADV}\s+)*(?:need|have|['’]ve\s+got|got|try)\s+(?:{_ADV}\s+)*to\s+"
    rf"|you\s+(?:{_ADV}\s+)*(?:should|must)\s+(?:{_ADV}\s+)*"
    rf"|it(?:['’]s|\s+is)\s+(?:(?:{_ADV}|super|very|so)\s+)*"
    rf"(?:important|key|essential|crucial|critical|vital)\s+to\s+"
    rf"|(?:i|we)\s+(?:{_ADV}\s+)*(?=(?:{'|'.join(_DROP_BEFORE)})\b))?",
    re.I,
)
#: The opening, then the phrase's first word (the opening's look-ahead needs to see it).
_LEAD_THEN = re.compile(rf"(?:{_LEAD.pattern})\S+", re.I)
_SUBORDINATORS = (
    "because|regardless|whether|although|though|while|whereas|unless|until|otherwise|"
    "especially|regarding|when|whenever|if|but|where|which|so that|even if|even though|"
    "rather than|instead of"
)
#: Where a clause ends: a punctuation break (not the colon of a time, "8:30"), or a word that
#: opens a new clause.
_BREAK = re.compile(
    rf"\s*(?:[,;!?()]|:(?!\d)|\.\.\.|…|\s[-—–]{{1,2}}\s|[—–])\s*|\s+(?=(?:{_SUBORDINATORS})\b)",
    re.I,
)
#: A break that a viewpoint never crosses (a comma or a clause word it may).
_STRONG = re.compile(r"[;!?()…—–]|:(?!\d)|\.\.\.|\s-\s")
#: A sentence opening with these goes on with the one before.
_CONTINUATION = listed("and or nor otherwise because which plus")
_PREPOSITIONS = listed(
    "in of on at for with by from to into onto about like as after before during than without "
    "within through towards toward over under between among around across beyond despite "
    "regarding per via since until upon"
)
_OPENERS = (
    _PREPOSITIONS
    | _CONTINUATION
    | listed("but so if when whenever while whereas although though unless whether regardless")
    | listed("once where wherever that who whom whose not kind sort such especially even rather")
    | listed("instead just")
)
#: An auxiliary, modal or past tense: a clause opening with one lost its subject.
_HEADLESS = listed(
    "am is are was were been being has had did does would could might may will shall can "
    "cannot can't couldn't wouldn't won't wasn't weren't isn't aren't hasn't hadn't didn't "
    "doesn't need needs wants went got gotten made took saw said thought knew found came became "
    "began felt told gave ran wrote built brought kept meant spent taught heard held met 'm 're"
)
_DANGLING = (
    _PREPOSITIONS
    | _OPENERS
    | _HEADLESS
    | listed("a an the my your our their his her its some any every each no and or be have do")
    | listed("think thinking say saying tell telling wonder wondering mean know believe feel")
    | listed("guess ask asking very too more most less")
)
_FILLERS = listed(
    "depends good great question right true sure yeah yes okay totally exactly interesting "
    "funny cool awesome agree thing things stuff lot kind sort guess know mean say said think "
    "way actually pretty much well thanks thank basically thinking talking saying"
)
_PRONOUNS = listed("i you we they he she it there i'm you're we're they're it's there's")
_VERB_CUES = _HEADLESS | listed("be do don't have should must 've 'll 'd n't")
_QUOTE_MARKS = '"“”'


def _bare(word: str) -> str:
    return word.lower().strip(".,;:!?\"“”'’()").replace("’", "'")


def _is_past(word: str) -> bool:
    return len(word) > 4 and word.endswith("ed") and not word.endswith("eed")


def _has_verb(words: Sequence[str]) -> bool:
    for raw in words:
        w = _bare(raw)
        if w in _VERB_CUES or w in _PRONOUNS or "'" in w or _is_past(w):
            return True
        if _base_forms(w) & _VERBS:
            return True
    return False


def _base_forms(word: str) -> set[str]:
    """``word`` and what it may inflect ("making" → "make", "stops" → "stop", "stopped")."""
    forms = {word}
    if word.endswith("ing"):
        forms |= {word[:-3], word[:-3] + "e", word[:-4]}
    elif word.endswith("ed"):
        forms |= {word[:-2], word[:-1], word[:-3]}
    elif word.endswith("s"):
        forms |= {word[:-1], word[:-2]}
    return forms


def _stem(word: str) -> str:
    return re.sub(r"(?:ing|ed|es|s|ly|ment|ship)$", "", word)[:5] if len(word) > 4 else word


def topic_hits(phrase: str, topic: Collection[str]) -> int:
    """How many of ``topic``'s words (the question's content words) ``phrase`` holds, a word's
    inflections counted as the word ("skills" for "skill")."""
    wanted = {_stem(w) for w in topic}
    return sum(_stem(w) in wanted for w in set(content_words(phrase)))


def _phrase_reason(phrase: str, max_words: int) -> str | None:
    """What makes ``phrase`` a fragment on its own (rules 2–4), None when nothing does."""
    words = phrase.split()
    if "…" in phrase or "..." in phrase:
        return "cut with an ellipsis"
    if any(mark in phrase for mark in _QUOTE_MARKS):
        return "holds quoted words"
    if not 2 <= len(words) <= max_words:
        return f"{len(words)} words"
    first = _bare(words[0])
    if first in _OPENERS:
        return f"opens with {first!r}"
    if first in _HEADLESS or _is_past(first):
        return f"{first!r} without its subject"
    if words[0].endswith(",") and (_bare(words[1]) in _HEADLESS or _is_past(_bare(words[1]))):
        # "Dan, has written…" of "One of my colleagues, Dan, has written…": an apposition.
        return f"{_bare(words[1])!r} without its subject"
    if not _has_verb(words):
        return "no verb"
    names = {w.lower() for w in words[1:] if w[:1].isupper()}
    if not set(content_words(phrase)) - _FILLERS - names:
        return "a filler"
    return None


_INTRO = listed(
    "when whenever if once after before as while since although though unless in for at on "
    "with by during from over"
)


def _intro(before: str) -> bool:
    """Whether ``before`` (the start of a sentence, up to a comma) is an opening adverbial or
    subordinate clause ("When you're the only one who cares,", "Two years down the line,")."""
    words = before.split()
    first = _bare(words[0]) if words else ""
    return first in _INTRO or (len(words) <= 5 and not _has_verb(words) and first not in _OPENERS)


def _clause_openings(head: str) -> Iterator[int]:
    """Where in ``head`` (a sentence up to a phrase) a clause may open: at its start, after a
    strong break, before "but", or after an opening adverbial; never after "thinking,"."""
    yield 0
    for m in _BREAK.finditer(head):
        before, after = head[: m.start()], head[m.end() :]
        said = re.search(r"(\S+)$", before)
        if "," in m.group(0) and said and _bare(said.group(1)) in _DANGLING:
            continue
        if _STRONG.search(m.group(0)) or re.match(r"but\b", after, re.I) or _intro(before):
            yield m.end()


def _place_reason(sentence: str, start: int, end: int, opened: bool = False) -> str | None:
    """What makes ``sentence[start:end]`` not a whole clause of ``sentence`` (rule 1, and the
    end and continuation parts of rule 3), None when it is one."""
    head, tail = sentence[:start], sentence[end:]
    if sentence.rstrip().endswith("?"):
        return "from a question"
    if _bare(sentence.split()[0]) in _CONTINUATION or points_back(sentence.lstrip()):
        return "goes on with the sentence before"
    if opened or head.count('"') % 2 or head.count("“") > head.count("”"):
        return "inside quotation marks"
    first = sentence[start:end].split()[0]
    if not any(_LEAD_THEN.fullmatch(head[p:] + first) for p in _clause_openings(head)):
        return "its sentence's clause starts earlier"
    if tail.strip(' .!"”’'):
        if not _BREAK.match(tail):
            return "cut mid-clause"
        if re.match(r"[\s,]*but\b", tail, re.I):
            return "conceded before 'but'"
        if re.match(r"\s+(?:if|unless|when|whenever|until|whether)\b", tail, re.I):
            return "cut from its condition"
        last = _bare(sentence[:end].split()[-1])
        if last in _DANGLING:
            return f"ends on {last!r}"
        if _mid_list(sentence[start:end], tail):
            return "cut mid-list"
    return None


def _mid_list(phrase: str, tail: str) -> bool:
    """Whether ``phrase``, followed by ``tail`` in its sentence, ends inside a list: the next
    item is short and another follows ("mentoring" + ", sponsoring, and…"), the last item
    comes next ("mentoring" + " and coaching"), or the phrase's own last item is short and the
    list goes on ("mentoring, sponsoring" + ", and…")."""
    item = r"([^,;:.!?]+?)"
    after = re.match(rf"\s*,\s*{item}(?:\s*,|\s+(?:and|or)\b)", tail)
    last = re.match(rf"\s*,?\s+(?:and|or)\s+{item}\s*(?:[,;:.!?]|$)", tail)
    own = phrase.rsplit(",", 1)[-1] if "," in phrase else ""
    return any(m is not None and len(m.group(1).split()) <= 3 for m in (after, last)) or bool(
        own and len(own.split()) <= 3 and tail.lstrip().startswith(",")
    )


#: A transcript's bracketed note: "[laughter]", "[12:10]", "\[unintelligible 01:03:39.21\]".
_NOTE = re.compile(r"\s*\\?\[[^\]\n]*\]\s*")


def _sentences(quote: str) -> Iterator[tuple[str, bool]]:
    """The sentences of ``quote`` (as shown) without their outer quotation marks, each with
    whether it starts inside a quotation opened before it ("… is like, "We could. We could
    build…"); a transcript's note is a break no viewpoint crosses, never part of one."""
    quote = display(_NOTE.sub(" — ", quote)).strip(" —")
    for start, end in sentence_spans(quote):
        sentence = quote[start:end].strip(' "“”')
        before = quote[:start]
        opened = before.count('"') % 2 == 1 or before.count("“") > before.count("”")
        if sentence:
            yield sentence, opened


def fragment_reason(
    phrase: str, quotes: str | Sequence[str], max_words: int = MAX_WORDS
) -> str | None:
    """Why ``phrase`` is not a whole viewpoint taken from ``quotes`` (the speaker's quoted
    words, as shown), in words; None when it is one (see the module docstring's rules)."""
    reason = _phrase_reason(phrase, max_words)
    if reason:
        return reason
    pattern = re.compile(r"\s+".join(re.escape(w) for w in phrase.split()), re.I)
    found = None
    for quote in [quotes] if isinstance(quotes, str) else quotes:
        for sentence, opened in _sentences(quote):
            for m in pattern.finditer(sentence):
                # Whole words only: "ask about" is not a clause of "task about".
                if m.start() and sentence[m.start() - 1].isalnum():
                    continue
                if m.end() < len(sentence) and sentence[m.end()].isalnum():
                    continue
                found = _place_reason(sentence, m.start(), m.end(), opened)
                if found is None:
                    return None
    return found or "not the speaker's words"


def _clause_starts(sentence: str) -> list[int]:
    """Where clauses of ``sentence`` may start: at its start and after each break, those
    opening with "but" first."""
    starts = [0, *(m.end() for m in _BREAK.finditer(sentence))]
    contrast = [s for s in starts if re.match(r"but\b", sentence[s:], re.I)]
    return contrast + [s for s in starts if s not in contrast]


def candidates(quote: str, max_words: int = MAX_WORDS) -> Iterator[str]:
    """The whole phrases of ``quote`` (see :func:`fragment_reason`), in order of preference:
    by sentence, for each clause start the longest one first."""
    for sentence, opened in _sentences(quote):
        if opened:
            continue
        ends = [m.start() for m in _BREAK.finditer(sentence)] + [len(sentence.rstrip(' .!…"”’'))]
        for start in _clause_starts(sentence):
            lead = _LEAD.match(sentence, start)
            begins = [lead.end() if lead else start, start]
            strong = _STRONG.search(sentence, start + 1)
            limit = strong.start() if strong else len(sentence)
            for end in sorted((e for e in ends if start < e <= limit), reverse=True):
                for begin in dict.fromkeys(begins):
                    # Where it lies is known: the rules of fragment_reason, without its search.
                    stripped = sentence[begin:end].strip(' ,"“”')
                    if not stripped or _phrase_reason(stripped, max_words):
                        continue
                    at = sentence.index(stripped, begin)
                    if _place_reason(sentence, at, at + len(stripped)) is None:
                        yield _case(stripped)
                        break


def _case(phrase: str) -> str:
    """``phrase`` with its first letter lower-cased unless the first word is a name ("GitHub",
    "API", "I'm") or the start of one ("Casey Kolderup")."""
    first, *rest = phrase.split(" ", 2)
    name = first[1:] != first[1:].lower() or re.sub(r"['’].*", "", first) == "I"
    name = name or bool(rest and rest[0][:1].isupper() and re.sub(r"['’].*", "", rest[0]) != "I")
    return phrase if name else phrase[0].lower() + phrase[1:]


def viewpoint(
    quotes: str | Sequence[str], topic: Collection[str] = (), max_words: int = MAX_WORDS
) -> str:
    """A speaker's viewpoint: the first whole phrase of ``quotes`` (their quoted words, most
    relevant first) holding a word of ``topic`` (the question's content words), or the first
    whole phrase when none does; "" when no phrase of theirs is whole."""
    first = ""
    for quote in [quotes] if isinstance(quotes, str) else quotes:
        for phrase in candidates(quote, max_words):
            if not topic or topic_hits(phrase, topic):
                return phrase
            first = first or phrase
    return first


def read_viewpoints(first_line: str) -> list[tuple[str, str]]:
    """The ``(initials, phrase)`` pairs of an extractive answer's first line, in order (phrase
    "" for a speaker named alone, as the plain "G. and N. speak to this" names them all); []
    when the line names no speakers."""
    colon = prompts.VIEWPOINT.format(initials="", phrase="")
    suffix = prompts.FRAMING_VIEWPOINTS_BARE.replace("{viewpoints}", "")
    if first_line.endswith(suffix) and first_line != suffix:
        views = first_line[: -len(suffix)].split(prompts.VIEWPOINT_SEP)
        if colon in views[-1]:  # FRAMING_VIEWPOINTS: its "." closes the last phrase
            views[-1] = views[-1].removesuffix(".")
        return [
            (initials.strip(), phrase.strip())
            for initials, _, phrase in (v.partition(colon) for v in views)
        ]
    suffix = prompts.FRAMING_SPEAKERS.replace("{speakers}", "")
    if first_line.endswith(suffix):
        names = first_line[: -len(suffix)].replace(prompts.AND, ", ").split(", ")
        return [(name.strip(), "") for name in names if name.strip()]
    suffix = prompts.FRAMING_ONE_SPEAKER.replace("{speaker}", "")
    if first_line.endswith(suffix):
        return [(first_line[: -len(suffix)].strip(), "")]
    return []
