"""Expression trees as plain tuples, and building light terms from them.

A framework rule's SymPy expression is stored as a tree (``rulebook.py`` is generated from the
SymPy rules by ``rulegen``), so analysing a network needs no SymPy at all. Node shapes:
``("sym", name)``, ``("int", n)``, ``("rat", p, q)``, ``("add", *xs)``, ``("mul", *xs)``,
``("pow", x, n)``, ``("floor", num, den)``, ``("ceil", num, den)``, ``("floordiv", a, b)``,
``("mod", a, b)``, ``("min", *xs)``, ``("max", *xs)``, ``("abs", x)``,
``("piecewise", (value, cond), …)``, ``("eq"|"ne"|"lt"|"le"|"gt"|"ge", a, b)``,
``("and", *cs)``, ``("or", *cs)``, ``("not", c)``, ``("true",)``, ``("false",)``.

Building binds the parameters (integers, or terms for sizes); every divisor must then be a
constant: that keeps a network's arithmetic Presburger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce
from typing import Any, TypeAlias

from symconv.network import terms as T

Tree: TypeAlias = tuple[Any, ...]
Env: TypeAlias = Mapping[str, "T.Lin | int"]
Built: TypeAlias = "T.Lin | T.Cond"
Builder: TypeAlias = Callable[[Env], Built]


class NotPresburger(ValueError):
    """Not integer-linear with constant divisors once the parameters are bound (a product of
    two sizes, a division by a size, a non-integer constant)."""


def as_lin(x: Built) -> T.Lin:
    if not isinstance(x, T.Lin):
        raise NotPresburger("expected an integer, got a condition")
    return x


def as_cond(x: Built) -> T.Cond:
    if not isinstance(x, T.Cond):
        raise NotPresburger("expected a condition, got an integer")
    return x


def _constant(x: Built, what: str) -> int:
    term = as_lin(x)
    if not term.is_const:
        raise NotPresburger(f"{what} must be a constant, got a size-dependent term")
    return term.const


def _floor(num: T.Lin, den: int) -> T.Lin:
    if den == 0:
        raise NotPresburger("division by zero")
    return T.floor_div(num, den) if den > 0 else T.floor_div(-num, -den)


_CACHE: dict[int, tuple[Tree, Builder]] = {}


def compile_tree(tree: Tree) -> Builder:
    cached = _CACHE.get(id(tree))
    if cached is None or cached[0] is not tree:
        cached = _CACHE[id(tree)] = (tree, _compile(tree))
    return cached[1]


def build(tree: Tree, env: Env) -> Built:
    return compile_tree(tree)(env)


def build_lin(tree: Tree, env: Env) -> T.Lin:
    return as_lin(build(tree, env))


def build_cond(tree: Tree, env: Env) -> T.Cond:
    return as_cond(build(tree, env))


def _symbol(name: str) -> Builder:
    def run(env: Env) -> Built:
        try:
            return T.as_lin(env[name])
        except KeyError:
            raise NotPresburger(f"no value for {name}") from None
    return run


def _quotient(num: Tree, den: Tree, ceil: bool) -> Builder:
    n, d = compile_tree(num), compile_tree(den)

    def run(env: Env) -> Built:
        divisor = _constant(d(env), "a divisor")
        value = as_lin(n(env))
        return -_floor(-value, divisor) if ceil else _floor(value, divisor)
    return run


def _mod(a: Tree, b: Tree) -> Builder:
    x, y = compile_tree(a), compile_tree(b)

    def run(env: Env) -> Built:
        divisor = _constant(y(env), "a modulus")
        value = as_lin(x(env))
        return value - _floor(value, divisor) * divisor
    return run


def _mul(args: tuple[Tree, ...]) -> Builder:
    parts = [compile_tree(a) for a in args]

    def run(env: Env) -> Built:
        values = [as_lin(p(env)) for p in parts]
        sizes = [v for v in values if not v.is_const]
        if len(sizes) > 1:
            raise NotPresburger("a product of two size-dependent terms")
        factor = reduce(lambda x, y: x * y, (v.const for v in values if v.is_const), 1)
        return T.scale(sizes[0], factor) if sizes else T.const(factor)
    return run


def _piecewise(pieces: tuple[tuple[Tree, Tree], ...]) -> Builder:
    if pieces[-1][1] != ("true",):
        raise NotPresburger("Piecewise without an otherwise branch")
    compiled = [(compile_tree(v), compile_tree(c)) for v, c in pieces]

    def run(env: Env) -> Built:
        out = as_lin(compiled[-1][0](env))
        for value, cond in reversed(compiled[:-1]):
            out = T.ite(as_cond(cond(env)), as_lin(value(env)), out)
        return out
    return run


_RELATIONS: Mapping[str, Callable[[T.Lin, T.Lin], T.Cond]] = {
    "eq": T.eq, "ne": T.ne, "lt": T.lt, "le": T.le, "gt": T.gt, "ge": T.ge,
}


def _relation(op: Callable[[T.Lin, T.Lin], T.Cond], a: Tree, b: Tree) -> Builder:
    x, y = compile_tree(a), compile_tree(b)
    return lambda env: op(as_lin(x(env)), as_lin(y(env)))


def _compile(tree: Tree) -> Builder:
    head, args = tree[0], tree[1:]
    if head == "sym":
        return _symbol(args[0])
    if head == "int":
        value = T.const(int(args[0]))
        return lambda env: value
    if head in ("true", "false"):
        truth = T.truth(head == "true")
        return lambda env: truth
    if head == "rat":
        raise NotPresburger(f"non-integer constant {args[0]}/{args[1]} outside floor/ceil")
    if head == "add":
        parts = [compile_tree(a) for a in args]
        return lambda env: T.add(*(as_lin(p(env)) for p in parts))
    if head == "mul":
        return _mul(args)
    if head == "pow":
        base, exp = compile_tree(args[0]), int(args[1])
        if exp < 0:
            raise NotPresburger("a negative power outside floor/ceil")
        return lambda env: T.const(_constant(base(env), "a power's base") ** exp)
    if head in ("floor", "ceil"):
        return _quotient(args[0], args[1], head == "ceil")
    if head == "floordiv":
        return _quotient(args[0], args[1], False)
    if head == "mod":
        return _mod(args[0], args[1])
    if head in ("min", "max"):
        parts = [compile_tree(a) for a in args]
        is_max = head == "max"
        return lambda env: T.extreme(is_max, [as_lin(p(env)) for p in parts])
    if head == "abs":
        inner = compile_tree(args[0])
        return lambda env: T.maximum(as_lin(inner(env)), -as_lin(inner(env)))
    if head == "piecewise":
        return _piecewise(args)
    if head in _RELATIONS:
        return _relation(_RELATIONS[head], args[0], args[1])
    if head in ("and", "or"):
        parts = [compile_tree(a) for a in args]
        is_and = head == "and"
        return lambda env: T.junction(is_and, [as_cond(p(env)) for p in parts])
    if head == "not":
        inner = compile_tree(args[0])
        return lambda env: T.negate(as_cond(inner(env)))
    raise NotPresburger(f"unknown tree node {head!r}")
