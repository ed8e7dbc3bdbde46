"""Ceiling: how far ranking by the embedding model alone can take open questions.

For every question of a question file that has a ``topic`` list (the ``open`` category of
eval/questions.jsonl), every quotable unit of the *whole* index (no retrieval step, so nothing
is missed by it) is ranked by one scoring rule, and the best five are scored as an answer would
be: the share of them that are on the question's topic (answer precision) and the share of the
topic's snippets they carry, over min(5, n) (answer recall). The rules:

* ``unit``: cosine of the question to the unit (MiniLM);
* ``unit+heading``: the mean of that and the cosine to the unit with its heading (the
  interviewer's question or section title) in front, the best rule found;
* ``heading``: cosine of the question to the heading alone.

If the assistant's answers (``interview-qa eval``, category ``open``) score near these figures,
the pipeline loses little and the embedding model is the limit.

Run: ``python -m bench.ceiling [--questions eval/questions.jsonl] [--index .index]``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT

TOP = 5


def passages_of(index: Any) -> list[Any]:
    """Every chunk of ``index`` as an assistant Passage (number = position)."""
    from interview_qa.assistant import Passage

    chunks = index.stored_chunks()
    return [
        Passage.from_chunk(n, cid, text, meta, index.initials(str(meta.get("speaker"))))
        for n, (cid, text, meta) in enumerate(
            zip(chunks.ids, chunks.texts, chunks.metadatas, strict=True), start=1
        )
    ]


def score_top(
    units: Sequence[tuple[str, ...]], order: np.ndarray, topic: Sequence[str]
) -> tuple[float, float]:
    """Answer precision and recall of the ``TOP`` units first in ``order``."""
    from interview_qa.eval.topic import overlap, words

    snippets = [words(t) for t in topic]
    top = [units[i] for i in order[:TOP]]
    on = [any(overlap(u, s) for s in snippets) for u in top]
    covered = sum(any(overlap(u, s) for u in top) for s in snippets)
    return float(np.mean(on)) if on else 0.0, min(1.0, covered / min(TOP, len(snippets)))


def run(questions: Path, settings: Any = None) -> dict[str, Any]:
    """Precision and recall at five of each scoring rule, averaged over the topic questions of
    ``questions``, on the index of ``settings`` (default: the bundled corpus's)."""
    from interview_qa.assistant import Assistant, candidate_sentences
    from interview_qa.assistant.candidates import heading_of
    from interview_qa.eval.topic import words
    from interview_qa.ingest import Index, Settings
    from interview_qa.ingest.markup import words_only

    settings = settings or Settings()
    assistant = Assistant(settings, index=Index(settings))
    passages = [replace(p) for p in passages_of(assistant.index)]
    units = candidate_sentences(passages, settings.answer.min_sentence_words)
    embed = assistant.vectors.embed
    alone = embed([words_only(u.text) for u in units])
    with_heading = embed([words_only(f"{heading_of(u.passage)}. {u.text}") for u in units])
    headings = embed([heading_of(u.passage) or u.passage.doc_id for u in units])
    unit_words = [words(u.text) for u in units]
    rules: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "unit": lambda q: alone @ q,
        "unit+heading": lambda q: (alone @ q + with_heading @ q) / 2,
        "heading": lambda q: headings @ q,
    }
    rows = [json.loads(line) for line in questions.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r.get("topic")]
    out: dict[str, Any] = {"questions": len(rows), "units": len(units), "rules": {}}
    for name, rule in rules.items():
        scores = [
            score_top(unit_words, np.argsort(-rule(embed([r["question"]])[0])), r["topic"])
            for r in rows
        ]
        out["rules"][name] = {
            "answer_precision": float(np.mean([s[0] for s in scores])) if scores else None,
            "answer_recall": float(np.mean([s[1] for s in scores])) if scores else None,
        }
    return out


def main() -> None:
    """Print the ceiling table."""
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    from interview_qa.ingest import Settings

    settings = Settings()
    if args.index is not None:
        settings = settings.with_overrides(store={"index_dir": args.index})
    result = run(args.questions, settings)
    table = Table(
        "ranking rule",
        f"answer precision@{TOP}",
        f"answer recall@{TOP}",
        title=f"Ceiling: best {TOP} of all {result['units']} units, "
        f"{result['questions']} topic questions",
    )
    for name, row in result["rules"].items():
        table.add_row(name, f"{row['answer_precision']:.3f}", f"{row['answer_recall']:.3f}")
    Console().print(table)


if __name__ == "__main__":
    main()
