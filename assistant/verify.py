"""Quote verification: is a quoted span verbatim in the passage it cites, and is the speaker
credited with it that passage's speaker?

"Verbatim" allows only whitespace and curly-quote differences. An llm-mode answer passes through
:func:`verify_answer`, which removes citations of passages that don't exist and turns every quote
that fails into a flagged paraphrase, so that nothing unverified is ever shown as a quote.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from interview_qa.assistant import prompts
from interview_qa.assistant.results import Citation, Passage, QuoteCheck, Verification
from interview_qa.ingest.markup import plain, plain_with_map
from interview_qa.ingest.speakers import INITIALS

#: A ``[n]`` citation marker of an answer; group 1 is the passage number.
CITE = re.compile(r"\[(\d+)\]")
#: A quotation of an answer, in straight or curly double quotes on one line; group 1 is its text.
QUOTED = re.compile(r"[\"“]([^\"“”\n]{2,}?)[\"”]")
#: Speaker initials standing as a word of an answer ("G.", "D.Pe.", "G.#2"); group 1 holds them.
INITIALS_WORD = re.compile(rf"(?<![\w.])({INITIALS})(?!\w)")

_CURLY = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "′": "'"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])|\n")


def normalize(text: str) -> str:
    """Text with curly quotes straightened and whitespace collapsed."""
    return " ".join(text.translate(_CURLY).split())


def _normalized_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text, and for each of its characters the index of the source character."""
    out: list[str] = []
    where: list[int] = []
    pending_space = False
    for i, ch in enumerate(text.translate(_CURLY)):
        if ch.isspace():
            pending_space = bool(out)
            continue
        if pending_space:
            out.append(" ")
            where.append(i - 1)
            pending_space = False
        out.append(ch)
        where.append(i)
    return "".join(out), where


def find_verbatim(quote: str, text: str) -> tuple[int, int] | None:
    """Span of ``text`` holding ``quote`` verbatim (modulo whitespace, curly quotes and Markdown
    marks, which are ignored on both sides)."""
    shown, marks = plain_with_map(text)
    haystack, where = _normalized_with_map(shown)
    where = [marks[i] for i in where]
    full = normalize(plain(quote))
    # The quote as written, else without the punctuation a writer adds or drops at its ends;
    # then with double and single quote marks alike (a quotation inside a quote is often
    # written 'downgrade' for "downgrade"; one character for one, so offsets hold).
    for needle, text_in in ((full, haystack), (full.replace('"', "'"), haystack.replace('"', "'"))):
        for candidate in (needle, needle.strip(" .,;:!?…")):
            at = text_in.find(candidate) if candidate else -1
            if at >= 0:
                return where[at], where[at + len(candidate) - 1] + 1
    return None


def closest_span(quote: str, text: str) -> tuple[float, int, int]:
    """The best fuzzy match of ``quote`` in ``text``: (ratio, start, end) over sentence-sized
    windows of ``text``."""
    needle = normalize(quote).lower()
    words = list(re.finditer(r"\S+", text))
    best = (0.0, 0, 0)
    n = max(1, len(needle.split()))
    for size in {max(1, n - 2), n, n + 2}:
        for i in range(0, max(1, len(words) - size + 1)):
            chunk = words[i : i + size]
            if not chunk:
                continue
            start, end = chunk[0].start(), chunk[-1].end()
            ratio = difflib.SequenceMatcher(
                None, needle, normalize(text[start:end]).lower()
            ).ratio()
            if ratio > best[0]:
                best = (ratio, start, end)
    return best


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    start = max(s for s in starts if s <= pos)
    ends = [m.start() for m in _SENTENCE_END.finditer(text) if m.start() >= pos]
    return start, (min(ends) if ends else len(text))


