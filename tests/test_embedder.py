"""The embedder: weights checked by sha256, never fetched unless asked; the ONNX export matches
torch; any sentence-transformers model folder is a setting, with its prompts and dimension, and
the index records which model built it."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from interview_qa.ingest import (
    Index,
    IndexMismatchError,
    ModelChecksumError,
    Settings,
    ingest,
)
from interview_qa.ingest.embedder import (
    HashEmbedder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    embed_texts,
    export_onnx,
    make_embedder,
    model_identity,
    model_source,
    onnx_export_is_current,
    verify_model,
)
from interview_qa.ingest.store import IndexStore
from interview_qa.ingest.text import file_sha256

from .conftest import FIXTURES, make_settings

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


@pytest.mark.slow
def test_the_thread_setting_reaches_torch_and_onnx_runtime(tmp_path: Path) -> None:
    """IQA_EMBEDDING__THREADS caps torch's pool (process-wide) and the ONNX session's, and the
    vectors are the same."""
    import torch

    before = torch.get_num_threads()
    settings = Settings().with_overrides(embedding={"threads": 1, "onnx_dir": tmp_path / "onnx"})
    try:
        capped = make_embedder(settings, "sentence-transformers")
        assert torch.get_num_threads() == 1
        cfg = settings.embedding
        assert cfg.model_dir is not None
        export_onnx(cfg.model_dir, cfg.model_sha256, tmp_path / "onnx")
        onnx = make_embedder(settings, "onnx")
        assert isinstance(onnx, OnnxEmbedder)
        assert onnx.session.get_session_options().intra_op_num_threads == 1
        cosine = (capped.embed(TEXTS) * onnx.embed(TEXTS)).sum(axis=1)
        assert np.all(cosine > 0.999), cosine
    finally:
        torch.set_num_threads(before)


# ---- any sentence-transformers model (the embedding model is a setting) ------------------------

HUB_NAME = "google/embeddinggemma-300m"


def _safetensors(path: Path, payload: bytes = b"") -> Path:
    """A file with a valid (empty) safetensors header: weights that verify but load nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = b'{"__metadata__":{"note":"' + payload.hex().encode() + b'"}}'
    path.write_bytes(len(header).to_bytes(8, "little") + header)
    return path


def _other_model(tmp_path: Path, name: str = "other-model") -> Path:
    folder = tmp_path / name
    _safetensors(folder / "model.safetensors", name.encode())
    return folder


