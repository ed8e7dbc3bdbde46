"""The layering holds: corpus → ingest → index → assistant → ui/eval. ui and eval use only the
public APIs of ingest and assistant (what their packages export) and never touch Chroma, except
eval's stock-pipeline baseline; lower layers never import higher ones; no module imports another
module's private names, and imports never run in a circle."""

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


PACKAGES = {"ingest": "interview_qa.ingest", "assistant": "interview_qa.assistant"}
PACKAGES |= {"ui": "interview_qa.ui", "eval": "interview_qa.eval"}


def modules() -> dict[str, Path]:
    """Every module of the project by its installed name."""
    out = {}
    for layer, package in PACKAGES.items():
        for path in files(layer):
            parts = path.relative_to(ROOT / layer).with_suffix("").parts
            out[".".join([package, *(p for p in parts if p != "__init__")])] = path
    return out


def test_no_module_imports_another_modules_private_names() -> None:
    for path in [p for layer in (*PACKAGES, "bench") for p in files(layer)]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if node.module.split(".")[0] not in ("interview_qa", "bench"):
                continue
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{path.relative_to(ROOT)} imports {private} from {node.module}"


def test_no_import_circles_between_modules() -> None:
    """Imports anywhere in a file (in functions too) never run in a circle; a package's
    ``__init__`` re-exporting its modules is not counted."""
    found = modules()
    packages = {name for name, path in found.items() if path.name == "__init__.py"}
    graph: dict[str, set[str]] = {}
    for name, path in found.items():
        if name in packages:
            continue
        graph[name] = {t for t in imports(path) if t in found and t not in packages and t != name}
    # Depth-first search for a back edge.
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circle = [*trail[trail.index(nxt) :], nxt]
                pytest.fail("import circle: " + " → ".join(circle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


#: The answer path's stages (below) and its composers (above): a stage never imports a composer.
STAGES = {"plan", "retrieval", "gate", "candidates", "evidence", "questions", "topic", "verify"}
COMPOSERS = {"quotes", "declined", "extractive", "llm_answer", "llm_compose"}


def test_stages_never_import_composers() -> None:
    for stage in sorted(STAGES):
        path = ROOT / "assistant" / f"{stage}.py"
        for name in imports(path):
            parts = name.split(".")
            if parts[:2] == ["interview_qa", "assistant"] and parts[2:3] and parts[2] in COMPOSERS:
                pytest.fail(f"assistant/{stage}.py (a stage) imports {name} (a composer)")
