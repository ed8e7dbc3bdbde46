"""Metrics of one answer against its gold question, and their aggregation.

Per answer (each function returns None where the metric is not defined for it):

* retrieval over ``answer.passages`` (top-k, rank order), answerable questions with evidence:
  **recall@k** (share of evidence strings lying inside some passage, modulo whitespace and curly
  quotes), **MRR** (1 / rank of the first passage holding any evidence), **nDCG@k** (gain of a
  passage = evidence strings it newly covers; ideal = one new evidence string per position;
  capped at 1, since one passage holding several evidence strings can beat that ideal);
* citations, as in ALCE (Gao et al., 2023), on answers that don't abstain: **citation recall**
  (share of statements supported by the passages they cite; an uncited statement is
  unsupported) and **citation precision** (share of citations whose passage supports their
  statement on its own), judged by a :class:`~interview_qa.assistant.support.SupportScorer`;
* **quote fidelity** (share of quotations found verbatim in the passage they cite) and
  **speaker attribution** (share of citations whose credited initials are the cited passage's),
  on every answer that quotes or credits, abstentions included;
* **gold-speaker recall** (share of the question's gold speakers that the answer cites) on
  answers that don't abstain to questions with gold speakers;
* **answer precision** (share of the answer's quoted units on the question's topic) and
  **answer recall** (share of the question's ``topic`` snippets the answer quotes, over
  min(5, n)), on questions with ``topic``, scored from the answer's Citation objects (see
  :mod:`interview_qa.eval.topic` for the definitions); precision is undefined on an answer that
  quotes nothing;
* the first line's viewpoints (extractive answers): **viewpoint fragments** (share of the
  viewpoints shown that :func:`~interview_qa.assistant.fragment_reason` finds to be no whole
  phrase of the speaker's quoted words) and **viewpoints shown** (share of the speakers the
  first line names that it gives a viewpoint);
* abstention: whether the answer abstained; latency: ``answer.timings["total"]``;
* llm mode: **model citation recall/precision**, the citation scores of the model's own answer
  (``answer.verification.draft``, before verification leaves out what its passages don't
  support), and **verification fallback** (share of llm answers replaced by the extractive one).
  The shown answer's scores say what a user sees; these say how good the model was.

Aggregates: retrieval, citation and gold-speaker scores are means over the answers where they
are defined (macro); quote fidelity, speaker attribution and the viewpoint shares pool every
quotation, citation and first-line speaker (micro); abstention is a share of unanswerable
questions (and of answerable ones, for wrong abstentions); latency is p50/p95. Every
aggregate carries its count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from interview_qa.assistant import (
    Answer,
    Passage,
    SupportScorer,
    find_verbatim,
    fragment_reason,
    read_statements,
    read_viewpoints,
    supports,
)
from interview_qa.eval.gold import Question
from interview_qa.eval.topic import TopicScores, topic_scores
from interview_qa.ingest import percentile

#: Headline metrics, in report order, with their labels.
HEADLINE: dict[str, str] = {
    "recall_at_k": "recall@k",
    "mrr": "MRR",
    "ndcg_at_k": "nDCG@k",
    "citation_recall": "citation recall",
    "citation_precision": "citation precision",
    "quote_fidelity": "quote fidelity",
    "speaker_attribution": "speaker attribution",
    "gold_speaker_recall": "gold-speaker recall",
    "answer_precision": "answer precision (on topic)",
    "answer_recall": "answer recall (topic covered)",
    "viewpoint_fragments": "first-line viewpoints that are fragments",
    "viewpoints_shown": "first-line speakers given a viewpoint",
    "abstention_unanswerable": "abstains when unanswerable",
    "wrong_abstention_answerable": "abstains when answerable",
    # llm mode: the same ALCE scores of the model's own answer (its draft, before verification
    # removes unsupported sentences), and how often verification replaced it.
    "model_citation_recall": "model citation recall",
    "model_citation_precision": "model citation precision",
    "verification_fallback": "llm answers failed verification",
}
LATENCY = {"latency_p50_s": "latency p50 (s)", "latency_p95_s": "latency p95 (s)"}


def contains(passage_text: str, evidence: str) -> bool:
    """Whether an evidence string lies inside a passage (modulo whitespace and curly quotes)."""
    return find_verbatim(evidence, passage_text) is not None


# ---- retrieval -------------------------------------------------------------------------------


@dataclass
class Retrieval:
    """Retrieval scores of one answer."""

    recall: float
    mrr: float
    ndcg: float
    found: list[str]
    missed: list[str]


def retrieval_scores(
    passages: Sequence[Passage], evidence: Sequence[str], k: int | None = None
) -> Retrieval | None:
    """recall@k, MRR and nDCG@k of ranked passages against evidence strings (None without any
    evidence). ``k`` defaults to the number of passages."""
    if not evidence:
        return None
    k = k or len(passages)
    ranked = list(passages)[:k]
    covered: set[int] = set()
    first_hit = 0
    dcg = 0.0
    for rank, passage in enumerate(ranked, start=1):
        holds = {i for i, e in enumerate(evidence) if contains(passage.text, e)}
        if holds and not first_hit:
            first_hit = rank
        gain = len(holds - covered)
        covered |= holds
        dcg += gain / math.log2(rank + 1)
    ideal = sum(1 / math.log2(r + 1) for r in range(1, min(k, len(evidence)) + 1))
    return Retrieval(
        recall=len(covered) / len(evidence),
        mrr=1 / first_hit if first_hit else 0.0,
        ndcg=min(1.0, dcg / ideal) if ideal else 0.0,
        found=[e for i, e in enumerate(evidence) if i in covered],
        missed=[e for i, e in enumerate(evidence) if i not in covered],
    )


# ---- citations (ALCE) --------------------------------------------------------------------------


@dataclass
class StatementCheck:
    """One statement: what it cites, whether they support it, and which citations do alone."""

    text: str
    citations: list[int]
    supported: bool
    precise: list[bool]


@dataclass
class CitationScores:
    """Citation recall and precision of one answer, with the statement-level detail."""

    recall: float | None
    precision: float | None
    statements: list[StatementCheck]


def citation_scores(answer: Answer, scorer: SupportScorer) -> CitationScores:
    """ALCE citation recall and precision of an answer's statements (None where it has no
    statement, or no citation)."""
    by_number = {p.number: p for p in answer.passages}
    checks = []
    for st in answer.statements:
        bare = st.text
        quoted = [q.text for q in st.quotes]
        cited = [by_number[n].text for n in st.citations if n in by_number]
        supported = bool(st.citations) and supports(scorer, bare, quoted, cited)
        precise = [
            n in by_number and supports(scorer, bare, quoted, [by_number[n].text])
            for n in st.citations
        ]
        checks.append(StatementCheck(st.text, st.citations, supported, precise))
    if not checks:
        return CitationScores(None, None, [])
    recall = sum(c.supported for c in checks) / len(checks)
    flags = [ok for c in checks for ok in c.precise]
    precision = sum(flags) / len(flags) if flags else None
    return CitationScores(recall, precision, checks)


# ---- quotes and speakers ---------------------------------------------------------------------


@dataclass
class QuoteCheck:
    """One quotation of an answer and whether it is verbatim in the passage it cites."""

    quote: str
    numbers: list[int]
    verbatim: bool


def quote_checks(answer: Answer) -> list[QuoteCheck]:
    """Every quotation of the answer's statements, checked against the passage(s) it cites:
    verbatim modulo whitespace and curly quotes."""
    by_number = {p.number: p for p in answer.passages}
    out = []
    for st in answer.statements:
        for quote in st.quotes:
            texts = [by_number[n].text for n in quote.citations if n in by_number]
            verbatim = any(find_verbatim(quote.text, t) is not None for t in texts)
            out.append(QuoteCheck(quote.text, quote.citations, verbatim))
    return out


@dataclass
class Attribution:
    """One citation and the speaker the answer credits with it."""

    number: int
    credited: str
    actual: str | None

    @property
    def correct(self) -> bool:
        """Whether the credited initials are the cited passage's."""
        return self.actual is not None and self.credited.lower() == self.actual.lower()


