"""The regression gate: headline metrics against the floors (and ceilings) in
eval/thresholds.toml. ``tests/test_eval_gate.py`` fails when a metric crosses its threshold."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from interview_qa.ingest import InputError

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"


def load_thresholds(path: Path | None = None) -> dict[str, dict[str, float]]:
    """``{"min": {metric: floor}, "max": {metric: ceiling}}`` from a thresholds file."""
    path = Path(path) if path is not None else DEFAULT_THRESHOLDS
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "no such thresholds file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not valid TOML ({exc})") from None
    out: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    for side in out:
        for key, value in dict(data.get(side, {})).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(path, f"[{side}] {key} must be a number")
            out[side][key] = float(value)
    return out


def check_gate(
    values: Mapping[str, float | None], thresholds: Mapping[str, Mapping[str, float]]
) -> list[str]:
    """One line per metric that crosses its threshold (or was not measured); empty when the
    gate passes."""
    failures = []
    for key, floor in thresholds.get("min", {}).items():
        value = values.get(key)
        if value is None:
            failures.append(f"{key}: not measured (floor {floor:g})")
        elif value < floor - 1e-9:
            failures.append(f"{key}: {value:.3f} is below its floor {floor:g}")
    for key, ceiling in thresholds.get("max", {}).items():
        value = values.get(key)
        if value is None:
            failures.append(f"{key}: not measured (ceiling {ceiling:g})")
        elif value > ceiling + 1e-9:
            failures.append(f"{key}: {value:.3f} is above its ceiling {ceiling:g}")
    return failures
