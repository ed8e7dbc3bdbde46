"""Synthetic corpora for benchmarks and stress tests: corpus sentences recombined under many
invented speakers. Every file says in its header that it is synthetic; none is ever shipped as
a real interview."""

from __future__ import annotations

import random
from pathlib import Path

from interview_qa.ingest import corpus_files, parse_file, split_sentences

HEADER = (
    "SYNTHETIC TEST DATA: sentences of the bundled corpus recombined under invented speakers, "
    "generated for benchmarks. Not a real interview."
)
_FIRST = [
    "Alex",
    "Sam",
    "Robin",
    "Kim",
    "Noor",
    "Ines",
    "Yuki",
    "Omar",
    "Lea",
    "Ravi",
    "Zoe",
    "Ivo",
]
_LAST = ["Moreau", "Ito", "Silva", "Novak", "Haddad", "Berg", "Okoro", "Lund", "Costa", "Kaur"]


def corpus_sentences(corpus_dir: Path) -> list[str]:
    """Every sentence spoken or written in a corpus folder."""
    sentences: list[str] = []
    for path in corpus_files(corpus_dir):
        for turn in parse_file(path).turns:
            if turn.role != "interviewer":
                sentences.extend(split_sentences(turn.text))
    return sentences


def generate(
    corpus_dir: Path,
    out_dir: Path,
    chunks: int,
    *,
    turns_per_file: int = 50,
    speakers: int = 200,
    seed: int = 7,
) -> int:
    """Write transcripts totalling about ``chunks`` one-chunk turns into ``out_dir``.

    Returns the number of files written.
    """
    rng = random.Random(seed)
    sentences = corpus_sentences(corpus_dir)
    names = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}{i}" for i in range(speakers)]
    out_dir.mkdir(parents=True, exist_ok=True)
    files = max(1, -(-chunks // turns_per_file))
    written = 0
    for n in range(files):
        count = min(turns_per_file, chunks - written)
        if count <= 0:
            break
        lines = [f"Interviewer: {HEADER}", ""]
        last = None
        for _ in range(count):
            speaker = rng.choice(names)
            while speaker == last:
                speaker = rng.choice(names)
            last = speaker
            body = " ".join(rng.sample(sentences, k=min(3, len(sentences))))
            lines += [f"{speaker}: {body}", ""]
        (out_dir / f"synthetic-{n:05d}.txt").write_text("\n".join(lines), encoding="utf-8")
        written += count
    return files
