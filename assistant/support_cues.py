"""What the support judge reads besides word overlap and similarity: negations, absolute words,
numbers, the claim words of a statement, and its clauses.

These are the cheap, explainable checks behind :class:`~interview_qa.assistant.support.
LexicalEmbeddingScorer`. A statement can share every word of a passage and still say the
opposite ("trust is not important"), say more ("always", "every", "only"), change a number
("five years" for "two years") or add a claim of its own ("…, and they hold one-on-ones every
Friday"). Each check below finds one of these, word by word, with no model:

- :func:`polarity_clash`: a word negated on one side only. A negation ("not", "never", "no",
  "without", "lack", any "n't") covers the next content words of its clause; the statement
  clashes with the passage when it negates a word the passage asserts (and never negates), or
  asserts the word right after one of the passage's negations ("Don't **shy** away" read as "you
  should shy away"). "Nobody else" and "no one else" say "only", not "not", and are skipped.
- :func:`new_absolutes`: "always", "never", "every", "all", "only", "impossible"… in the
  statement, outside a negation ("not always" hedges), and not in the passage.
- :func:`new_numbers`: numbers (digits or words, "two" to "million", "half", "twice", "weekly")
  in the statement whose stem the passage lacks.
- :func:`clauses`: the statement cut at commas, semicolons, colons and joining words ("and",
  "but", "while", "which", "so", "because"…), each piece with at least two claim words: the
  judge scores each on its own, so that an invented half ("…, and ran a certification
  program") can't ride on a supported one.
- :func:`claim_recall`: the share of the statement's claim words (content words less the
  speech and reporting verbs an answer wraps a claim in, "advises", "recommends", "according",
  and less negations, which :func:`polarity_clash` reads) found in the passage, stemmed.

What they don't catch: antonyms without a negation word ("easy" for "extremely difficult",
"hold" for "lack"), negations whose scope is a whole quoted thought, and a claim credited to
the wrong speaker (names are not claim words; the attribution check of llm mode reads them).
"""

from __future__ import annotations

import re

from interview_qa.assistant.verify import normalize
from interview_qa.ingest.text import STOPWORDS, content_stems, content_words, listed

#: Words and punctuation, lower-cased by :func:`tokens`.
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*|[.,;:!?()\"“”]")


#: Words that negate what follows (besides any word ending in "n't").
NEGATIONS = listed(
    "not no never without nobody nothing none neither nor cannot lack lacks lacked lacking"
)
#: Where a negation's reach ends: punctuation and the words that join clauses.
_BREAKS = frozenset('.,;:!?()"“”') | listed(
    "but and or because while which so though although yet whereas if when"
)
#: Absolute and universal words: a statement that adds one says more than its passage.
ABSOLUTES = listed(
    "always never every everyone everybody everything everywhere all none nobody nothing only "
    "solely entirely completely totally exclusively impossible guaranteed forever constantly "
    "least"
)
#: "all you can", "all I know": "all" before a pronoun is not "every".
_PRONOUNS = listed("i you we they he she it")
#: Number words (digits count too): a number the passage lacks is an invented specific.
NUMBER_WORDS = listed(
    "zero two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion dozen half twice thrice daily weekly monthly quarterly "
    "yearly annually"
)
#: The digits 0-20 as words, so that "2 years" matches "two years".
_DIGITS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)
#: Speech and reporting words an answer wraps a claim in ("G. advises…", "According to S.,",
#: "the summary describes…"): not part of the claim (STOPWORDS has "says", "explains"…).
REPORTING = listed(
    "advise advises advised recommend recommends recommended encourage encourages encouraged "
    "insist insists insisted admit admits admitted admitting warn warns warned remind reminds "
    "reminded suggest suggests suggested describe describes described emphasize emphasizes "
    "emphasized emphasise emphasises emphasised stress stresses stressed highlight highlights "
    "highlighted argue argues argued add adds added share shares shared state states stated "
    "observe observes observed recall recalls recalled feel feels felt according summary "
    "conclusion advice point points pointed considers considered sees values appreciates "
    "acknowledges acknowledged notes us"
)
#: Where :func:`clauses` cuts a statement.
_CLAUSE = re.compile(r"[;:,]\s+|\s+(?:and|but|while|whereas|because|although|though|yet)\s+", re.I)


def tokens(text: str) -> list[str]:
    """Words (lower-cased, curly apostrophes straightened) and punctuation, in order."""
    return [t.lower() for t in _TOKEN.findall(normalize(text).replace("’", "'"))]


def is_negation(word: str) -> bool:
    """Whether a (lower-cased) word negates: :data:`NEGATIONS` or any "n't" form."""
    return word in NEGATIONS or word.endswith("n't")


def _is_content(word: str) -> bool:
    return len(word) > 1 and word[0].isalnum() and word not in STOPWORDS and not is_negation(word)


def _stems_of(words: list[str]) -> set[str]:
    return content_stems(" ".join(words))


