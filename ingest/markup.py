"""Markdown markup in quoted text: the words a reader sees, with a map back to the source.

Quotes are shown as plain text (a link as its text, emphasis and code marks removed, headings
and block quotes without their marks, list items as "• item"), while offsets keep pointing into
the source file: :func:`plain_with_map` gives, for every character of the plain text, the index
of the source character it comes from. Only marks are dropped; every word stays, in order, so a
plain quote is still the speaker's exact words.
"""

from __future__ import annotations

import re

#: ``[text](url)``, ``[text][ref]``, ``[text][]`` and ``![alt](src)``: the text is kept.
_LINK = re.compile(r"!?\[(?P<text>[^\]\n]*)\](?P<tail>\([^)\n]*\)|\[[^\]\n]*\])")
#: A bare ``[text]`` used as a shortcut reference link.
_SHORTCUT = re.compile(r"(?<![\w\]])\[(?P<text>[^\]\n]+)\](?![\w(\[:])")
#: ``<https://…>`` autolinks: the address is kept, the angle brackets dropped.
_AUTOLINK = re.compile(r"<(?P<url>(?:https?|mailto):[^>\s]+)>")
#: Marks at the start of a line: heading hashes, block-quote marks, list markers.
_LINE_MARK = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|(?P<item>[-*+]|\d{1,3}[.)])[ \t]+)", re.M)
_EMPHASIS = re.compile(r"[*_]+|`+|~~")
#: A backslash escaping Markdown punctuation (``\[08:18\]``): the backslash is dropped.
_ESCAPE = re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!<>|~])")
BULLET = "• "
#: A link reference definition (``[id]: https://… "title"``): layout, not words.
LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*\S+.*$")


def plain_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` without Markdown marks, and for each plain character its index in ``text``.

    Inserted characters (the bullet of a list item) map to the mark they replace.
    """
    drop = [False] * len(text)
    insert: dict[int, str] = {}
    escaped: set[int] = set()
    for m in _ESCAPE.finditer(text):
        drop[m.start()] = True
        escaped.add(m.end())
    for m in _LINK.finditer(text):
        if m.start() in escaped or m.start() + 1 in escaped:
            continue
        _drop(drop, m.start(), m.start("text"))
        _drop(drop, m.end("text"), m.end())
    for m in _SHORTCUT.finditer(text):
        if m.start() not in escaped and not any(drop[m.start() : m.end()]):
            drop[m.start()] = drop[m.end() - 1] = True
    for m in _AUTOLINK.finditer(text):
        drop[m.start()] = drop[m.end() - 1] = True
    for m in _LINE_MARK.finditer(text):
        if m.group("item") and m.start("item") < len(text):
            _drop(drop, m.start("item"), m.end())
            insert[m.start("item")] = BULLET
        else:
            _drop(drop, m.start(), m.end())
    for m in _EMPHASIS.finditer(text):
        if any(drop[m.start() : m.end()]) or m.start() in insert or m.start() in escaped:
            continue
        before = text[m.start() - 1] if m.start() > 0 else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if before.isalnum() and after.isalnum() and not m.group().startswith("`"):
            continue  # snake_case, 2*3: not emphasis
        if before.isspace() and after.isspace():
            continue  # a lone "*" between words
        _drop(drop, m.start(), m.end())
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if i in insert:
            out.append(insert[i])
            where.extend([i] * len(insert[i]))
        if not drop[i]:
            out.append(ch)
            where.append(i)
    return "".join(out), where


def _drop(drop: list[bool], start: int, end: int) -> None:
    for i in range(start, min(end, len(drop))):
        drop[i] = True


def plain(text: str) -> str:
    """``text`` without Markdown marks (see :func:`plain_with_map`)."""
    return plain_with_map(text)[0]


def has_markup(text: str) -> bool:
    """Whether ``text`` holds any Markdown mark that :func:`plain` would drop."""
    return plain(text) != text


_ITEM_LINE = re.compile(r"\n+[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+[^\n]*")


def list_end(text: str, end: int) -> int:
    """Where a quote ending at ``end`` should end so that a list it introduces (it ends with
    ":") is quoted whole, item by item; ``end`` when no list follows."""
    if not text[:end].rstrip().endswith(":"):
        return end
    pos = end
    while m := _ITEM_LINE.match(text, pos):
        pos = m.end()
    return pos


_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_EMOJI_CODE = re.compile(r":[a-z0-9_+-]+:", re.I)


def words_only(text: str) -> str:
    """What relevance is scored on: ``text``'s words with Markdown marks, HTML tags, URLs and
    ``:emoji:`` codes set aside (the quote shown stays verbatim; this is never displayed)."""
    text = _EMOJI_CODE.sub(" ", _URL.sub(" ", _TAG.sub(" ", plain(text))))
    return " ".join(text.split())
