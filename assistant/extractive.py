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
as the company's name left out) and for being a speaker's own words rather than the summary's or
a host's (``speaker_bonus``; ``summary_bonus`` lifts the summary's beside them).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence

import numpy as np

from interview_qa.assistant import prompts
from interview_qa.assistant.candidates import Sentence, heading_of
from interview_qa.assistant.declined import not_covered, nothing_more
from interview_qa.assistant.evidence import Evidence
from interview_qa.assistant.plan import QueryPlan
from interview_qa.assistant.questions import content_words, has_new_name, join_names, wants_name
from interview_qa.assistant.quoting import antecedent_start, display, quote_line, quote_statement
from interview_qa.assistant.results import Citation, Draft, Passage, Statement
from interview_qa.assistant.topic import TopicTest
from interview_qa.assistant.viewpoints import viewpoint
from interview_qa.ingest import SUMMARY_SPEAKER
from interview_qa.ingest.markup import list_end
from interview_qa.ingest.settings import AnswerSettings
from interview_qa.ingest.units import ASKING_ROLES


def score_sentences(
    sentences: Sequence[Sentence],
    question: str,
    question_vec: np.ndarray,
    vectors: np.ndarray,
    cfg: AnswerSettings,
    focus_vec: np.ndarray | None = None,
    frequency: Mapping[str, float] | None = None,
    headings: Mapping[str, float] | None = None,
    topic: TopicTest | None = None,
    scores: np.ndarray | None = None,
    passage_scores: Mapping[str, float] | None = None,
) -> list[Sentence]:
    """The units with their relevance (see the module docstring), one for each of
    ``sentences`` and in their order; the units given are left as they are.

    ``focus_vec`` embeds the question without the words most of the corpus shares ("Staff-plus",
    "engineer"), which otherwise make every unit look relevant; the cosine used is the mean of
    the full and the focused one. ``frequency`` (word → share of chunks holding it) weights the
    word-overlap bonus by rarity. ``headings`` maps a heading (:func:`heading_of`) to its cosine
    to the question. A unit failing ``topic``'s test scores -1 (never chosen). ``scores``
    (the relevance stage's, one per unit) and ``passage_scores`` (passage id → score) replace
    the cosines and the passages' similarities when given.
    """
    topic = topic or TopicTest()
    wanted = set(content_words(question)) - topic.context
    weight = {w: -math.log(max((frequency or {}).get(w, 0.0), 0.01)) for w in wanted}
    total = sum(weight.values())
    if scores is not None:
        cosine = np.asarray(scores)
    else:
        cosine = vectors @ question_vec if len(sentences) else np.zeros(0)
        if focus_vec is not None and len(sentences):
            cosine = (cosine + vectors @ focus_vec) / 2
    own_scores = passage_scores or {}
    out = []
    for sentence, cos in zip(sentences, cosine, strict=True):
        passage = sentence.passage
        if not topic.on_topic(sentence.text, passage.section, passage.question) or (
            sentence.list_item and not topic.wants_list
        ):
            out.append(sentence.scored(-1.0))
            continue
        context = set(content_words(f"{passage.section} {passage.question}"))
        words = set(content_words(sentence.text)) | context
        overlap = sum(weight[w] for w in wanted & words) / total if total else 0.0
        heading = (headings or {}).get(heading_of(passage), 0.0)
        own = cfg.sentence_weight
        similarity = own_scores.get(passage.id, passage.similarity)
        semantic = own * float(cos) + (1 - own) * max(similarity, heading)
        # An interviewee's own words come before the summary's paraphrase and the host's talk.
        own_words = passage.speaker != SUMMARY_SPEAKER and passage.role not in ASKING_ROLES
        summary = passage.speaker == SUMMARY_SPEAKER
        voice = cfg.speaker_bonus if own_words else cfg.summary_bonus if summary else 0.0
        extras = {"cosine": float(cos), "heading": heading, "overlap": overlap}
        out.append(sentence.scored(semantic + cfg.lexical_weight * overlap + voice, extras))
    return out


