"""Extractive answers: the most relevant thoughts of the retrieved passages, quoted verbatim,
grouped by speaker (most relevant speaker first), then what the summary adds, each cited.

The quoted unit is a thought: a sentence, or a question sentence together with the sentences of
the same paragraph that answer it (a question never stands alone). A quote never crosses the
boundary between two paragraphs (two quotes, or two turns). Every unit passes the on-topic test
of :mod:`interview_qa.assistant.topic`; summary list items are quoted only when the question
asks for a list.

Deterministic and offline: a unit's relevance mixes two cosine similarities under the same
MiniLM model, question to unit and question to its passage or to the heading it answers (the
interviewer's question, the summary's section title: question-to-question matching is what
MiniLM does best), plus small bonuses for sharing the question's rarer words (context words such
as the company's name left out) and for being a speaker's own words rather than the summary's.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from interview_qa.assistant import prompts
from interview_qa.assistant.questions import content_words
from interview_qa.assistant.results import Citation, Draft, Passage, Statement
from interview_qa.assistant.topic import TopicTest
from interview_qa.assistant.verify import normalize
from interview_qa.ingest import SUMMARY_SPEAKER
from interview_qa.ingest.markup import list_end, plain
from interview_qa.ingest.sentences import sentence_spans
from interview_qa.ingest.settings import AnswerSettings
from interview_qa.ingest.units import ASKING_ROLES, heading, unit_spans


@dataclass
class Sentence:
    """A candidate unit: its passage, its span in the passage text (one paragraph), whether it
    opens with a question, and its relevance."""

    passage: Passage
    start: int
    end: int
    score: float = 0.0
    paragraph: int = 0
    asks: bool = False
    #: A line of a summary list (quoted only when the question asks for a list).
    list_item: bool = False
    extras: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The unit's words, exactly as in the passage."""
        return self.passage.text[self.start : self.end]


def already_shown(text: str, shown: AbstractSet[str]) -> bool:
    """Whether a unit's words were already quoted in the conversation (``shown`` holds the
    normalised quotes shown so far): the same words, or words inside or around them."""
    if not shown:
        return False
    mine = normalize(text)
    return any(mine in other or other in mine for other in shown)


def heading_of(passage: Passage) -> str:
    """What a passage answers: the interviewer's question, or the deepest level of its summary
    section ("Prioritizing Tasks"); see :func:`interview_qa.ingest.units.heading`."""
    return heading(passage.section, passage.question)


def candidate_sentences(
    passages: Sequence[Passage], min_words: int = 4, budget_words: int = 70
) -> list[Sentence]:
    """Every unit of the passages that can stand as a quote: sentences of at least
    ``min_words`` words, and question sentences joined to the sentences of their paragraph
    that follow them (up to ``budget_words`` words). A question with no answer after it, and an
    interviewer's or host's question, is no unit. The rule is ingest's
    (:func:`interview_qa.ingest.units.unit_spans`), which stores every unit's vector."""
    return [
        Sentence(p, u.start, u.end, paragraph=u.paragraph, asks=u.asks, list_item=u.list_item)
        for p in passages
        for u in unit_spans(p.text, p.role, p.speaker, min_words, budget_words)
    ]


