"""The code stays ruff-clean and mypy-clean (what `make lint` checks)."""

from __future__ import annotations

import ast
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


#: Imported by the code but read as untyped by mypy on purpose (see pyproject.toml).
UNTYPED = {"torch", "transformers"}


def _imported_packages() -> set[str]:
    """Top-level names of every absolute import in ingest/, assistant/, ui/ and eval/."""
    found: set[str] = set()
    for layer in ("ingest", "assistant", "ui", "eval"):
        for path in (ROOT / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
    return found


def test_mypy_follows_every_package_the_code_imports() -> None:
    """mypy reads third-party packages as untyped unless pyproject.toml lists them (a cold run
    spent most of its time in what they import): every package the code imports is listed."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    followed = {
        module.split(".")[0]
        for override in config["overrides"]
        if override.get("follow_imports") == "normal"
        for module in override["module"]
    }
    third_party = _imported_packages() - set(sys.stdlib_module_names) - {"interview_qa"}
    assert config["follow_imports"] == "skip"
    assert third_party - followed <= UNTYPED, sorted(third_party - followed - UNTYPED)
    assert third_party >= UNTYPED and not UNTYPED & followed


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
