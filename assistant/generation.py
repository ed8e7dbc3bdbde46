"""Bounded generation for `llm` mode: the model streams its answer; ``llm.max_tokens`` is sent on
every call, generation stops past ``llm.timeout_s`` and once the ``llm.max_sentences`` sentences
asked for are written (:func:`sentences_cut`), and a repetition guard (:func:`repetition_cut`)
stops a model that loops and cuts the repeat off. A sentence a bound cut mid-way is not verified
(:func:`finished_part`). Listeners registered
with :func:`streaming` receive the tokens as they come (the app shows them; the CLI counts them).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from interview_qa.assistant.statements import sentence_spans
from interview_qa.assistant.verify import CITE

if TYPE_CHECKING:
    from llama_index.core.llms import LLM, ChatMessage

    from interview_qa.assistant.results import StopReason
    from interview_qa.ingest.settings import LLMSettings

_TOKENS: ContextVar[Callable[[str], None] | None] = ContextVar("iqa_llm_tokens", default=None)
_WORD = re.compile(r"[\w'’]+")


@contextmanager
def streaming(on_token: Callable[[str], None]) -> Iterator[None]:
    """While the block runs, every token an llm-mode answer generates (in this thread or
    context) is passed to ``on_token`` as it arrives: ``with streaming(show): assistant.ask(…)``.
    """
    token = _TOKENS.set(on_token)
    try:
        yield
    finally:
        _TOKENS.reset(token)


@dataclass
class Generation:
    """What the model produced and how generation ended."""

    text: str
    stop_reason: StopReason
    tokens: int
    seconds: float


def _words(text: str) -> list[tuple[str, int]]:
    """Lower-cased words of ``text`` with their start offsets."""
    return [(m.group(0).lower(), m.start()) for m in _WORD.finditer(text)]


def repetition_cut(text: str, ngram: int = 8) -> int | None:
    """Where to cut ``text`` when the model has started repeating itself, else None.

    Two signs of a loop: a sentence (of four words or more) that repeats an earlier one
    word for word, cut where the repeat starts; and the last ``ngram`` words already present
    twice before, cut where the second occurrence starts.
    """
    seen: set[str] = set()
    for start, end in sentence_spans(text):
        key = " ".join(w for w, _ in _words(CITE.sub("", text[start:end])))
        if len(key.split()) >= 4:
            if key in seen:
                return start
            seen.add(key)
    words = _words(text)
    if len(words) < 3 * ngram:
        return None
    tail = [w for w, _ in words[-ngram:]]
    starts = [
        words[i][1]
        for i in range(len(words) - ngram)
        if [w for w, _ in words[i : i + ngram]] == tail
    ]
    return starts[1] if len(starts) >= 2 else None


#: How a finished sentence ends: a full stop (closing quotes, brackets after it) or citations.
_FINISHED = re.compile(r"(?:[.!?…][\"”’)]*|\[\d+\])(?:\s*\[\d+\])*[.!?]?\s*$")


def finished_part(text: str) -> str:
    """``text`` without its last sentence when that one is unfinished (cut by a bound mid-way:
    no full stop or citation at its end, or a quotation left open)."""
    lines = text.rstrip().split("\n")
    last = lines[-1]
    spans = sentence_spans(last)
    if not spans:
        return text.rstrip()
    start, end = spans[-1]
    tail = last[start:end]
    open_quote = tail.count('"') % 2 == 1 or tail.count("“") > tail.count("”")
    if _FINISHED.search(tail) and not open_quote:
        return text.rstrip()
    lines[-1] = last[:start].rstrip()
    return "\n".join(lines).rstrip()


def sentences_cut(text: str, limit: int) -> int | None:
    """Where sentence ``limit + 1`` of ``text`` starts (to cut the answer at ``limit``
    sentences), else None."""
    seen = 0
    offset = 0
    for line in text.split("\n"):
        for start, end in sentence_spans(line):
            if any(ch.isalnum() for ch in CITE.sub("", line[start:end])):
                seen += 1
                if seen > limit:
                    return offset + start
        offset += len(line) + 1
    return None


def _stream(
    llm: LLM, messages: Sequence[ChatMessage], cfg: LLMSettings, deadline: float
) -> tuple[str, int, StopReason]:
    """Read the model's stream until it ends or a bound stops it: (text, tokens, reason).
    Raises NotImplementedError when the model can't stream."""
    listener = _TOKENS.get()
    pieces: list[str] = []
    tokens = 0
    reason: StopReason = "done"
    stream = llm.stream_chat(list(messages))
    try:
        for chunk in stream:
            delta = chunk.delta or ""
            if not delta:  # a closing chunk (finish reason, usage): no token
                continue
            tokens += 1
            pieces.append(delta)
            if listener is not None:
                listener(delta)
            if any(ch.isspace() or ch in ".!?" for ch in delta):
                text = "".join(pieces)
                cut = repetition_cut(text, cfg.repeat_ngram)
                if cut is not None:
                    pieces = [text[:cut]]
                    reason = "repetition"
                    break
                cut = sentences_cut(text, cfg.max_sentences)
                if cut is not None:
                    pieces = [text[:cut]]
                    reason = "sentences"
                    break
            if tokens >= cfg.max_tokens:  # the server should stop there; make sure
                reason = "max_tokens"
                break
            if time.monotonic() > deadline:
                reason = "timeout"
                break
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    return "".join(pieces), tokens, reason


def generate(llm: LLM, messages: Sequence[ChatMessage], cfg: LLMSettings) -> Generation:
    """Stream the model's answer within the bounds of ``cfg`` (max tokens, timeout, repetition
    guard), passing each token to the :func:`streaming` listener. A model that can't stream is
    asked in one call instead. Connection errors propagate (the caller falls back)."""
    started = time.monotonic()
    try:
        text, tokens, reason = _stream(llm, messages, cfg, started + cfg.timeout_s)
    except NotImplementedError:
        text = llm.chat(list(messages)).message.content or ""
        listener = _TOKENS.get()
        if listener is not None and text:
            listener(text)
        tokens, reason = len(text.split()), "done"
    if reason == "done":
        cut = repetition_cut(text, cfg.repeat_ngram)
        limit = sentences_cut(text, cfg.max_sentences)
        if cut is not None:
            text, reason = text[:cut], "repetition"
        elif limit is not None:
            text, reason = text[:limit], "sentences"
        elif tokens >= cfg.max_tokens:
            reason = "max_tokens"
    return Generation(text.strip(), reason, tokens, time.monotonic() - started)
