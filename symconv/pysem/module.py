"""A module's top level, read from its source text (parsed, never executed).

A module-level name means, when a function runs (after the module has been imported), what its
last binding made it, provided every binding is an unconditional top-level statement: a second
``def f`` replaces the first, as in Python. A name bound inside an ``if``, ``for``, ``try``,
``with`` or ``match`` at top level, or deleted, has no single static meaning.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

from symconv.pysem.limits import (
    DEFAULT_LIMITS, InvalidSource, LimitExceeded, Limits, Unsupported, pos,
)

MATH = frozenset({"ceil", "floor", "trunc"})

# Names through which a module's own code can create globals the text does not show.
_DYNAMIC_NAMES = frozenset({"globals", "vars", "exec", "eval", "setattr", "delattr",
                            "__import__", "__builtins__", "builtins", "import_module"})
_DYNAMIC_ATTRS = frozenset({"__dict__", "__globals__", "modules"})


@dataclass(frozen=True, slots=True)
class Binding:
    """One top-level statement binding a name: what it makes the name (``meaning``: a def, an
    int constant or a math import; None for anything else)."""

    line: int
    kind: str  # "def", "async function", "class", "import", "assignment", "del", ...
    conditional: bool = False
    meaning: ast.FunctionDef | int | str | None = None


@dataclass(frozen=True, slots=True)
class Module:
    """What the translator needs from a module's top level (read, never executed)."""

    functions: Mapping[str, ast.FunctionDef]
    constants: Mapping[str, int]
    math_names: Mapping[str, str]  # local name -> "math" (module), "math.floor" etc., or
    # "type:Sequence" (collections.abc.Sequence)
    other_globals: frozenset[str]
    redefined: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # def lines
    bindings: Mapping[str, tuple[Binding, ...]] = field(default_factory=dict)
    dynamic: str = ""  # what in the module can create globals at run time, with its position

    def no_function(self, name: str) -> str:
        """Why ``name`` is not a top-level function, as a fact about the source."""
        found = self.bindings.get(name, ())
        if not found:
            return f"no top-level function named {name!r} in the source"
        head = f"no top-level function named {name!r}: "
        if any(b.conditional for b in found):
            lines = ", ".join(str(b.line) for b in found)
            return head + f"it is bound conditionally or deleted (lines {lines})"
        last = found[-1]
        if last.kind == "async function":
            return head + f"it is an async function (line {last.line})"
        return head + f"line {last.line} binds it to something else (a {last.kind})"


def parse_module(source: str, limits: Limits = DEFAULT_LIMITS) -> Module:
    """Parse ``source`` (never executing it) and index its top level."""
    tree = _parse(source, limits)
    bindings: dict[str, list[Binding]] = {}
    for node in tree.body:
        for name, binding in _bindings(node):
            bindings.setdefault(name, []).append(binding)
    functions: dict[str, ast.FunctionDef] = {}
    constants: dict[str, int] = {}
    math_names: dict[str, str] = {}
    redefined: dict[str, tuple[int, ...]] = {}
    for name, found in bindings.items():
        if any(b.conditional for b in found):
            continue
        meaning = found[-1].meaning
        if isinstance(meaning, ast.FunctionDef):
            functions[name] = meaning
            if len(found) > 1:
                redefined[name] = tuple(b.line for b in found)
        elif isinstance(meaning, int):
            constants[name] = meaning
        elif isinstance(meaning, str):
            math_names[name] = meaning
    simple = set(functions) | set(constants) | set(math_names)
    return Module(functions, constants, math_names, frozenset(set(bindings) - simple),
                  redefined, {n: tuple(b) for n, b in bindings.items()}, _dynamic(tree))


def _parse(source: str, limits: Limits) -> ast.Module:
    if len(source) > limits.source_chars:
        raise LimitExceeded(f"source of {len(source)} characters (limit {limits.source_chars})")
    if "\x00" in source:
        raise InvalidSource("source contains a NUL byte (Python refuses it)")
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        raise InvalidSource(f"syntax error: {exc.msg}", exc.lineno or 0, exc.offset or 0
                            ) from None
    except (RecursionError, MemoryError):
        raise LimitExceeded("source nested too deeply to parse") from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise Unsupported(f"unparseable source: {exc}") from None
    _check_shape(tree, limits)
    return tree


def _bindings(node: ast.stmt) -> list[tuple[str, Binding]]:
    """The names one top-level statement binds, with what it binds them to."""
    line = node.lineno
    if isinstance(node, ast.FunctionDef):
        return [(node.name, Binding(line, "def", meaning=node))]
    if isinstance(node, ast.AsyncFunctionDef):
        return [(node.name, Binding(line, "async function"))]
    if isinstance(node, ast.ClassDef):
        return [(node.name, Binding(line, "class"))]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(local, Binding(line, "import", meaning=target))
                for local, target in _imports(node)]
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        if isinstance(node, ast.AnnAssign) and node.value is None:
            return []  # `x: int` annotates, it does not bind
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = None if isinstance(node, ast.AugAssign) else int_literal(node.value)
        constant = value is not None and len(targets) == 1 and isinstance(targets[0], ast.Name)
        return [(n.id, Binding(line, "assignment", meaning=value if constant else None))
                for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    out: list[tuple[str, Binding]] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store | ast.Del):
            out.append((sub.id, Binding(line, "del" if isinstance(sub.ctx, ast.Del)
                                        else "statement", conditional=True)))
        elif isinstance(sub, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            out.append((sub.name, Binding(line, "def", conditional=True)))
        elif isinstance(sub, ast.Import | ast.ImportFrom):
            out.extend((local, Binding(line, "import", conditional=True))
                       for local, _ in _imports(sub))
        elif isinstance(sub, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and sub.name:
            out.append((sub.name, Binding(line, "statement", conditional=True)))
    return out


def _imports(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str | None]]:
    """(local name, its math meaning or None) for each name an import binds."""
    out: list[tuple[str, str | None]] = []
    for alias in node.names:
        if isinstance(node, ast.Import):
            local = alias.asname or alias.name.split(".")[0]
            out.append((local, "math" if alias.name == "math" else None))
            continue
        local = alias.asname or alias.name
        target = None
        if node.module == "math" and node.level == 0 and alias.name in MATH:
            target = f"math.{alias.name}"
        if node.module in ("collections.abc", "typing") and node.level == 0 and \
                alias.name == "Sequence":
            target = "type:Sequence"
        out.append((local, target))
    return out


def _dynamic(tree: ast.Module) -> str:
    """The first thing in the module's text through which its code can create globals at run
    time (a star import, ``globals()``, ``exec``, ``setattr``, ``sys.modules``...), or ""."""
    found: list[tuple[tuple[int, int], str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            found.append((pos(node), "a star import"))
        elif isinstance(node, ast.Name) and node.id in _DYNAMIC_NAMES:
            found.append((pos(node), node.id))
        elif isinstance(node, ast.Attribute) and node.attr in _DYNAMIC_ATTRS:
            found.append((pos(node), f".{node.attr}"))
    if not found:
        return ""
    (line, col), what = min(found)
    return f"{what} at line {line}:{col}"


def int_literal(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    return None


def _check_shape(tree: ast.AST, limits: Limits) -> None:
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > limits.ast_nodes:
            raise LimitExceeded(f"more than {limits.ast_nodes} syntax nodes")
        if depth > limits.nesting:
            line, col = pos(node)
            raise LimitExceeded(f"nesting deeper than {limits.nesting}", line, col)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
