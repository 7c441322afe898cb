"""Command line: argument parsing and rendering only. Each subcommand lives in
``symconv/commands/<name>.py`` with ``HELP``, ``configure(parser)`` and ``run(args, out, err)``;
heavy imports (sympy, z3) happen inside ``run`` so light commands start fast.

Every command takes ``--json``; with it, stdout holds one JSON document, errors included
(``{"error": message, "exit_code": code}``). No input makes a command print a Python traceback:
bad input is a one-line message and exit 2, and an error that is a bug in symconv is reported
as such with exit 70 (``SYMCONV_TRACEBACK=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import importlib
import os
import sys
from typing import Any, NoReturn, TextIO

from symconv import __version__, interrupt
from symconv.commands import COMMANDS
from symconv.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    UsageError,
)

_STREAM: contextvars.ContextVar[TextIO | None] = contextvars.ContextVar("_STREAM", default=None)


class _Exit(Exception):
    """argparse asked to exit (``--help``, ``--version``) after printing."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message)
        raise _Exit(status)

    def _print_message(self, message: str, file: Any = None) -> None:
        stream = _STREAM.get()
        if message and stream is not None:
            stream.write(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symconv", description="Convolution arithmetic, proved.",
                     epilog="Exit codes: 0 proved (or done), 1 refuted, 2 bad input, "
                     "3 unknown, 4 unsupported, 5 vacuous (the assumptions admit no value), "
                     "70 internal error, 130 interrupted (what was done is kept). "
                     "`symconv COMMAND --help` describes each command.")
    parser.add_argument("--version", action="version", version=f"symconv {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"symconv.commands.{name.replace('-', '_')}")
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(cmd)
        # SOLVER = False: a command that never runs Z3 (not even imports it: the light paths)
        cmd.set_defaults(_run=module.run, _solver=getattr(module, "SOLVER", True))
    return parser


def _report(message: str, code: int, as_json: bool, out: TextIO, err: TextIO) -> int:
    if as_json:
        import json

        text = json.dumps({"error": message, "exit_code": code}, indent=2, ensure_ascii=False)
        out.write(text + "\n")
    else:
        print(f"error: {message}", file=err)
    return code


def main(
    argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    # Claims may hold constants of up to 100,000 bits; printing them needs more than the default.
    sys.set_int_max_str_digits(max(sys.get_int_max_str_digits(), 40_000))
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    args_in = list(sys.argv[1:] if argv is None else argv)
    as_json = interrupt.wants_json(args_in)
    token = _STREAM.set(out)
    record = interrupt.begin()
    try:
        args = build_parser().parse_args(args_in)
        with interrupt.z3_interruptible() if args._solver else contextlib.nullcontext():
            code: int = args._run(args, out, err)
        if interrupt.pending():  # interrupted, but the interrupt was swallowed (a __del__)
            return _interrupted(args_in, as_json, out, err)
    except _Exit as exc:
        return exc.status
    except UsageError as exc:
        if interrupt.pending():  # the interrupt, wrapped on its way (a user's module refusing)
            return _interrupted(args_in, as_json, out, err)
        return _report(str(exc), EXIT_BAD_INPUT, as_json, out, err)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return _interrupted(args_in, as_json, out, err)
    except Exception as exc:  # a bug, not the user's input: say so, without a traceback
        if interrupt.pending():
            # the interrupt, wrapped: ctypes reports a KeyboardInterrupt raised while it
            # converts a Z3 call's arguments as ctypes.ArgumentError("argument 1: ...")
            return _interrupted(args_in, as_json, out, err)
        if os.environ.get("SYMCONV_TRACEBACK"):
            import traceback

            traceback.print_exc(file=err)
        detail = f"{type(exc).__name__}: {exc}"
        if len(detail) > 500:
            detail = detail[:500] + "…"
        message = (f"internal error ({detail}); this is a bug in symconv, please report it "
                   "(SYMCONV_TRACEBACK=1 shows where)")
        return _report(message, EXIT_INTERNAL, as_json, out, err)
    finally:
        interrupt.end(record)
        _STREAM.reset(token)
    return code


def _interrupted(argv: list[str], as_json: bool, out: TextIO, err: TextIO) -> int:
    """Exit 130 after an interrupt, the output ended with what was done: under ``--json`` one
    document saying ``interrupted`` (unless the command's own was already whole), in text a
    last line after the rows the command printed as they completed."""
    try:
        if not interrupt.finished():
            partial = interrupt.current()
            lines = partial is not None and partial.json_lines
            if as_json or lines:
                import json

                command = next((a for a in argv if not a.startswith("-")), None)
                interrupt.write_final(json.dumps(interrupt.document(command),
                                                 indent=None if lines else 2,
                                                 ensure_ascii=False) + "\n", out)
            elif line := interrupt.text_line():
                out.write(line + "\n")
        print("interrupted", file=err)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return EXIT_INTERRUPTED


def entry() -> None:
    # An argument that is not UTF-8 arrives as lone surrogates ('\udcff'); echoing it back (in
    # an error, or in JSON) must not raise UnicodeEncodeError under a strict locale, nor write
    # bytes that are not UTF-8 into JSON.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        code = main()
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            # the reader went away (e.g. `| head`): nothing more to say, and no "Exception
            # ignored"
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except KeyboardInterrupt:  # after the command: its output stands, and no traceback
        print("interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        # Leave at once, without the interpreter's finalization: after an interrupt of prove
        # --jobs 1 (Z3 in this process) the process sometimes died by SIGINT (exit -2, 4 times
        # in about 50 runs) after everything was written, the cause not found; leaving by
        # os._exit(130) it never did (0 of 48)
        with contextlib.suppress(Exception, KeyboardInterrupt):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # all written: nothing left to interrupt
    sys.exit(code)
