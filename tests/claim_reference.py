"""The dumb reference for the claim language: random claims as trees, each with its text in the
claim language (fewest parentheses Python's precedence allows, and sometimes more), its text as
fully parenthesised Python, and its value computed by the tree; and an evaluator of that Python
text over Python's own syntax tree with exact ``fractions.Fraction`` arithmetic.

Nothing here shares code with symconv.claims. Semantics (the engine's, see README "The claim
language"): ``/`` is exact division (inside floor/ceil only), ``//`` and ``%`` floor; a zero
divisor anywhere makes the whole claim undefined (ZeroDivisionError), except in the consequent of
``->``, which is only evaluated where its hypothesis holds; ``and``/``or`` and comparison chains
evaluate every operand.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import strategies as st

Number = int | Fraction
Value = Number | bool
Env = Mapping[str, int]

# precedence in the claim language (Python's, with -> below or)
IMPLIES, OR, AND, NOT, CMP, SHIFT, ADD, MUL, UNARY, POW, ATOM = range(11)


@dataclass(frozen=True)
class Node:
    text: str  # the claim language, fewest parentheses
    python: str  # fully parenthesised Python; -> as implies(a, b)
    prec: int
    value: Callable[[Env], Value]  # raises ZeroDivisionError where undefined
    fraction: bool = False  # contains a / outside a nested floor/ceil


def _wrap(node: Node, need: bool) -> str:
    return f"({node.text})" if need else node.text


def binary(op: str, prec: int, fn: Callable[[Value, Value], Value], x: Node, y: Node,
           right_assoc: bool = False, fraction: bool = False) -> Node:
    left = _wrap(x, x.prec <= prec if right_assoc else x.prec < prec)
    right = _wrap(y, y.prec < prec if right_assoc else y.prec <= prec)
    return Node(f"{left} {op} {right}", f"({x.python} {op} {y.python})", prec,
                lambda env: fn(x.value(env), y.value(env)), fraction)


def _parens(node: Node) -> Node:
    return Node(f"({node.text})", node.python, ATOM, node.value, node.fraction)


def _leaf(names: tuple[str, ...]) -> st.SearchStrategy[Node]:
    def var(n: str) -> Node:
        return Node(n, n, ATOM, lambda env: env[n])

    def const(c: int) -> Node:
        return Node(str(c), str(c), ATOM, lambda env: c)

    return st.one_of(st.sampled_from(names).map(var), st.integers(0, 9).map(const))


def _floordiv(x: Value, y: Value) -> Value:
    return x // y  # type: ignore[operator]


def _truediv(x: Value, y: Value) -> Value:
    return Fraction(x) / Fraction(y)  # type: ignore[arg-type]


_INT_OPS: list[tuple[str, int, Callable[[Value, Value], Value]]] = [
    ("+", ADD, operator.add), ("-", ADD, operator.sub), ("*", MUL, operator.mul),
    ("//", MUL, _floordiv), ("%", MUL, operator.mod),
]


def integers(names: tuple[str, ...], max_leaves: int, inside_floor: bool = False,
             nested: int = 0) -> st.SearchStrategy[Node]:
    """Integer expressions (inside floor/ceil: rational ones, with exact ``/``); floor/ceil
    nested at most twice."""

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        def arith(choice: tuple[str, int, Callable[[Value, Value], Value]], x: Node,
                  y: Node) -> Node:
            op, prec, fn = choice
            return binary(op, prec, fn, x, y, fraction=x.fraction or y.fraction)

        def power(x: Node, exp: int) -> Node:
            base = _wrap(x, x.prec <= POW)
            return Node(f"{base} ** {exp}", f"({x.python} ** {exp})", POW,
                        lambda env: x.value(env) ** exp, x.fraction)  # type: ignore[operator]

        def shift(x: Node, op: str, amount: int) -> Node:
            fn = operator.lshift if op == "<<" else operator.rshift
            return binary(op, SHIFT, fn, x, Node(str(amount), str(amount), ATOM,
                                                  lambda env: amount))

        def negate(x: Node, sign: str) -> Node:
            return Node(f"{sign}{_wrap(x, x.prec < UNARY)}", f"({sign}{x.python})", UNARY,
                        (lambda env: -x.value(env)) if sign == "-" else x.value,  # type: ignore
                        x.fraction)

        def call(name: str, args: list[Node]) -> Node:
            fn: Callable[..., Value] = {"min": min, "max": max, "abs": abs}[name]
            return Node(f"{name}({', '.join(a.text for a in args)})",
                        f"{name}({', '.join(a.python for a in args)})", ATOM,
                        lambda env: fn(*[a.value(env) for a in args]),
                        any(a.fraction for a in args))

        parts = [
            st.builds(arith, st.sampled_from(_INT_OPS), children, children),
            st.builds(power, children, st.integers(0, 3)),
            st.builds(negate, children, st.sampled_from(["-", "+"])),
            st.builds(call, st.sampled_from(["min", "max"]), st.lists(children, min_size=2,
                                                                      max_size=3)),
            st.builds(lambda x: call("abs", [x]), children),
            children.map(_parens),
        ]
        if nested < 2:
            inner = integers(names, 4, True, nested + 1)
            quotient = st.builds(lambda x, y: binary("/", MUL, _truediv, x, y, fraction=True),
                                 inner, inner)
            argument = st.one_of(quotient, inner, st.builds(
                arith, st.sampled_from(_INT_OPS), st.one_of(quotient, inner),
                st.one_of(quotient, inner)))
            parts += [st.builds(rounding, st.sampled_from(["floor", "ceil"]), argument)] * 2
        integral = children.filter(lambda n: not n.fraction)
        parts.append(st.builds(shift, integral, st.sampled_from(["<<", ">>"]),
                               st.integers(0, 3)))
        if inside_floor:  # often: / is what floor/ceil is for
            parts += [st.builds(lambda x, y: binary("/", MUL, _truediv, x, y, fraction=True),
                                children, children)] * 4
        return st.one_of(*parts)

    return st.recursive(_leaf(names), extend, max_leaves=max_leaves)


def rounding(name: str, x: Node) -> Node:
    fn = math.floor if name == "floor" else math.ceil
    return Node(f"{name}({x.text})", f"{name}({x.python})", ATOM,
                lambda env: fn(x.value(env)))  # type: ignore[call-overload]


_COMPARE: dict[str, Callable[[Value, Value], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}


def conditions(names: tuple[str, ...] = ("i", "k", "s"), max_leaves: int = 6
               ) -> st.SearchStrategy[Node]:
    """Truth-valued claims: comparison chains of integer expressions, and/or/not/->."""
    ints = integers(names, max_leaves)

    def chain(first: Node, rest: list[tuple[str, Node]]) -> Node:
        text = [_wrap(first, first.prec <= CMP)]
        python = [first.python]
        for op, x in rest:
            text += [op, _wrap(x, x.prec <= CMP)]
            python += [op, x.python]

        def value(env: Env) -> bool:
            vals = [first.value(env), *(x.value(env) for _, x in rest)]  # every operand
            return all(_COMPARE[op](a, b) for (op, _), a, b in zip(rest, vals, vals[1:],
                                                                    strict=False))

        return Node(" ".join(text), f"({' '.join(python)})", CMP, value)

    compare = st.builds(chain, ints, st.lists(st.tuples(st.sampled_from(list(_COMPARE)), ints),
                                              min_size=1, max_size=2))
    truth = st.sampled_from([True, False]).map(
        lambda b: Node(str(b), str(b), ATOM, lambda env: b))

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        def junction(word: str, x: Node, y: Node) -> Node:
            prec = AND if word == "and" else OR

            def value(env: Env) -> bool:
                a, b = x.value(env), y.value(env)  # both, always
                return (a and b) if word == "and" else (a or b)  # type: ignore[return-value]

            return Node(f"{_wrap(x, x.prec < prec)} {word} {_wrap(y, y.prec <= prec)}",
                        f"({x.python} {word} {y.python})", prec, value)

        def negation(x: Node) -> Node:
            return Node(f"not {_wrap(x, x.prec < NOT)}", f"(not {x.python})", NOT,
                        lambda env: not x.value(env))

        def implies(x: Node, y: Node) -> Node:
            def value(env: Env) -> bool:
                return (not x.value(env)) or bool(y.value(env))  # y only where x holds

            return Node(f"{_wrap(x, x.prec <= IMPLIES)} -> {_wrap(y, y.prec < IMPLIES)}",
                        f"implies({x.python}, {y.python})", IMPLIES, value)

        return st.one_of(
            st.builds(junction, st.sampled_from(["and", "or"]), children, children),
            children.map(negation),
            st.builds(implies, children, children),
            children.map(_parens),
        )

    return st.recursive(st.one_of(compare, compare, truth), extend, max_leaves=4)


# --- the reference evaluator: Python's syntax tree, Fraction arithmetic ------------------------

_BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: _floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.Div: _truediv,
}
_CMP: dict[type[ast.cmpop], Callable[[Value, Value], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
_CALLS: dict[str, Callable[..., Value]] = {
    "floor": math.floor, "ceil": math.ceil, "min": min, "max": max, "abs": abs,
}


def reference(python: str, env: Env) -> Value:
    """The value of a claim's Python text (as :class:`Node` writes it) at ``env``; raises
    ZeroDivisionError where it is undefined."""
    return _eval(ast.parse(python, mode="eval").body, env)


def _eval(node: ast.expr, env: Env) -> Value:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        x = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not x
        return -x if isinstance(node.op, ast.USub) else +x
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.Compare):
        vals = [_eval(x, env) for x in (node.left, *node.comparators)]
        return all(_CMP[type(op)](a, b) for op, a, b in zip(node.ops, vals, vals[1:],
                                                            strict=False))
    if isinstance(node, ast.BoolOp):
        vals = [_eval(x, env) for x in node.values]
        return all(vals) if isinstance(node.op, ast.And) else any(vals)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "implies":
            return (not _eval(node.args[0], env)) or bool(_eval(node.args[1], env))
        return _CALLS[node.func.id](*(_eval(a, env) for a in node.args))
    raise ValueError(f"not in the reference: {ast.dump(node)}")
