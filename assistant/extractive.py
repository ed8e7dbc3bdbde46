"""Extractive answers: the most relevant sentences of the retrieved passages, quoted verbatim,
grouped by speaker (most relevant speaker first), then what the summary says, each cited.

Deterministic and offline: a sentence's relevance averages two cosine similarities under the
same MiniLM model, question to sentence and question to the whole passage (which carries its
section and interviewer question, so a sentence inherits its context), plus small bonuses for
sharing the question's words and for being a speaker's own words rather than the summary's.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from interview_qa.assistant import prompts
from interview_qa.assistant.questions import content_words
from interview_qa.assistant.results import Citation, Draft, Passage, Statement
from interview_qa.ingest import SUMMARY_SPEAKER
from interview_qa.ingest.sentences import sentence_spans
from interview_qa.ingest.settings import AnswerSettings


@dataclass
class Sentence:
    """A candidate sentence: its passage, its span in the passage text, its relevance."""

    passage: Passage
    start: int
    end: int
    score: float = 0.0

    @property
    def text(self) -> str:
        """The sentence's words, exactly as in the passage."""
        return self.passage.text[self.start : self.end]


def candidate_sentences(passages: Sequence[Passage], min_words: int = 4) -> list[Sentence]:
    """Every sentence of the passages of at least ``min_words`` words (enough to stand as a
    quote)."""
    out = []
    for passage in passages:
        for start, end in sentence_spans(passage.text):
            if len(passage.text[start:end].split()) >= min_words:
                out.append(Sentence(passage, start, end))
    return out


def score_sentences(
    sentences: list[Sentence],
    question: str,
    question_vec: np.ndarray,
    vectors: np.ndarray,
    cfg: AnswerSettings,
    focus_vec: np.ndarray | None = None,
    frequency: Mapping[str, float] | None = None,
) -> None:
    """Set each sentence's relevance (see the module docstring).

    ``focus_vec`` embeds the question without the words most of the corpus shares ("Staff-plus",
    "engineer"), which otherwise make every sentence look relevant; the cosine used is the mean
    of the full and the focused one. ``frequency`` (word → share of chunks holding it) weights
    the word-overlap bonus by rarity.
    """
    wanted = set(content_words(question))
    weight = {w: -math.log(max((frequency or {}).get(w, 0.0), 0.01)) for w in wanted}
    total = sum(weight.values())
    cosine = vectors @ question_vec if len(sentences) else np.zeros(0)
    if focus_vec is not None and len(sentences):
        cosine = (cosine + vectors @ focus_vec) / 2
    for sentence, cos in zip(sentences, cosine, strict=True):
        context = set(content_words(f"{sentence.passage.section} {sentence.passage.question}"))
        words = set(content_words(sentence.text)) | context
        overlap = sum(weight[w] for w in wanted & words) / total if total else 0.0
        own = cfg.sentence_weight
        semantic = own * float(cos) + (1 - own) * sentence.passage.similarity
        voice = cfg.speaker_bonus if sentence.passage.speaker != SUMMARY_SPEAKER else 0.0
        sentence.score = semantic + cfg.lexical_weight * overlap + voice


def select(sentences: list[Sentence], cfg: AnswerSettings) -> list[Sentence]:
    """The best sentences: relevant enough (at least ``min_sentence_similarity``, within
    ``relative_margin`` of the best), no repeats, at most ``max_sentences``, from at most
    ``passages_per_speaker`` passages of any one speaker (several sentences of one passage count
    once: a list can be quoted whole)."""
    chosen: list[Sentence] = []
    seen: list[str] = []
    taken: Counter[str] = Counter()
    used: set[int] = set()
    per_speaker = cfg.passages_per_speaker
    min_score = cfg.min_sentence_similarity
    ranked = sorted(sentences, key=lambda s: (-s.score, s.passage.number, s.start))
    floor = max(min_score, ranked[0].score - cfg.relative_margin) if ranked else min_score
    for sentence in ranked:
        if len(chosen) >= cfg.max_sentences or sentence.score < floor:
            break
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
    """Merge the sentences chosen from one passage into one verbatim span of it, taking the
    sentences between them along, as long as the span stays under ``max_span`` characters."""
    by_passage: dict[int, list[Sentence]] = defaultdict(list)
    for s in chosen:
        by_passage[s.passage.number].append(s)
    spans = []
    for group in by_passage.values():
        group.sort(key=lambda s: s.start)
        current = [group[0]]
        for s in group[1:]:
            if s.end - current[0].start > max_span:
                spans.append(current)
                current = [s]
            else:
                current.append(s)
        spans.append(current)
    return [(g[0].passage, g[0].start, g[-1].end, max(s.score for s in g)) for g in spans]


def display(text: str) -> str:
    """A quote as shown in an answer: its own words, line breaks shown as spaces."""
    return " ".join(text.split())


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
    initials = [speakers[p][0][0].initials for p in people]
    if not people:
        framing = prompts.FRAMING_SUMMARY_ONLY
    elif len(people) == 1:
        framing = prompts.FRAMING_ONE_SPEAKER.format(speaker=initials[0])
    else:
        framing = prompts.FRAMING_SPEAKERS.format(speakers=join_names(initials))
    lines = [framing, *notes, ""]
    citations: list[Citation] = []
    statements: list[Statement] = []
    for person in people:
        for passage, start, end, _ in sorted(speakers[person], key=lambda x: (x[0].number, x[1])):
            lines.append(_quote_line(passage, start, end))
            citations.append(Citation.of(passage, start, end))
            statements.append(quote_statement(passage, start, end))
    summary = sorted(speakers.get(SUMMARY_SPEAKER, []), key=lambda x: -x[3])
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
    topic: str,
    question_vec: np.ndarray,
    vectors: np.ndarray,
    focus_vec: np.ndarray | None,
    frequency: Mapping[str, float],
    cfg: AnswerSettings,
) -> Draft | None:
    """The extractive answer: score the candidate ``sentences`` (``vectors`` are theirs) against
    the ``topic`` (the question without the names it is filtered to), choose the best and quote
    them; None when none is relevant enough."""
    score_sentences(sentences, topic, question_vec, vectors, cfg, focus_vec, frequency)
    chosen = select(sentences, cfg)
    if not chosen:
        return None
    text, citations, statements = compose(chosen, notes, cfg.max_span_chars)
    return Draft(text=text, citations=citations, statements=statements)
