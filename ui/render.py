"""Pure helpers of the chat UI: inert Markdown, quote highlighting, feedback records.

Nothing here imports Streamlit, so the rules that keep corpus text inert are easy to test.

Safety rule: corpus text, answers and questions reach ``st.markdown`` only through
:func:`escape_markdown` (or :func:`escape_inline`), which backslash-escapes every ASCII
punctuation character (CommonMark lets any of them be escaped). That leaves no Markdown or HTML
syntax at all: no ``<tag>``, no ``&entity;``, no ``[link](…)``, no ``![image](…)``, no
``:directive[…]``, no ``$math$``; and :func:`defuse` keeps bare URLs, e-mail addresses and
``:emoji:`` words from being turned into links or emoji. Only the UI's own markup (bold, the
highlight directive) is added around escaped text.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from interview_qa.assistant import Answer, Citation, Passage

Verdict = Literal["up", "down"]

#: How a quote is highlighted inside its passage (Streamlit's background directive, and bold
#: so that colour is not the only cue). ``text`` is escaped and has no outer whitespace.
HIGHLIGHT = ":orange-background[**{text}**]"

_ESCAPES = str.maketrans({ch: "\\" + ch for ch in string.punctuation})
# Two plugins of Streamlit's Markdown work on the decoded text, after escapes are gone:
# remark-gfm's autolink literals (http://…, www.…, a@b.c become live links) and remark-emoji
# (":word:" becomes an emoji). A zero-width space at the right spot keeps such text as typed.
_SHORTCODE = re.compile(r":(?=[\w+-]+:)")
_URL_SCHEME = re.compile(r"(?<=://)")
_WWW = re.compile(r"(?i)(?<=www)(?=\.)")
_EMAIL_AT = re.compile(r"(?<=@)(?=[-\w])")
_ZWSP = "\u200b"


def defuse(text: str) -> str:
    """``text`` with a zero-width space where Streamlit would otherwise make a link or emoji
    out of plain text (after ``://``, after ``www`` before a dot, after ``@``, inside
    ``:word:``). Displays the same."""
    text = _SHORTCODE.sub(":" + _ZWSP, text)
    text = _URL_SCHEME.sub(_ZWSP, text)
    text = _WWW.sub(_ZWSP, text)
    return _EMAIL_AT.sub(_ZWSP, text)


def stream_text(answer: Answer, chunk_words: int = 3) -> Iterator[str]:
    """The answer's text in small pieces, for progressive display."""
    for line_no, line in enumerate(answer.text.split("\n")):
        if line_no:
            yield "\n"
        words = line.split(" ")
        for i in range(0, len(words), chunk_words):
            piece = " ".join(words[i : i + chunk_words])
            yield piece + (" " if i + chunk_words < len(words) else "")


def escape_inline(text: str) -> str:
    """``text`` (one line) as Markdown that renders exactly as the text: nothing is syntax,
    nothing becomes a link, an image, HTML, math, a directive or an emoji."""
    text = text.replace("\t", " ").replace("\r", "")
    return defuse(text).translate(_ESCAPES)


def escape_markdown(text: str) -> str:
    """Multi-line ``text`` as inert Markdown; its line breaks are kept as hard line breaks.

    Leading spaces of a line are dropped (indentation would make a Markdown code block).
    """
    return "  \n".join(escape_inline(line.lstrip()) for line in text.split("\n"))


def escaped_stream(pieces: Iterable[str]) -> Iterator[str]:
    """Escape a stream of text pieces (as :func:`stream_text` yields
    them) so that their concatenation equals :func:`escape_markdown` of the whole text."""
    at_line_start = True
    for piece in pieces:
        lines = piece.split("\n")
        out: list[str] = []
        for i, line in enumerate(lines):
            if i:
                at_line_start = True
            if at_line_start:
                line = line.lstrip()
                if line:
                    at_line_start = False
            out.append(escape_inline(line))
        chunk = "  \n".join(out)
        if chunk:
            yield chunk


