"""The themes' quotes: a theme's representative passages, its takeaway sentence, each speaker's
best quote, every one verified like an answer's quotes (verbatim in its passage,
:func:`interview_qa.assistant.verify.find_verbatim`, and credited to that passage's speaker)
and cited with its file and offsets."""

from __future__ import annotations

from typing import Any

from interview_qa.assistant.theme_model import ThemeQuote, Unit
from interview_qa.assistant.theme_terms import term_score
from interview_qa.assistant.verify import find_verbatim
from interview_qa.ingest.sentences import sentence_spans
from interview_qa.ingest.turns import SUMMARY_SPEAKER

#: Longest quote shown whole; a longer passage is quoted by its best run of sentences.
QUOTE_CHARS = 320
#: Most quotes a theme shows.
MOST_QUOTES = 4


def best_span(text: str, weights: dict[str, float], limit: int = QUOTE_CHARS) -> tuple[int, int]:
    """The run of whole sentences of ``text`` (at most ``limit`` characters, unless one sentence
    is longer) that carries most of the theme's terms; the whole text when short enough."""
    if len(text) <= limit:
        lead = len(text) - len(text.lstrip())
        return lead, len(text.rstrip())
    spans = sentence_spans(text) or [(0, len(text))]
    best = (spans[0][0], spans[0][1])
    best_score = -1.0
    for i in range(len(spans)):
        for j in range(i, len(spans)):
            a, b = spans[i][0], spans[j][1]
            if b - a > limit and j > i:
                break
            value = term_score(text[a:b], weights)
            if value > best_score:
                best, best_score = (a, b), value
    return best


def takeaway(group: list[Unit], weights: dict[str, float]) -> ThemeQuote | None:
    """One sentence of the theme's most central passages: the one that carries most of the
    theme's terms, among sentences of six words or more when there are any."""
    central = sorted(group, key=lambda u: (-u.centrality, u.id))[:5]
    candidates = [
        (u, span) for u in central for span in (sentence_spans(u.text) or [(0, len(u.text))])
    ]
    if not candidates:
        return None
    long_enough = [c for c in candidates if len(c[0].text[c[1][0] : c[1][1]].split()) >= 6]
    pool = long_enough or candidates
    unit, span = max(
        pool,
        key=lambda c: (
            term_score(c[0].text[c[1][0] : c[1][1]], weights) * (0.5 + c[0].centrality),
            c[0].centrality,
            -c[1][0],
        ),
    )
    return make_quote(unit, span)


def make_quote(unit: Unit, span: tuple[int, int]) -> ThemeQuote:
    """The quote of ``unit``'s text at ``span``, verified, with its citation. Offsets are the
    quote's own in the source file when the passage maps to it character for character, else
    the passage's."""
    a, b = span
    quote = unit.text[a:b]
    meta = unit.meta
    start, end = int(meta.get("start_char", 0)), int(meta.get("end_char", 0))
    if end - start == len(unit.text):
        start, end = start + a, start + b
    # An exact substring is verbatim by definition; anything else gets the full check.
    verbatim = quote in unit.text or find_verbatim(quote, unit.text) is not None
    verified = verbatim and str(meta.get("speaker")) != SUMMARY_SPEAKER
    return ThemeQuote(
        speaker=str(meta.get("speaker")),
        initials=unit.initials,
        quote=quote,
        source_path=str(meta.get("source_path", "")),
        start_char=start,
        end_char=end,
        chunk_id=unit.id,
        doc_id=str(meta.get("doc_id", "")),
        start_time=_float(meta.get("start_time")),
        end_time=_float(meta.get("end_time")),
        similarity=unit.similarity,
        verified=verified,
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def representatives(members: list[Unit], weights: dict[str, float]) -> list[ThemeQuote]:
    """2–4 quotes: the most central passages (:attr:`Unit.centrality`), one per speaker first,
    then the next central."""
    ranked = sorted(members, key=lambda u: (-u.centrality, u.id))
    picked: list[Unit] = []
    seen: set[str] = set()
    for u in ranked:
        if u.initials not in seen and len(picked) < MOST_QUOTES:
            picked.append(u)
            seen.add(u.initials)
    for u in ranked:
        if len(picked) >= min(2, len(ranked)):
            break
        if u not in picked:
            picked.append(u)
    quotes = [make_quote(u, best_span(u.text, weights)) for u in picked]
    return [q for q in quotes if q.verified]


def best_quote(unit: Unit, weights: dict[str, float]) -> ThemeQuote:
    """The quote of ``unit`` that carries most of a theme's terms (the passage itself when
    short enough)."""
    return make_quote(unit, best_span(unit.text, weights))
