"""The quote composer: questions that quote words ("Who said "…"?", "Why did T. say "…"?").

The evidence (:class:`~interview_qa.assistant.evidence.EvidenceBuilder`) finds whose words they
are, verbatim first (speakers before the summary's prose), else the closest fuzzy match; this
composer answers "who said" questions with the speaker(s) and the exact words, and a quote
credited to the wrong speaker with "not covered" and the correction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from interview_qa.assistant import prompts
from interview_qa.assistant.evidence import Evidence, Located
from interview_qa.assistant.plan import QueryPlan
from interview_qa.assistant.questions import join_names, ordered_unique
from interview_qa.assistant.quoting import quote_lines
from interview_qa.assistant.results import Draft, Filters, Passage
from interview_qa.assistant.verify import find_verbatim
from interview_qa.ingest import SUMMARY_SPEAKER


class QuoteComposer:
    """Answers questions that quote words (where the evidence located them), or hands them on
    to the other composers."""

    def compose(self, plan: QueryPlan, evidence: Evidence) -> Draft | None:
        """A draft for "who said" questions and for quotes credited to the wrong speaker; None
        to go on with the other composers."""
        quote = evidence.quote
        if quote is None or plan.info is None:
            return None
        if quote.misattributed is not None:
            passage, start, end, _ = quote.misattributed
            return self._wrong_speaker(plan.filters, passage, start, end, evidence.registry)
        if not plan.info.who_said:
            return None
        if quote.located is None:
            text = f"{prompts.NOT_COVERED} {prompts.QUOTE_NOT_FOUND}"
            return Draft(text=text, abstained=True)
        return self._who_said(quote.text, quote.located, list(evidence.passages), plan.notes)

    def _wrong_speaker(
        self,
        filters: Filters,
        passage: Passage,
        start: int,
        end: int,
        registry: Mapping[str, str],
    ) -> Draft:
        claimed = join_names([registry.get(s, s) for s in filters.speakers])
        passage = dataclasses.replace(passage, number=1)
        note = prompts.WRONG_SPEAKER_QUOTE.format(
            actual=passage.initials, claimed=claimed, quote=passage.text[start:end], n=1
        )
        _, citations, statements = quote_lines([(passage, start, end)])
        return Draft(
            text=f"{prompts.NOT_COVERED} {note}",
            abstained=True,
            citations=citations,
            statements=statements,
            passages=[passage],
        )

    def _who_said(
        self, quote: str, located: Located, passages: list[Passage], notes: Sequence[str]
    ) -> Draft:
        passage, start, end, exact = located
        same = (
            [
                (p, *span)
                for p in passages
                if p.speaker != SUMMARY_SPEAKER
                for span in [find_verbatim(quote, p.text)]
                if span is not None
            ]
            if exact
            else [(passage, start, end)]
        )
        speakers = ordered_unique([p.initials for p, _, _ in same])
        if not exact:
            lead = prompts.WHO_SAID_APPROX.format(speaker=passage.initials)
        elif len(speakers) == 1:
            lead = prompts.WHO_SAID_ONE.format(speaker=speakers[0])
        else:
            lead = prompts.WHO_SAID_MANY.format(speakers=join_names(speakers))
        unique: dict[str, tuple[Passage, int, int]] = {}
        for p, a, b in same:
            unique.setdefault(p.initials, (p, a, b))
        lines, citations, statements = quote_lines(list(unique.values()))
        return Draft(
            text="\n".join([lead, *notes, "", *lines]),
            citations=citations,
            statements=statements,
            passages=passages,
        )
