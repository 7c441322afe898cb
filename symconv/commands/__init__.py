"""Subcommands, in the order ``symconv --help`` lists them. Each name maps to the module
``symconv.commands.<name with - as _>``."""

COMMANDS: tuple[str, ...] = (
    "relations",
    "prove",
    "derive",
    "check",
    "matrix",
    "figure",
    "verify-function",
    "audit",
    "generate",
    "shape",
    "bench",
    "compare",
    "solve",
    "network",
    "site",
)
