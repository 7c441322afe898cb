"""The generated Python module: against dumb brute-force references, errors, exactness, speed of
import, and the printer that writes it."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symconv.codegen.pyprint import PrintError, py
from symconv.codegen.python import render_module
from symconv.commands.shape import load_convshape
from symconv.evaluate import evaluate
from symconv.symbols import i, k, s

ROOT = Path(__file__).resolve().parents[1]
MODULE = ROOT / "generated" / "python" / "convshape.py"


@pytest.fixture(scope="module")
def cs() -> ModuleType:
    return load_convshape()


def placements(i: int, k: int, s: int, p: int, d: int) -> int:
    """Count window positions by sliding one: the dumbest possible reference."""
    padded = i + 2 * p
    extent = d * (k - 1) + 1
    count = 0
    start = 0
    while start + extent <= padded:
        count += 1
        start += s
    return count


def transposed_size(i: int, k: int, s: int, p: int, a: int, d: int) -> int:
    """Length of an actual transposed convolution: scatter i units through a dilated kernel with
    stride s, add a units at the end, crop p on each side."""
    touched = [0] * ((i - 1) * s + d * (k - 1) + 1 + a)
    for j in range(i):
        for t in range(k):
            touched[j * s + t * d] += 1
    return len(touched) - 2 * p


small = st.integers(min_value=1, max_value=12)


def test_generated_file_is_the_rendered_module() -> None:
    assert MODULE.read_text(encoding="utf-8") == render_module(), "run `symconv generate`"


@given(i=small, k=small, s=small, p=st.integers(0, 6), d=st.integers(1, 4))
def test_conv_and_pool_count_placements(
    cs: ModuleType, i: int, k: int, s: int, p: int, d: int
) -> None:
    want = placements(i, k, s, p, d)
    for fn in (cs.conv_output_size, cs.pool_output_size):
        if want >= 1:
            assert fn(i, k, s, p, d) == want
        else:
            with pytest.raises(ValueError, match="window does not fit"):
                fn(i, k, s, p, d)


@given(i=small, k=small, s=small, p=st.integers(0, 6), d=st.integers(1, 4),
       a=st.integers(0, 11))
def test_transposed_output_is_the_scatter_length(
    cs: ModuleType, i: int, k: int, s: int, p: int, d: int, a: int
) -> None:
    if a > s - 1:
        with pytest.raises(ValueError, match=r"a must be in 0\.\.s-1"):
            cs.transposed_conv_output_size(i, k, s, p, d, a)
        return
    want = transposed_size(i, k, s, p, a, d)
    if want >= 1:
        assert cs.transposed_conv_output_size(i, k, s, p, d, a) == want
    else:
        with pytest.raises(ValueError, match="output would be < 1"):
            cs.transposed_conv_output_size(i, k, s, p, d, a)


@given(i=small, k=small, s=small, p=st.integers(0, 6), d=st.integers(1, 4))
def test_transposed_conv_a_restores_the_input(
    cs: ModuleType, i: int, k: int, s: int, p: int, d: int
) -> None:
    o = placements(i, k, s, p, d)
    if o < 1:
        with pytest.raises(ValueError, match="window does not fit"):
            cs.transposed_conv_a(i, k, s, p, d)
        return
    restoring = [a for a in range(s) if transposed_size(o, k, s, p, a, d) == i]
    assert restoring == [cs.transposed_conv_a(i, k, s, p, d)]


@given(i=st.integers(1, 40), k=small, s=small, d=st.integers(1, 4))
def test_same_padding_is_the_least_padding_giving_ceil(
    cs: ModuleType, i: int, k: int, s: int, d: int
) -> None:
    target = -(-i // s)
    total = 0
    while placements(i + total, k, s, 0, d) < target:
        total += 1
    before, after = cs.same_padding(i, k, s, d)
    assert (before + after, after - before) in ((total, 0), (total, 1))
    # the padded input (before zeros, i units, after zeros) has exactly ceil(i/s) placements
    assert placements(i + before + after, k, s, 0, d) == target


@given(o=small, k=small, s=small, p=st.integers(0, 6), d=st.integers(1, 4))
def test_input_size_range_is_every_input_with_that_output(
    cs: ModuleType, o: int, k: int, s: int, p: int, d: int
) -> None:
    limit = o * s + d * k + 2
    brute = [n for n in range(1, limit + 1) if placements(n, k, s, p, d) == o]
    assert list(cs.input_size_range(o, k, s, p, d)) == brute


def test_defaults_and_keywords(cs: ModuleType) -> None:
    assert cs.conv_output_size(32, 3) == 30
    assert cs.conv_output_size(32, 3, p=1) == 32
    assert cs.transposed_conv_output_size(16, 3, s=2, p=1, a=1) == 32
    assert cs.pool_output_size(32, 2, 2) == 16
    with pytest.raises(TypeError):
        cs.pool_output_size(32, 2)  # pooling has no default stride per axis


def test_exact_for_huge_sizes(cs: ModuleType) -> None:
    big = 10**30
    assert cs.conv_output_size(big, 3, 2, 1) == (big + 2 - 3) // 2 + 1
    assert cs.conv_output_size(big + 1, 1, 3) == (big + 1 - 1) // 3 + 1
    assert cs.transposed_conv_output_size(big, 4, 3, 1, a=2) == 3 * (big - 1) + 2 + 3 + 1 - 2
    assert cs.transposed_conv_a(big, 3, 7) == (big - 3) % 7
    r = cs.input_size_range(big, 3, 2, 1)
    assert all(cs.conv_output_size(n, 3, 2, 1) == big for n in (r.start, r.stop - 1))
    assert cs.same_padding(big + 1, 5, 2) == (2, 2)
    # a float path would be off here: 2**53 + 1 is not a double
    n = 2**53 + 1
    assert cs.conv_output_size(n, 1) == n


PARAMS = {"i": 8, "k": 3, "s": 2, "p": 1, "a": 1, "d": 1, "o": 3}
PER_AXIS = ["conv_output_size", "transposed_conv_output_size", "transposed_conv_a",
            "pool_output_size", "same_padding", "input_size_range"]


def _args(fn: Any) -> list[str]:
    return list(fn.__code__.co_varnames[: fn.__code__.co_argcount])


@pytest.mark.parametrize("name", PER_AXIS)
@pytest.mark.parametrize("bad", [True, 3.0, "3", None, 3 + 0j])
def test_non_int_is_a_type_error_naming_the_parameter(
    cs: ModuleType, name: str, bad: object
) -> None:
    fn = getattr(cs, name)
    for param in _args(fn):
        args = {q: PARAMS[q] for q in _args(fn)}
        args[param] = bad
        with pytest.raises(TypeError, match=rf"^{param} must be an int, got {type(bad).__name__}$"):
            fn(**args)


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("conv_output_size", (0, 3), "i must be >= 1, got 0"),
        ("conv_output_size", (5, 0), "k must be >= 1, got 0"),
        ("conv_output_size", (5, 3, 0), "s must be >= 1, got 0"),
        ("conv_output_size", (5, 3, 1, -1), "p must be >= 0, got -1"),
        ("conv_output_size", (5, 3, 1, 0, 0), "d must be >= 1, got 0"),
        ("conv_output_size", (2, 3), "window does not fit: i + 2p = 2 < d(k-1)+1 = 3 "
         "(output would be < 1)"),
        ("pool_output_size", (5, 3, -2), "s must be >= 1, got -2"),
        ("transposed_conv_output_size", (4, 3, 2, 0, 1, 2), "a must be in 0..s-1 (s=2), got 2"),
        ("transposed_conv_output_size", (4, 3, 2, 0, 1, -1), "a must be in 0..s-1 (s=2), got -1"),
        ("transposed_conv_output_size", (1, 1, 1, 1),
         "output would be < 1: s(i-1) + a + d(k-1) + 1 - 2p = -1"),
        ("same_padding", (5, 3, 1, 0), "d must be >= 1, got 0"),
        ("input_size_range", (0, 3), "o must be >= 1, got 0"),
    ],
)
def test_value_errors_name_parameter_and_condition(
    cs: ModuleType, name: str, args: tuple[int, ...], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + __import__("re").escape(message) + "$"):
        getattr(cs, name)(*args)


def test_whole_tensor_shapes(cs: ModuleType) -> None:
    assert cs.conv_shape((8, 16, 32, 32), (32, 16, 3, 3), 2, 1) == (8, 32, 16, 16)
    assert cs.conv_shape([1, 4, 7, 9, 11], [6, 2, 3, 3, 1], (1, 2, 3), 0, (1, 2, 1), 2) == (
        1, 6, 5, 3, 4)
    assert cs.conv_transpose_shape((2, 8, 16, 16), (8, 3, 3, 3), 2, 1, 1, 1, 2) == (2, 6, 32, 32)
    assert cs.pool_shape((1, 3, 32, 31), 2) == (1, 3, 16, 15)
    assert cs.pool_shape((1, 3, 32, 31), (3, 2), (2, 1), (1, 0)) == (1, 3, 16, 30)


@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (lambda cs: cs.conv_shape((1, 3, 8), (4, 3, 3, 3)), ValueError,
         "weight_shape rank 4 must equal input_shape rank 3"),
        (lambda cs: cs.conv_shape((1, 3), (4, 3)), ValueError,
         "input_shape must have rank >= 3 (N, C, *spatial), got rank 2"),
        (lambda cs: cs.conv_shape((1, 4, 8), (4, 3, 3)), ValueError,
         "input channels 4 must equal weight_shape[1] * groups = 3 * 1"),
        (lambda cs: cs.conv_shape((1, 4, 8), (6, 1, 3), groups=4), ValueError,
         "output channels must be divisible by groups: 6 % 4 != 0"),
        (lambda cs: cs.conv_shape((1, 4, 8), (4, 4, 3), groups=0), ValueError,
         "groups must be >= 1, got 0"),
        (lambda cs: cs.conv_shape((1, 3, 8, 8), (4, 3, 3, 3), (1, 1, 1)), ValueError,
         "stride must have one value per spatial axis (2), got 3"),
        (lambda cs: cs.conv_shape((1, 3, 8, 2), (4, 3, 3, 3)), ValueError,
         "spatial axis 1: window does not fit: i + 2p = 2 < d(k-1)+1 = 3 (output would be < 1)"),
        (lambda cs: cs.conv_shape((1, 3, 8, True), (4, 3, 3, 3)), TypeError,
         "spatial axis 1: i must be an int, got bool"),
        (lambda cs: cs.conv_shape("abc", (4, 3, 3)), TypeError,
         "input_shape must be a sequence of ints, got str"),
        (lambda cs: cs.conv_transpose_shape((1, 3, 8), (4, 2, 3)), ValueError,
         "input channels 3 must equal weight_shape[0] = 4"),
        (lambda cs: cs.conv_transpose_shape((1, 4, 8), (4, 2, 3), 2, 0, 1, 2), ValueError,
         "spatial axis 0: a must be in 0..s-1 (s=2), got 2"),
        (lambda cs: cs.pool_shape((1, 3, 8, 8), (2, 2, 2)), ValueError,
         "kernel_size must have one value per spatial axis (2), got 3"),
        (lambda cs: cs.pool_shape((1, 3, 8, 8), 2, 2.0), TypeError,
         "stride must be an int or a sequence of ints, got float"),
    ],
)
def test_whole_tensor_errors(cs: ModuleType, call: Any, exc: type, message: str) -> None:
    with pytest.raises(exc) as info:
        call(cs)
    assert str(info.value) == message


def test_module_is_stdlib_only(tmp_path: Path) -> None:
    """Import time of the installed form (bytecode compiled, as pip does), best of 3 fresh
    interpreters; and nothing outside the standard library gets imported."""
    import py_compile

    copy = tmp_path / "convshape.py"
    copy.write_text(MODULE.read_text(encoding="utf-8"), encoding="utf-8")
    py_compile.compile(str(copy), doraise=True)
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "t = time.perf_counter(); import convshape; dt = time.perf_counter() - t;"
        "assert convshape.__file__.startswith(sys.argv[1]);"
        "bad = sorted(m for m in ('sympy', 'z3', 'jinja2', 'symconv', 'numpy', 'torch') "
        "if m in sys.modules);"
        "print(dt, *bad)"
    )
    times = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
            check=True,
        ).stdout.split()
        assert len(out) == 1, f"non-stdlib modules imported: {out[1:]}"
        times.append(float(out[0]))
    assert min(times) < 1.0, times  # a guard; the speed (ms) is measured in tests/bench_speed.py


def test_every_docstring_states_formula_and_relation(cs: ModuleType) -> None:
    for name in PER_AXIS:
        doc = getattr(cs, name).__doc__
        assert "Relation R" in doc
        assert "Requires:" in doc
    assert "//" in cs.conv_output_size.__doc__
    assert "R14" in cs.conv_transpose_shape.__doc__
    assert "R15" in cs.conv_shape.__doc__


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (sp.floor((i - k) / s) + 1, "(i - k) // s + 1"),
        (sp.ceiling(i / s), "-(-i // s)"),
        (sp.Mod(i - k, s), "(i - k) % s"),
        (sp.Max(0, i - k), "max(0, i - k)"),
        (-(i - k) * s, "s * (k - i)"),
        (-s * sp.floor(i / 2), "-(s * (i // 2))"),
    ],
)
def test_printer_is_integer_exact(expr: sp.Expr, text: str) -> None:
    assert py(expr) == text


@given(x=st.integers(-50, 50), y=st.integers(-9, 9).filter(bool), z=st.integers(-9, 9))
def test_printed_expressions_evaluate_like_the_engine(x: int, y: int, z: int) -> None:
    from symconv.symbols import a, d

    exprs = [sp.floor((i - k) / s), sp.ceiling((i + 2 * k) / s), sp.Mod(i - k * a, s),
             sp.Max(1, i - d * (k - 1)) - sp.floor(-i / s), -(i - 1) * (k + 2) ** 2]
    env = {"i": x, "k": z, "s": y, "a": z - 1, "d": x % 5}
    for e in exprs:
        tree = __import__("ast").parse(py(e), mode="eval")
        value = _eval_int(tree.body, env)
        assert value == evaluate(e, env), py(e)


def _eval_int(node: Any, env: dict[str, int]) -> int:
    """A tiny evaluator for the printer's output (no eval): names, ints, + - * // % **, max."""
    import ast
    import operator

    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval_int(node.operand, env)
    if isinstance(node, ast.BinOp):
        result: int = ops[type(node.op)](_eval_int(node.left, env), _eval_int(node.right, env))
        return result
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        fn = {"max": max, "min": min}[node.func.id]
        return fn(*(_eval_int(x, env) for x in node.args))
    raise AssertionError(ast.dump(node))


