"""The code stays ruff-clean and mypy-clean (what `make lint` checks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


def test_ruff() -> None:
    for args in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "--no-cache"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy(tmp_path: Path) -> None:
    # mypy can't follow setuptools' editable import hook: check a link tree shaped like the
    # installed package instead.
    tree = tmp_path / "tree" / "interview_qa"
    tree.mkdir(parents=True)
    for package in ("ingest", "assistant", "ui", "eval"):
        (tree / package).symlink_to(ROOT / package)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(tree),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        env={**os.environ, "MYPYPATH": str(tmp_path / "tree")},
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
