"""The one progress bar of the command line (embedding chunks, answering evaluation questions):
a transient rich bar with a label, the bar, done/total and the elapsed time.

rich is imported, and the bar drawn, only on the first report of progress, so a command that ends
up with nothing to do (a no-op ingest) pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

#: Called as ``progress(done, total)``.
ProgressFn = Callable[[int, int], None]


@contextmanager
def progress_bar(label: str, console: Console | None = None) -> Iterator[ProgressFn]:
    """``with progress_bar("embedding") as progress: work(progress=progress)``: a transient bar,
    on ``console`` (default: standard error), shown from the first ``progress(done, total)``
    call and cleared when the block ends."""
    with ExitStack() as stack:
        state: dict[str, Any] = {}

        def progress(done: int, total: int) -> None:
            if not state:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

                bar = Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=console or Console(stderr=True),
                    transient=True,
                )
                stack.enter_context(bar)
                state["bar"], state["task"] = bar, bar.add_task(label, total=total)
            state["bar"].update(state["task"], completed=done, total=total)

        yield progress