def test_a_name_that_is_no_folder_needs_the_opt_in(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", embedding={"model_dir": HUB_NAME})
    for backend in ("sentence-transformers", "auto", "onnx"):
        with pytest.raises(ModelChecksumError) as caught:
            make_embedder(settings, backend)
        message = str(caught.value)
        assert "\n" not in message
        assert f"IQA_EMBEDDING__MODEL_DIR={HUB_NAME}: no such folder" in message
        assert "IQA_EMBEDDING__ALLOW_DOWNLOAD=true" in message
    # The index can't be opened for it either (its fingerprint names the model).
    with pytest.raises(ModelChecksumError, match="ALLOW_DOWNLOAD"):
        ingest([FIXTURES / "team"], settings)


def test_with_the_opt_in_a_hub_name_goes_to_sentence_transformers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name reaches SentenceTransformer (a stand-in here: nothing is downloaded), with
    local files not demanded; the digest recorded is that of the weights in the hub cache."""
    import types

    import huggingface_hub

    weights = _safetensors(tmp_path / "hub-cache" / "snapshots" / "abc" / "model.safetensors")
    asked: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        huggingface_hub,
        "hf_hub_download",
        lambda repo, filename, **kw: asked.append((repo, kw)) or str(weights),
    )
    built: list[tuple[str, dict[str, Any]]] = []

    class StandIn:
        max_seq_length = 2048

        def __init__(self, location: str, **kwargs: Any) -> None:
            built.append((location, kwargs))

        def get_embedding_dimension(self) -> int:
            return 768

    monkeypatch.setitem(
        sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=StandIn)
    )
    settings = make_settings(
        tmp_path / "index", embedding={"model_dir": HUB_NAME, "allow_download": True}
    )
    emb = make_embedder(settings, "sentence-transformers")
    [(location, kwargs)] = built
    assert location == HUB_NAME and kwargs["local_files_only"] is False
    assert kwargs["trust_remote_code"] is False
    assert emb.name == HUB_NAME and emb.dimension == 768
    assert asked and all(repo == HUB_NAME for repo, _ in asked)
    assert StandIn.max_seq_length == 2048  # another model keeps its own maximum
    assert model_identity(settings.embedding) == (HUB_NAME, file_sha256(weights))


def test_the_packaged_folder_still_refuses_other_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The MiniLM digest is demanded of the packaged folder (a stand-in here, since the real
    one can't be tampered with); the same weights in another folder are another model."""
    from interview_qa.ingest import embedder as module

    real = model_source(Settings().embedding)
    assert real.packaged and real.name == "all-MiniLM-L6-v2"
    assert real.expected_sha256 == Settings().embedding.model_sha256
    packaged = _other_model(tmp_path, "packaged")
    monkeypatch.setattr(module, "packaged_model_dir", lambda: packaged)
    settings = make_settings(tmp_path / "index", embedding={"model_dir": packaged})
    with pytest.raises(ModelChecksumError, match="not the expected all-MiniLM-L6-v2 weights"):
        make_embedder(settings, "sentence-transformers")
    assert model_source(settings.embedding).packaged
    other = _other_model(tmp_path, "mine")
    source = model_source(settings.with_overrides(embedding={"model_dir": other}).embedding)
    assert not source.packaged and source.expected_sha256 is None and source.name == "mine"
    assert verify_model(other, None) == other / "model.safetensors"
    # A digest set for another model is demanded of it.
    pinned = settings.with_overrides(embedding={"model_dir": other, "model_sha256": "0" * 64})
    with pytest.raises(ModelChecksumError, match="IQA_EMBEDDING__MODEL_SHA256"):
        make_embedder(pinned, "sentence-transformers")


def test_an_index_records_its_model_and_asks_for_rebuild_under_another(tmp_path: Path) -> None:
    """Ingest records the model's name and weights digest; asking or ingesting with another
    model (MiniLM after another folder, and the other way round) is the rebuild error. The
    vectors come from the test embedder: only what the index records is under test."""
    other = _other_model(tmp_path)
    mine = make_settings(
        tmp_path / "index", embedding={"model_dir": other, "backend": "sentence-transformers"}
    )
    report = ingest([FIXTURES / "team"], mine, embedder=HashEmbedder())
    assert not report.errors and report.chunks
    meta = IndexStore.open(mine).metadata()
    digest = file_sha256(other / "model.safetensors")
    assert (meta["embed_model"], meta["embed_sha256"]) == ("other-model", digest[:16])
    Index(mine)  # the same model: fine
    minilm = mine.with_overrides(embedding={"model_dir": Settings().embedding.model_dir})
    with pytest.raises(IndexMismatchError, match=r"embed_model='other-model'.*--rebuild"):
        Index(minilm)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        ingest([FIXTURES / "team"], minilm, embedder=HashEmbedder())
    # The other way round: an index of MiniLM refuses the other model.
    theirs = make_settings(tmp_path / "minilm", embedding={"backend": "sentence-transformers"})
    assert not ingest([FIXTURES / "team"], theirs, embedder=HashEmbedder()).errors
    with pytest.raises(IndexMismatchError, match=r"embed_model='all-MiniLM-L6-v2'.*--rebuild"):
        Index(theirs.with_overrides(embedding={"model_dir": other}))


def test_auto_says_the_onnx_export_is_for_minilm_only(tmp_path: Path) -> None:
    """Under `auto`, ingest with another model says (one line) that it runs on
    sentence-transformers; `onnx` itself is refused for it."""
    other = _other_model(tmp_path)
    settings = make_settings(tmp_path / "index", embedding={"model_dir": other})
    report = ingest([FIXTURES / "team"], settings, embedder=HashEmbedder())
    notes = [n for n in report.notes if "ONNX" in n]
    assert len(notes) == 1 and "\n" not in notes[0]
    assert "packaged all-MiniLM-L6-v2 only" in notes[0] and "sentence-transformers" in notes[0]
    assert not (settings.onnx_dir / "model.onnx").exists()
    with pytest.raises(ModelChecksumError, match=r"BACKEND=onnx.*packaged all-MiniLM-L6-v2 only"):
        make_embedder(settings, "onnx")


TEAM_QUESTIONS = [
    {
        "question": "How does Anna Berg plan her week?",
        "answerable": True,
        "speakers": ["A.B."],
        "evidence": ["keep two mornings free for deep work"],
    },
    {"question": "What is the capital of Australia?", "answerable": False},
]


def _team_questions(tmp_path: Path) -> Path:
    path = tmp_path / "team.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in TEAM_QUESTIONS) + "\n", encoding="utf-8")
    return path


def test_eval_with_another_embedding_model_uses_a_temporary_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`eval --embedding-model DIR` (test embedder): the configured corpus goes into a
    temporary index recorded with that model; the user's index is never made."""
    from typer.testing import CliRunner

    from interview_qa.ui.cli import app

    other = _other_model(tmp_path)
    user_index = tmp_path / "user-index"
    monkeypatch.setenv("IQA_EMBEDDING__BACKEND", "hash")
    monkeypatch.setenv("IQA_STORE__INDEX_DIR", str(user_index))
    monkeypatch.setenv("IQA_CORPUS__PATHS", json.dumps([str(FIXTURES / "team")]))
    monkeypatch.setenv("COLUMNS", "120")
    out = tmp_path / "out"
    args = ["eval", "--embedding-model", str(other), "--questions", str(_team_questions(tmp_path))]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["meta"]["documents"].startswith(str(FIXTURES / "team"))
    assert "temporary index, embedded with" in data["meta"]["documents"]
    assert not user_index.exists()


# ---- the tiny model (slow: torch) ---------------------------------------------------------------


@pytest.mark.slow
def test_any_model_folder_loads_with_its_dimension_and_prompts(tiny_model_dir: Path) -> None:
    from interview_qa.assistant.vectors import CachedVectors

    settings = Settings().with_overrides(embedding={"model_dir": tiny_model_dir})
    emb = make_embedder(settings, "sentence-transformers")
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.name == "tiny-model" and emb.dimension == 32
    assert emb.model.max_seq_length == 96  # its own, not MiniLM's 256
    texts = ["How do you plan your week?", "x"]
    raw = emb.model.encode  # no prompt: the model's default prompt is none
    queries, documents = emb.embed_queries(texts), emb.embed(texts)
    assert queries.shape == documents.shape == (2, 32)
    assert np.allclose(queries, raw([f"query: {t}" for t in texts], normalize_embeddings=True))
    assert np.allclose(documents, raw([f"passage: {t}" for t in texts], normalize_embeddings=True))
    assert not np.allclose(queries, documents)
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    # The question-time cache keeps the two kinds apart.
    vectors = CachedVectors(lambda: emb, 10)
    assert np.allclose(vectors.one("x", kind="query"), queries[1])
    assert np.allclose(vectors.one("x"), documents[1])
    assert np.allclose(embed_texts(emb, ["x"], "query"), queries[1:])


@pytest.mark.slow
def test_auto_runs_another_model_on_sentence_transformers(
    tiny_model_dir: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`auto` with another model: sentence-transformers, said once (one line, to the log)."""
    monkeypatch.setattr("interview_qa.ingest.embedder._NOTED", set())
    settings = make_settings(tmp_path / "index", embedding={"model_dir": tiny_model_dir})
    with caplog.at_level("WARNING"):
        emb = make_embedder(settings)
        make_embedder(settings)
    assert isinstance(emb, SentenceTransformerEmbedder)
    said = "embedding with sentence-transformers (the ONNX export is for the packaged "
    assert [m for m in caplog.messages if m.startswith(said)] == [said + "all-MiniLM-L6-v2 only)"]


@pytest.mark.slow
def test_an_index_of_the_tiny_model_answers_and_refuses_minilm(
    tiny_model_dir: Path, tmp_path: Path, embedder: Any
) -> None:
    from interview_qa.assistant import Assistant

    tiny = make_settings(
        tmp_path / "tiny-index",
        embedding={"model_dir": tiny_model_dir, "backend": "sentence-transformers"},
    )
    report = ingest([FIXTURES / "team"], tiny)
    assert not report.errors and report.chunks
    answer = Assistant(tiny).ask("How does Anna Berg plan her week?")
    assert answer.text
    minilm = tiny.with_overrides(embedding={"model_dir": Settings().embedding.model_dir})
    with pytest.raises(IndexMismatchError, match=r"tiny-model.*--rebuild"):
        Index(minilm)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        ingest([FIXTURES / "team"], minilm, embedder=embedder)
    # And the other way round: an index of MiniLM refuses the tiny model.
    theirs = make_settings(tmp_path / "minilm", embedding={"backend": "sentence-transformers"})
    assert not ingest([FIXTURES / "team"], theirs, embedder=embedder).errors
    with pytest.raises(IndexMismatchError, match=r"all-MiniLM-L6-v2.*--rebuild"):
        Index(theirs.with_overrides(embedding={"model_dir": tiny_model_dir}))
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        ingest([FIXTURES / "team"], theirs.with_overrides(embedding={"model_dir": tiny_model_dir}))


@pytest.mark.slow
def test_eval_with_the_tiny_model(tiny_model_dir: Path, tmp_path: Path) -> None:
    from interview_qa.eval.commands import run_eval

    settings = make_settings(
        tmp_path / "user-index",
        embedding={"backend": "sentence-transformers"},
        corpus={"paths": [FIXTURES / "team"]},
    )
    out = tmp_path / "out"
    code = run_eval(
        settings, questions=_team_questions(tmp_path), out=out, embedding_model=tiny_model_dir
    )
    assert code == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["meta"]["embedding_model"] == "tiny-model"
    assert "embedded with tiny-model" in data["meta"]["documents"]
    assert not settings.store.index_dir.exists()


SECOND_MODEL = os.environ.get("IQA_TEST_MODEL_DIR")


@pytest.mark.slow
@pytest.mark.skipif(
    not (SECOND_MODEL and Path(SECOND_MODEL).is_dir()),
    reason="IQA_TEST_MODEL_DIR names no folder of a real second sentence-transformers model",
)
def test_a_real_second_model_ingests_and_answers(tmp_path: Path) -> None:
    """A real model other than MiniLM (e.g. a local copy of google/embeddinggemma-300m): its
    own dimension and prompts, an index of it, and a grounded answer."""
    from interview_qa.assistant import Assistant

    assert SECOND_MODEL is not None
    folder = Path(SECOND_MODEL)
    settings = make_settings(
        tmp_path / "index", embedding={"model_dir": folder, "backend": "sentence-transformers"}
    )
    emb = make_embedder(settings)
    assert emb.name == folder.resolve().name
    vectors = emb.embed(["How do you plan your week?"])
    assert vectors.shape == (1, emb.dimension)
    assert not ingest([FIXTURES / "team"], settings, embedder=emb).errors
    answer = Assistant(settings, embedder=emb).ask("How does Anna Berg plan her week?")
    assert "A.B." in answer.text
