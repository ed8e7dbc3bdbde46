"""What a parsed document is made of: speaker turns, each a list of located segments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, get_args

from interview_qa.ingest.markup import plain

Role = Literal["interviewee", "interviewer", "host", "notes", "summary"]
Kind = Literal["transcript", "summary"]
#: Every kind of chunk, as filters name them.
KINDS: tuple[str, ...] = get_args(Kind)
#: Roles whose turns are indexed as chunks: interviewers ride along as the ``question`` of the
#: answer that follows, and notes (show notes, disclaimers, bios) are nobody's words.
SPOKEN_ROLES: tuple[Role, ...] = ("interviewee", "host", "summary")

#: Speaker label of text that carries no speaker label. Never guessed.
UNKNOWN_SPEAKER = "unknown"
#: Speaker label of the summary's own (unattributed) prose.
SUMMARY_SPEAKER = "summary"
#: Speaker label of notes: text before the first question or the transcript (never a quote).
NOTES_SPEAKER = "notes"
#: Most words of an interviewer's turn that only acknowledges ("Yeah.", "Wow, okay."): it does
#: not replace the question the answer after it goes on answering.
BACKCHANNEL_WORDS = 3
#: Longest interviewer or host text kept as the ``question`` of the answer after it.
QUESTION_CHARS = 400


@dataclass(frozen=True)
class Segment:
    """A piece of a turn's text and where that text starts and ends in the source file; for
    timed formats (a subtitle cue, a speech-to-text segment, a ``[00:12:34]`` line), when it is
    said, in seconds."""

    text: str
    start: int
    end: int
    start_time: float | None = None
    end_time: float | None = None


@dataclass
class Turn:
    """One speaker's uninterrupted contribution; segments are joined with ``joiner``."""

    speaker: str
    role: Role
    segments: list[Segment]
    joiner: str = "\n\n"
    section: str = ""
    start_time: float | None = None
    end_time: float | None = None
    question: str = ""
    #: Summary prose only: passages sharing a group (one list and the line introducing it) merge.
    group: int | None = None

    @property
    def text(self) -> str:
        """The turn's text: its segments joined."""
        return self.joiner.join(s.text for s in self.segments)

    @property
    def start(self) -> int:
        """Offset in the source where the turn's first segment starts."""
        return self.segments[0].start

    @property
    def end(self) -> int:
        """Offset in the source where the turn's last segment ends."""
        return self.segments[-1].end

    def source_span(self, text_start: int, text_end: int) -> tuple[int, int]:
        """Map a span of :attr:`text` to a span of the source file."""
        return self._to_source(text_start, end=False), self._to_source(text_end, end=True)

    def _to_source(self, pos: int, *, end: bool) -> int:
        offset = 0
        for i, seg in enumerate(self.segments):
            length = len(seg.text)
            last = i == len(self.segments) - 1
            if pos < offset + length or (end and pos == offset + length) or last:
                inside = min(max(pos - offset, 0), length)
                # Only a verbatim segment maps character for character; others map to their span.
                if seg.end - seg.start == length:
                    return seg.start + inside
                return seg.end if (end and inside == length) else seg.start
            offset += length + len(self.joiner)
            if pos < offset:
                return seg.end
        return self.end

    def can_merge(self, other: Turn) -> bool:
        """Whether ``other`` continues this turn: same speaker, role and section. Summary prose
        merges only within a group (a list with the line introducing it); each of its other
        paragraphs and list items is a passage of its own."""
        if self.role == "summary" or other.role == "summary":
            return (
                self.role == other.role
                and self.section == other.section
                and self.group is not None
                and self.group == other.group
            )
        return (
            other.speaker == self.speaker
            and other.role == self.role
            and other.section == self.section
            and other.joiner == self.joiner
        )

    def merge(self, other: Turn) -> None:
        """Append ``other``'s segments to this turn, widening its time span."""
        self.segments.extend(other.segments)
        if other.end_time is not None:
            self.end_time = other.end_time
        if self.start_time is None:
            self.start_time = other.start_time


@dataclass
class ParsedDocument:
    """A source file read into speaker turns."""

    path: Path
    format: str
    kind: Kind
    turns: list[Turn] = field(default_factory=list)
    title: str = ""

    def speakers(self) -> list[str]:
        """Distinct speaker labels of the interviewee, host and summary turns, in order of
        appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.role in SPOKEN_ROLES:
                seen.setdefault(turn.speaker, None)
        return list(seen)


def merge_consecutive(turns: list[Turn]) -> list[Turn]:
    """Merge consecutive turns by the same speaker (and role and section) into one."""
    merged: list[Turn] = []
    for turn in turns:
        if not turn.segments or not turn.text.strip():
            continue
        if merged and merged[-1].can_merge(turn):
            merged[-1].merge(turn)
        else:
            merged.append(turn)
    return merged


def fill_end_times(turns: list[Turn]) -> list[Turn]:
    """Give each timed segment and turn that has a start but no end (a ``[00:12:34] Name:``
    line) the start of the next timed segment as its end; the last one keeps none."""
    following: float | None = None
    for turn in reversed(turns):
        for i in range(len(turn.segments) - 1, -1, -1):
            seg = turn.segments[i]
            if seg.start_time is None:
                continue
            if seg.end_time is None and following is not None and following >= seg.start_time:
                turn.segments[i] = replace(seg, end_time=following)
            following = seg.start_time
        if turn.start_time is not None and turn.end_time is None:
            ends = [s.end_time for s in turn.segments if s.end_time is not None]
            turn.end_time = ends[-1] if ends else None
    return turns


def is_backchannel(text: str) -> bool:
    """Whether an interviewer's turn only acknowledges what was said ("Yeah.", "Wow.", "Right,
    right."): a few words, no question. The answer after it goes on answering the question
    before it."""
    said = plain(text).strip()
    # A spoken turn ends in its punctuation; a heading ("Finding sponsors") does not.
    return (
        len(said.split()) <= BACKCHANNEL_WORDS
        and "?" not in said
        and said.endswith((".", "!", "…"))
    )


def attach_questions(turns: list[Turn]) -> list[Turn]:
    """Give each interviewee turn the text of the interviewer (or host) turn just before it; a
    long host turn gives its last sentences within :data:`QUESTION_CHARS` characters, and a
    turn that only acknowledges (:func:`is_backchannel`) leaves the question as it was."""
    question = ""
    for turn in turns:
        if turn.role in ("interviewer", "host"):
            if question and is_backchannel(turn.text):
                continue
            question = " ".join(plain(turn.text).split())
            if len(question) > QUESTION_CHARS:
                tail = question[-QUESTION_CHARS:]
                # From the first sentence that starts in the tail, else from a word start.
                cut = re.search(r"[.?!…]\s+(?=\S)", tail[:-1])
                question = tail[cut.end() :] if cut else tail[tail.find(" ") + 1 :]
        elif turn.role == "interviewee":
            turn.question = question
    return turns
