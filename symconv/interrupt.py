"""What a long command has done when an interrupt (Ctrl-C: SIGINT) stops it.

A long command records its finished work as it goes (:func:`track`, then ``append``); its text
rows it prints and flushes as they complete. The CLI, catching the KeyboardInterrupt, ends the
output with :func:`document` under ``--json`` — one JSON object, ``"status": "interrupted"``,
``"interrupted": true``, ``"exit_code": 130`` and what was done — or, in text,
:func:`text_line` after the rows; exit 130 either way. The final output of a command is
written with SIGINT held (:func:`held`), so an interrupt never cuts a document in two: one
arriving then waits until it is whole, and the document stands (:meth:`Partial.finish`).
"""

from __future__ import annotations

import contextlib
import contextvars
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from symconv.errors import EXIT_INTERRUPTED


@dataclass(slots=True)
class Partial:
    """The finished work of the running command: ``done`` of ``total`` (if known), and the
    ``items`` (JSON-ready, in order) under ``key`` (``""``: counted, not kept); ``extra`` goes
    into the document as it is."""

    key: str
    what: str  # "theorems proved", for the text line; "": no rows, the line is the note
    total: int | None = None
    items: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # a last word for the text line ("nothing written to generated")
    finished: bool = False
    done: int = 0
    # index -> (item, text row): finished before work listed earlier, so not yet appended (the
    # rows are in order); an interrupt writes them too, after the rows in order
    held: dict[int, tuple[Any, str | None]] = field(default_factory=dict)
    # the output is JSON lines (shape --batch), --json or not: the interrupted run ends with
    # one more line, the document on one line
    json_lines: bool = False

    def append(self, item: Any, index: int | None = None) -> None:
        if index is not None:
            self.held.pop(index, None)
        self.items.append(item)
        self.done += 1
        check()

    def hold(self, index: int, item: Any, line: str | None) -> None:
        """Work ``index`` is finished, but its row waits for earlier ones (``append``)."""
        self.held[index] = (item, line)

    def count(self, n: int) -> None:
        """``n`` more finished, their output written (nothing kept)."""
        self.done += n

    def finish(self) -> None:
        """The command's own output is whole: an interrupt from now on adds nothing to it."""
        self.finished = True


_CURRENT: contextvars.ContextVar[Partial | None] = contextvars.ContextVar("_CURRENT",
                                                                         default=None)


def track(key: str, what: str, total: int | None = None, json_lines: bool = False
          ) -> Partial:
    """Start recording the running command's finished work (replacing what was recorded)."""
    partial = Partial(key, what, total, json_lines=json_lines)
    _CURRENT.set(partial)
    return partial


def forget(partial: Partial) -> None:
    """The work ``partial`` recorded is done and written: no record from now on (for what runs
    outside the CLI too, where no :func:`end` would clear it)."""
    if _CURRENT.get() is partial:
        _CURRENT.set(None)


def current() -> Partial | None:
    return _CURRENT.get()


_pending = False  # SIGINT arrived (its KeyboardInterrupt may have been swallowed)


def _on_sigint(signum: int, frame: Any) -> None:
    """Python's own SIGINT handler, but one that is never lost: raised inside a ``__del__``
    (the garbage collector freeing a Z3 term, say) a KeyboardInterrupt is only printed and
    ignored, and the command would run on. There it is left pending, raised at the next
    :func:`check` (every finished row is one); the CLI ends an interrupted command that still
    finished with exit 130."""
    global _pending
    _pending = True
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return
        frame = frame.f_back
    raise KeyboardInterrupt


_holding = 0  # depth of held() blocks running in the main thread
_deferred = False  # check() found an interrupt pending inside them: raised at their end


def check() -> None:
    """KeyboardInterrupt if an interrupt arrived and was not raised yet (inside :func:`held`:
    at its end, so what the block records and prints stays together)."""
    global _deferred
    if _pending:
        if _holding:
            _deferred = True
        else:
            raise KeyboardInterrupt


def pending() -> bool:
    return _pending


def begin() -> tuple[contextvars.Token[Partial | None], Any]:
    """A fresh record for one command, and :func:`_on_sigint` as SIGINT's handler where
    Python's default one is (the CLI, before it runs one; :func:`end` undoes both)."""
    global _pending, _deferred
    _pending = _deferred = False
    old: Any = None
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        old = signal.signal(signal.SIGINT, _on_sigint)
    return _CURRENT.set(None), old


def end(state: tuple[contextvars.Token[Partial | None], Any]) -> None:
    token, old = state
    _CURRENT.reset(token)
    if old is not None:
        signal.signal(signal.SIGINT, old)


def wants_json(argv: list[str]) -> bool:
    """``--json`` among the options (before a ``--`` that ends them). Here, not in
    symconv.cli: :func:`before_start` needs it when loading the CLI was interrupted."""
    for token in argv:
        if token == "--":
            return False
        if token == "--json":
            return True
    return False


