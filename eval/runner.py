"""Asking a question set and scoring every answer.

Anything with the :class:`Answerer` shape can be evaluated: our :class:`~interview_qa.assistant.
Assistant` (hybrid, or BM25 / dense only through its settings) and the stock llama-index
pipeline of :mod:`interview_qa.eval.baselines`. Inject a built Assistant (or pass an embedder to
the one built here) to reuse a loaded model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from interview_qa.assistant import Answer, Conversation
from interview_qa.eval.metrics import (
    Aggregate,
    QuestionScores,
    aggregate,
    by_category,
    score_answer,
)
from interview_qa.ingest import InterviewQAError

if TYPE_CHECKING:
    from interview_qa.assistant import SupportScorer
    from interview_qa.eval.gold import Question


class Answerer(Protocol):
    """What the runner asks: ``ask(question, history, mode=…)`` returning an Answer."""

    def ask(self, question: str, history: Sequence[Answer] = (), *, mode: Any = None) -> Answer:
        """Answer one question, reading ``history`` for follow-ups."""
        ...


@dataclass
class EvalRun:
    """One system's answers to a question set, scored."""

    system: str
    results: list[QuestionScores]
    overall: Aggregate
    categories: dict[str, Aggregate]
    seconds: float
    k: int

    def worst(self, n: int = 10) -> list[QuestionScores]:
        """The ``n`` answers that went worst (with at least one problem), worst first."""
        bad = [r for r in self.results if r.problems()]
        return sorted(bad, key=lambda r: -r.severity())[:n]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: overall, per category and per question."""
        return {
            "system": self.system,
            "k": self.k,
            "seconds": self.seconds,
            "overall": self.overall.to_dict(),
            "categories": {c: a.to_dict() for c, a in self.categories.items()},
            "questions": [r.to_dict() for r in self.results],
        }


def run_questions(
    answerer: Answerer,
    questions: Sequence[Question],
    scorer: SupportScorer,
    *,
    system: str = "hybrid",
    mode: Any = None,
    k: int,
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Ask every question (a follow-up with the conversation of the question it follows)
    and score each answer; ``k`` is the retrieval depth the scores are computed at."""
    started = time.perf_counter()
    conversations: dict[str, Conversation] = {}
    results = []
    for done, q in enumerate(questions):
        if progress:
            progress(done, len(questions))
        # A follow-up goes on with the conversation of the question it follows (chains of any
        # length); any other question starts a conversation of its own.
        before = conversations.get(q.follows) if q.follows else None
        conversation = before.branch() if before is not None else Conversation()
        error = None
        try:
            answer = conversation.ask(answerer, q.question, mode=mode)
        except InterviewQAError:
            raise  # an unusable index or configuration: nothing else can be evaluated either
        except Exception as exc:  # a bug answering this question: recorded, scored as a failure
            answer = Answer(q.question, "", mode or "extractive", abstained=False)
            error = f"{type(exc).__name__}: {exc}"
            conversation.answers.append(answer)
        conversations[q.id] = conversation
        scores = score_answer(q, answer, scorer, k=k)
        scores.error = error
        results.append(scores)
    if progress:
        progress(len(questions), len(questions))
    return EvalRun(
        system=system,
        results=results,
        overall=aggregate(results),
        categories=by_category(results),
        seconds=time.perf_counter() - started,
        k=k,
    )