def _merge(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, clipped, non-overlapping spans."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(0, a), min(length, b)) for a, b in spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def quote_spans(passage: Passage, citations: Sequence[Citation]) -> list[tuple[int, int]]:
    """Where the citations of ``passage`` quote it, as (start, end) offsets into its text.

    Uses ``Citation.quote_start``/``quote_end``; a citation whose offsets don't hold its quote
    (should not happen) is located by searching the passage for the quote instead.
    """
    spans: list[tuple[int, int]] = []
    for c in citations:
        if c.number != passage.number:
            continue
        start, end = c.quote_start, c.quote_end
        if not (0 <= start < end <= len(passage.text)) or (
            c.quote and passage.text[start:end] != c.quote
        ):
            found = passage.text.find(c.quote) if c.quote else -1
            if found < 0:
                continue
            start, end = found, found + len(c.quote)
        spans.append((start, end))
    return _merge(spans, len(passage.text))


def highlight_markdown(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` as inert Markdown (as :func:`escape_markdown` makes it) with each span's words
    wrapped in :data:`HIGHLIGHT`, line by line, so a quote over several lines stays lit."""
    merged = _merge(spans, len(text))
    out: list[str] = []
    offset = 0
    for line in text.split("\n"):
        line_end = offset + len(line)
        pos = offset + len(line) - len(line.lstrip())
        pieces: list[str] = []
        for a, b in merged:
            start, end = max(a, pos), min(b, line_end)
            if start >= end:
                continue
            segment = text[start:end]
            words = segment.strip()
            if words:
                lead = segment[: len(segment) - len(segment.lstrip())]
                trail = segment[len(segment.rstrip()) :]
                pieces.append(escape_inline(text[pos:start] + lead))
                pieces.append(HIGHLIGHT.format(text=escape_inline(words)))
                pieces.append(escape_inline(trail))
            else:
                pieces.append(escape_inline(text[pos:end]))
            pos = end
        pieces.append(escape_inline(text[pos:line_end]))
        out.append("".join(pieces))
        offset = line_end + 1
    return "  \n".join(out)


def cited_list(answer: Answer) -> str:
    """The answer's citations as "T. [1], G. [2]" (initials and passage number, no repeats)."""
    seen: list[str] = []
    for c in sorted(answer.citations, key=lambda c: c.number):
        item = f"{c.initials} [{c.number}]"
        if item not in seen:
            seen.append(item)
    return ", ".join(seen)


@dataclass(frozen=True)
class Player:
    """A recording's player for one source: the file, its MIME type, and the whole seconds it
    plays from and to (Streamlit's ``start_time``/``end_time``)."""

    path: str
    mime: str
    start: int
    end: int | None

    @property
    def is_video(self) -> bool:
        """Whether it is a video player (else audio)."""
        return self.mime.startswith("video/")


@dataclass
class SourceView:
    """What the Sources section shows of one cited passage (all fields plain text)."""

    number: int
    initials: str
    speaker: str
    location: str
    text: str
    spans: list[tuple[int, int]]
    #: When its quotes are said (seconds), and the recording they are in.
    start_s: float | None = None
    end_s: float | None = None
    media: str | None = None
    media_type: str | None = None
    media_duration: float | None = None

    def player(self, lead_s: float) -> Player | None:
        """The player of its recording, from ``lead_s`` seconds before the quote's start to
        just after its end (within the recording); None without a recording or a time, or
        when the quote starts after the recording's end."""
        if self.media is None or self.start_s is None:
            return None
        duration = self.media_duration
        if duration is not None and self.start_s > duration:
            return None
        start = max(0, math.floor(self.start_s - lead_s))
        end = math.ceil(self.end_s) if self.end_s is not None else None
        if end is not None and duration is not None:
            end = min(end, math.ceil(duration))
        if end is not None and end <= start:
            end = None
        return Player(self.media, self.media_type or "audio/wav", start, end)

    def heading_markdown(self) -> str:
        """ "**[2] G.** — Full label" as inert Markdown."""
        head = f"**{escape_inline(f'[{self.number}] {self.initials}')}**"
        if self.speaker and self.speaker != self.initials:
            head += " — " + escape_inline(self.speaker)
        return head

    def location_markdown(self) -> str:
        """ "doc id · where" as inert Markdown."""
        return escape_inline(self.location)

    def body_markdown(self) -> str:
        """The passage text, inert, with the quoted words highlighted."""
        return highlight_markdown(self.text, self.spans)


def source_views(answer: Answer) -> list[SourceView]:
    """The cited passages of ``answer``, in citation-number order, ready to show."""
    views = []
    for p in answer.cited_passages():
        start, end = answer.quote_times(p.number)
        if start is None:
            start, end = p.start_time, p.end_time
        views.append(
            SourceView(
                number=p.number,
                initials=p.initials,
                speaker=p.speaker,
                location=p.location(" · ", (start, end)),
                text=p.text,
                spans=quote_spans(p, answer.citations),
                start_s=start,
                end_s=end,
                media=p.media,
                media_type=p.media_type,
                media_duration=p.media_duration,
            )
        )
    return views


def feedback_record(
    answer: Answer, verdict: Verdict, when: datetime | None = None
) -> dict[str, Any]:
    """One line of the feedback file."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "citations": [asdict(c) for c in answer.citations],
        "verdict": verdict,
        "mode": answer.mode,
        "time": (when or datetime.now(UTC)).isoformat(timespec="seconds"),
    }


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one JSON line to ``path`` (its folder is created when missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False)
    with path.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def count(forms: tuple[str, str], n: int) -> str:
    """ "1 passage", "3 passages"."""
    return (forms[0] if n == 1 else forms[1]).format(n=n)