def attribution_checks(answer: Answer) -> list[Attribution]:
    """Every citation whose speaker the answer credits, with the cited passage's initials
    (None: no such passage)."""
    by_number = {p.number: p for p in answer.passages}
    out = []
    for st in answer.statements:
        for credit in st.credits:
            passage = by_number.get(credit.number)
            out.append(
                Attribution(credit.number, credit.initials, passage.initials if passage else None)
            )
    return out


def cited_numbers(answer: Answer) -> list[int]:
    """Passage numbers the answer cites: its statements' and its Citation objects'."""
    numbers = [n for st in answer.statements for n in st.citations]
    numbers += [c.number for c in answer.citations]
    return list(dict.fromkeys(numbers))


def speaker_matches(gold: str, passage: Passage) -> bool:
    """A gold speaker written as initials matches the passage's initials; a full name matches
    its full speaker label (case-insensitive)."""
    want = gold.strip().lower()
    return want in (passage.initials.lower(), passage.speaker.lower())


def gold_speaker_recall(answer: Answer, gold: Sequence[str]) -> tuple[float, list[str]] | None:
    """Share of the gold speakers cited by the answer, and the ones missing (None without gold
    speakers)."""
    if not gold:
        return None
    by_number = {p.number: p for p in answer.passages}
    cited = [by_number[n] for n in cited_numbers(answer) if n in by_number]
    missing = [g for g in gold if not any(speaker_matches(g, p) for p in cited)]
    return (len(gold) - len(missing)) / len(gold), missing