def test_printer_refuses_non_integer_arithmetic() -> None:
    with pytest.raises(PrintError):
        py(i / s)
    with pytest.raises(PrintError):
        py(sp.Rational(1, 2) * i)


def test_bool_is_refused_in_whole_tensor_helpers(cs: ModuleType) -> None:
    with pytest.raises(TypeError, match=r"^spatial axis 0: s must be an int, got bool$"):
        cs.conv_shape((1, 3, 8, 8), (4, 3, 3, 3), True)
    with pytest.raises(TypeError, match=r"^input_shape\[1\] must be an int, got bool$"):
        cs.pool_shape((1, True, 8), 2)


def test_any_integer_type_is_taken_as_its_int(cs: ModuleType) -> None:
    """numpy's integers (and anything with __index__ but bool) are integers: taken, exactly;
    numpy.bool_ and numpy.float64 are refused like bool and float."""
    np = pytest.importorskip("numpy")
    n = np.int64
    assert cs.conv_output_size(n(32), n(3), n(2), n(1), n(1)) == 16
    assert type(cs.conv_output_size(n(32), np.int32(3))) is int
    assert cs.transposed_conv_output_size(np.uint8(16), n(3), s=n(2), p=n(1), a=n(1)) == 32
    assert cs.same_padding(np.int16(5), n(3), n(2)) == (1, 1)
    assert cs.input_size_range(n(16), n(3), n(2), n(1)) == range(31, 33)
    shape = cs.conv_shape(list(np.array([8, 16, 32, 32])), tuple(np.array([32, 16, 3, 3])), n(2),
                          n(1))
    assert shape == (8, 32, 16, 16)
    assert all(type(v) is int for v in shape)
    assert cs.conv_transpose_shape((n(2), n(8), n(16)), (8, 3, 3), n(2), n(1), n(1), n(1),
                                   groups=n(2)) == (2, 6, 32)
    assert cs.pool_shape([n(1), n(3), n(32)], n(2)) == (1, 3, 16)
    for bad, kind in [(np.bool_(True), "bool"), (np.float64(3.0), "float64")]:
        with pytest.raises(TypeError, match=rf"^k must be an int, got {kind}$"):
            cs.conv_output_size(8, bad)


