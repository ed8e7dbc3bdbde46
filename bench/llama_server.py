"""A llama.cpp OpenAI-compatible server (``python -m llama_cpp.server``, from
llama-cpp-python[server]) on a free 127.0.0.1 port: the llm bench serves a GGUF with it, and the
tests serve SmolLM2 with it (``tests/conftest.py``)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """Stop a server process: terminate, then kill after 20 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class LlamaServer:
    """``python -m llama_cpp.server`` serving one GGUF on 127.0.0.1; a context manager that
    starts it (waiting until it answers) and stops it."""

    def __init__(
        self,
        model: Path,
        log: Path,
        *,
        alias: str = "bench-model",
        n_ctx: int = 4096,
        n_threads: int = 2,
    ) -> None:
        self.model = model
        self.log = log
        self.alias = alias
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL (``IQA_LLM__BASE_URL``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def llm_settings(self, **overrides: object) -> dict[str, object]:
        """The ``llm`` settings section a user would write for this server."""
        return {"provider": "openai-like", "base_url": self.url, "model": self.alias} | overrides

    def start(self, wait_s: float = 300.0) -> None:
        """Start the server and wait until it lists its model (RuntimeError if it can't)."""
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model),
            "--model_alias",
            self.alias,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.n_threads),
            "--n_threads_batch",
            str(self.n_threads),
        ]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(command, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(f"{self.url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer within {wait_s:.0f} s")

    def stop(self) -> None:
        """Stop the server: terminate, then kill after 20 s."""
        proc, self.proc = self.proc, None
        stop_process(proc)

    def __enter__(self) -> LlamaServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
