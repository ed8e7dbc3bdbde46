"""Serve the Streamlit app (``ui/app.py``) on 127.0.0.1, handing it the settings.

Light on imports on purpose: Streamlit itself runs in the child process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interview_qa.ingest import Settings

ENV_PREFIX = "IQA_"
APP = Path(__file__).resolve().with_name("app.py")


def app_path() -> Path:
    """The Streamlit script."""
    return APP


def settings_env(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with every setting as an
    ``IQA_<SECTION>__<FIELD>`` variable, so that ``Settings()`` in the app reads the same values.

    Fields that are None are removed from the environment (their default is None).
    """
    env = dict(os.environ if base is None else base)
    for section, fields in settings.model_dump(mode="json").items():
        if not isinstance(fields, dict):
            continue
        for name, value in fields.items():
            var = f"{ENV_PREFIX}{section}__{name}".upper()
            if value is None:
                env.pop(var, None)
            elif isinstance(value, (dict, list, bool)):
                env[var] = json.dumps(value)
            else:
                env[var] = str(value)
    return env


def streamlit_command(port: int, script: Path | None = None) -> list[str]:
    """The ``streamlit run`` command line for the app on 127.0.0.1:``port``, headless."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script or app_path()),
        "--client.toolbarMode",
        "viewer",
        "--server.fileWatcherType",
        "none",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def serve(settings: Settings) -> int:
    """Run the app until it stops (Ctrl-C, SIGTERM); return its exit code."""
    port = settings.ui.port
    print(f"interview-qa: serving on http://127.0.0.1:{port} (Ctrl-C to stop)", file=sys.stderr)
    proc = subprocess.Popen(streamlit_command(port), env=settings_env(settings))

    def forward(signum: int, frame: object) -> None:
        proc.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reaches the child too; forward it anyway (kill -INT reaches only
        # us), then give the server time to shut down cleanly.
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        return _stop(proc)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes], grace: float = 10) -> int:
    """Wait for ``proc`` to exit, terminating then killing it if it takes longer than ``grace``."""
    for action in (None, proc.terminate, proc.kill):
        if action is not None:
            action()
        try:
            return proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
    return proc.wait()
