"""The llm-mode composer: the model's verified answer (:class:`LLMComposer`), else the extractive
answer with a note saying why (the model could not be reached, said the passages don't cover a
question they do, or its answer failed verification), the model's answer kept in the
verification.

**One gate for both modes.** llm mode declines exactly when extractive mode does: the plan's
query is the same in both modes (a follow-up's LLM rewrite is only the question put to the
model), so are the evidence and the gate's verdict (the "not covered" composer runs first), and
a question the extractive composer would still decline ("not covered", "that is all") is
declined without asking the model. When the model itself replies "not covered", the extractive
answer is shown, with a note.
"""

from __future__ import annotations

import dataclasses

from interview_qa.assistant.evidence import Evidence
from interview_qa.assistant.extractive import ExtractiveComposer
from interview_qa.assistant.llm_compose import LLMComposer
from interview_qa.assistant.plan import QueryPlan
from interview_qa.assistant.results import Draft


class LLMAnswerComposer:
    """Answers llm-mode questions; hands the others on (returns None)."""

    def __init__(self, llm: LLMComposer, extractive: ExtractiveComposer) -> None:
        self.llm = llm
        self.extractive = extractive

    def compose(self, plan: QueryPlan, evidence: Evidence) -> Draft | None:
        """The model's verified draft, or the extractive one with the model's notes (its
        decline, when extractive mode declines)."""
        if plan.mode != "llm":
            return None
        if self.extractive.answer(plan, evidence) is None:
            return self.extractive.compose(plan, evidence)
        registry = evidence.registry
        notes = list(plan.notes)
        outcome = self.llm.compose(
            plan.condensed or evidence.query,
            list(evidence.passages),
            notes,
            registry,
            [registry.get(s, s) for s in plan.filters.speakers],
        )
        added = notes[len(plan.notes) :]
        if outcome.draft is not None:
            return dataclasses.replace(outcome.draft, notes=added)
        fallback = self.extractive.compose(dataclasses.replace(plan, notes=notes), evidence)
        return dataclasses.replace(
            fallback,
            verification=outcome.verification,
            mode="extractive",
            notes=[*fallback.notes, *added],
        )
