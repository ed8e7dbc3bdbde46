"""The answers that decline: "not covered" (the fixed phrase, and the nearest topics the
interviews do cover: the sections or interviewer questions of the closest passages) and, for a
"tell me more" with nothing new, "That is all G. says about this." — with the composers that
give them ahead of the others."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from interview_qa.assistant import prompts
from interview_qa.assistant.questions import join_names, ordered_unique
from interview_qa.assistant.quoting import quote_lines
from interview_qa.assistant.results import Draft, Passage
from interview_qa.ingest.text import section_leaf
from interview_qa.ingest.units import unaddressed

if TYPE_CHECKING:
    from interview_qa.assistant.evidence import Evidence
    from interview_qa.assistant.plan import QueryPlan

#: Longer names are document titles rather than topics.
MAX_TOPIC_CHARS = 60


def not_covered(passages: Sequence[Passage], notes: Sequence[str]) -> Draft:
    """The "not covered" draft, naming up to three topics of the closest ``passages``."""
    named = [
        unaddressed(section_leaf(p.section) or p.question).strip(" :?.!") for p in passages[:6]
    ]
    topics = ordered_unique([t for t in named if t and len(t) <= MAX_TOPIC_CHARS])[:3]
    text = prompts.NOT_COVERED
    if topics:
        text += " " + prompts.NEAREST_TOPICS.format(topics="; ".join(topics))
    return Draft(text="\n".join([text, *notes]), abstained=True, nearest_topics=topics)


def refused(message: str) -> Draft:
    """A draft that answers with ``message`` alone, without searching (empty question…)."""
    return Draft(text=message, abstained=True)


def nothing_more(plan: QueryPlan) -> Draft:
    """ "That is all G. says about this.", for a "tell me more" with nothing new to show, with
    what was already quoted of them (marked as such, not as new)."""
    previous = plan.previous
    cited = previous.cited_passages() if previous else []
    initials = list(dict.fromkeys(p.initials for p in cited))
    verb = prompts.NOTHING_MORE_ONE if len(initials) == 1 else prompts.NOTHING_MORE_MANY
    text = (
        prompts.NOTHING_MORE.format(speakers=join_names(initials), verb=verb)
        if initials
        else prompts.NOTHING_MORE_NOBODY
    )
    if previous is None or not previous.citations:
        return Draft(text="\n".join([text, *plan.notes]), abstained=True)
    lines = [text, *plan.notes, "", prompts.ALREADY_QUOTED]
    by_number = {p.number: p for p in previous.passages}
    spans = [
        (by_number[c.number], c.quote_start, c.quote_end)
        for c in previous.citations
        if c.number in by_number
    ]
    quoted, citations, statements = quote_lines(spans)
    return Draft(
        text="\n".join([*lines, *quoted]),
        citations=citations,
        statements=statements,
        passages=list(previous.passages),
    )


class NothingMoreComposer:
    """A "tell me more" whose passages hold no unit the conversation hasn't shown."""

    def compose(self, plan: QueryPlan, evidence: Evidence) -> Draft | None:
        """ "That is all…", or None."""
        if plan.follow_up == "more" and not evidence.units:
            return nothing_more(plan)
        return None


class NotCoveredComposer:
    """A question the gate found the passages don't bear on ("tell me more" goes on with the
    thread instead)."""

    def compose(self, plan: QueryPlan, evidence: Evidence) -> Draft | None:
        """ "Not covered", or None."""
        if not evidence.verdict.relevant and plan.follow_up != "more":
            return not_covered(evidence.passages, plan.notes)
        return None
