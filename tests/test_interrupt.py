"""An interrupt (SIGINT, as Ctrl-C sends it to the whole process group) loses no finished work.

Each long command runs in a real process with its stdout in a file; the test waits until it
has done some work, interrupts it, and checks: exit 130; in text, every row printed before the
interrupt is still there and a last line says the run was interrupted and how far it got; under
``--json``, stdout is exactly one JSON document saying ``interrupted`` that holds what was done.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from symconv import interrupt
from symconv.errors import EXIT_INTERRUPTED

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 300.0  # seconds to wait for the first work: the machine may be busy


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class _Ended(Exception):
    """The run ended before the test interrupted it."""


_READY: dict[str, float] = {}  # seconds until the last run was ready to be interrupted


def _interrupt(argv: list[str], tmp_path: Path, ready: Callable[[str], bool],
               settle: float = 0.0) -> tuple[int, str, str, str]:
    """Run ``symconv argv``; once ``ready(stdout so far)``, wait ``settle`` s and send SIGINT
    to its process group. (exit code, stdout before the interrupt, all stdout, stderr)."""
    for name in ("stdout", "stderr"):
        (tmp_path / name).unlink(missing_ok=True)
    out = tmp_path / "stdout"
    err = tmp_path / "stderr"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        proc = subprocess.Popen([sys.executable, "-m", "symconv", *argv], stdout=fo, stderr=fe,
                                stdin=subprocess.DEVNULL, cwd=tmp_path, start_new_session=True,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)),
                                # as a terminal would have it (a background job ignores SIGINT)
                                preexec_fn=_default_sigint)
    try:
        start = time.monotonic()
        while not ready(out.read_text(encoding="utf-8", errors="replace")):
            if proc.poll() is not None:
                raise _Ended(f"symconv {' '.join(argv)} ended (exit {proc.returncode}) before "
                             f"the test could interrupt it: {err.read_text()[-2000:]}")
            if time.monotonic() - start > LIMIT:
                pytest.fail(f"symconv {' '.join(argv)}: no work done in {LIMIT:.0f} s")
            time.sleep(0.05)
        _READY["last"] = time.monotonic() - start
        time.sleep(settle)
        before = out.read_text(encoding="utf-8")
        if proc.poll() is not None:
            raise _Ended(f"symconv {' '.join(argv)} ended (exit {proc.returncode}) before the "
                         "interrupt")
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return code, before, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")


def _rows(prefix: tuple[str, ...], n: int) -> Callable[[str], bool]:
    return lambda text: sum(line.startswith(prefix) for line in text.splitlines()) >= n


def _after(seconds: float) -> Callable[[str], bool]:
    start = time.monotonic()
    return lambda text: time.monotonic() - start >= seconds


def _document(text: str) -> dict[str, Any]:
    doc = json.loads(text)  # exactly one document: json.loads refuses anything after it
    assert isinstance(doc, dict), doc
    assert doc["status"] == "interrupted"
    assert doc["interrupted"] is True
    assert doc["exit_code"] == EXIT_INTERRUPTED
    return doc


def _interrupted_json(argv: list[str], tmp_path: Path, delay: float, key: str,
                      check: Callable[[Path], None] = lambda tmp_path: None) -> dict[str, Any]:
    """``symconv argv`` (with ``--json``) interrupted ``delay`` s after it starts, until the
    document holds some finished work under ``key``: later while it holds none yet, earlier
    when the run ended first (the machine's load varies; a whole run may take a second).
    Every interrupted run must end with exit 130 and one document, and pass ``check``."""
    for _ in range(8):
        try:
            code, _, text, err = _interrupt([*argv, "--json"], tmp_path, _after(delay))
        except _Ended:
            delay *= 0.6
            continue
        whole = json.loads(text) if text.strip() else None
        if (code != EXIT_INTERRUPTED and whole is not None
                and not (isinstance(whole, dict) and whole.get("status") == "interrupted")):
            # it ended on its own between the test's last look and the signal: its own document
            # and exit code (a run that ignored SIGINT would end so every time: failed below)
            delay *= 0.6
            continue
        assert code == EXIT_INTERRUPTED, err
        if not isinstance(whole, dict) or whole.get("status") != "interrupted":
            delay *= 0.6  # it had written its own document: the interrupt came after the end
            continue
        doc = _document(text)
        check(tmp_path)
        if doc["done"] >= 1:
            assert doc["done"] == len(doc[key])
            return doc
        assert key not in doc or doc[key] == []
        delay = delay * 1.5 + 0.2
    pytest.fail(f"symconv {' '.join(argv)} --json: never interrupted after some work")


STATUSES = ("proved", "refuted", "unknown", "unsupported", "vacuous")


def test_prove_keeps_every_row(tmp_path: Path) -> None:
    code, before, text, err = _interrupt(["prove", "--jobs", "2"], tmp_path,
                                         _rows(STATUSES, 3))
    assert code == EXIT_INTERRUPTED, err
    assert "interrupted" in err
    assert text.startswith(before)  # nothing printed was taken back
    lines = text.splitlines()
    rows = [line for line in lines if line.startswith(STATUSES)]
    assert len(rows) >= 3
    assert lines[-1].startswith(f"interrupted: {len(rows)} of ")
    assert "theorems checked before the interrupt" in lines[-1]
    assert "proved for all integers" not in text  # no summary that looks complete

    doc = _interrupted_json(["prove", "--jobs", "2"], tmp_path, _READY["last"] * 1.5,
                            "results")
    assert doc["command"] == "prove"
    assert doc["total"] > doc["done"]
    for row in doc["results"]:
        assert {"id", "status", "statement", "seconds"} <= set(row)
        assert row["status"] in (*STATUSES, "proved-bounded")


def _nothing_in_gen(tmp_path: Path) -> None:
    assert not (tmp_path / "gen").exists() or not any((tmp_path / "gen").iterdir())


def test_generate_writes_nothing_and_says_how_far_it_got(tmp_path: Path) -> None:
    delay = 4.0
    for _ in range(5):
        code, _, text, err = _interrupt(["generate", "--out", "gen", "--jobs", "2"], tmp_path,
                                        _after(delay))
        assert code == EXIT_INTERRUPTED, err
        _nothing_in_gen(tmp_path)
        if text:
            break
        delay *= 1.5  # still loading symconv: the command had not begun
    (line,) = text.splitlines()
    assert line.startswith("interrupted: ")
    assert "parts rendered or proved before the interrupt; nothing written to gen" in line

    doc = _interrupted_json(["generate", "--out", "gen", "--jobs", "2"], tmp_path, delay,
                            "parts", _nothing_in_gen)
    assert all(p["status"] == "rendered" or "id" in p for p in doc["parts"])


def test_compare_all_keeps_each_finished_group(tmp_path: Path) -> None:
    code, before, text, err = _interrupt(["compare", "--all"], tmp_path, _rows(("## ",), 1))
    assert code == EXIT_INTERRUPTED, err
    assert text.startswith(before)
    assert text.count("## ") >= 1
    assert text.splitlines()[-1].startswith("interrupted: ")
    assert "comparisons done before the interrupt" in text.splitlines()[-1]

    doc = _interrupted_json(["compare", "--all"], tmp_path, _READY["last"], "comparisons")
    assert all({"group", "a", "b", "status"} <= set(c) for c in doc["comparisons"])


def test_audit_keeps_every_row(tmp_path: Path) -> None:
    code, before, text, err = _interrupt(["audit"], tmp_path, _rows(("R",), 3))
    assert code == EXIT_INTERRUPTED, err
    assert text.startswith(before)
    lines = text.splitlines()
    assert lines[0].split() == ["id", "where", "status"]
    rows = [line for line in lines[2:-1] if line.split()[-1] in ("holds", "wrong")]
    assert len(rows) == len(lines) - 3 >= 3
    assert lines[-1].startswith(f"interrupted: {len(rows)} of ")

    doc = _interrupted_json(["audit"], tmp_path, _READY["last"], "findings")
    assert all(f["status"] in ("proved", "refuted") for f in doc["findings"])


def test_bench_keeps_every_timing(tmp_path: Path) -> None:
    argv = ["bench", "--prove", "--repeat", "1", "--repeat-all", "1"]
    code, before, text, err = _interrupt(argv, tmp_path, _rows(("symconv prove",), 1))
    assert code == EXIT_INTERRUPTED, err
    assert text.startswith(before)
    lines = text.splitlines()
    assert lines[0].split() == ["what", "seconds", "detail"]
    assert lines[2].startswith("symconv prove")
    assert lines[-1].startswith("interrupted: 1 of 3 timings taken")

    doc = _interrupted_json(argv, tmp_path, _READY["last"], "timings")
    assert doc["timings"][0]["what"].startswith("symconv prove")


def _long_spec(path: Path) -> Path:
    lines = ['name = "long"', "[input]", "channels = 3"]
    # long enough that the signal after a few seconds meets it running (3000 layers took
    # under 2 s here once symconv was loaded, and a run that ended first said 'proved')
    for n in range(8000):
        lines += ["[[layer]]", 'op = "conv"', "channels = 4", f"kernel = {2 + n % 3}",
                  f"stride = {1 + n % 2}", f"padding = {n % 2}"]
        if n % 2:
            lines += ["[[layer]]", 'op = "upsample"', "scale = 2"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_network_says_where_it_was(tmp_path: Path) -> None:
    spec = _long_spec(tmp_path / "long.toml")
    delay = 2.5
    for _ in range(6):
        code, _, text, err = _interrupt(["network", str(spec)], tmp_path, _after(delay))
        assert code == EXIT_INTERRUPTED, err
        if text:
            break
        delay *= 1.5  # still loading symconv: the command had not begun
    (line,) = text.splitlines()
    assert line.startswith("interrupted while ")
    for _ in range(6):
        code, _, text, err = _interrupt(["network", str(spec), "--json"], tmp_path,
                                        _after(delay))
        assert code == EXIT_INTERRUPTED, err
        doc = _document(text)
        if "note" in doc:
            break
        assert doc["done"] == 0
        delay *= 1.5
    assert doc["command"] == "network"
    assert doc["note"].startswith("while ")


def _fake_command(monkeypatch: pytest.MonkeyPatch, body: Callable[[Any, Any], None]) -> None:
    import symconv.commands.relations as command

    def run(args: Any, out: Any, err: Any) -> int:
        body(args, out)
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "run", run)


def _main(*argv: str) -> tuple[int, str, str]:
    import io

    from symconv.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_cli_ends_the_output_with_what_was_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    def body(args: Any, out: Any) -> None:
        done = interrupt.track("rows", "rows done", 5)
        for n in range(2):
            done.append({"n": n})
            if not args.json:
                interrupt.emit(f"row {n}", out)

    _fake_command(monkeypatch, body)
    code, out, err = _main("relations")
    assert code == EXIT_INTERRUPTED
    assert out == "row 0\nrow 1\ninterrupted: 2 of 5 rows done before the interrupt\n"
    assert err == "interrupted\n"
    code, out, _ = _main("relations", "--json")
    assert code == EXIT_INTERRUPTED
    doc = _document(out)
    assert (doc["command"], doc["done"], doc["total"], doc["rows"]) == (
        "relations", 2, 5, [{"n": 0}, {"n": 1}])
    assert interrupt.current() is None  # the record ends with the command


def test_a_finished_document_is_not_followed_by_another(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """An interrupt after the command's own document was written leaves it standing."""
    from symconv.render import dump_json

    _fake_command(monkeypatch, lambda args, out: dump_json({"status": "proved"}, out))
    code, out, _ = _main("relations", "--json")
    assert code == EXIT_INTERRUPTED
    assert json.loads(out) == {"status": "proved"}


def test_an_interrupt_before_any_record_is_still_one_document(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_command(monkeypatch, lambda args, out: None)
    code, out, _ = _main("relations", "--json")
    assert code == EXIT_INTERRUPTED
    assert _document(out)["done"] == 0


def test_an_interrupt_inside_a_destructor_is_kept_for_the_next_row() -> None:
    """Python ignores an exception raised in ``__del__`` (the garbage collector freeing a Z3
    term): the handler leaves the interrupt pending there, the next finished row raises it."""
    import sys

    state = interrupt.begin()
    try:
        class Freed:
            def __del__(self) -> None:
                interrupt._on_sigint(signal.SIGINT, sys._getframe())

        Freed()  # freed at once: its __del__ takes the "signal"
        assert interrupt.pending()
        done = interrupt.track("rows", "rows done")
        with pytest.raises(KeyboardInterrupt):
            done.append(1)
        with pytest.raises(KeyboardInterrupt):
            interrupt._on_sigint(signal.SIGINT, sys._getframe())
    finally:
        interrupt.end(state)
    state = interrupt.begin()  # the next command starts with nothing pending
    interrupt.end(state)
    assert not interrupt.pending()


def test_an_interrupt_kept_from_a_destructor_waits_for_the_row_being_written() -> None:
    """derive counts and prints a finished step in one held block: an interrupt left pending
    by a ``__del__`` during the proof was raised by the count, so the step was counted
    ("interrupted: 3 of 49") and not printed (2 rows). Now it is raised after the block."""
    import io
    import sys

    state = interrupt.begin()
    try:
        class Freed:
            def __del__(self) -> None:
                interrupt._on_sigint(signal.SIGINT, sys._getframe())

        Freed()
        assert interrupt.pending()
        done = interrupt.track("rows", "rows done")
        out = io.StringIO()

        def finished_row() -> None:
            with interrupt.held():
                done.append(1)
                interrupt.emit("  [proved] row 1", out)

        with pytest.raises(KeyboardInterrupt):
            finished_row()
        assert done.done == 1
        assert out.getvalue() == "  [proved] row 1\n"
        assert interrupt.text_line() == "interrupted: 1 rows done before the interrupt"
    finally:
        interrupt.end(state)


def test_an_interrupt_wrapped_in_another_exception_is_still_an_interrupt(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """ctypes turns a KeyboardInterrupt raised while it converts a Z3 call's arguments into
    ``ctypes.ArgumentError``; a user's module may turn it into anything (a NetworkError, which
    is a UsageError). Exit 130 with what was done, not "a bug" (70) nor "bad input" (2)."""
    import ctypes
    import sys

    from symconv.errors import UsageError

    for wrapper in (ctypes.ArgumentError, UsageError):
        def body(args: Any, out: Any, wrapper: type[Exception] = wrapper) -> None:
            done = interrupt.track("rows", "rows done", 3)
            done.append({"n": 0})
            try:
                interrupt._on_sigint(signal.SIGINT, sys._getframe())
            except KeyboardInterrupt as exc:
                raise wrapper(f"argument 1: {type(exc).__name__}: ") from exc

        _fake_command(monkeypatch, body)
        code, out, err = _main("relations", "--json")
        assert code == EXIT_INTERRUPTED, err
        assert _document(out)["rows"] == [{"n": 0}]
        code, out, err = _main("relations")
        assert (code, out, err) == (EXIT_INTERRUPTED,
                                    "interrupted: 1 of 3 rows done before the interrupt\n",
                                    "interrupted\n")


def _batch_line(n: int) -> tuple[str, int]:
    """An input line of ``shape --batch`` (guide conv, i = n + 3, k = 3) and its answer."""
    return json.dumps({"op": "conv", "i": n + 3, "k": 3}) + "\n", n + 1


def test_shape_batch_writes_every_answered_line_then_one_line_saying_interrupted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """shape --batch holds up to 4096 answers before it writes them: interrupted while it
    waits for input, it writes those, then one JSON line (its output is JSON lines, --json
    or not) saying interrupted and how many lines were answered."""
    import types

    class Reader:  # stdin: ten lines, then Ctrl-C while waiting for the next
        def __init__(self) -> None:
            self.lines = [_batch_line(n)[0].encode() for n in range(10)]

        def readline(self, limit: int = -1) -> bytes:
            if not self.lines:
                raise KeyboardInterrupt
            return self.lines.pop(0)

    for extra in ([], ["--json"]):
        monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=Reader()))
        code, out, err = _main("shape", "--batch", "-", *extra)
        assert (code, err) == (EXIT_INTERRUPTED, "interrupted\n")
        *answers, last = out.splitlines()
        assert [json.loads(a) for a in answers] == [{"out": _batch_line(n)[1]}
                                                    for n in range(10)]
        doc = _document(last)
        assert (doc["command"], doc["done"]) == ("shape", 10)


def test_shape_batch_interrupted_in_a_real_process(tmp_path: Path) -> None:
    """5000 lines on a pipe left open: 4096 answers are written at once, the other 904 wait
    in the buffer; SIGINT while the process waits for more input writes them too."""
    import fcntl
    import termios

    read, write = os.pipe()
    out = tmp_path / "stdout"
    with open(out, "wb") as fo, open(tmp_path / "stderr", "wb") as fe:
        proc = subprocess.Popen([sys.executable, "-m", "symconv", "shape", "--batch", "-"],
                                stdin=read, stdout=fo, stderr=fe, cwd=tmp_path,
                                start_new_session=True, preexec_fn=_default_sigint,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        with os.fdopen(write, "w") as feed:
            feed.write("".join(_batch_line(n)[0] for n in range(5000)))
            feed.flush()

            def unread() -> int:
                buf = bytearray(4)
                fcntl.ioctl(read, termios.FIONREAD, buf)
                return int.from_bytes(buf, sys.byteorder)

            start = time.monotonic()
            while unread() or out.read_bytes().count(b"\n") < 4096:
                assert proc.poll() is None, (tmp_path / "stderr").read_text()
                assert time.monotonic() - start < LIMIT
                time.sleep(0.05)
            time.sleep(1.0)  # the rest of what it read, answered into its buffer
            assert out.read_bytes().count(b"\n") == 4096
            os.killpg(proc.pid, signal.SIGINT)
            code = proc.wait(timeout=60)
    finally:
        os.close(read)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert code == EXIT_INTERRUPTED
    *answers, last = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(a) for a in answers] == [{"out": _batch_line(n)[1]} for n in range(5000)]
    assert _document(last)["done"] == 5000


def test_a_batch_run_as_a_library_call_leaves_no_record() -> None:
    """Outside the CLI no :func:`interrupt.end` clears the record: a finished batch clears its
    own (else a later interrupt would report this batch's lines)."""
    import io

    from symconv.commands.shape import load_frameworkshape
    from symconv.shapebatch import run_batch

    out = io.StringIO()
    assert run_batch([_batch_line(0)[0]], load_frameworkshape(), "guide", out) == 0
    assert out.getvalue() == '{"out": 1}\n'
    assert interrupt.current() is None


def test_work_finished_out_of_order_is_kept_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """prove prints its rows in the order of the list; a theorem proved while an earlier one
    still runs waits for it. Interrupted then, it is written anyway, after the rows in order."""
    def body(args: Any, out: Any) -> None:
        done = interrupt.track("rows", "rows done", 5)
        done.append({"n": 0}, 0)
        if not args.json:
            interrupt.emit("row 0", out)
        done.hold(3, {"n": 3}, "row 3")
        done.hold(2, {"n": 2}, "row 2")
        done.hold(1, {"n": 1}, "row 1")
        done.append({"n": 1}, 1)  # its turn came: no longer held
        if not args.json:
            interrupt.emit("row 1", out)

    _fake_command(monkeypatch, body)
    code, out, _ = _main("relations")
    assert code == EXIT_INTERRUPTED
    assert out.splitlines() == ["row 0", "row 1", "row 2", "row 3",
                                "interrupted: 4 of 5 rows done before the interrupt; the last 2 "
                                "rows out of order: they finished while an earlier one still ran"]
    code, out, _ = _main("relations", "--json")
    doc = _document(out)
    assert (doc["done"], doc["rows"]) == (4, [{"n": n} for n in range(4)])


def _quick(n: int, seconds: float) -> Any:
    import types

    from symconv.prover import Result, Status

    def check(timeout: float) -> Result:
        time.sleep(seconds)
        return Result(Status.PROVED, seconds)

    return types.SimpleNamespace(id=f"t{n}", batch="", check=check)


@pytest.mark.parametrize("jobs", [1, 2])
def test_prove_all_holds_back_only_what_finished_out_of_order(jobs: int) -> None:
    """A slow first theorem: on two processes the quick ones finish first and each goes to
    ``early`` before its row (the first never does); on one, everything is in order. Every
    row comes once, in order."""
    from symconv.commands.prove import prove_all
    from symconv.progress import Silent

    chosen = [_quick(0, 2.0), *(_quick(n, 0.0) for n in range(1, 6))]
    events: list[tuple[str, int]] = []
    done = interrupt.track("results", "theorems checked")
    try:
        prove_all(iter([chosen]), 10.0, jobs, Silent(),
                  lambda i, t, r: events.append(("row", i)), done,
                  lambda i, t, r: events.append(("early", i)))
    finally:
        interrupt.forget(done)
    rows = [i for kind, i in events if kind == "row"]
    early = [i for kind, i in events if kind == "early"]
    assert rows == list(range(6))
    if jobs == 1:
        assert early == []
    else:
        assert early
        assert 0 not in early
        assert events.index(("row", 0)) > events.index(("early", early[0]))
        assert all(events.index(("early", i)) < events.index(("row", i)) for i in early)


def test_derive_keeps_every_step(tmp_path: Path) -> None:
    """derive takes a few seconds: tried again if it ended before the interrupt."""
    for _ in range(5):
        try:
            code, before, text, err = _interrupt(["derive"], tmp_path, _rows(("  [",), 1))
        except _Ended:
            continue
        if code != EXIT_INTERRUPTED and "steps proved" in text:
            continue  # it ended on its own between the test's last look and the signal
        break
    else:
        pytest.fail("symconv derive always ended before the test interrupted it")
    assert code == EXIT_INTERRUPTED, err
    assert text.startswith(before)
    lines = text.splitlines()
    steps = [line for line in lines if line.startswith("  [")]
    assert steps
    assert lines[-1].startswith(f"interrupted: {len(steps)} of ")
    assert lines[-1].endswith(" steps checked before the interrupt")
    assert "steps proved" not in text

    doc = _interrupted_json(["derive"], tmp_path, _READY["last"], "results")
    assert all({"id", "relation", "status", "step"} <= set(row) for row in doc["results"])


def test_an_interrupt_after_the_command_keeps_its_output_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Between the command's end and the process's (flushing stdout), Ctrl-C was Python's
    KeyboardInterrupt traceback and death by SIGINT: now exit 130, the output as it was."""
    import symconv.cli as cli

    class Stdout:
        def write(self, text: str) -> int:
            return len(text)

        def flush(self) -> None:
            raise KeyboardInterrupt

    def exit_now(code: int) -> None:  # os._exit, but this test's process goes on
        raise SystemExit(code)

    monkeypatch.setattr(cli, "main", lambda: 0)
    monkeypatch.setattr(sys, "stdout", Stdout())
    monkeypatch.setattr(os, "_exit", exit_now)
    old = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as ended:
            cli.entry()
    finally:
        signal.signal(signal.SIGINT, old)
    assert ended.value.code == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "interrupted\n"


def test_an_interrupt_while_the_cli_loads_is_one_document_under_json() -> None:
    import io

    state = interrupt.begin()
    try:
        out, err = io.StringIO(), io.StringIO()
        assert interrupt.before_start(["prove", "--json"], out, err) == EXIT_INTERRUPTED
        assert _document(out.getvalue())["done"] == 0
        assert err.getvalue() == "interrupted\n"
        out, err = io.StringIO(), io.StringIO()
        assert interrupt.before_start(["prove", "--", "--json"], out, err) == EXIT_INTERRUPTED
        assert (out.getvalue(), err.getvalue()) == ("", "interrupted\n")
    finally:
        interrupt.end(state)


def test_site_writes_every_file_or_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """site draws everything first, then writes with SIGINT held: interrupted while drawing it
    writes nothing; a Ctrl-C while it writes waits until every file is written."""
    import symconv.site

    def drawing() -> dict[str, str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(symconv.site, "site_files", drawing)
    code, out, _ = _main("site", str(tmp_path / "a"))
    assert (code, out) == (EXIT_INTERRUPTED, f"interrupted while drawing the site: nothing "
                                             f"written to {tmp_path / 'a'}\n")
    assert not (tmp_path / "a").exists()
    code, out, _ = _main("site", str(tmp_path / "a"), "--json")
    assert _document(out)["note"].startswith("while drawing the site: nothing written")

    class Files(dict[str, str]):
        def items(self) -> Any:
            for n, item in enumerate(super().items()):
                if n == 1:
                    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C after the first file
                yield item

    files = Files({"index.html": "i", "fig/a.svg": "a", "fig/b.svg": "b"})
    monkeypatch.setattr(symconv.site, "site_files", lambda: files)
    code, out, _ = _main("site", str(tmp_path / "b"))
    assert (code, out) == (EXIT_INTERRUPTED,
                           f"interrupted after writing all 3 files to {tmp_path / 'b'}\n")
    assert sorted(str(p.relative_to(tmp_path / "b")) for p in (tmp_path / "b").rglob("*.*")) \
        == ["fig/a.svg", "fig/b.svg", "index.html"]