def score_sentences(
    sentences: list[Sentence],
    question: str,
    question_vec: np.ndarray,
    vectors: np.ndarray,
    cfg: AnswerSettings,
    focus_vec: np.ndarray | None = None,
    frequency: Mapping[str, float] | None = None,
    headings: Mapping[str, float] | None = None,
    topic: TopicTest | None = None,
) -> None:
    """Set each unit's relevance (see the module docstring).

    ``focus_vec`` embeds the question without the words most of the corpus shares ("Staff-plus",
    "engineer"), which otherwise make every unit look relevant; the cosine used is the mean of
    the full and the focused one. ``frequency`` (word → share of chunks holding it) weights the
    word-overlap bonus by rarity. ``headings`` maps a heading (:func:`heading_of`) to its cosine
    to the question. A unit failing ``topic``'s test scores -1 (never chosen).
    """
    topic = topic or TopicTest()
    wanted = set(content_words(question)) - topic.context
    weight = {w: -math.log(max((frequency or {}).get(w, 0.0), 0.01)) for w in wanted}
    total = sum(weight.values())
    cosine = vectors @ question_vec if len(sentences) else np.zeros(0)
    if focus_vec is not None and len(sentences):
        cosine = (cosine + vectors @ focus_vec) / 2
    for sentence, cos in zip(sentences, cosine, strict=True):
        passage = sentence.passage
        where = heading_of(passage)
        if not topic.on_topic(sentence.text, passage.section, passage.question) or (
            sentence.list_item and not topic.wants_list
        ):
            sentence.score = -1.0
            continue
        context = set(content_words(f"{passage.section} {passage.question}"))
        words = set(content_words(sentence.text)) | context
        overlap = sum(weight[w] for w in wanted & words) / total if total else 0.0
        heading = (headings or {}).get(where, 0.0)
        own = cfg.sentence_weight
        semantic = own * float(cos) + (1 - own) * max(passage.similarity, heading)
        # An interviewee's own words come before the summary's paraphrase and the host's talk.
        own_words = passage.speaker != SUMMARY_SPEAKER and passage.role not in ASKING_ROLES
        voice = cfg.speaker_bonus if own_words else 0.0
        sentence.extras = {"cosine": float(cos), "heading": heading, "overlap": overlap}
        sentence.score = semantic + cfg.lexical_weight * overlap + voice


def select(sentences: list[Sentence], cfg: AnswerSettings) -> list[Sentence]:
    """The best sentences: relevant enough (at least ``min_sentence_similarity``, and within
    ``relative_margin`` of the best unless they hold ``lexical_keep`` of the question's rare
    words: MiniLM can miss the sentence that says what was asked, word for word), no repeats,
    at most ``max_sentences``, from at most ``passages_per_speaker`` passages of any one speaker
    (several sentences of one passage count once: a list can be quoted whole)."""
    chosen: list[Sentence] = []
    seen: list[str] = []
    taken: Counter[str] = Counter()
    used: set[int] = set()
    per_speaker = cfg.passages_per_speaker
    min_score = cfg.min_sentence_similarity
    ranked = sorted(sentences, key=lambda s: (-s.score, s.passage.number, s.start))
    floor = max(min_score, ranked[0].score - cfg.relative_margin) if ranked else min_score
    for sentence in ranked:
        if len(chosen) >= cfg.max_sentences or sentence.score < min_score:
            break
        if sentence.score < floor and sentence.extras.get("overlap", 0.0) < cfg.lexical_keep:
            continue
        key = " ".join(sentence.text.lower().split())
        if any(key in other or other in key for other in seen):
            continue
        speaker = sentence.passage.speaker
        if sentence.passage.number not in used:
            if taken[speaker] >= per_speaker:
                continue
            taken[speaker] += 1
            used.add(sentence.passage.number)
        seen.append(key)
        chosen.append(sentence)
    return chosen


def _spans(chosen: list[Sentence], max_span: int) -> list[tuple[Passage, int, int, float]]:
    """Merge the units chosen from one paragraph of a passage into one verbatim span of it,
    taking the sentences between them along, as long as the span stays under ``max_span``
    characters. Units of different paragraphs are never joined."""
    by_paragraph: dict[tuple[int, int], list[Sentence]] = defaultdict(list)
    for s in chosen:
        by_paragraph[(s.passage.number, s.paragraph)].append(s)
    spans = []
    for group in by_paragraph.values():
        group.sort(key=lambda s: s.start)
        current = [group[0]]
        for s in group[1:]:
            end = max(x.end for x in current)
            if s.start < end or s.end - current[0].start <= max_span:
                current.append(s)
            else:
                spans.append(current)
                current = [s]
        spans.append(current)
    return [
        (g[0].passage, g[0].start, max(s.end for s in g), max(s.score for s in g)) for g in spans
    ]


def display(text: str) -> str:
    """A quote as shown in an answer: its own words without Markdown marks (a link as its
    text, list items as "• item"), line breaks shown as spaces."""
    return " ".join(plain(text).split())


