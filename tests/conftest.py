"""Shared fixtures: settings under tmp_path, the real MiniLM embedder, the bundled index, a real
Chroma server on 127.0.0.1, and a deterministic fake LLM."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from bench.llama_server import LlamaServer as BenchLlamaServer
from bench.llama_server import free_port, stop_process
from interview_qa.ingest import Settings

# Hypothesis keeps no example database in the checkout: tests write only under tmp paths.
hypothesis_settings.register_profile("interview-qa", database=None)
hypothesis_settings.load_profile("interview-qa")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = ROOT / "corpus"


def make_settings(index_dir: Path, **sections: dict[str, object]) -> Settings:
    """Settings whose every written path lies under ``index_dir``'s parent."""
    base = Settings()
    settings = base.with_overrides(
        store={"index_dir": index_dir},
        ui={"feedback_file": index_dir.parent / "feedback.jsonl"},
        corpus={"paths": [CORPUS]},
    )
    return settings.with_overrides(**sections) if sections else settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh index folder under tmp_path."""
    return make_settings(tmp_path / "index")


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 (sentence-transformers backend), loaded once per session."""
    from interview_qa.ingest import make_embedder

    return make_embedder(Settings(), "sentence-transformers")


#: Words of the tiny model's vocabulary (besides letters, so that any word tokenizes).
TINY_WORDS = (
    "the a of to and in is what how do does staff engineer engineers work trust people team "
    "time code review planning plan week mentor mentoring junior burning out good query passage"
)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny sentence-transformers model built here from random weights (BERT, hidden size 32,
    2 layers, a WordPiece vocabulary written here; mean pooling, normalised) with the prompts
    ``query: `` and ``passage: ``, saved in a folder named ``tiny-model``. Nothing is
    downloaded; it needs torch (tests using it are slow)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    try:  # sentence-transformers 6 moved the modules (the old path warns)
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:
        from sentence_transformers import models  # type: ignore[no-redef]

    root = tmp_path_factory.mktemp("tiny")
    hf = root / "hf"
    hf.mkdir()
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    punctuation = list(".,:;?!'\"-()")
    vocab = [*specials, *TINY_WORDS.split(), *letters, *(f"##{c}" for c in letters), *punctuation]
    vocab = list(dict.fromkeys(vocab))
    (hf / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    wordpiece = BertWordPieceTokenizer(str(hf / "vocab.txt"), lowercase=True)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=wordpiece._tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    )
    tokenizer.save_pretrained(str(hf))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(str(hf))
    word = models.Transformer(str(hf), max_seq_length=96)
    pooling = models.Pooling(32, "mean")
    model = SentenceTransformer(
        modules=[word, pooling, models.Normalize()],
        prompts={"query": "query: ", "document": "passage: "},
        device="cpu",
    )
    folder = root / "tiny-model"
    model.save(str(folder))
    return folder


@pytest.fixture(scope="session")
def tiny_cross_encoder_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny sentence-transformers CrossEncoder (one output: a relevance score) built here from
    random weights over the tiny model's vocabulary, saved in a folder named ``tiny-reranker``.
    Nothing is downloaded; it needs torch (tests using it are slow)."""
    import torch
    from sentence_transformers import CrossEncoder
    from transformers import BertConfig, BertForSequenceClassification

    hf = tiny_model_dir.parent / "hf"
    root = tmp_path_factory.mktemp("tiny-ce")
    build = root / "hf"
    torch.manual_seed(1)
    config = BertConfig.from_pretrained(str(hf), num_labels=1)
    BertForSequenceClassification(config).save_pretrained(str(build))
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (hf / name).exists():
            (build / name).write_bytes((hf / name).read_bytes())
    model = CrossEncoder(str(build), device="cpu", local_files_only=True)
    folder = root / "tiny-reranker"
    model.save(str(folder))
    return folder


@pytest.fixture(scope="session")
def hash_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of an index of the bundled corpus built with the deterministic test embedder
    (backend ``hash``): the fast loop's index, ingested once per session in about a second."""
    from interview_qa.ingest import ingest

    settings = make_settings(tmp_path_factory.mktemp("hashed") / "index")
    settings = settings.with_overrides(embedding={"backend": "hash"})
    report = ingest([CORPUS], settings)
    assert not report.errors
    return settings


@pytest.fixture(scope="session")
def fast_assistant(hash_settings: Settings):  # type: ignore[no-untyped-def]
    """An Assistant over :func:`hash_settings`' index: no model, no LLM."""
    from interview_qa.assistant import Assistant

    return Assistant(hash_settings)


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:  # type: ignore[no-untyped-def]
    """Settings of an index of the bundled corpus, ingested once per session (read-only use)."""
    from interview_qa.ingest import ingest

    settings = make_settings(tmp_path_factory.mktemp("bundled") / "index")
    settings = settings.with_overrides(embedding={"backend": "sentence-transformers"})
    report = ingest([CORPUS], settings, embedder=embedder)
    assert not report.errors
    return settings


