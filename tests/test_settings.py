"""Settings refuse unknown keys, from the environment as from code, and say which keys are valid;
the shared helpers of ingest (discovery rule, percentile, progress bar) behave as documented."""

from __future__ import annotations

import io
import statistics
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from interview_qa.ingest import (
    Settings,
    SettingsError,
    corpus_files,
    discover,
    percentile,
    progress_bar,
)


def test_every_section_forbids_unknown_keys() -> None:
    assert Settings.model_config.get("extra") == "forbid"
    for name, field in Settings.model_fields.items():
        section = field.annotation
        assert isinstance(section, type) and issubclass(section, BaseModel), name
        assert section.model_config.get("extra") == "forbid", name


def test_unknown_env_key_names_the_key_and_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQA_RETRIEVAL__TOPK", "5")
    with pytest.raises(ValidationError, match="unknown retrieval setting 'topk'"):
        Settings()
    with pytest.raises(SettingsError) as caught:
        Settings.load()
    message = str(caught.value)
    assert "\n" not in message
    assert "'topk'" in message and "IQA_RETRIEVAL__TOPK" in message
    assert "top_k" in message.split("valid retrieval settings: ")[1]


def test_valid_env_keys_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQA_RETRIEVAL__TOP_K", "5")
    monkeypatch.setenv("iqa_chunking__max_chars", "400")  # names are case-insensitive
    monkeypatch.setenv("IQA_BENCH_TRANSCRIPTS", "anything")  # not a setting: no `__`, left be
    settings = Settings()
    assert settings.retrieval.top_k == 5 and settings.chunking.max_chars == 400


def test_unknown_section_names_the_valid_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQA_RETRIEVALS__TOP_K", "5")
    with pytest.raises(SettingsError, match=r"IQA_RETRIEVALS__TOP_K.*valid sections: corpus"):
        Settings.load()


def test_bad_values_and_overrides_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQA_RETRIEVAL__TOP_K", "many")
    with pytest.raises(SettingsError, match=r"^invalid settings: retrieval\.top_k: ") as caught:
        Settings.load()
    assert "\n" not in str(caught.value)
    monkeypatch.delenv("IQA_RETRIEVAL__TOP_K")
    with pytest.raises(ValidationError, match="unknown store setting 'index'"):
        Settings().with_overrides(store={"index": "/tmp/x"})
    with pytest.raises(SettingsError, match=r"valid store settings: .*index_dir"):
        Settings.load(store={"index": "/tmp/x"})


def test_corpus_files_skip_readmes_and_hidden_files(tmp_path: Path) -> None:
    root = tmp_path / "c"
    (root / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    for rel in ("a.txt", "sub/b.md", "README.md", "sub/readme.txt", ".hidden.txt", ".git/x.txt"):
        (root / rel).write_text("x")
    assert [p.relative_to(root).as_posix() for p in corpus_files(root)] == ["a.txt", "sub/b.md"]
    files, errors = discover([root, root / "README.md", tmp_path / "missing"])
    assert [f.doc_id for f in files] == ["c/a.txt", "c/sub/b.md", "README.md"]
    assert {f.scope for f in files} == {"c/", "README.md"}
    assert [e.path.name for e in errors] == ["missing"]


def test_percentile_is_linear_interpolation() -> None:
    assert percentile([], 50) is None
    assert percentile([4.0], 95) == 4.0
    values = [0.3, 0.1, 0.9, 0.4, 0.7]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    for q in (5, 50, 95):
        assert percentile(values, q) == pytest.approx(cuts[q - 1])


def test_progress_bar_draws_only_when_used() -> None:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    with progress_bar("embedding", console):
        pass
    assert out.getvalue() == ""
    with progress_bar("embedding", console) as progress:
        progress(0, 4)
        progress(4, 4)
    assert "embedding" in out.getvalue()


def test_a_settings_file_sits_below_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text(
        '[answer]\nsentence_weight = 0.2\nmode = "llm"\n[rerank]\nkind = "embedder"\n'
    )
    monkeypatch.setenv("IQA_SETTINGS_FILE", str(profile))
    monkeypatch.setenv("IQA_ANSWER__MODE", "extractive")
    settings = Settings.load(answer={"max_sentences": 3})
    assert settings.answer.sentence_weight == 0.2 and settings.rerank.kind == "embedder"
    assert settings.answer.mode == "extractive"  # the environment wins over the file
    assert settings.answer.max_sentences == 3  # and an override over both
    assert settings.answer.speaker_bonus == Settings().answer.speaker_bonus  # the rest: defaults


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "no such settings file"),
        ("[answer\n", "not a TOML settings file"),
        ("sentence_weight = 0.2\n", "belong in a section table"),
        (b"\xff\xfe[answer]\n", "cannot read the settings file"),
        ("[answer]\nsentence_wieght = 0.2\n", "unknown answer setting 'sentence_wieght'"),
        ("[answer]\nsentence_weight = 3\n", "answer.sentence_weight"),
    ],
)
def test_a_bad_settings_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | bytes | None, expected: str
) -> None:
    profile = tmp_path / "profile.toml"
    if isinstance(text, bytes):
        profile.write_bytes(text)
    elif text is not None:
        profile.write_text(text)
    monkeypatch.setenv("IQA_SETTINGS_FILE", str(profile))
    with pytest.raises(SettingsError) as caught:
        Settings.load()
    message = str(caught.value)
    assert "\n" not in message and expected in message
    if text is None or not str(text).startswith("[answer]\nsentence_"):
        assert str(profile) in message  # the file's own errors name it


def test_the_shipped_profiles_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    profiles = sorted((Path(__file__).parent.parent / "eval" / "profiles").glob("*.toml"))
    assert profiles
    for profile in profiles:
        monkeypatch.setenv("IQA_SETTINGS_FILE", str(profile))
        settings = Settings.load()
        assert settings.rerank.kind != "none", profile.name
