"""Stage 1, the plan: what a question asks, of whom, and the standalone query to search with.

The planner reads the question against the index's speakers and vocabulary (names, "who said",
quotes, people who aren't in the interviews), checks the caller's filters, and resolves a
follow-up against the previous answer. It returns a :class:`QueryPlan` and touches nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from interview_qa.assistant import prompts
from interview_qa.assistant.questions import (
    QuestionInfo,
    added_words,
    ambiguity_notes,
    analyse,
    asks_for_more,
    brings_own_subject,
    describe_speakers,
    is_follow_up,
    join_names,
    keeps_speakers,
    lookup_speaker,
    ordered_unique,
    rewrite_follow_up,
)
from interview_qa.assistant.results import Answer, Filters, Mode
from interview_qa.assistant.verify import normalize
from interview_qa.ingest import SUMMARY_SPEAKER, Index, InterviewQAError, Settings
from interview_qa.ingest.turns import KINDS

#: How a follow-up was read: asking for more of the same thread ("why?", "tell me more"),
#: bringing its own topic ("what about retrospectives?"), or asking other speakers ("and N.?").
FollowUp = Literal["more", "topic", "speaker"]

#: Rewrites a follow-up as a standalone question (llm mode): (question, previous answer, notes
#: to add to) → the question, or "" to fall back on the deterministic rewrite.
Condenser = Callable[[str, Answer, list[str]], str]


class FilterError(InterviewQAError):
    """A filter or option names something the index doesn't have (a kind, a source, top-k)."""


class UnknownSpeakerError(FilterError):
    """A speaker filter names nobody in the index."""


@dataclass
class QueryPlan:
    """Everything the later stages need to know about one question."""

    question: str
    mode: Mode
    top_k: int
    query: str = ""
    info: QuestionInfo | None = None
    filters: Filters = field(default_factory=Filters)
    notes: list[str] = field(default_factory=list)
    #: Topic words a follow-up adds to the previous question (the search leans on them).
    added: list[str] = field(default_factory=list)
    #: The speakers were carried over from the previous question, not named in this one.
    carried: bool = False
    #: Set when the question is answered without searching: the message to answer with.
    refusal: str | None = None
    #: How a follow-up was read (None: a question of its own).
    follow_up: FollowUp | None = None
    #: The answer this question follows up on.
    previous: Answer | None = None
    #: Quotes already shown in the conversation (normalised): not shown again as new.
    shown: frozenset[str] = frozenset()
    #: A follow-up as the LLM rewrote it (llm mode): the question put to the model. The search
    #: uses ``query``, the same in both modes, so that both decline alike.
    condensed: str = ""


