"""The relevance stage: the pool, the re-ranking, the cross-encoder, the node postprocessor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from interview_qa.assistant import Assistant
from interview_qa.assistant.relevance import (
    CrossEncoderScorer,
    Relevance,
    RelevancePostprocessor,
    RelevanceStage,
    RerankModelError,
)
from interview_qa.assistant.results import Passage
from interview_qa.ingest import Settings
from interview_qa.ingest.settings import RerankSettings


def _passage(n: int, pid: str, similarity: float = 0.0) -> Passage:
    return Passage.from_chunk(
        n,
        pid,
        f"text {pid}",
        {"speaker": "Alex", "kind": "transcript"},
        "A.",
        similarity=similarity,
    )


def _embed(texts, kind):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(abs(hash((tuple(texts), kind))) % 2**32)
    v = rng.normal(size=(len(texts), 8))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_none_keeps_retrieval_order_and_the_pool_is_top_k() -> None:
    stage = RelevanceStage(RerankSettings(), _embed)
    assert stage.kind == "none" and stage.pool(10) == 10
    passages = [_passage(1, "a"), _passage(2, "b")]
    rel = stage.score("q", ["u1", "u2"], np.array([0.1, 0.9]), np.array([0.1, 0.9]), {}, {})
    assert stage.order(passages, rel, ["a", "b"]) == passages
    assert not rel.units.flags.writeable


def test_embedder_reranks_a_larger_pool_by_fusing_both_orders() -> None:
    stage = RelevanceStage(RerankSettings(kind="embedder", pool=20), _embed)
    assert stage.pool(10) == 20 and stage.pool(30) == 30
    passages = [_passage(i + 1, pid) for i, pid in enumerate("abc")]
    # c's unit is by far the best: fused with retrieval's order, it comes before b.
    rel = stage.score("q", ["ua", "ub", "uc"], np.array([0.2, 0.1, 0.9]), np.zeros(3), {}, {})
    assert [p.id for p in stage.order(passages, rel, ["a", "b", "c"])] == ["a", "c", "b"]
    assert isinstance(rel, Relevance) and rel.passage(passages[0]) == 0.0


def test_cross_encoder_needs_a_folder_unless_download_is_allowed(tmp_path: Path) -> None:
    with pytest.raises(RerankModelError, match="IQA_RERANK__MODEL_DIR"):
        CrossEncoderScorer(RerankSettings(kind="cross-encoder"))
    with pytest.raises(RerankModelError, match="ALLOW_DOWNLOAD"):
        CrossEncoderScorer(RerankSettings(kind="cross-encoder", model_dir=tmp_path / "nope"))


def test_rerank_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQA_RERANK__KIND", "embedder")
    monkeypatch.setenv("IQA_RERANK__POOL", "25")
    monkeypatch.setenv("IQA_RERANK__MODEL_DIR", "")
    cfg = Settings().rerank
    assert (cfg.kind, cfg.pool, cfg.model_dir) == ("embedder", 25, None)


def test_every_rerank_kind_answers_on_the_test_embedder(hash_settings: Settings) -> None:
    """The same question through each kind (the cross-encoder's needs a model: slow test)."""
    for kind in ("none", "embedder"):
        assistant = Assistant(hash_settings.with_overrides(rerank={"kind": kind}))
        answer = assistant.ask("How do you prioritize your work?")
        assert not answer.abstained and len(answer.passages) <= 10
        assert [p.number for p in answer.passages] == list(range(1, len(answer.passages) + 1))


@pytest.mark.slow
def test_a_cross_encoder_folder_scores_units(
    tiny_cross_encoder_dir: Path, hash_settings: Settings
) -> None:
    scorer = CrossEncoderScorer(
        RerankSettings(kind="cross-encoder", model_dir=tiny_cross_encoder_dir)
    )
    scores = scorer.predict([("how do you plan", "we plan the week"), ("a", "b")])
    assert scores.shape == (2,) and ((scores >= 0) & (scores <= 1)).all()
    assert scorer.name == "tiny-reranker"
    settings = hash_settings.with_overrides(
        rerank={"kind": "cross-encoder", "model_dir": tiny_cross_encoder_dir}
    )
    assistant = Assistant(settings)
    answer = assistant.ask("How do you prioritize your work?")
    assert answer.passages
    assert assistant.relevance.pair_scorer() is not None


@pytest.mark.slow
def test_an_embedding_model_is_not_a_cross_encoder(tiny_model_dir: Path) -> None:
    with pytest.raises(RerankModelError, match="tiny-model"):
        CrossEncoderScorer(RerankSettings(kind="cross-encoder", model_dir=tiny_model_dir))


@pytest.mark.slow
def test_the_stage_as_a_llama_index_postprocessor(embedder: object) -> None:
    """Real MiniLM: the node postprocessor puts the node that answers first."""
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    from interview_qa.ingest.embedder import embed_texts

    stage = RelevanceStage(
        RerankSettings(kind="embedder"),
        lambda texts, kind: embed_texts(embedder, texts, kind),  # type: ignore[arg-type]
    )
    nodes = [
        NodeWithScore(node=TextNode(text="The cafeteria serves pasta on Fridays."), score=1.0),
        NodeWithScore(node=TextNode(text="I prioritize by asking about the impact."), score=0.5),
    ]
    post = RelevancePostprocessor(stage, top_n=1)
    out = post.postprocess_nodes(nodes, QueryBundle("How do you prioritize your work?"))
    assert [n.node.get_content() for n in out] == ["I prioritize by asking about the impact."]
