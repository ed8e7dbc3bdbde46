"""Building the optional LLM of `llm` mode from settings, by provider name.

Any llama-index LLM works; these providers are built from settings. Their packages are optional
(``pip install -e '.[llm]'``) and imported only when chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from interview_qa.ingest import InterviewQAError

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from interview_qa.ingest.settings import LLMSettings


class LLMConfigError(InterviewQAError):
    """The configured LLM can't be built (missing package, missing model name)."""


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
            )
        if provider == "openai-like":
            from llama_index.llms.openai_like import OpenAILike

            return OpenAILike(
                model=_need(cfg.model, "model", provider),
                api_base=_need(cfg.base_url, "base_url", provider),
                api_key=cfg.api_key or "not-needed",
                temperature=cfg.temperature,
                timeout=cfg.timeout_s,
                is_chat_model=True,
            )
        if provider == "llama-cpp":
            from llama_index.llms.llama_cpp import LlamaCPP

            return LlamaCPP(
                model_path=_need(cfg.model, "model", provider),
                temperature=cfg.temperature,
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