@dataclass
class ViewpointCheck:
    """One speaker named on an answer's first line, with their viewpoint ("" when named
    alone) and why it is a fragment (None when it is whole, or there is none)."""

    initials: str
    phrase: str
    fragment: str | None


def viewpoint_checks(answer: Answer) -> list[ViewpointCheck]:
    """The speakers of the answer's first line, each viewpoint checked against the words the
    answer quotes of its speaker."""
    out = []
    for initials, phrase in read_viewpoints(answer.text.split("\n", 1)[0]):
        quotes = [
            q.text
            for st in answer.statements
            if any(c.initials == initials for c in st.credits)
            for q in st.quotes
        ]
        reason = fragment_reason(phrase, quotes) if phrase else None
        out.append(ViewpointCheck(initials, phrase, reason))
    return out


# ---- one question ----------------------------------------------------------------------------


@dataclass
class QuestionScores:
    """Every metric of one answer to one gold question, with the details behind them."""

    question: Question
    answer: Answer
    retrieval: Retrieval | None
    citations: CitationScores | None
    quotes: list[QuoteCheck]
    attributions: list[Attribution]
    gold_speakers: tuple[float, list[str]] | None
    latency: float
    error: str | None = None
    topic: TopicScores | None = None
    #: Citation scores of the model's draft (llm mode), None for other answers.
    draft: CitationScores | None = None
    viewpoints: list[ViewpointCheck] = field(default_factory=list)

    @property
    def abstained(self) -> bool:
        """Whether the answer abstained."""
        return self.answer.abstained

    def metrics(self) -> dict[str, float | None]:
        """Flat per-question metrics (None where undefined)."""
        q = self.question
        quotes = _share(c.verbatim for c in self.quotes)
        attributed = _share(a.correct for a in self.attributions)
        shown = [v for v in self.viewpoints if v.phrase]
        return {
            "recall_at_k": self.retrieval.recall if self.retrieval else None,
            "mrr": self.retrieval.mrr if self.retrieval else None,
            "ndcg_at_k": self.retrieval.ndcg if self.retrieval else None,
            "citation_recall": self.citations.recall if self.citations else None,
            "citation_precision": self.citations.precision if self.citations else None,
            "quote_fidelity": quotes,
            "speaker_attribution": attributed,
            "gold_speaker_recall": self.gold_speakers[0] if self.gold_speakers else None,
            "answer_precision": self.topic.precision if self.topic else None,
            "answer_recall": self.topic.recall if self.topic else None,
            "viewpoint_fragments": _share(v.fragment is not None for v in shown),
            "viewpoints_shown": _share(bool(v.phrase) for v in self.viewpoints),
            "abstention_unanswerable": float(self.abstained) if not q.answerable else None,
            "wrong_abstention_answerable": float(self.abstained) if q.answerable else None,
            "model_citation_recall": self.draft.recall if self.draft else None,
            "model_citation_precision": self.draft.precision if self.draft else None,
            "verification_fallback": (
                float(self.answer.verification.fell_back)
                if self.draft and self.answer.verification
                else None
            ),
            "latency_s": self.latency,
        }

    def problems(self) -> list[str]:
        """What went wrong on this question, worst first, in words."""
        q, out = self.question, []
        if self.error:
            out.append(f"asking raised {self.error}")
        if not q.answerable and not self.abstained:
            out.append("answered an unanswerable question")
        if q.answerable and self.abstained:
            out.append("abstained on an answerable question")
        bad_quotes = [c.quote for c in self.quotes if not c.verbatim]
        if bad_quotes:
            out.append(f"misquote: {bad_quotes[0][:80]!r}")
        wrong = [a for a in self.attributions if not a.correct]
        if wrong:
            a = wrong[0]
            out.append(f"[{a.number}] credited to {a.credited}, passage is {a.actual or 'missing'}")
        if self.gold_speakers and self.gold_speakers[1]:
            out.append("gold speaker not cited: " + ", ".join(self.gold_speakers[1]))
        if self.topic and self.topic.units and self.topic.precision != 1:
            off = [u for u in self.topic.units if not u.on_topic]
            out.append(f"off-topic quotes: {len(off)}/{len(self.topic.units)}")
        if self.topic and self.topic.recall < 1:
            out.append(f"answer recall {self.topic.recall:.2f}")
        bad_views = [v for v in self.viewpoints if v.fragment]
        if bad_views:
            v = bad_views[0]
            out.append(f"fragment on the first line: {v.initials}: {v.phrase!r} ({v.fragment})")
        if self.retrieval and self.retrieval.missed:
            out.append(f"evidence not retrieved: {len(self.retrieval.missed)}/{len(q.evidence)}")
        if self.citations and self.citations.recall is not None and self.citations.recall < 1:
            bad = sum(not c.supported for c in self.citations.statements)
            out.append(f"unsupported statements: {bad}/{len(self.citations.statements)}")
        return out

    def severity(self) -> float:
        """How badly this answer went, for ranking (higher is worse)."""
        m = self.metrics()
        score = 10.0 if self.error else 0.0
        if m["abstention_unanswerable"] == 0.0 or m["wrong_abstention_answerable"] == 1.0:
            score += 3
        for key, weight in (("quote_fidelity", 5), ("speaker_attribution", 5)):
            if m[key] is not None:
                score += weight * (1 - m[key])  # type: ignore[operator]
        for key in (
            "gold_speaker_recall",
            "recall_at_k",
            "citation_recall",
            "answer_precision",
            "answer_recall",
        ):
            if m[key] is not None:
                score += 1 - m[key]  # type: ignore[operator]
        return score

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready detail of this question."""
        q, a = self.question, self.answer
        return {
            "id": q.id,
            "category": q.category,
            "question": q.question,
            "follows": q.follows,
            "answerable": q.answerable,
            "gold_speakers": list(q.speakers),
            "abstained": a.abstained,
            "answer": a.text,
            "query": a.query,
            "passages": [
                {"number": p.number, "id": p.id, "initials": p.initials, "doc_id": p.doc_id}
                for p in a.passages
            ],
            "cited": cited_numbers(a),
            "metrics": self.metrics(),
            "evidence_missed": self.retrieval.missed if self.retrieval else [],
            "gold_speakers_missing": self.gold_speakers[1] if self.gold_speakers else [],
            "statements": [
                {"text": c.text, "cites": c.citations, "supported": c.supported}
                for c in (self.citations.statements if self.citations else [])
            ],
            "quotes": [
                {"quote": c.quote, "cites": c.numbers, "ok": c.verbatim} for c in self.quotes
            ],
            "topic_units": [
                {"quote": u.text, "cites": u.number, "on_topic": u.on_topic, "match": u.match}
                for u in (self.topic.units if self.topic else [])
            ],
            "topic_missed": self.topic.missed if self.topic else [],
            "viewpoints": [
                {"initials": v.initials, "phrase": v.phrase, "fragment": v.fragment}
                for v in self.viewpoints
            ],
            "attributions": [
                {"cite": t.number, "credited": t.credited, "actual": t.actual, "ok": t.correct}
                for t in self.attributions
            ],
            "error": self.error,
            "problems": self.problems(),
        }


def _share(flags: Iterable[bool]) -> float | None:
    values = list(flags)
    return sum(values) / len(values) if values else None


def score_answer(
    question: Question,
    answer: Answer,
    scorer: SupportScorer,
    *,
    k: int | None = None,
) -> QuestionScores:
    """Every metric of ``answer`` to ``question`` (see the module docstring for where each is
    defined)."""
    retrieval = (
        retrieval_scores(answer.passages, question.evidence, k) if question.answerable else None
    )
    citations = None if answer.abstained else citation_scores(answer, scorer)
    gold = None if answer.abstained else gold_speaker_recall(answer, question.speakers)
    topic = topic_scores(answer, question.topic) if question.answerable else None
    verification = answer.verification
    draft = None
    if verification is not None and verification.draft:
        # The model's own answer, read as its statements before verification left any out.
        known = {p.initials for p in answer.passages}
        statements = read_statements(verification.draft, answer.passages, known=known)
        draft = citation_scores(replace(answer, statements=statements), scorer)
    return QuestionScores(
        question=question,
        answer=answer,
        retrieval=retrieval,
        citations=citations,
        quotes=quote_checks(answer),
        attributions=attribution_checks(answer),
        gold_speakers=gold,
        latency=float(answer.timings.get("total", 0.0)),
        topic=topic,
        draft=draft,
        viewpoints=viewpoint_checks(answer),
    )


# ---- aggregation -----------------------------------------------------------------------------


@dataclass
class Aggregate:
    """Aggregated metrics of a group of questions: value (None when undefined) and count."""

    questions: int
    values: dict[str, float | None] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"questions": self.questions, "metrics": self.values, "counts": self.counts}


def aggregate(results: Sequence[QuestionScores]) -> Aggregate:
    """Aggregate per-question scores (macro means, micro shares for quotes and attribution)."""
    agg = Aggregate(questions=len(results))
    per = [r.metrics() for r in results]
    for key in HEADLINE:
        if key == "quote_fidelity":
            flags = [c.verbatim for r in results for c in r.quotes]
        elif key == "speaker_attribution":
            flags = [a.correct for r in results for a in r.attributions]
        elif key == "viewpoint_fragments":
            flags = [v.fragment is not None for r in results for v in r.viewpoints if v.phrase]
        elif key == "viewpoints_shown":
            flags = [bool(v.phrase) for r in results for v in r.viewpoints]
        else:
            vals = [m[key] for m in per if m[key] is not None]
            agg.values[key] = sum(vals) / len(vals) if vals else None  # type: ignore[arg-type]
            agg.counts[key] = len(vals)
            continue
        agg.values[key] = _share(flags)
        agg.counts[key] = len(flags)
    latencies = [r.latency for r in results]
    agg.values["latency_p50_s"] = percentile(latencies, 50)
    agg.values["latency_p95_s"] = percentile(latencies, 95)
    agg.counts["latency_p50_s"] = agg.counts["latency_p95_s"] = len(latencies)
    agg.values["errors"] = float(sum(r.error is not None for r in results))
    agg.counts["errors"] = len(results)
    return agg


def by_category(results: Sequence[QuestionScores]) -> dict[str, Aggregate]:
    """Aggregates per question category, in the order categories first appear."""
    groups: dict[str, list[QuestionScores]] = {}
    for r in results:
        groups.setdefault(r.question.category, []).append(r)
    return {cat: aggregate(rs) for cat, rs in groups.items()}
