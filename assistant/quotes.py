"""The quote composer: questions that quote words ("Who said "…"?", "Why did T. say "…"?").

It finds whose words they are, verbatim first (speakers before the summary's prose), else the
closest fuzzy match; answers "who said" questions with the speaker(s) and the exact words, and
answers a quote credited to the wrong speaker with "not covered" and the correction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from interview_qa.assistant import prompts
from interview_qa.assistant.extractive import join_names, quote_lines
from interview_qa.assistant.plan import QueryPlan
from interview_qa.assistant.questions import ordered_unique
from interview_qa.assistant.results import Draft, Filters, Passage
from interview_qa.assistant.verify import closest_span, find_verbatim
from interview_qa.ingest import SUMMARY_SPEAKER

#: Searches the whole index for some words: (text) → passages.
SearchAll = Callable[[str], list[Passage]]
Located = tuple[Passage, int, int, bool]

#: Quotes shorter than this many words are a phrase, not a quotation to look up.
MIN_QUOTE_WORDS = 3


class QuoteComposer:
    """Answers questions that quote words, or hands them back to the other composers."""

    def __init__(self, fuzzy_ratio: float) -> None:
        self.fuzzy_ratio = fuzzy_ratio

    def applies(self, plan: QueryPlan) -> bool:
        """Whether ``plan``'s question quotes words worth looking up."""
        quote = plan.info.quote if plan.info else None
        return bool(quote and len(quote.split()) >= MIN_QUOTE_WORDS)

    def compose(
        self,
        plan: QueryPlan,
        passages: list[Passage],
        registry: dict[str, str],
        search_all: SearchAll,
    ) -> tuple[Draft | None, list[Passage]]:
        """A draft for "who said" questions and for quotes credited to the wrong speaker (None
        to go on with the other composers), and the passages to go on with: the retrieved ones,
        or those of a search of the whole index when only that found the quote."""
        assert plan.info is not None and plan.info.quote is not None
        info, quote = plan.info, plan.info.quote
        located = self.locate(quote, passages)
        if located is None or (plan.filters.speakers and not info.who_said):
            # Not among the (possibly speaker-filtered) passages: look in the whole index.
            anywhere = search_all(quote)
            found = self.locate(quote, anywhere)
            if found is not None and plan.filters.speakers:
                passage, start, end, exact = found
                if exact and passage.speaker not in plan.filters.speakers and located is None:
                    draft = self._wrong_speaker(plan.filters, passage, start, end, registry)
                    return draft, passages
            if located is None and found is not None:
                passages = anywhere
                located = found
        if not info.who_said:
            return None, passages
        if located is None:
            text = f"{prompts.NOT_COVERED} {prompts.QUOTE_NOT_FOUND}"
            return Draft(text=text, abstained=True), passages
        return self._who_said(quote, located, passages, plan.notes), passages

    def _wrong_speaker(
        self,
        filters: Filters,
        passage: Passage,
        start: int,
        end: int,
        registry: dict[str, str],
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

    def locate(self, quote: str, passages: Sequence[Passage]) -> Located | None:
        """The passage holding ``quote``: verbatim first (speakers before the summary's prose),
        else the closest fuzzy match at or above the fuzzy ratio."""
        ordered = sorted(passages, key=lambda p: (p.speaker == SUMMARY_SPEAKER, p.number))
        for p in ordered:
            span = find_verbatim(quote, p.text)
            if span is not None:
                return p, span[0], span[1], True
        best: tuple[float, Passage, int, int] | None = None
        for p in ordered:
            ratio, a, b = closest_span(quote, p.text)
            if best is None or ratio > best[0]:
                best = (ratio, p, a, b)
        if best is not None and best[0] >= self.fuzzy_ratio:
            return best[1], best[2], best[3], False
        return None
