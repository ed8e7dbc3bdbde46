"""Our ingest versus the stock llama-index pipeline (SentenceSplitter + HuggingFaceEmbedding +
Chroma) on the same documents, and our embedding throughput versus raw
``SentenceTransformer.encode`` on the same texts (the practical ceiling)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.common import CORPUS, timer


def corpus_for_comparison(work: Path, synthetic_chunks: int) -> Path:
    """The bundled corpus plus a synthetic part, in one folder."""
    from interview_qa.eval.synthetic import generate

    folder = work / "compare-corpus"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("README*"))
    generate(CORPUS, folder / "synthetic", synthetic_chunks)
    return folder


def run(synthetic_chunks: int = 1000) -> dict[str, Any]:
    """Time both pipelines (model loading excluded) and the raw encoder."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from interview_qa.ingest import Settings, ingest, make_embedder
    from interview_qa.ingest.parsers import read_source
    from interview_qa.ingest.pipeline import chunk_file, discover

    work = Path(tempfile.mkdtemp(prefix="iqa-bench-"))
    try:
        folder = corpus_for_comparison(work, synthetic_chunks)
        settings = Settings().with_overrides(
            store={"index_dir": work / "ours"}, embedding={"backend": "sentence-transformers"}
        )
        ours_embedder = make_embedder(settings)
        ours_embedder.embed(["warm up"])
        with timer() as t_ours:
            report = ingest([folder], settings, embedder=ours_embedder)
        files, _ = discover([folder])
        texts = [n.get_content(MetadataMode.EMBED) for f in files for n in chunk_file(f, settings)]
        model = ours_embedder.model  # type: ignore[attr-defined]
        raw_times = []
        for _ in range(2):  # the ceiling: the better of two runs
            with timer() as t_raw:
                model.encode(
                    texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
                )
            raw_times.append(t_raw())

        model_dir = str(settings.embedding.model_dir)
        stock_embed = HuggingFaceEmbedding(model_name=model_dir, device="cpu")
        stock_embed.get_text_embedding("warm up")
        client = chromadb.PersistentClient(
            path=str(work / "stock"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        collection = client.create_collection("stock", embedding_function=None)
        documents = [
            Document(text=read_source(f.path), metadata={"file_path": f.doc_id}) for f in files
        ]
        pipeline = IngestionPipeline(
            transformations=[SentenceSplitter(), stock_embed],
            vector_store=ChromaVectorStore(chroma_collection=collection),
        )
        with timer() as t_stock:
            stock_nodes = pipeline.run(documents=documents)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ours_cps = report.chunks / t_ours()
    stock_cps = len(stock_nodes) / t_stock()
    chars = sum(len(d.text) for d in documents)
    return {
        "documents": len(documents),
        "source_chars": chars,
        "ours": {
            "chunks": report.chunks,
            "seconds": t_ours(),
            "chunks_per_s": ours_cps,
            "chars_per_s": chars / t_ours(),
        },
        "stock": {
            "chunks": len(stock_nodes),
            "seconds": t_stock(),
            "chunks_per_s": stock_cps,
            "chars_per_s": chars / t_stock(),
        },
        "chunks_per_s_ratio": ours_cps / stock_cps,
        "raw_encode": {
            "texts": len(texts),
            "seconds": min(raw_times),
            "texts_per_s": len(texts) / min(raw_times),
        },
        "pipeline_overhead_vs_raw": t_ours() / min(raw_times) - 1.0,
    }