class Planner:
    """Turns a question (and the conversation so far) into a :class:`QueryPlan`."""

    def __init__(self, settings: Settings, index: Index) -> None:
        self.settings = settings
        self.index = index

    def plan(
        self,
        question: str,
        history: Sequence[Answer] = (),
        *,
        speakers: Sequence[str] = (),
        kinds: Sequence[str] = (),
        sources: Sequence[str] = (),
        mode: Mode,
        top_k: int,
        carry_speakers: bool = True,
        condense: Condenser | None = None,
    ) -> QueryPlan:
        """Read ``question``; raise FilterError for filters naming nothing in the index."""
        plan = QueryPlan(question=question, mode=mode, top_k=top_k)
        text = " ".join(question.split())
        plan.query = text
        plan.refusal = self._refusal(text)
        if plan.refusal is not None:
            return plan
        registry = self.index.speaker_registry()
        chosen = resolve_speakers(speakers, registry)
        kinds, sources = self._check_filters(kinds, sources)
        info = analyse(text, registry, self.index.vocabulary())
        plan.info = info
        named = info.speakers
        if history and is_follow_up(text, registry):
            carry = carry_speakers and not speakers
            named = self._follow_up(plan, text, history, registry, carry, condense)
        elif named and not chosen and not info.who_said:
            shown = join_names(describe_speakers(named, registry))
            plan.notes.append(prompts.FILTER_NOTE.format(speakers=shown))
            plan.notes.extend(ambiguity_notes(info.ambiguous, registry))

        if info.unknown_person and not named:
            who = join_names(sorted(v for k, v in registry.items() if k != SUMMARY_SPEAKER))
            message = prompts.UNKNOWN_PERSON.format(name=info.unknown_person, speakers=who)
            plan.refusal = f"{prompts.NOT_COVERED} {message}"
            return plan
        use_speakers = tuple(chosen or ([] if info.who_said else named))
        plan.filters = Filters(use_speakers, tuple(kinds), tuple(sources))
        return plan

    def _refusal(self, text: str) -> str | None:
        """Why ``text`` is answered without searching (empty, too long), or None."""
        limit = self.settings.answer.max_question_chars
        if not text or not any(ch.isalnum() for ch in text):
            return prompts.EMPTY_QUESTION
        if len(text) > limit:
            return prompts.QUESTION_TOO_LONG.format(chars=len(text), limit=limit)
        return None

    def _follow_up(
        self,
        plan: QueryPlan,
        text: str,
        history: Sequence[Answer],
        registry: dict[str, str],
        carry: bool,
        condense: Condenser | None,
    ) -> list[str]:
        """Read ``text`` as a follow-up to the conversation (setting how, its standalone query
        and its notes on ``plan``); return the speakers it is asked of."""
        assert plan.info is not None
        named = plan.info.speakers
        previous = plan.previous = history[-1]
        if asks_for_more(text):
            # More of the last thread that quoted something ("tell me more" twice).
            quoted = [a for a in history if a.citations]
            previous = plan.previous = quoted[-1] if quoted else previous
            plan.follow_up = "more"
            plan.query = self._follow_up_query(plan, text, previous, registry, condense)
            # Nothing already shown in the conversation comes as new.
            plan.shown = frozenset(
                normalize(q.text) for a in history for st in a.statements for q in st.quotes
            )
        elif brings_own_subject(text, registry) and not named:
            plan.follow_up = "topic"
        else:
            plan.follow_up = "speaker" if named else "topic"
            asked = (previous.filters.speakers, named) if named else ((), ())
            plan.query = self._follow_up_query(plan, text, previous, registry, condense, asked)
            plan.added = added_words(text, registry)
        before = previous.query or previous.question
        if plan.follow_up == "topic" and plan.query == text:
            plan.notes.append(prompts.FOLLOWUP_TOPIC_NOTE.format(previous=before))
        else:
            plan.notes.append(prompts.FOLLOWUP_NOTE.format(previous=before))
        if carry and keeps_speakers(text, registry) and not named and previous.filters.speakers:
            plan.carried = True
            named = list(previous.filters.speakers)
            shown = join_names([self.index.initials(s) for s in named])
            plan.notes.append(prompts.FILTER_NOTE_FOLLOWUP.format(speakers=shown))
        return named

    def _check_filters(
        self, kinds: Sequence[str], sources: Sequence[str]
    ) -> tuple[list[str], list[str]]:
        """Kinds must be transcript or summary; sources are document ids of the index, or file
        names that name exactly one of them."""
        for kind in kinds:
            if kind not in KINDS:
                raise FilterError(f"no kind {kind!r}: use {' or '.join(KINDS)}")
        if not sources:
            return list(kinds), []
        doc_ids = sorted({str(m.get("doc_id")) for m in self.index.record_metadata()})
        resolved = []
        for source in sources:
            if source in doc_ids:
                resolved.append(source)
                continue
            named = [d for d in doc_ids if d.rsplit("/", 1)[-1] == source]
            if len(named) != 1:
                raise FilterError(
                    f"no document {source!r} in the index (documents: {', '.join(doc_ids)})"
                )
            resolved.append(named[0])
        return list(kinds), resolved

    @staticmethod
    def _follow_up_query(
        plan: QueryPlan,
        text: str,
        previous: Answer,
        registry: dict[str, str],
        condense: Condenser | None,
        asked: tuple[Sequence[str], Sequence[str]] = ((), ()),
    ) -> str:
        """The follow-up as a standalone question: the previous query with what this one adds,
        put to the speakers it names (``asked``). With ``condense``, the LLM's rewrite is kept
        in ``plan.condensed`` (the question the model is asked)."""
        if condense is not None:
            plan.condensed = condense(text, previous, plan.notes)
        return rewrite_follow_up(text, previous.query or previous.question, registry, asked)


def resolve_speakers(speakers: Sequence[str], registry: dict[str, str]) -> list[str]:
    """Speaker filters (initials or labels, any case) as the index's labels."""
    out = []
    for raw in speakers:
        labels = lookup_speaker(raw, registry)
        if not labels:
            known = join_names(sorted(registry.values()))
            raise UnknownSpeakerError(f"no speaker {raw!r} in the index (speakers: {known})")
        out.extend(labels)
    return ordered_unique(out)
