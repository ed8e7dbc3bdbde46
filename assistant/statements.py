"""Reading an LLM's answer text as typed statements: the sentences, the ``[n]`` markers each one
carries, the quoted spans and the passages each quote cites, and the speaker the answer credits
next to each citation. (Extractive answers build their statements directly; only free text
needs this reading.)

* **Statements** (as in ALCE, Gao et al. 2023): the answer's lines, each split into sentences,
  never inside a quotation. The fixed framing lines are not statements: the answer's own notes,
  the framing phrases of :mod:`interview_qa.assistant.prompts` ("G. speaks to this; …",
  "What the summary says:", "G. said it:", …) and the "not covered" messages.
* **Quotes**: text inside ``"…"`` or ``“…”`` followed, on the same line, by a ``[n]`` marker. When
  a quotation holds a quotation (``"… thinking, "I'm a backend engineer…" …"``) the outermost
  span is the quote; when that span is not verbatim it is read as separate ``"…"`` spans.
* **Content.** A sentence of a model's answer that leans on its citations for its content, or
  only restates the question, is no statement (:func:`carries_content`).
* **Credited speaker** of a citation: the initials written right before it (``"…" — G. [2]``,
  also ``— summary, <section> [3]``), else the last known initials earlier in its sentence
  (``G. said "…" [2]``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from interview_qa.assistant import prompts
from interview_qa.assistant import results as typed
from interview_qa.assistant.support import content_words
from interview_qa.assistant.verify import CITE, INITIALS_WORD, QUOTED, find_verbatim
from interview_qa.ingest.speakers import INITIALS
from interview_qa.ingest.text import listed

_CITE_GROUP = re.compile(r"(?:\s*\[\d+\])+")
_OPEN = '"“'
_CLOSE = '"”'
_INITIALS = INITIALS
_DASH_CREDIT = re.compile(
    rf"(?:^|\s)[—–-]\s*(?P<who>{_INITIALS}|summary|unknown)(?:,[^\"“”\[\]]*)?\s*$"
)
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
#: A model's sentence ends after . ! ? … (and closing quotes or brackets, and any citation
#: markers that follow) when whitespace and a capital, digit or opening quote come next.
_STATEMENT_END = re.compile(r"[.!?…][\"”’)]*(?:\s*\[\d+\])*\s+(?=[\"“‘(]?[A-Z0-9])")
_WORDS_BEFORE = re.compile(r"(\S+)$")
#: A run of citation markers: "[3]", "[3][7]", "[3], [7]", "[3] and [7]".
_CITE_RUN = re.compile(r"\[\d+\](?:\s*(?:,|and|or|&)?\s*\[\d+\])*")
#: What refers to a citation without leaning on it for content ("…, as noted in [3]").
_REFERENCE = re.compile(
    r"(?:\bas\s+)?(?:\b(?:is|are|was|were)\s+)?\b(?:mentioned|noted|stated|said|described|"
    r"discussed|explained|shown|seen|highlighted|suggested|pointed out|cited|quoted)\s+(?:in|by)"
    r"\s*(?=§)|\b(?:as\s+in|see|cf\.?|according\s+to|(?:in|from)\s+(?:the\s+)?passages?|"
    r"passages?)\s*(?=§)",
    re.I,
)
#: Citations that end a sentence right after one of these words stand for its content ("… are
#: [3] and [7].", "… include [2]."); a preposition may end a sentence ("… want to work on [7].").
_LEANING = listed(
    "are is was were be been being include includes included including and or of as like "
    "namely such e.g. i.e. the a an both between"
)
#: Citations that end the sentence, and the punctuation after them.
_FINAL_CITES = re.compile(r"§[\s.!?…\"”’)]*$")
#: Words about the passages rather than about what they say.
_FILLER = (
    "passage passages interview interviews mention mentions mentioned discuss discusses "
    "discussed talk talks talked speaker speakers summary text context question answer topic "
    "topics information provide provides provided describe describes described highlight "
    "highlights refer refers cite cites cited source sources quote quotes"
)

#: The fixed phrases of prompts.py that frame an answer (or decline to give one) without
#: claiming anything of their own. Listed by hand: prompts.py also holds UI strings such as
#: "{who} · {passages}" that would match any statement.
_FRAMING_TEMPLATES = (
    prompts.FRAMING_VIEWPOINTS,
    prompts.FRAMING_VIEWPOINTS_BARE,
    prompts.FRAMING_SPEAKERS,
    prompts.FRAMING_ONE_SPEAKER,
    prompts.FRAMING_SUMMARY_ONLY,
    prompts.SUMMARY_HEADER,
    prompts.LIST_HEADER,
    prompts.FILTER_NOTE,
    prompts.FILTER_NOTE_FOLLOWUP,
    prompts.FOLLOWUP_NOTE,
    prompts.FOLLOWUP_TOPIC_NOTE,
    prompts.NOTHING_MORE,
    prompts.NOTHING_MORE_NOBODY,
    prompts.ALREADY_QUOTED,
    prompts.WHO_SAID_ONE,
    prompts.WHO_SAID_MANY,
    prompts.WHO_SAID_APPROX,
    prompts.LLM_UNAVAILABLE,
    prompts.NOT_COVERED,
    prompts.NEAREST_TOPICS,
    prompts.UNKNOWN_PERSON,
    prompts.QUOTE_NOT_FOUND,
    prompts.EMPTY_QUESTION,
    prompts.QUESTION_TOO_LONG,
)


def _template_regex(template: str) -> re.Pattern[str]:
    """A full-match regex for a ``str.format`` template: each ``{field}`` matches any text."""
    parts = re.split(r"\{[a-z_]+(?::[^}]*)?\}", template)
    return re.compile(".+?".join(re.escape(p) for p in parts), re.S)


FRAMING = tuple(_template_regex(t) for t in _FRAMING_TEMPLATES)


def is_framing(line: str, notes: Iterable[str] = ()) -> bool:
    """Whether a line is fixed framing (a note, a framing phrase or header of prompts.py, a "not
    covered" message and what follows it), not a statement."""
    text = line.strip()
    if not text or text in {n.strip() for n in notes}:
        return True
    if text.startswith(prompts.NOT_COVERED):
        rest = text[len(prompts.NOT_COVERED) :].strip()
        if not rest or any(p.fullmatch(rest) for p in FRAMING):
            return True
    return any(p.fullmatch(text) for p in FRAMING)


def _inside_quote(text: str, pos: int) -> bool:
    """Whether ``pos`` lies inside a quotation (straight quotes by parity, curly by depth)."""
    before = text[:pos]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def logical_lines(text: str, max_join: int = 30) -> list[str]:
    """The answer's lines, with a quotation that runs over several lines (a quoted list) kept
    on one logical line (joined by newlines)."""
    out: list[str] = []
    pending: list[str] = []
    for line in text.split("\n"):
        pending.append(line)
        joined = "\n".join(pending)
        if not _inside_quote(joined, len(joined)) or len(pending) > max_join:
            out.append(joined)
            pending = []
    if pending:
        out.extend(pending)
    return out


def split_sentences(line: str) -> list[str]:
    """A line's sentences, never split inside a quotation nor right after initials ("G. Said")."""
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        if _inside_quote(line, m.start()):
            continue
        word = _WORDS_BEFORE.search(line[start : m.start()])
        if word and re.fullmatch(_INITIALS, word.group(1)) and re.match(r"[A-Z]\.", word.group(1)):
            continue
        out.append(line[start : m.start()].strip())
        start = m.end()
    out.append(line[start:].strip())
    return [s for s in out if s]


def sentence_spans(line: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of one line of a model's answer (see
    :func:`split_statements`)."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _STATEMENT_END.finditer(line):
        end = m.start() + len(m.group(0).rstrip())
        # Where the sentence ends, after a closing quote: ‘… "Think it over." T. adds…’ ends
        # at the quote, ‘"Think. Then act."’ not inside it.
        if _inside_quote(line, end):
            continue
        before = line[start : m.start() + 1].split()
        if before and INITIALS_WORD.fullmatch(before[-1]):
            continue  # "T. Said" is not a sentence end after initials
        out.append((start, end))
        start = m.end()
    if line[start:].strip():
        out.append((start, len(line)))
    return out


def split_statements(text: str) -> list[tuple[int, str]]:
    """The sentences of a model's own answer (what llm-mode verification checks one by one),
    each with the index of its line: never split inside a quotation or right after initials,
    and citation markers after a full stop stay with the sentence they close ("… health. [2]").
    (:func:`split_sentences` reads an answer as shown, where markers follow a credit instead.)"""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n")):
        for start, end in sentence_spans(line):
            sentence = line[start:end].strip()
            if sentence and any(ch.isalnum() for ch in CITE.sub("", sentence)):
                out.append((number, sentence))
    return out


def carries_content(sentence: str, question_words: Collection[str] = ()) -> bool:
    """Whether a sentence of the model's says something of its own, and so is a statement.

    Not a statement: one that leans on its citations for its content ("The biggest struggles
    are [3] and [7].", "Examples include [2]."), or whose content words, past the question's
    (``question_words``: :func:`~interview_qa.assistant.support.content_words` of it) and
    filler about the passages ("passage", "mention", "discuss"…), are none ("T. talks about
    mental health [2]." asked about T. and mental health).
    """
    marked = _REFERENCE.sub(" ", _CITE_RUN.sub(" § ", sentence))
    final = _FINAL_CITES.search(marked)
    if final is not None:
        before = marked[: final.start()].split()
        if before and before[-1].lower().strip("(,:;—–-") in _LEANING:
            return False
    words = content_words(marked.replace("§", " ")) - set(question_words) - _filler_stems()
    return bool(words)


@cache
def _filler_stems() -> frozenset[str]:
    return frozenset(content_words(_FILLER))


@dataclass
class Statement:
    """One statement of an answer and the passage numbers it cites, in order of appearance."""

    text: str
    citations: list[int] = field(default_factory=list)

    @property
    def bare(self) -> str:
        """The statement without citation markers and without a trailing ``— G.`` credit."""
        return strip_attribution(self.text)

    @property
    def quoted(self) -> list[str]:
        """The text of its quotations (outermost spans)."""
        return [q for q, _ in quoted_spans(self.text)]


def strip_attribution(text: str) -> str:
    """Text without ``[n]`` markers, a trailing ``— G.``/``— summary, …`` credit, or quotes
    around the whole of it."""
    bare = CITE.sub("", text).strip()
    bare = _DASH_CREDIT.sub("", bare).strip()
    if len(bare) >= 2 and bare[0] in _OPEN and bare[-1] in _CLOSE:
        bare = bare[1:-1].strip()
    return bare


def statements(text: str, notes: Sequence[str] = ()) -> list[Statement]:
    """The answer's statements (see the module docstring), framing lines left out."""
    out = []
    for line in logical_lines(text):
        if is_framing(line, notes):
            continue
        for sentence in split_sentences(line.strip()):
            if is_framing(sentence, notes):
                continue
            numbers: list[int] = []
            for m in CITE.finditer(sentence):
                n = int(m.group(1))
                if n not in numbers:
                    numbers.append(n)
            out.append(Statement(sentence, numbers))
    return out


def quoted_spans(segment: str) -> list[tuple[str, bool]]:
    """The quotations of a piece of text: ``[(outermost span, True)]`` when it opens and closes
    with quote marks, plus ``(span, False)`` for each inner simple ``"…"`` span (used when the
    outermost span is not verbatim). Only spans of two words or more count as quotations."""
    first = min((i for i in (segment.find(c) for c in _OPEN) if i >= 0), default=-1)
    last = max(segment.rfind(c) for c in _CLOSE)
    found: list[tuple[str, bool]] = []
    if first >= 0 and last > first:
        whole = segment[first + 1 : last].strip()
        if len(whole.split()) >= 2:
            found.append((whole, True))
    for m in QUOTED.finditer(segment):
        span = m.group(1).strip()
        if len(span.split()) >= 2 and (span, True) not in found:
            found.append((span, False))
    return found


@dataclass
class CitedSegment:
    """The text of a line before a group of citation markers (``… [2]`` or ``… [2][3]``), back
    to the previous group, and the passage numbers of the group."""

    text: str
    numbers: list[int]


def cited_segments(text: str) -> list[CitedSegment]:
    """Every citation group of the answer, with the text before it on its line."""
    out = []
    for line in logical_lines(text):
        start = 0
        for m in _CITE_GROUP.finditer(line):
            numbers = [int(n) for n in CITE.findall(m.group(0))]
            out.append(CitedSegment(line[start : m.start()], numbers))
            start = m.end()
    return out


def credited_speaker(segment: CitedSegment, known: set[str] | None = None) -> str | None:
    """The speaker the answer credits with a citation: ``— G.`` right before it, else the last
    initials in its sentence outside quotations (only ``known`` ones, when given). None when it
    credits nobody."""
    dash = _DASH_CREDIT.search(segment.text)
    if dash:
        return dash.group("who")
    sentences = split_sentences(segment.text)
    if not sentences:
        return None
    outside = re.sub(r"[\"“][^\"“”]*[\"”]", " ", sentences[-1])
    found = [
        m.group(0) for m in INITIALS_WORD.finditer(outside) if known is None or m.group(0) in known
    ]
    return found[-1] if found else None


def read_statements(
    text: str,
    passages: Sequence[typed.Passage],
    notes: Sequence[str] = (),
    known: set[str] | None = None,
) -> list[typed.Statement]:
    """The typed statements of an answer written as free text: each sentence with its
    citations; its quotations (the outermost quoted span when it is verbatim in a passage it
    cites, else the simple ``"…"`` spans inside it); and the initials credited next to each
    citation group (only ``known`` ones, when given)."""
    by_number = {p.number: p for p in passages}
    out = []
    for st in statements(text, notes):
        quotes: list[typed.Quotation] = []
        credits: list[typed.Credit] = []
        for segment in cited_segments(st.text):
            credited = credited_speaker(segment, known)
            if credited is not None:
                credits += [typed.Credit(n, credited) for n in segment.numbers]
            spans = quoted_spans(segment.text)
            if not spans:
                continue
            texts = [by_number[n].text for n in segment.numbers if n in by_number]
            whole = [q for q, outer in spans if outer]
            if whole and any(find_verbatim(whole[0], t) is not None for t in texts):
                quotes.append(typed.Quotation(whole[0], segment.numbers))
                continue
            inner = [q for q, outer in spans if not outer] or whole
            quotes += [typed.Quotation(q, segment.numbers) for q in inner]
        out.append(typed.Statement(st.bare, st.citations, quotes, credits))
    return out
