"""The answer when the interviews don't cover a question: the fixed phrase, and the nearest
topics they do cover (the sections or interviewer questions of the closest passages)."""

from __future__ import annotations

from collections.abc import Sequence

from interview_qa.assistant import prompts
from interview_qa.assistant.questions import ordered_unique
from interview_qa.assistant.results import Draft, Passage
from interview_qa.ingest.units import unaddressed

#: Longer names are document titles rather than topics.
MAX_TOPIC_CHARS = 60


def not_covered(passages: Sequence[Passage], notes: Sequence[str]) -> Draft:
    """The "not covered" draft, naming up to three topics of the closest ``passages``."""
    named = [
        unaddressed(p.section.split(" › ")[-1] or p.question).strip(" :?.!") for p in passages[:6]
    ]
    topics = ordered_unique([t for t in named if t and len(t) <= MAX_TOPIC_CHARS])[:3]
    text = prompts.NOT_COVERED
    if topics:
        text += " " + prompts.NEAREST_TOPICS.format(topics="; ".join(topics))
    return Draft(text="\n".join([text, *notes]), abstained=True, nearest_topics=topics)


def refused(message: str) -> Draft:
    """A draft that answers with ``message`` alone, without searching (empty question…)."""
    return Draft(text=message, abstained=True)
