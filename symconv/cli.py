"""Command line: argument parsing and rendering only. Each subcommand lives in
``symconv/commands/<name>.py`` with ``HELP``, ``configure(parser)`` and ``run(args, out, err)``;
heavy imports (sympy, z3) happen inside ``run`` so light commands start fast."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TextIO

from symconv.commands import COMMANDS
from symconv.errors import UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symconv", description="Convolution arithmetic, proved.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"symconv.commands.{name.replace('-', '_')}")
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(
    argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    # Claims may hold constants of up to 100,000 bits; printing them needs more than the default.
    sys.set_int_max_str_digits(max(sys.get_int_max_str_digits(), 40_000))
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
        code: int = args._run(args, out, err)
    except UsageError as exc:
        print(f"error: {exc}", file=err)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
    return code


def entry() -> None:
    sys.exit(main())