def select(sentences: Sequence[Sentence], cfg: AnswerSettings) -> list[Sentence]:
    """The best sentences: relevant enough (at least ``min_sentence_similarity``, and within
    ``relative_margin`` of the best unless they hold ``lexical_keep`` of the question's rare
    words: MiniLM can miss the sentence that says what was asked, word for word), no repeats,
    at most ``max_sentences``, from at most ``passages_per_speaker`` passages of any one speaker
    (several sentences of one passage count once: a list can be quoted whole). A host's or
    interviewer's talk is quoted only when no interviewee's (or the summary's) unit reaches
    ``min_sentence_similarity``, or when it names what the question asks the name of
    (``extras["names"]``): a host's remark echoes the question ("You give a lot of good
    feedback.") and so scores high, but it leads to the answer, it is not it."""
    chosen: list[Sentence] = []
    seen: list[str] = []
    taken: Counter[str] = Counter()
    used: set[int] = set()
    per_speaker = cfg.passages_per_speaker
    min_score = cfg.min_sentence_similarity
    ranked = sorted(sentences, key=lambda s: (-s.score, s.passage.number, s.start))
    floor = max(min_score, ranked[0].score - cfg.relative_margin) if ranked else min_score
    guests = any(s.score >= min_score for s in ranked if s.passage.role not in ASKING_ROLES)
    for sentence in ranked:
        if len(chosen) >= cfg.max_sentences or sentence.score < min_score:
            break
        if sentence.passage.role in ASKING_ROLES and guests and not sentence.extras.get("names"):
            continue
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


def compose(
    chosen: list[Sentence],
    notes: Sequence[str],
    max_span: int | None = None,
    topic: Collection[str] = (),
) -> tuple[str, list[Citation], list[Statement]]:
    """The answer text, its citations and its statements, from the chosen sentences (a run of
    one passage's sentences up to ``max_span`` characters, ``answer.max_span_chars`` by
    default, is quoted as one span); ``topic``, the question's content words, picks each
    speaker's viewpoint on the first line (see :mod:`~interview_qa.assistant.viewpoints`)."""
    if max_span is None:
        max_span = AnswerSettings.default("max_span_chars")
    # A unit whose pronoun points back ("It is extremely difficult…") is quoted with the
    # sentence it points to.
    whole = [
        dataclasses.replace(s, start=antecedent_start(s.passage.text, s.start, max_span))
        for s in chosen
    ]
    spans = _spans(whole, max_span)
    speakers: dict[str, list[tuple[Passage, int, int, float]]] = defaultdict(list)
    for span in spans:
        speakers[span[0].speaker].append(span)
    people = sorted(
        (s for s in speakers if s != SUMMARY_SPEAKER),
        key=lambda s: -max(x[3] for x in speakers[s]),
    )
    framing = _framing(people, speakers, topic)
    lines = [framing, *notes, ""]
    citations: list[Citation] = []
    statements: list[Statement] = []
    for person in people:
        for passage, start, end, _ in sorted(speakers[person], key=lambda x: (x[0].number, x[1])):
            end = list_end(passage.text, end)  # a list's intro was chosen: quote the list too
            lines.append(quote_line(passage, start, end))
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
        _summary_lines(summary, lines, citations, statements)
    return "\n".join(lines).strip(), citations, statements


def _framing(
    people: list[str],
    speakers: Mapping[str, list[tuple[Passage, int, int, float]]],
    topic: Collection[str],
) -> str:
    """The first line: each speaker with their viewpoint (their most relevant quote first), a
    speaker without a whole one named alone, the plain line when nobody has one."""
    if not people:
        return prompts.FRAMING_SUMMARY_ONLY
    views, names = [], []
    for person in people:
        spans = sorted(speakers[person], key=lambda x: -x[3])
        passage = spans[0][0]
        phrase = viewpoint([p.text[start:end] for p, start, end, _ in spans], topic)
        names.append(passage.initials)
        views.append(
            prompts.VIEWPOINT.format(initials=passage.initials, phrase=phrase)
            if phrase
            else passage.initials
        )
    if views == names:
        if len(names) == 1:
            return prompts.FRAMING_ONE_SPEAKER.format(speaker=names[0])
        return prompts.FRAMING_SPEAKERS.format(speakers=join_names(names))
    bare = views[-1] == names[-1]
    template = prompts.FRAMING_VIEWPOINTS_BARE if bare else prompts.FRAMING_VIEWPOINTS
    return template.format(viewpoints=prompts.VIEWPOINT_SEP.join(views))


