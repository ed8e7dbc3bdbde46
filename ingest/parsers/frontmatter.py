"""YAML front matter at the top of a Markdown or text file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from interview_qa.ingest.errors import InputError

_FRONT_RE = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], int]:
    """Return the front matter as a dict and the offset where the body starts (0 when none)."""
    match = _FRONT_RE.match(text)
    if not match:
        return {}, 0
    try:
        data = yaml.safe_load(match.group("body")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise InputError(path, f"malformed YAML front matter{where}") from exc
    if not isinstance(data, dict):
        raise InputError(path, "malformed YAML front matter: expected `key: value` lines")
    return data, match.end()


#: The formats whose files may open with YAML front matter.
FRONT_MATTER_SUFFIXES = (".txt", ".md", ".markdown")


def front_matter_of(path: Path, text: str) -> dict[str, Any]:
    """The front matter of a source file's text (empty for formats that have none)."""
    if path.suffix.lower() not in FRONT_MATTER_SUFFIXES:
        return {}
    return split_front_matter(path, text)[0]