def test_one_parameter_order_and_keywords(cs: ModuleType) -> None:
    """i (or o), k, s, p, d, a everywhere: the transposed helper and conv_transpose_shape too
    (stride, padding, dilation, output_padding, then groups), keywords accepted."""
    assert _args(cs.transposed_conv_output_size) == ["i", "k", "s", "p", "d", "a"]
    assert cs.transposed_conv_output_size(5, 3, 2, 1, 2, 1) == 2 * 4 + 2 * 2 + 1 + 1 - 2
    assert cs.transposed_conv_output_size(a=1, d=2, p=1, s=2, k=3, i=5) == 12
    assert _args(cs.conv_transpose_shape)[2:] == ["stride", "padding", "dilation",
                                                  "output_padding", "groups"]
    # s = 1, d = 2, a = 1: PyTorch accepts it (a < max(s, d)); the guide's R14 does not
    with pytest.raises(ValueError, match=r"a must be in 0\.\.s-1 \(s=1\), got 1"):
        cs.conv_transpose_shape((1, 2, 8), (2, 2, 3), 1, 0, 2, 1)
    assert "frameworkshape.torch_conv_transpose" in cs.conv_transpose_shape.__doc__


@pytest.mark.slow
def test_generated_module_is_strictly_typed_and_lint_clean() -> None:
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(MODULE)],
                          capture_output=True, text=True, cwd=ROOT)
    assert mypy.returncode == 0, mypy.stdout
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", str(MODULE.parent)],
                          capture_output=True, text=True, cwd=ROOT)
    assert ruff.returncode == 0, ruff.stdout


