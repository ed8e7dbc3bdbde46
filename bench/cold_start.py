"""Cold start: launching `interview-qa ask "…"` to its answer, with the query embedded by
sentence-transformers (imports torch) and by the ONNX export (no torch); and `streamlit run` to
the first answer in a headless browser."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import ROOT, timer

QUESTION = "What does T. say about mental health?"


def ask_process(index: Path, backend: str, runs: int = 3) -> float:
    """Median seconds of a whole `interview-qa ask` process."""
    env = {**os.environ, "IQA_EMBEDDING__BACKEND": backend}
    times = []
    for _ in range(runs):
        with timer() as t:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "interview_qa.ui.cli",
                    "ask",
                    QUESTION,
                    "--index",
                    str(index),
                ],
                check=True,
                capture_output=True,
                env=env,
                cwd=ROOT,
            )
        times.append(t())
    return statistics.median(times)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def streamlit_first_answer(index: Path, backend: str) -> float | None:
    """Seconds from `streamlit run` to the first answer on the page (None without Chromium)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        return None
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "IQA_STORE__INDEX_DIR": str(index), "IQA_EMBEDDING__BACKEND": backend}
    start = time.perf_counter()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "ui" / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if time.perf_counter() - start > 120:
                    raise TimeoutError("streamlit did not start") from None
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            page = browser.new_page()
            page.goto(url)
            box = page.get_by_role("textbox").last
            box.wait_for(timeout=120_000)
            box.fill(QUESTION)
            box.press("Enter")
            page.get_by_text("— T.").first.wait_for(timeout=120_000)
            elapsed = time.perf_counter() - start
            browser.close()
        return elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(index: Path) -> dict[str, Any]:
    """Cold-start figures, before (torch) and after (ONNX)."""
    return {
        "ask_process_torch_s": ask_process(index, "sentence-transformers"),
        "ask_process_onnx_s": ask_process(index, "onnx"),
        "streamlit_first_answer_torch_s": streamlit_first_answer(index, "sentence-transformers"),
        "streamlit_first_answer_onnx_s": streamlit_first_answer(index, "onnx"),
    }
