"""The BM25 index (bm25s, through llama-index's BM25Retriever) kept beside the Chroma store.

It is always rebuilt from what Chroma holds, never from a separate source, and records the
Chroma *generation* it was built from. Whoever opens the index compares that with the store's
generation and rebuilds BM25 when they differ, so an ingest killed between writing Chroma and
writing BM25 can never leave the two disagreeing for a reader.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

_RECORD = "generation.json"


def build_bm25(nodes: list[TextNode]) -> BM25Retriever | None:
    """A BM25 retriever over ``nodes`` (None when there are none)."""
    if not nodes:
        return None
    import logging

    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("llama_index.retrievers.bm25.base").setLevel(logging.ERROR)
    retriever = BM25Retriever.from_defaults(nodes=list(nodes), similarity_top_k=len(nodes))
    # A retriever built from nodes keeps the corpus beside the bm25s object; loading one from disk
    # keeps it inside. Keep it inside in both cases so filtered copies can share it.
    retriever.bm25.corpus = retriever.corpus
    return retriever


def save_bm25(retriever: BM25Retriever | None, folder: Path, generation: int) -> None:
    """Write the retriever and its generation to ``folder``, replacing it atomically."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    old = folder.with_name(f"{folder.name}.old-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    count = 0
    if retriever is not None:
        retriever.persist(str(tmp), show_progress=False)
        count = len(retriever.corpus)
    (tmp / _RECORD).write_text(json.dumps({"generation": generation, "count": count}))
    if folder.exists():
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def saved_generation(folder: Path) -> int | None:
    """The generation the BM25 index in ``folder`` was built from, or None when unusable."""
    try:
        return int(json.loads((folder / _RECORD).read_text())["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_bm25(folder: Path) -> BM25Retriever | None:
    """Load the retriever saved in ``folder`` (None when it indexes nothing)."""
    record = json.loads((folder / _RECORD).read_text())
    if not record.get("count"):
        return None
    import logging

    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("llama_index.retrievers.bm25.base").setLevel(logging.ERROR)
    return BM25Retriever.from_persist_dir(str(folder), show_progress=False)