def test_generated_text_has_no_float_arithmetic() -> None:
    import ast

    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)), ast.dump(node)
        assert not (isinstance(node, ast.Constant) and type(node.value) is float)
        assert not (isinstance(node, ast.Name) and node.id in {"float", "math", "round"})
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            assert not any(n.startswith("math") for n in names)


@given(
    shape=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    data=st.data(),
)
def test_conv_shape_matches_counting_every_nd_window(
    cs: ModuleType, shape: list[int], data: st.DataObject
) -> None:
    from symconv.reference import count_placements_nd

    rank = len(shape)
    per_axis = st.lists(st.integers(1, 4), min_size=rank, max_size=rank)
    kernel, stride, dilation = data.draw(per_axis), data.draw(per_axis), data.draw(per_axis)
    padding = data.draw(st.lists(st.integers(0, 3), min_size=rank, max_size=rank))
    groups = data.draw(st.sampled_from([1, 2]))
    x, w = (2, 2 * groups, *shape), (3 * groups, 2, *kernel)
    want = count_placements_nd(shape, kernel, stride, padding, dilation)
    if min(want) >= 1:
        got = cs.conv_shape(x, w, stride, padding, dilation, groups)
        assert got == (2, 3 * groups, *want)
    else:
        with pytest.raises(ValueError, match="window does not fit"):
            cs.conv_shape(x, w, stride, padding, dilation, groups)