def _stem(word: str) -> str:
    return next(iter(_stems_of([word])), word)


def _says_only(toks: list[str], i: int) -> bool:
    """ "nobody else", "no one else": a negation that means "only"."""
    return "else" in toks[i + 1 : i + 3]


def negation_scopes(text: str, width: int | None) -> list[set[str]]:
    """For each negation of ``text``, the stems of the content words it covers: the next
    ``width`` of its clause (all of them when None)."""
    toks = tokens(text)
    scopes: list[set[str]] = []
    for i, word in enumerate(toks):
        if not is_negation(word) or _says_only(toks, i):
            continue
        scope: list[str] = []
        for later in toks[i + 1 :]:
            if later in _BREAKS or is_negation(later):
                break
            if _is_content(later):
                scope.append(_stem(later))
                if width is not None and len(scope) >= width:
                    break
        scopes.append(set(scope))
    return scopes


def _stems(text: str) -> set[str]:
    return content_stems(normalize(text))


def polarity_clash(statement: str, passage: str) -> str | None:
    """Why the statement negates what the passage asserts, or asserts what it negates (see
    the module docstring); None when their negations agree."""
    said, source = _stems(statement), _stems(passage)
    said_negated = set().union(*negation_scopes(statement, None))
    source_negated = set().union(*negation_scopes(passage, None))
    for scope in negation_scopes(statement, 2):
        shared = scope & source
        if shared and not shared & source_negated:
            return f"negates {', '.join(sorted(shared))}, which the passage asserts"
    for scope in negation_scopes(passage, 1):
        if scope and scope <= said and not scope & said_negated:
            return f"asserts {', '.join(sorted(scope))}, which the passage negates"
    return None


def new_absolutes(statement: str, passage: str) -> list[str]:
    """The absolute words (:data:`ABSOLUTES`) of the statement the passage lacks, leaving out
    those a negation hedges ("not always") and "nobody else"."""
    toks = tokens(statement)
    hedged: set[int] = set()
    for i, word in enumerate(toks):
        if is_negation(word) and word not in ABSOLUTES:
            hedged.update((i + 1, i + 2))
        if word in ABSOLUTES and _says_only(toks, i):
            hedged.add(i)
        if word == "all" and toks[i + 1 : i + 2] and toks[i + 1] in _PRONOUNS:
            hedged.add(i)  # "do all you can": what you can, not everything
    have = set(tokens(passage))
    found = [w for i, w in enumerate(toks) if w in ABSOLUTES and i not in hedged]
    return [w for w in dict.fromkeys(found) if w not in have]


def _number(word: str) -> str | None:
    """The number a token names, as a word ("2" → "two"), or None."""
    if word.isdigit():
        return _DIGITS[int(word)] if int(word) < len(_DIGITS) else word
    if any(c.isdigit() for c in word):
        return word
    return word if word in NUMBER_WORDS else None


def new_numbers(statement: str, passage: str) -> list[str]:
    """The numbers of the statement (words or digits, frequencies such as "weekly") whose stem
    the passage lacks."""
    have: set[str] = set()
    for word in tokens(passage):
        have |= {word, _stem(_number(word) or word)}
    found = [n for n in map(_number, tokens(statement)) if n is not None]
    return [n for n in dict.fromkeys(found) if n not in have and _stem(n) not in have]


def contradiction(statement: str, passage: str) -> str | None:
    """The first reason the statement says something the passage doesn't, word for word: a
    polarity clash, a new absolute, a new number; None when there is none."""
    clash = polarity_clash(statement, passage)
    if clash:
        return clash
    absolute = new_absolutes(statement, passage)
    if absolute:
        return f"adds {', '.join(absolute)}"
    numbers = new_numbers(statement, passage)
    if numbers:
        return f"adds the number {', '.join(numbers)}"
    return None


def claim_words(text: str) -> set[str]:
    """The stems of a statement's claim: its content words less reporting words
    (:data:`REPORTING`) and negations."""
    words = content_words(normalize(text))
    return _stems_of([w for w in words if w not in REPORTING and not is_negation(w)])


def claim_recall(statement: str, passage: str) -> float:
    """Share of the statement's claim words (:func:`claim_words`) found among the passage's
    stemmed content words (1.0 when it has none)."""
    wanted = claim_words(statement)
    if not wanted:
        return 1.0
    return len(wanted & _stems(passage)) / len(wanted)


#: A clause is scored on its own when it has at least this many claim words: shorter pieces
#: ("finds it interesting", "hard to quantify") score too noisily against a whole passage.
CLAUSE_MIN_WORDS = 3


def clauses(statement: str) -> list[str]:
    """The statement's clauses with at least :data:`CLAUSE_MIN_WORDS` claim words each (cut as
    the module docstring says); the whole statement when it has fewer than two such clauses."""
    pieces = _CLAUSE.split(statement)
    parts = [p.strip() for p in pieces if len(claim_words(p)) >= CLAUSE_MIN_WORDS]
    return parts if len(parts) >= 2 else [statement]
