"""Errors that ingest raises, each carrying a one-line message meant for the user."""

from __future__ import annotations

from pathlib import Path


class InterviewQAError(Exception):
    """Base class: every error of this project whose message is fit to show to a user as is."""


class InputError(InterviewQAError):
    """A file that cannot be ingested: its path and what is wrong with it, on one line."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = " ".join(problem.split())
        super().__init__(f"{self.path}: {self.problem}")


class ModelChecksumError(InterviewQAError):
    """The embedding weights are missing or are not the expected file."""


class IndexMismatchError(InterviewQAError):
    """The index was built with other settings (model, chunking, schema) than the current ones."""


class IndexUnavailableError(InterviewQAError):
    """The index cannot be opened: a Chroma server that does not answer, or a corrupt folder."""


class IndexEmptyError(InterviewQAError):
    """The index exists but holds nothing yet (or does not exist)."""


class EmbeddingError(InterviewQAError):
    """The embedder failed while ingesting (out of memory, a broken model, bad input)."""


class SettingsError(InterviewQAError):
    """A setting (environment variable or override) that is unknown or has a bad value."""