def _quote_line(passage: Passage, start: int, end: int, where: str | None = None) -> str:
    quote = display(passage.text[start:end])
    if where is not None:
        return prompts.SUMMARY_QUOTE_LINE.format(quote=quote, where=where, n=passage.number)
    return prompts.QUOTE_LINE.format(quote=quote, initials=passage.initials, n=passage.number)


def join_names(names: Sequence[str]) -> str:
    """ "A.", "A. and B.", "A., B. and C."."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + prompts.AND + names[-1]


def compose(
    chosen: list[Sentence], notes: Sequence[str], max_span: int = 450
) -> tuple[str, list[Citation], list[Statement]]:
    """The answer text, its citations and its statements, from the chosen sentences (a run of
    one passage's sentences up to ``max_span`` characters is quoted as one span)."""
    spans = _spans(chosen, max_span)
    speakers: dict[str, list[tuple[Passage, int, int, float]]] = defaultdict(list)
    for span in spans:
        speakers[span[0].speaker].append(span)
    people = sorted(
        (s for s in speakers if s != SUMMARY_SPEAKER),
        key=lambda s: -max(x[3] for x in speakers[s]),
    )
    if not people:
        framing = prompts.FRAMING_SUMMARY_ONLY
    else:
        views = []
        for person in people:
            passage, start, end, _ = max(speakers[person], key=lambda x: x[3])
            phrase = viewpoint(passage.text[start:end])
            views.append(
                prompts.VIEWPOINT.format(initials=passage.initials, phrase=phrase)
                if phrase
                else passage.initials
            )
        framing = prompts.FRAMING_VIEWPOINTS.format(viewpoints=prompts.VIEWPOINT_SEP.join(views))
    lines = [framing, *notes, ""]
    citations: list[Citation] = []
    statements: list[Statement] = []
    for person in people:
        for passage, start, end, _ in sorted(speakers[person], key=lambda x: (x[0].number, x[1])):
            end = list_end(passage.text, end)  # a list's intro was chosen: quote the list too
            lines.append(_quote_line(passage, start, end))
            citations.append(Citation.of(passage, start, end))
            statements.append(quote_statement(passage, start, end))
    shown = set(content_words(" ".join(st.text for st in statements)))
    summary = [
        span
        for span in sorted(speakers.get(SUMMARY_SPEAKER, []), key=lambda x: -x[3])
        if not people or _adds(span[0].text[span[1] : span[2]], shown)
    ]
    if summary:
        if people:
            lines += ["", prompts.SUMMARY_HEADER]
        for passage, start, end, _ in summary:
            where = passage.section or passage.doc_id
            if ":\n" in passage.text[start:end] or passage.text[start:end].endswith(":"):
                end = len(passage.text)  # a list's intro was chosen: quote the whole list
            items = [i for i in passage.text[start:end].split("\n") if i.strip()]
            if len(items) > 1:
                # A list: one line per item, each the summary's exact words, after the line that
                # introduces it when that is quoted too.
                if items[0].rstrip().endswith(":"):
                    intro = items.pop(0)
                    lines.append(
                        prompts.SUMMARY_QUOTE_LINE.format(
                            quote=display(intro), where=where, n=passage.number
                        )
                    )
                    statements.append(
                        Statement.quoting(display(intro), passage.number, passage.initials)
                    )
                else:
                    lines.append(prompts.LIST_HEADER.format(where=where, n=passage.number))
                lines += [
                    prompts.LIST_ITEM.format(item=display(i), n=passage.number) for i in items
                ]
                statements += [Statement.quoting(display(i), passage.number, None) for i in items]
            else:
                lines.append(_quote_line(passage, start, end, where))
                statements.append(quote_statement(passage, start, end))
            citations.append(Citation.of(passage, start, end))
    return "\n".join(lines).strip(), citations, statements


def _adds(text: str, shown: set[str], share: float = 0.6) -> bool:
    """Whether summary ``text`` says something the quotes shown (their words: ``shown``) don't:
    fewer than ``share`` of its words are among theirs."""
    words = set(content_words(text))
    return bool(words) and len(words & shown) < share * len(words)


_LEAD = re.compile(
    r"^(?:(?:and|but|so|well|yeah|yes|honestly|basically|also|then),?\s+)*"
    r"(?:(?:i|you|we|they)\s+(?:think|believe|guess|feel)\s+(?:that\s+)?)?"
    r"(?:(?:i|you|we|they|it)(?:'m|'re|'s|’m|’re|’s)?\s+)?"
    r"(?:(?:really|also|always|just|absolutely|usually|often)\s+)*"
    r"(?:(?:need|have|want|try|tried|needed|had)\s+to\s+|(?:should|must|can|could|will|would)"
    r"\s+)?",
    re.I,
)
_CLAUSE_END = re.compile(r"[,;:.!?…—–(]|\s-\s")


def viewpoint(quote: str, max_words: int = 6) -> str:
    """A few of the speaker's own words that name their view: the first sentence of ``quote``
    that is not a question, without its opening "I think", "you need to"…, up to the first
    clause break and at most ``max_words`` words ("ask about the impact"); read without its
    Markdown marks."""
    quote = display(quote)
    for start, end in sentence_spans(quote):
        sentence = quote[start:end].strip(' "“”')
        if not sentence or sentence.endswith("?"):
            continue
        rest = _LEAD.sub("", sentence, count=1)
        clause = _CLAUSE_END.split(rest, maxsplit=1)[0].strip()
        words = clause.split()
        if len(words) < 2:
            continue
        phrase = " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")
        # A name ("Casey Kolderup", "API") keeps its capital; a sentence's first word does not.
        second = words[1] if len(words) > 1 else ""
        name = phrase[:2].isupper() or (
            second[:1].isupper() and re.sub(r"['’].*", "", second) != "I"
        )
        return phrase if name else phrase[0].lower() + phrase[1:]
    return ""


