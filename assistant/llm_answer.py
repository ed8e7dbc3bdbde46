"""The llm-mode composer: the model's verified answer (:class:`LLMComposer`), else the extractive
answer with a note saying why (the model could not be reached, or its answer failed
verification), the model's answer kept in the verification."""

from __future__ import annotations

import dataclasses

from interview_qa.assistant.declined import nothing_more
from interview_qa.assistant.evidence import Composer, Evidence
from interview_qa.assistant.llm_compose import LLMComposer
from interview_qa.assistant.plan import QueryPlan
from interview_qa.assistant.results import Draft


class LLMAnswerComposer:
    """Answers llm-mode questions; hands the others on (returns None)."""

    def __init__(self, llm: LLMComposer, fallback: Composer) -> None:
        self.llm = llm
        self.fallback = fallback

    def compose(self, plan: QueryPlan, evidence: Evidence) -> Draft | None:
        """The model's verified draft, or ``fallback``'s with the model's notes."""
        if plan.mode != "llm":
            return None
        registry = evidence.registry
        notes = list(plan.notes)
        outcome = self.llm.compose(
            evidence.query,
            list(evidence.passages),
            notes,
            registry,
            [registry.get(s, s) for s in plan.filters.speakers],
        )
        added = notes[len(plan.notes) :]
        with_notes = dataclasses.replace(plan, notes=notes)
        draft = outcome.draft
        if draft is not None:
            if plan.follow_up == "more" and draft.abstained:
                return dataclasses.replace(nothing_more(with_notes), notes=added)
            return dataclasses.replace(draft, notes=added)
        fallback = self.fallback.compose(with_notes, evidence)
        if fallback is None:
            return None
        return dataclasses.replace(
            fallback,
            verification=outcome.verification,
            mode="extractive" if not fallback.abstained else fallback.mode,
            notes=[*fallback.notes, *added],
        )