HAS_TORCH = __import__("importlib").util.find_spec("torch") is not None


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")
@given(i=st.integers(1, 12), k=st.integers(1, 5), s=st.integers(1, 4), p=st.integers(0, 3),
       d=st.integers(1, 3), a=st.integers(0, 3))
def test_against_pytorch_itself(
    cs: ModuleType, i: int, k: int, s: int, p: int, d: int, a: int
) -> None:
    """The real framework is the judge: shapes of actual torch ops on tiny tensors."""
    import torch
    import torch.nn.functional as F

    x = torch.zeros(1, 1, i)
    w = torch.zeros(1, 1, k)
    ours_ok = placements(i, k, s, p, d) >= 1
    if ours_ok:
        assert F.conv1d(x, w, stride=s, padding=p, dilation=d).shape[-1] == (
            cs.conv_output_size(i, k, s, p, d))
    else:
        with pytest.raises(RuntimeError):
            F.conv1d(x, w, stride=s, padding=p, dilation=d)
    # PyTorch pools only with p <= k/2; it agrees with floor mode there
    if ours_ok and 2 * p <= k:
        got = F.max_pool1d(x, k, stride=s, padding=p, dilation=d).shape[-1]
        assert got == cs.pool_output_size(i, k, s, p, d)
    if a < s:
        want = cs.transposed_conv_output_size(i, k, s, p, d, a) if (
            s * (i - 1) + a + d * (k - 1) + 1 - 2 * p >= 1) else None
        try:
            got_t = F.conv_transpose1d(x, w, stride=s, padding=p, output_padding=a,
                                       dilation=d).shape[-1]
        except RuntimeError:
            got_t = None
        assert got_t == want