def _claimed_speaker(text: str, q_start: int, q_end: int, known: set[str]) -> str | None:
    """Initials credited with the quote at ``text[q_start:q_end]``: the nearest known initials
    before it in its sentence, or right after it (``"…" — G.``)."""
    s_start, s_end = _sentence_bounds(text, q_start)
    after = text[q_end : min(s_end, q_end + 12)]
    m = re.match(rf"\s*[—–-]\s*({INITIALS})", after)
    if m and m.group(1) in known:
        return m.group(1)
    before = [
        m.group(1) for m in INITIALS_WORD.finditer(text, s_start, q_start) if m.group(1) in known
    ]
    return before[-1] if before else None


def _check_quote(
    text: str,
    m: re.Match[str],
    quote: str,
    by_number: dict[int, Passage],
    known: set[str],
) -> tuple[QuoteCheck, Citation | None]:
    """One quoted span of an answer: cited, verbatim in the cited passage, credited to its
    speaker; with its citation when it is."""
    _, s_end = _sentence_bounds(text, m.start())
    cited = CITE.search(text, m.end(), max(s_end, m.end()) + 8)
    if cited is None:
        return QuoteCheck(
            "uncited", quote, None, prompts.ISSUE_UNCITED_QUOTE.format(quote=quote)
        ), None
    n = int(cited.group(1))
    passage = by_number[n]
    span = find_verbatim(quote, passage.text)
    claimed = _claimed_speaker(text, m.start(), m.end(), known)
    if span is None:
        detail = prompts.ISSUE_NOT_IN_PASSAGE.format(quote=quote, n=n)
        return QuoteCheck("not_in_passage", quote, n, detail), None
    if claimed is not None and claimed != passage.initials:
        detail = prompts.ISSUE_WRONG_SPEAKER.format(
            quote=quote, claimed=claimed, n=n, actual=passage.initials
        )
        return QuoteCheck("wrong_speaker", quote, n, detail), None
    return QuoteCheck("verified", quote, n, ""), Citation.of(passage, *span)


def verify_answer(
    raw: str, passages: Sequence[Passage], speakers: Iterable[str] = ()
) -> tuple[str, list[Citation], Verification]:
    """Check every citation and quote of an LLM answer against the passages.

    ``speakers`` are the initials of everyone in the index, so that a quote credited to a
    speaker absent from the passages is caught too. Returns the text to show (bad citations
    removed, failing quotes flagged as paraphrase, citations rendered with initials), the
    verified citations, and the verification report.
    """
    by_number = {p.number: p for p in passages}
    known = {p.initials for p in passages} | set(speakers)
    checks: list[QuoteCheck] = []
    citations: list[Citation] = []
    text = raw.strip()

    # 1. Citations of passages that don't exist.
    for m in CITE.finditer(text):
        n = int(m.group(1))
        if n not in by_number:
            detail = prompts.ISSUE_NO_SUCH_PASSAGE.format(n=n)
            checks.append(QuoteCheck("no_such_passage", "", n, detail))
    text = CITE.sub(lambda m: m.group(0) if int(m.group(1)) in by_number else "", text)

    # 2. Every quoted span: cited, verbatim in the cited passage, credited to its speaker.
    replacements: list[tuple[int, int, str]] = []
    for m in QUOTED.finditer(text):
        quote = m.group(1).strip()
        if len(quote.split()) < 2:
            continue  # a quoted word or title, not a quotation
        check, citation = _check_quote(text, m, quote, by_number, known)
        checks.append(check)
        if citation is not None:
            citations.append(citation)
        if check.status != "verified":
            flagged = prompts.FLAGGED_PARAPHRASE.format(text=quote)
            replacements.append((m.start(), m.end(), flagged))
    for start, end, new in sorted(replacements, reverse=True):
        text = text[:start] + new + text[end:]

    # 3. Citations render with the cited passage's initials: "— G. [2]".
    def render(m: re.Match[str]) -> str:
        n = int(m.group(1))
        initials = by_number[n].initials
        preceding = text[max(0, m.start() - len(initials) - 4) : m.start()]
        return (
            m.group(0)
            if initials in preceding
            else prompts.CITATION_MARK.format(initials=initials, n=n)
        )

    text = CITE.sub(render, text)
    text = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    return text, citations, Verification(checks)
