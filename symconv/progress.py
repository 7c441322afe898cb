"""Live progress for long commands, drawn only on a terminal.

A command asks :func:`for_output` for a :class:`Progress`; on a terminal (and without
``--json``) it is a ``rich`` bar — done/total, the item being worked on, failures printed above
the bar as they happen — and otherwise :class:`Silent`, which draws nothing, so piped or JSON
output stays byte-for-byte what it was. ``rich`` is imported only when a bar is drawn.
"""

from __future__ import annotations

import shutil
from typing import Any, Protocol, TextIO


class Progress(Protocol):
    def start(self, title: str, total: int) -> None:
        """Begin a phase of ``total`` items (a later call starts the next phase)."""

    def grow(self, more: int) -> None:
        """``more`` items joined the current phase (found while it runs)."""

    def working(self, label: str) -> None:
        """``label`` is being worked on now."""

    def advance(self, label: str = "", failure: str = "") -> None:
        """One item is done; a non-empty ``failure`` is printed at once."""

    def line(self, text: str) -> None:
        """Print ``text`` above the bar (a result streamed while the bar runs)."""

    def close(self) -> None:
        """Remove the bar; everything printed with :meth:`line` stays."""

    @property
    def live(self) -> bool:
        """Whether anything is drawn (a terminal)."""


class Silent:
    """No output at all: what every command gets when its output is not a terminal."""

    live = False

    def start(self, title: str, total: int) -> None:
        pass

    def grow(self, more: int) -> None:
        pass

    def working(self, label: str) -> None:
        pass

    def advance(self, label: str = "", failure: str = "") -> None:
        pass

    def line(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class Bar:
    """A ``rich`` progress bar on ``out`` (a terminal)."""

    live = True

    def __init__(self, out: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
        )

        self.console = Console(file=out, highlight=False, soft_wrap=False)
        self._bar = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
            MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[current]}", markup=True),
            console=self.console, transient=True, refresh_per_second=8,
        )
        self._task: Any = None
        self._bar.start()

    def start(self, title: str, total: int) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(title, total=total, current="")

    def grow(self, more: int) -> None:
        task = self._bar.tasks[-1]
        self._bar.update(self._task, total=(task.total or 0) + more)

    def working(self, label: str) -> None:
        self._bar.update(self._task, current=_escape(_fit(label, 48)))

    def advance(self, label: str = "", failure: str = "") -> None:
        if failure:
            self.line(f"[bold red]✗[/] {_escape(failure)}", markup=True)
        self._bar.update(self._task, advance=1)

    def line(self, text: str, markup: bool = False) -> None:
        self.console.print(text, markup=markup, highlight=False, crop=False, overflow="ignore")

    def close(self) -> None:
        self._bar.stop()


def for_output(out: TextIO, enabled: bool = True) -> Progress:
    """A bar if ``out`` is a terminal and ``enabled`` (callers pass ``not args.json``)."""
    isatty = getattr(out, "isatty", None)
    if enabled and isatty is not None and isatty():
        return Bar(out)
    return Silent()


def width(out: TextIO, default: int = 100) -> int:
    """Columns of the terminal behind ``out`` (``default`` when unknown), at most 160."""
    try:
        columns = shutil.get_terminal_size((default, 24)).columns if out.isatty() else default
    except (AttributeError, ValueError, OSError):
        columns = default
    return max(40, min(columns, 160))


def _fit(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _escape(text: str) -> str:
    from rich.markup import escape

    return str(escape(text))