class _Int:
    """An integer that is not an int (as numpy.int64): conv_shape's checked path takes it."""

    def __init__(self, v: int) -> None:
        self.v = v

    def __index__(self) -> int:
        return self.v


def _outcome(f: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", f(*args)
    except (TypeError, ValueError) as exc:
        return type(exc).__name__, str(exc)


SMALL = st.integers(-2, 9)


def _seq(n: int) -> st.SearchStrategy[Any]:
    """n small integers as a list or a tuple (conv_shape's fast paths take both)."""
    items = st.lists(SMALL, min_size=n, max_size=n)
    return st.one_of(items, items.map(tuple))


@st.composite
def _conv_case(draw: Any) -> tuple[Any, ...]:
    """conv_shape's arguments, half of them with channels that agree with groups (so that the
    spatial checks decide, and the fast paths answer often)."""
    r = draw(st.integers(1, 3))
    groups = draw(st.integers(-1, 4))
    x, w = draw(_seq(r + 2)), draw(_seq(r + 2))
    if groups >= 1 and draw(st.booleans()):
        ci, n = draw(st.integers(1, 3)), draw(st.integers(0, 3))
        co = groups * draw(st.integers(0, 3))
        kind = type(x)
        x = kind([n, ci * groups, *x[2:]])
        w = type(w)([co, ci, *w[2:]])
    per_axis = [draw(st.one_of(SMALL, _seq(r))) for _ in range(3)]
    return (x, w, *per_axis, groups)


@given(_conv_case())
def test_conv_shapes_fast_path_answers_as_its_checked_path(case: tuple[Any, ...]) -> None:
    """conv_shape answers plain ints without its per-axis calls (as fast as PyTorch's shape
    function, `symconv bench`); the same arguments as non-int integers take the checked path:
    the same answer, or the same error with the same message."""
    cs = load_convshape()
    x, w, stride, padding, dilation, groups = case

    def wrap(v: Any) -> Any:
        return [_Int(e) for e in v] if isinstance(v, list | tuple) else _Int(v)

    fast = _outcome(cs.conv_shape, x, w, stride, padding, dilation, groups)
    checked = _outcome(cs.conv_shape, wrap(x), wrap(w), wrap(stride), wrap(padding),
                       wrap(dilation), wrap(groups))
    assert fast == checked, (case, fast, checked)
    if fast[0] == "value":
        assert cs._conv_fast(x, w, stride, padding, dilation, groups) == fast[1]


@pytest.mark.parametrize("axis", [0, 1])
def test_conv_shapes_2d_fast_path_decides_each_condition_of_each_axis(axis: int) -> None:
    """The unrolled 2-d fast path, one axis varied over every side of each of its checks (the
    other axis valid), as lists and tuples: the checked path's answer or error every time."""
    cs = load_convshape()
    grid = itertools.product((0, 1, 2, 5), (0, 1, 3), (0, 1, 2), (-1, 0, 1), (0, 1, 2))
    for size, kernel, step, pad, dil in grid:
        for kind in (list, tuple):
            x, w = [2, 6, 7, 7], [4, 3, 3, 3]
            stride, padding, dilation = [2, 2], [1, 1], [1, 1]
            x[2 + axis], w[2 + axis] = size, kernel
            stride[axis], padding[axis], dilation[axis] = step, pad, dil
            case = (kind(x), kind(w), kind(stride), kind(padding), kind(dilation), 2)
            fast = _outcome(cs.conv_shape, *case)
            checked = _outcome(cs.conv_shape, *(
                [_Int(e) for e in v] if isinstance(v, list | tuple) else _Int(v) for v in case))
            assert fast == checked, (case, fast, checked)
