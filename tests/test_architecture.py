"""The layering holds: corpus → ingest → index → assistant → ui/eval. ui and eval use only the
public APIs of ingest and assistant (what their packages export) and never touch Chroma, except
eval's stock-pipeline baseline; lower layers never import higher ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

ABOVE = {"ingest": {"assistant", "ui", "eval"}, "assistant": {"ui", "eval"}}


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def files(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", ["ui", "eval"])
def test_ui_and_eval_use_only_public_apis(layer: str) -> None:
    for path in files(layer):
        for name in imports(path):
            parts = name.split(".")
            if (
                parts[:1] == ["interview_qa"]
                and len(parts) > 2
                and parts[1] in ("ingest", "assistant")
            ):
                pytest.fail(f"{path.relative_to(ROOT)} imports {name}, not a public API")
            # Chroma is the index's business; only the stock baseline builds its own.
            if parts[0] == "chromadb" and path.name != "baselines.py":
                pytest.fail(f"{path.relative_to(ROOT)} imports {name}")


@pytest.mark.parametrize("layer", ["ingest", "assistant"])
def test_lower_layers_never_import_higher_ones(layer: str) -> None:
    for path in files(layer):
        for name in imports(path):
            parts = name.split(".")
            if parts[:1] == ["interview_qa"] and len(parts) > 1 and parts[1] in ABOVE[layer]:
                pytest.fail(f"{path.relative_to(ROOT)} imports {name}")
