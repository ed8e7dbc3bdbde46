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
from interview_qa.assistant.results import Citation, Passage
from interview_qa.ingest import SUMMARY_SPEAKER
from interview_qa.ingest.markup import list_end, plain
from interview_qa.ingest.sentences import sentence_spans

_MIN_WORDS = 4
LEXICAL_WEIGHT = 0.15
SENTENCE_WEIGHT = 0.5
#: The interviewees' own words come before the summary's paraphrase of them.
SPEAKER_BONUS = 0.05
MAX_SPAN = 450
#: Sentences scoring more than this below the best one are left out.
RELATIVE_MARGIN = 0.12


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


def candidate_sentences(passages: Sequence[Passage]) -> list[Sentence]:
    """Every sentence of the passages long enough to stand as a quote."""
    out = []
    for passage in passages:
        for start, end in sentence_spans(passage.text):
            if len(passage.text[start:end].split()) >= _MIN_WORDS:
                out.append(Sentence(passage, start, end))
    return out


def score_sentences(
    sentences: list[Sentence],
    question: str,
    question_vec: np.ndarray,
    vectors: np.ndarray,
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
        semantic = (
            SENTENCE_WEIGHT * float(cos) + (1 - SENTENCE_WEIGHT) * sentence.passage.similarity
        )
        voice = SPEAKER_BONUS if sentence.passage.speaker != SUMMARY_SPEAKER else 0.0
        sentence.score = semantic + LEXICAL_WEIGHT * overlap + voice


def select(
    sentences: list[Sentence], max_sentences: int, min_score: float, per_speaker: int = 2
) -> list[Sentence]:
    """The best sentences: relevant enough, no repeats, from at most ``per_speaker`` passages of
    any one speaker (several sentences of one passage count once: a list can be quoted whole)."""
    chosen: list[Sentence] = []
    seen: list[str] = []
    taken: Counter[str] = Counter()
    used: set[int] = set()
    ranked = sorted(sentences, key=lambda s: (-s.score, s.passage.number, s.start))
    floor = max(min_score, ranked[0].score - RELATIVE_MARGIN) if ranked else min_score
    for sentence in ranked:
        if len(chosen) >= max_sentences or sentence.score < floor:
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


def _spans(chosen: list[Sentence]) -> list[tuple[Passage, int, int, float]]:
    """Merge the sentences chosen from one passage into one verbatim span of it, taking the
    sentences between them along, as long as the span stays under MAX_SPAN characters."""
    by_passage: dict[int, list[Sentence]] = defaultdict(list)
    for s in chosen:
        by_passage[s.passage.number].append(s)
    spans = []
    for group in by_passage.values():
        group.sort(key=lambda s: s.start)
        current = [group[0]]
        for s in group[1:]:
            if s.end - current[0].start > MAX_SPAN:
                spans.append(current)
                current = [s]
            else:
                current.append(s)
        spans.append(current)
    return [(g[0].passage, g[0].start, g[-1].end, max(s.score for s in g)) for g in spans]


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


def compose(chosen: list[Sentence], notes: Sequence[str]) -> tuple[str, list[Citation]]:
    """The answer text and its citations, from the chosen sentences."""
    spans = _spans(chosen)
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
    for person in people:
        for passage, start, end, _ in sorted(speakers[person], key=lambda x: (x[0].number, x[1])):
            end = list_end(passage.text, end)  # a list's intro was chosen: quote the list too
            lines.append(_quote_line(passage, start, end))
            citations.append(Citation.of(passage, start, end))
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
                    intro = prompts.SUMMARY_QUOTE_LINE.format(
                        quote=display(items.pop(0)), where=where, n=passage.number
                    )
                else:
                    intro = prompts.LIST_HEADER.format(where=where, n=passage.number)
                lines.append(intro)
                lines += [
                    prompts.LIST_ITEM.format(item=display(i), n=passage.number) for i in items
                ]
            else:
                lines.append(_quote_line(passage, start, end, where))
            citations.append(Citation.of(passage, start, end))
    return "\n".join(lines).strip(), citations


def quote_lines(passages: Sequence[tuple[Passage, int, int]]) -> tuple[list[str], list[Citation]]:
    """Lines quoting exact spans of passages, with their citations (for "who said" answers)."""
    lines, citations = [], []
    for passage, start, end in passages:
        lines.append(_quote_line(passage, start, end))
        citations.append(Citation.of(passage, start, end))
    return lines, citations
