"""The embedder: weights checked by sha256, never fetched; the ONNX export matches torch."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from interview_qa.ingest import ModelChecksumError, Settings
from interview_qa.ingest.embedder import (
    OnnxEmbedder,
    export_onnx,
    make_embedder,
    onnx_export_is_current,
    verify_model,
)

TEXTS = [
    "How do Staff engineers decide what to work on?",
    "I rely a lot on intuition regarding how I spend my time. " * 20,
    "RTFM",
    "Les ingénieurs Staff 🤖",
]


def test_the_shipped_weights_verify() -> None:
    cfg = Settings().embedding
    assert verify_model(cfg.model_dir, cfg.model_sha256).name == "model.safetensors"


def test_other_weights_are_refused(tmp_path: Path) -> None:
    cfg = Settings().embedding
    assert cfg.model_dir is not None
    fake = tmp_path / "model"
    shutil.copytree(cfg.model_dir, fake, ignore=shutil.ignore_patterns("model.safetensors"))
    (fake / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(ModelChecksumError, match="refusing"):
        verify_model(fake, cfg.model_sha256)
    settings = Settings().with_overrides(embedding={"model_dir": fake})
    with pytest.raises(ModelChecksumError):
        make_embedder(settings, "sentence-transformers")
    with pytest.raises(ModelChecksumError, match="not found"):
        verify_model(tmp_path / "empty", cfg.model_sha256)


@pytest.mark.slow
def test_onnx_export_gives_the_same_vectors(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    cfg = Settings().embedding
    assert cfg.model_dir is not None
    export_onnx(cfg.model_dir, cfg.model_sha256, tmp_path / "onnx")
    assert onnx_export_is_current(tmp_path / "onnx", cfg.model_sha256)
    onnx = OnnxEmbedder(cfg.model_dir, cfg.model_sha256, tmp_path / "onnx")
    a, b = embedder.embed(TEXTS), onnx.embed(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    cosine = (a * b).sum(axis=1)
    assert np.all(cosine > 0.999), cosine
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    # `auto` picks the export when it is current, and never otherwise.
    settings = Settings().with_overrides(embedding={"onnx_dir": tmp_path / "onnx"})
    assert isinstance(make_embedder(settings), OnnxEmbedder)
    (tmp_path / "onnx" / "export.json").write_text("{}")
    assert not isinstance(make_embedder(settings), OnnxEmbedder)