def quote_statement(passage: Passage, start: int, end: int) -> Statement:
    """The statement quoting ``passage.text[start:end]``, credited to the passage's speaker."""
    return Statement.quoting(display(passage.text[start:end]), passage.number, passage.initials)


def quote_lines(
    passages: Sequence[tuple[Passage, int, int]],
) -> tuple[list[str], list[Citation], list[Statement]]:
    """Lines quoting exact spans of passages, with their citations and statements (for "who
    said" answers)."""
    lines, citations, statements = [], [], []
    for passage, start, end in passages:
        lines.append(_quote_line(passage, start, end))
        citations.append(Citation.of(passage, start, end))
        statements.append(quote_statement(passage, start, end))
    return lines, citations, statements


def extractive_draft(
    sentences: list[Sentence],
    notes: Sequence[str],
    question: str,
    question_vec: np.ndarray,
    vectors: np.ndarray,
    cfg: AnswerSettings,
    *,
    focus_vec: np.ndarray | None = None,
    frequency: Mapping[str, float] | None = None,
    headings: Mapping[str, float] | None = None,
    topic: TopicTest | None = None,
    continuing: AbstractSet[str] = frozenset(),
    min_cosine: float | None = None,
) -> Draft | None:
    """The extractive answer: score the candidate ``sentences`` (``vectors`` are theirs)
    against ``question`` (without the names it is filtered to; see :func:`score_sentences` for
    the rest), choose the best and quote them; None when none is relevant enough. The first
    units of the ``continuing`` passages (what a speaker said next, for "tell me more") come
    first, whatever their score; with ``min_cosine``, every other unit needs at least that
    cosine to the question (on the same point, for "tell me more")."""
    score_sentences(
        sentences, question, question_vec, vectors, cfg, focus_vec, frequency, headings, topic
    )
    first = [s for s in sentences if s.passage.id in continuing and s.score > -1][:2]
    rest = [
        s
        for s in sentences
        if s not in first and (min_cosine is None or s.extras.get("cosine", 0.0) >= min_cosine)
    ]
    chosen = first + select(rest, cfg)[: max(0, cfg.max_sentences - len(first))]
    if not chosen:
        return None
    text, citations, statements = compose(chosen, notes, cfg.max_span_chars)
    return Draft(text=text, citations=citations, statements=statements)
