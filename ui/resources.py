"""Per-server resources of the Streamlit app: the settings, the embedder and the Assistant, each
built once.

They live in a module (not in the app script) so that tests can clear the Assistant cache
without dropping the loaded model: ``load_assistant.clear()``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import streamlit as st

from interview_qa.assistant import Assistant, prompts
from interview_qa.ingest import Settings, make_embedder


def environment_key() -> str:
    """The ``IQA_*`` environment variables, as JSON: what the app's settings are read from."""
    return json.dumps(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("IQA_")))


@st.cache_resource(show_spinner=False, max_entries=4)
def load_settings(key: str) -> Settings:
    """The settings of the ``IQA_*`` environment ``key`` stands for, built once per server."""
    return Settings()


def app_settings() -> Settings:
    """The app's settings, from the environment (``interview-qa ui`` hands them over as
    ``IQA_<SECTION>__<FIELD>`` variables): built once, shared by every page and session."""
    return load_settings(environment_key())


def settings_key(settings: Settings) -> str:
    """What identifies a settings object: all of it, as JSON."""
    return settings.model_dump_json()


def embedder_key(settings: Settings) -> str:
    """What the embedder depends on: the embedding section and (unless the backend is
    sentence-transformers) where its ONNX export lives, which follows the index folder."""
    onnx = "" if settings.embedding.backend == "sentence-transformers" else settings.onnx_dir
    return f"{settings.embedding.model_dump_json()}|{onnx}"


@st.cache_resource(show_spinner=prompts.LOADING_MODEL)
def load_embedder(key: str, _settings: Settings) -> Any:
    """The query/ingest embedder, one per embedding configuration per server."""
    return make_embedder(_settings)


@st.cache_resource(show_spinner=False)
def load_assistant(key: str, _settings: Settings) -> Assistant:
    """The Assistant of these settings, one per server (it is thread-safe)."""
    embedder = load_embedder(embedder_key(_settings), _settings)
    return Assistant(_settings, embedder=embedder)


def assistant_for(settings: Settings) -> Assistant:
    """The shared Assistant for ``settings`` (built on first use)."""
    return load_assistant(settings_key(settings), settings)
