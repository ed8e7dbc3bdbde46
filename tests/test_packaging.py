"""The four Python folders install as one ``interview_qa`` namespace, editable and as a wheel,
and nothing installs a bare top-level ``eval`` or ``ui``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGES = ("ingest", "assistant", "ui", "eval")


def test_editable_install_maps_the_folders() -> None:
    import importlib

    for name in PACKAGES:
        module = importlib.import_module(f"interview_qa.{name}")
        assert Path(module.__file__).parent == ROOT / name  # type: ignore[arg-type]


@pytest.mark.slow
def test_wheel_install_imports_from_the_wheel(tmp_path: Path) -> None:
    # Build from a copy: a build in place would leave build/ and *.egg-info in the checkout.
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            ".index",
            ".artifacts",
            "build",
            "*.egg-info",
            "__pycache__",
            ".mypy_cache",
            ".mypy_tree",
            ".ruff_cache",
            ".pytest_cache",
            ".hypothesis",
            "out",
        ),
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("interview_qa-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"interview_qa"}
    assert "interview_qa/eval/questions.jsonl" in names
    assert "interview_qa/eval/profiles/embeddinggemma-300m.toml" in names
    data = [n for n in names if ".data/data/share/interview-qa/corpus/" in n]
    assert any(n.endswith("corpus/summary.md") for n in data)
    assert sum("/transcripts/interview-" in n for n in data) == 6
    assert "interview_qa/ingest/parsers/__init__.py" in names
    target = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import importlib\n"
        "for n in ('ingest', 'assistant', 'ui', 'eval'):\n"
        "    m = importlib.import_module('interview_qa.' + n)\n"
        "    assert m.__file__.startswith(sys.argv[1]), m.__file__\n"
        "import importlib.util\n"
        "assert importlib.util.find_spec('ui') is None\n"
        "assert importlib.util.find_spec('eval') is None\n"
        "print('ok')\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe, str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert ran.returncode == 0 and "ok" in ran.stdout, ran.stderr
