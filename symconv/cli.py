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
import contextvars
import importlib
import os
import sys
from typing import Any, NoReturn, TextIO

from symconv import __version__
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
                     "70 internal error. `symconv COMMAND --help` describes each command.")
    parser.add_argument("--version", action="version", version=f"symconv {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"symconv.commands.{name.replace('-', '_')}")
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def wants_json(argv: list[str]) -> bool:
    """``--json`` among the options (before a ``--`` that ends them)."""
    for token in argv:
        if token == "--":
            return False
        if token == "--json":
            return True
    return False


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
    as_json = wants_json(args_in)
    token = _STREAM.set(out)
    try:
        args = build_parser().parse_args(args_in)
        code: int = args._run(args, out, err)
    except _Exit as exc:
        return exc.status
    except UsageError as exc:
        return _report(str(exc), EXIT_BAD_INPUT, as_json, out, err)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        # Ctrl-C is the user's, not an error of the input: no blame, and with --json still
        # exactly one document on stdout
        if as_json:
            import json

            out.write(json.dumps({"interrupted": True, "exit_code": EXIT_INTERRUPTED},
                                 indent=2) + "\n")
        print("interrupted", file=err)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not the user's input: say so, without a traceback
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
        _STREAM.reset(token)
    return code


def entry() -> None:
    # An argument that is not UTF-8 arrives as lone surrogates ('\udcff'); echoing it back (in
    # an error, or in JSON) must not raise UnicodeEncodeError under a strict locale, nor write
    # bytes that are not UTF-8 into JSON.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): nothing more to say, and no "Exception ignored"
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(code)