@pytest.fixture(scope="session")
def team_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of an index of ``fixtures/team`` (three interviewees, Mike McQuaid, Anna Berg
    and Lena Okafor, each asked the same four questions), on the test embedder."""
    from interview_qa.ingest import ingest

    settings = make_settings(tmp_path_factory.mktemp("team") / "index")
    settings = settings.with_overrides(
        embedding={"backend": "hash"}, corpus={"paths": [FIXTURES / "team"]}
    )
    report = ingest([FIXTURES / "team"], settings)
    assert not report.errors
    return settings


class ChromaServer:
    """A real ``chroma run`` server on 127.0.0.1 that a test can stop and start again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        log = (self.path.parent / "chroma-server.log").open("ab")
        self.proc = subprocess.Popen(
            [
                chroma,
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("chroma run did not start listening within 60 s")

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A real Chroma server for one test, on a free 127.0.0.1 port; stopped afterwards."""
    server = ChromaServer(tmp_path / "chroma-server-data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class FakeLLM:
    """Deterministic stand-in for an LLM endpoint: replies come from a queue (strings, or
    callables given the prompt), and every prompt is recorded. Built lazily as a llama-index
    CustomLLM so it plugs in wherever an LLM does."""

    def __new__(cls, replies: list | None = None):  # type: ignore[no-untyped-def]
        from typing import Any

        from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
        from llama_index.core.llms.callbacks import llm_completion_callback

        class _Fake(CustomLLM):
            replies: list[Any]
            calls: list[str]
            fail_with: Any = None

            @property
            def metadata(self) -> LLMMetadata:
                return LLMMetadata(model_name="fake", is_chat_model=False)

            @llm_completion_callback()
            def complete(self, prompt: str, formatted: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
                self.calls.append(prompt)
                if self.fail_with is not None:
                    raise self.fail_with
                if not self.replies:
                    raise AssertionError("FakeLLM: no reply queued")
                reply = self.replies.pop(0)
                return CompletionResponse(text=reply(prompt) if callable(reply) else reply)

            @llm_completion_callback()
            def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
                raise NotImplementedError

        return _Fake(replies=list(replies or []), calls=[])


@pytest.fixture
def fake_llm():  # type: ignore[no-untyped-def]
    """A FakeLLM with an empty queue; tests queue replies with ``fake_llm.replies.append``."""
    return FakeLLM()


def passage_number(prompt: str, words: str) -> int:
    """The number of the passage in an answering prompt whose text contains ``words``."""
    import re

    for m in re.finditer(r'\[(\d+)\] [^\n]*:\n"""\n(.*?)\n"""', prompt, re.S):
        if words in m.group(2):
            return int(m.group(1))
    raise AssertionError(f"no passage with {words!r} in the prompt")


# ---- a real llama.cpp server for llm mode (SmolLM2-135M-Instruct, packaged) ----------------


class LlamaServer(BenchLlamaServer):
    """llama.cpp's OpenAI-compatible server (the bench's, :mod:`bench.llama_server`) serving the
    packaged SmolLM2 GGUF (sha256 checked by :func:`interview_qa.assistant.llms.packaged_gguf`)
    with up to 4 threads."""

    MODEL_ALIAS = "smollm2-135m-instruct"

    def __init__(self, model: Path, log: Path) -> None:
        threads = max(1, min(4, os.cpu_count() or 1))
        super().__init__(model, log, alias=self.MODEL_ALIAS, n_threads=threads)

    def start(self, wait_s: float = 120.0) -> None:
        """Start the server and wait until it answers (at most ``wait_s``)."""
        super().start(wait_s)


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """A real llama.cpp server with SmolLM2-135M-Instruct, once per session. Skipped with a
    reason when the ``llm-server`` extra is missing, except under CI=true, where it fails."""
    from interview_qa.assistant.llms import packaged_gguf

    try:
        import llama_cpp.server  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"llama-cpp-python[server] is not installed ({exc}); `make test` installs it")
    server = LlamaServer(packaged_gguf(), tmp_path_factory.mktemp("llama") / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---- Stored units (issue #10, item 6): a recording embedder and a small corpus to change ----


class RecordingEmbedder:
    """The deterministic test embedder (backend ``hash``), recording every text it embeds."""

    def __init__(self) -> None:
        from interview_qa.ingest import make_embedder

        self.inner = make_embedder(Settings(), "hash")
        self.name = self.inner.name
        self.dimension = self.inner.dimension
        self.texts: list[str] = []

    def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return self.inner.embed(texts, progress)


@pytest.fixture
def recording_embedder() -> RecordingEmbedder:
    """A fresh :class:`RecordingEmbedder`."""
    return RecordingEmbedder()


@pytest.fixture
def units_corpus(tmp_path: Path) -> Path:
    """Two bundled transcripts and the summary, copied under tmp_path (tests change them)."""
    folder = tmp_path / "units-corpus"
    (folder / "transcripts").mkdir(parents=True)
    for name in ("interview-g.txt", "interview-s.txt"):
        shutil.copy(CORPUS / "transcripts" / name, folder / "transcripts" / name)
    shutil.copy(CORPUS / "summary.md", folder / "summary.md")
    return folder


@pytest.fixture
def units_settings(tmp_path: Path) -> Settings:
    """Settings of a fresh index under tmp_path with the ``hash`` embedder."""
    return make_settings(tmp_path / "units-index", embedding={"backend": "hash"})


# ---- A speech-to-text podcast collection (issue: speakers named the way the transcript slips) --

#: Two seasons of a podcast whose transcripts label speakers `FirstName:`, whose titles name the
#: guests ("Priya Raman (Acme)", "Why Tests Fail, with Ben Ortiz", a `# heading` naming two) and
#: whose host is spelled four ways across episodes ("Dana Okafor", "Dana Okafur", "Dana O Kafor",
#: "Dana Okafour"), as a speech-to-text service writes them.
PODCAST = FIXTURES / "speech-to-text"


@pytest.fixture
def podcast(tmp_path: Path) -> Path:
    """The speech-to-text podcast collection (:data:`PODCAST`), copied under tmp_path as
    ``ship-it/season-1`` and ``ship-it/season-2`` (tests add a ``speakers.yaml``)."""
    folder = tmp_path / "ship-it"
    shutil.copytree(PODCAST, folder)
    return folder


# ---- Recordings beside transcripts: a WAV spoken by espeak-ng, cued like its WebVTT ----------

ESPEAK = shutil.which("espeak-ng")
#: The recorded interview's cues: (start, end, voice, words). The two Lena cues merge into one
#: turn (one passage with two cues); the recording is RECORDED_SECONDS long.
RECORDED_CUES = (
    (1.0, 4.0, "Interviewer", "What is the hardest part of the job?"),
    (5.0, 9.0, "Lena Ortiz", "Saying no to good ideas is the hardest part."),
    (10.0, 14.0, "Lena Ortiz", "Every yes costs a quarter of focus."),
    (15.0, 18.0, "Interviewer", "How do you decide what to drop?"),
    (19.0, 23.0, "Lena Ortiz", "I write down what we would stop doing."),
)
RECORDED_SECONDS = 25.0


def _vtt_time(seconds: float) -> str:
    whole, millis = int(seconds), round(seconds % 1 * 1000)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{millis:03d}"


def recorded_vtt(cues: tuple[tuple[float, float, str, str], ...] = RECORDED_CUES) -> str:
    """A WebVTT transcript of ``cues`` (voice tags name the speakers)."""
    blocks = [f"{_vtt_time(a)} --> {_vtt_time(b)}\n<v {who}>{words}" for a, b, who, words in cues]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def _clip(words: str, folder: Path) -> tuple[bytes, int]:
    """16-bit mono PCM of ``words`` spoken by espeak-ng (or, without it, a 440 Hz tone of 1.5 s
    made with the standard library), and its sample rate."""
    import math
    import struct
    import wave

    if ESPEAK:
        out = folder / "clip.wav"
        subprocess.run([ESPEAK, "-w", str(out), words], check=True, capture_output=True)
        with wave.open(str(out)) as w:
            assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
            return w.readframes(w.getnframes()), w.getframerate()
    rate = 22050
    samples = (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(1.5 * rate)))
    return b"".join(struct.pack("<h", s) for s in samples), rate


def make_recording(
    path: Path,
    cues: tuple[tuple[float, float, str, str], ...] = RECORDED_CUES,
    seconds: float = RECORDED_SECONDS,
) -> Path:
    """Write a WAV of ``seconds`` at ``path`` in which each cue's words are spoken from its
    start (silence elsewhere): espeak-ng's voice, else a tone per cue."""
    import tempfile
    import wave

    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        clips = [(a, *_clip(words, Path(scratch))) for a, _, _, words in cues]
    rate = clips[0][2] if clips else 22050
    audio = bytearray(int(seconds * rate) * 2)
    for start, pcm, _ in clips:
        at = int(start * rate) * 2
        piece = pcm[: max(0, len(audio) - at)]
        audio[at : at + len(piece)] = piece
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(audio))
    return path


@pytest.fixture
def recorded_corpus(tmp_path: Path) -> Path:
    """A folder holding ``interview.vtt`` and its recording ``interview.wav`` (cue times match
    the words spoken), under tmp_path."""
    folder = tmp_path / "recorded"
    folder.mkdir()
    (folder / "interview.vtt").write_text(recorded_vtt(), encoding="utf-8")
    make_recording(folder / "interview.wav")
    return folder
