"""A module's top level, read from its source text (parsed, never executed)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from symconv.pysem.limits import DEFAULT_LIMITS, LimitExceeded, Limits, Unsupported, pos

MATH = frozenset({"ceil", "floor", "trunc"})


@dataclass(frozen=True, slots=True)
class Module:
    """What the translator needs from a module's top level (read, never executed)."""

    functions: Mapping[str, ast.FunctionDef]
    constants: Mapping[str, int]
    math_names: Mapping[str, str]  # local name -> "math" (module), "math.floor" etc., or
    # "type:Sequence" (collections.abc.Sequence)
    other_globals: frozenset[str]


def parse_module(source: str, limits: Limits = DEFAULT_LIMITS) -> Module:
    """Parse ``source`` (never executing it) and index its top level."""
    tree = _parse(source, limits)
    functions: dict[str, ast.FunctionDef] = {}
    constants: dict[str, int] = {}
    math_names: dict[str, str] = {}
    bound: dict[str, int] = {}
    for node in tree.body:
        for name in _index(node, functions, constants, math_names):
            bound[name] = bound.get(name, 0) + 1
    # A name bound more than once at module level (or by anything but a def / int constant /
    # math import) has no single static meaning.
    for name, count in bound.items():
        if count > 1:
            functions.pop(name, None)
            constants.pop(name, None)
            math_names.pop(name, None)
    simple = set(functions) | set(constants) | set(math_names)
    return Module(functions, constants, math_names, frozenset(set(bound) - simple))


def _parse(source: str, limits: Limits) -> ast.Module:
    if len(source) > limits.source_chars:
        raise LimitExceeded(f"source of {len(source)} characters (limit {limits.source_chars})")
    if "\x00" in source:
        raise Unsupported("source contains a NUL byte")
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        raise Unsupported(f"syntax error: {exc.msg}", exc.lineno or 0, exc.offset or 0) from None
    except (RecursionError, MemoryError):
        raise LimitExceeded("source nested too deeply to parse") from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise Unsupported(f"unparseable source: {exc}") from None
    _check_shape(tree, limits)
    return tree


def _index(node: ast.stmt, functions: dict[str, ast.FunctionDef], constants: dict[str, int],
           math_names: dict[str, str]) -> list[str]:
    """The names one top-level statement binds, recording defs, int constants and math
    imports on the way."""
    names: list[str] = []
    if isinstance(node, ast.FunctionDef):
        functions[node.name] = node
        names = [node.name]
    elif isinstance(node, ast.AsyncFunctionDef | ast.ClassDef):
        names = [node.name]
    elif isinstance(node, ast.Import):
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            names.append(local)
            if alias.name == "math":
                math_names[local] = "math"
    elif isinstance(node, ast.ImportFrom):
        for alias in node.names:
            local = alias.asname or alias.name
            names.append(local)
            if node.module == "math" and node.level == 0 and alias.name in MATH:
                math_names[local] = f"math.{alias.name}"
            if node.module in ("collections.abc", "typing") and node.level == 0 and \
                    alias.name == "Sequence":
                math_names[local] = "type:Sequence"
    elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in targets:
            names.extend(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        value = int_literal(node.value) if not isinstance(node, ast.AugAssign) else None
        if value is not None and len(targets) == 1 and isinstance(targets[0], ast.Name):
            constants[targets[0].id] = value
    else:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.append(sub.id)
            elif isinstance(sub, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
                names.append(sub.name)
    return names


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