def before_start(argv: list[str], out: TextIO, err: TextIO) -> int:
    """Exit 130 for an interrupt while the CLI was loading: nothing was done; under
    ``--json`` the document says so."""
    import json

    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        if wants_json(argv):
            write_final(json.dumps(document(None), indent=2, ensure_ascii=False) + "\n", out)
        print("interrupted", file=err)
    return EXIT_INTERRUPTED


def document(command: str | None) -> dict[str, Any]:
    """The JSON document an interrupted command ends with."""
    partial = current()
    # no "error": Ctrl-C is the user's, not a fault of the input nor of symconv
    doc: dict[str, Any] = {"status": "interrupted", "interrupted": True,
                           "exit_code": EXIT_INTERRUPTED}
    if command is not None:
        doc["command"] = command
    if partial is None:
        return doc | {"done": 0}
    if partial.note:
        doc["note"] = partial.note
    if not partial.what:
        return doc | partial.extra
    doc["done"] = partial.done + len(partial.held)
    if partial.total is not None:
        doc["total"] = partial.total
    items = partial.items + [partial.held[i][0] for i in sorted(partial.held)]
    return doc | partial.extra | ({partial.key: items} if partial.key else {})


def text_line() -> str:
    """The text output's last lines after an interrupt ("" when nothing was recorded): the
    rows held back (finished out of order), then how far the run got."""
    partial = current()
    if partial is None:
        return ""
    if not partial.what:  # no rows: only where it was
        return f"interrupted {partial.note}".rstrip()
    rows = [line for _, line in (partial.held[i] for i in sorted(partial.held))
            if line is not None]
    count = partial.done + len(partial.held)
    done = f"{count}" + (f" of {partial.total}" if partial.total is not None else "")
    note = f"; {partial.note}" if partial.note else ""
    if rows:
        note = (f"; the last {len(rows)} rows out of order: they finished while an earlier "
                "one still ran") + note
    return "\n".join([*rows, f"interrupted: {done} {partial.what} before the interrupt{note}"])


def finished() -> bool:
    partial = current()
    return partial is not None and partial.finished


@contextlib.contextmanager
def held() -> Iterator[None]:
    """SIGINT waits while the block runs (the final output, writing files): delivered, and
    raised as KeyboardInterrupt, right after it. A no-op off the main thread.

    The Python-level handler is swapped, not the thread's signal mask: with other threads in
    the process (torch's, a test runner's) the kernel may deliver SIGINT to one of them, and
    Python then runs the handler in the main thread whatever its mask."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    global _holding, _deferred
    pending: list[int] = []

    def hold(signum: int, frame: object) -> None:
        pending.append(signum)

    old = signal.signal(signal.SIGINT, hold)
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
        signal.signal(signal.SIGINT, old)
        if pending and old is not signal.SIG_IGN:
            if callable(old):
                old(signal.SIGINT, None)  # Python's default_int_handler raises KeyboardInterrupt
            else:
                raise KeyboardInterrupt
        if _deferred and not _holding:  # one swallowed in a __del__ before the block
            _deferred = False
            raise KeyboardInterrupt


def write_final(text: str, out: TextIO) -> None:
    """Write a command's whole final output (a JSON document) at once, SIGINT held: it is
    never cut, and an interrupt after it leaves it standing."""
    with held():
        out.write(text)
        with contextlib.suppress(AttributeError, ValueError):
            out.flush()
        partial = current()
        if partial is None:
            partial = track("done", "items")
        partial.finish()


def emit(line: str, out: TextIO) -> None:
    """A text row, written and flushed at once (a file or a pipe has it if an interrupt
    follows)."""
    out.write(line + "\n")
    with contextlib.suppress(AttributeError, ValueError):
        out.flush()
    check()


@contextlib.contextmanager
def z3_interruptible() -> Iterator[None]:
    """Leave SIGINT to Python while Z3 works (in the block; Z3's setting is restored after).

    Z3 installs its own SIGINT handler while it checks, simplifies or applies a tactic (its
    ``ctrl_c`` parameter): the call returns ``unknown``, "interrupted from keyboard", and Python
    never hears of the signal — a proof was reported unknown and the run went on, or the
    interrupt was lost. Without it, the interrupt is a KeyboardInterrupt as soon as the Z3 call
    under way returns (at the latest when its timeout ends it)."""
    import z3

    before = z3.get_param("ctrl_c")
    z3.set_param("ctrl_c", False)
    try:
        yield
    finally:
        z3.set_param("ctrl_c", before)


def z3_ignores_sigint() -> None:
    """In a worker that leaves SIGINT to its parent: Z3 must not catch it either (the parent
    stops the workers; a check cut short would be sent back as an ``unknown`` result)."""
    import sys

    if "z3" in sys.modules:
        sys.modules["z3"].set_param("ctrl_c", False)