def _summary_lines(
    summary: list[tuple[Passage, int, int, float]],
    lines: list[str],
    citations: list[Citation],
    statements: list[Statement],
) -> None:
    """Append what the summary says: each span quoted with its section, a list one line per
    item (after the line that introduces it, when that is quoted too)."""
    for passage, start, end, _ in summary:
        where = passage.section or passage.doc_id
        if ":\n" in passage.text[start:end] or passage.text[start:end].endswith(":"):
            end = len(passage.text)  # a list's intro was chosen: quote the whole list
        items = [i for i in passage.text[start:end].split("\n") if i.strip()]
        if len(items) > 1:
            # A list: one line per item, each the summary's exact words.
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
            lines += [prompts.LIST_ITEM.format(item=display(i), n=passage.number) for i in items]
            statements += [Statement.quoting(display(i), passage.number, None) for i in items]
        else:
            lines.append(quote_line(passage, start, end, where))
            statements.append(quote_statement(passage, start, end))
        citations.append(Citation.of(passage, start, end))


def _adds(text: str, shown: set[str], share: float = 0.6) -> bool:
    """Whether summary ``text`` says something the quotes shown (their words: ``shown``) don't:
    fewer than ``share`` of its words are among theirs."""
    words = set(content_words(text))
    return bool(words) and len(words & shown) < share * len(words)


def extractive_draft(
    evidence: Evidence,
    notes: Sequence[str],
    cfg: AnswerSettings,
    min_cosine: float | None = None,
) -> Draft | None:
    """The extractive answer: score the evidence's units against its question (without the
    names it is filtered to; see :func:`score_sentences`), choose the best and quote them; None
    when none is relevant enough. The first units of the ``continuing`` passages (what a speaker
    said next, for "tell me more") come first, whatever their score; with ``min_cosine``, every
    other unit needs at least that cosine to the question (on the same point, for "tell me
    more")."""
    scored = score_sentences(
        evidence.units,
        evidence.question,
        evidence.question_vec,
        evidence.unit_vectors,
        cfg,
        evidence.focus_vec,
        evidence.frequency,
        evidence.relevance.headings,
        evidence.topic,
        evidence.relevance.units,
        evidence.relevance.passages,
    )
    if wants_name(evidence.query):
        # A host's line naming what is asked about ("…your book, Resilient Management…").
        scored = [
            s.scored(s.score, {**s.extras, "names": 1.0})
            if s.passage.role in ASKING_ROLES and has_new_name(s.text, evidence.query)
            else s
            for s in scored
        ]
    continuing = evidence.continuing
    first = [s for s in scored if s.passage.id in continuing and s.score > -1][:2]
    rest = [
        s
        for s in scored
        if s not in first and (min_cosine is None or s.extras.get("cosine", 0.0) >= min_cosine)
    ]
    chosen = first + select(rest, cfg)[: max(0, cfg.max_sentences - len(first))]
    if not chosen:
        return None
    topic = set(content_words(evidence.question)) - evidence.topic.context
    text, citations, statements = compose(chosen, notes, cfg.max_span_chars, topic)
    return Draft(text=text, citations=citations, statements=statements)


class ExtractiveComposer:
    """The extractive answer; "not covered" (or, for "tell me more", "That is all…") when no
    unit is relevant enough. It always answers: it comes last."""

    def __init__(self, settings: AnswerSettings, min_similarity: float) -> None:
        self.settings = settings
        self.min_similarity = min_similarity

    def answer(self, plan: QueryPlan, evidence: Evidence) -> Draft | None:
        """The quotes answering ``plan`` from ``evidence``, or None when it declines."""
        more = plan.follow_up == "more"
        return extractive_draft(
            evidence, plan.notes, self.settings, self.min_similarity if more else None
        )

    def compose(self, plan: QueryPlan, evidence: Evidence) -> Draft:
        """The extractive draft of ``plan`` from ``evidence``."""
        draft = self.answer(plan, evidence)
        if draft is not None:
            return draft
        if plan.follow_up == "more":
            return nothing_more(plan)
        return not_covered(evidence.passages, plan.notes)
