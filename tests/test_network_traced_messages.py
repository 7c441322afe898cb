"""A traced model's refusal at one size in PyTorch's words at that size
(``frontends.messages.at_numbers``, ``TracedStudy.refusal_message``): the printed size
expressions of the symbolic trace's message computed there.

The parser against Python's arithmetic and against PyTorch's own printer (random SymPy sizes
built with torch's functions, printed by ``str`` as a SymInt is, valued by SymPy); then the
brute-force reference, PyTorch itself: for toy models refused by a ``cat``, a convolution or
pooling too big for its input, a ``view``/``reshape`` that does not divide, a broadcast, a
``Linear`` after ``flatten``, a ``math.ceil``, a user's f-string, a ``LayerNorm`` and an
``unfold`` of the wrong size, symconv's answer at every
refused size of a range equals the message of the real CPU forward there, character for
character; and ``--sizes``, ``--json``, ``--input``, ``--why`` and ``network_of`` answer with it.
"""

from __future__ import annotations

import ast
import functools
import inspect
import io
import json
import math
import random
import re
from pathlib import Path
from typing import Any

import pytest

from symconv.network.frontends import messages
from symconv.network.frontends.messages import at_numbers

# ------------------------------------------------------------------------------------------
# The parser: each construct, exact integer semantics


@pytest.mark.parametrize(("text", "sizes", "expected"), [
    ("size 3*s0*s1.", {"s0": 5, "s1": 7}, "size 105."),
    ("size s0 - 9", {"s0": 5}, "size -4"),
    ("size -s0 + 3", {"s0": 5}, "size -2"),
    ("size (((s0 - 1)//2)) + 1", {"s0": 8}, "size 4"),
    ("size ((s0 - 9)//2)", {"s0": 4}, "size -3"),  # floor, not truncation: -5 // 2
    ("size ((s0//s1))*((s1//2))", {"s0": 9, "s1": 4}, "size 4"),
    ("size Mod(s0 - 9, 4)", {"s0": 2}, "size 1"),  # Python's %: -7 % 4
    ("size PythonMod(s0, -4)", {"s0": 7}, "size -1"),  # the divisor's sign
    ("size Max(1, s0), Min(s0, s1, 4)", {"s0": 6, "s1": 5}, "size 6, 4"),
    ("size FloorDiv(s0, 3)", {"s0": 8}, "size 2"),
    ("size CeilToInt(IntTrueDiv(s0, 4))", {"s0": 9}, "size 3"),
    ("size FloorToInt(IntTrueDiv(s0 - 10, 4))", {"s0": 9}, "size -1"),
    ("size TruncToInt(IntTrueDiv(s0 - 10, 4))", {"s0": 9}, "size 0"),  # towards zero
    ("size Abs(s0 - 10)", {"s0": 3}, "size 7"),
    ("size s0**2 + 2**s1", {"s0": 3, "s1": 4}, "size 25"),
    ("size -s0**2", {"s0": 3}, "size -9"),  # ** binds tighter than unary minus, as in Python
    # the message's own parentheses stay; FloorDiv's own pair is the expression's
    ("tensor a (s0) b (((s0 + 1)//2)) c ((s0//2) x (s1//2))", {"s0": 9, "s1": 4},
     "tensor a (9) b (5) c (4 x 2)"),
    ("got (s0 + 1) and (Max(1, s0))", {"s0": 9}, "got (10) and (9)"),
    # PyTorch's size separator: 64x1xs0, 3xs0xs1, 4x(((s0 - 3)//2)) + 1x…
    ("Given input size: (3xs0xs1). Calculated output size: (3x0x(s1//2)).", {"s0": 1, "s1": 5},
     "Given input size: (3x1x5). Calculated output size: (3x0x2)."),
    ("(4x(((s0 - 3)//2)) + 1x(((s1 - 3)//2)) + 1)", {"s0": 3, "s1": 8}, "(4x1x3)"),
    ("mat1 and mat2 shapes cannot be multiplied (1x3*s0*s1 and 48x10)", {"s0": 2, "s1": 3},
     "mat1 and mat2 shapes cannot be multiplied (1x18 and 48x10)"),
    ("shape '[1, 6, (s0//2), 8]' is invalid for input of size 3*s0", {"s0": 5},
     "shape '[1, 6, 2, 8]' is invalid for input of size 15"),
    ("(spatial shape: torch.Size([s0, s1]))", {"s0": 5, "s1": 6},
     "(spatial shape: torch.Size([5, 6]))"),
])
def test_each_construct_is_computed_as_python_does(text: str, sizes: dict[str, int],
                                                    expected: str) -> None:
    assert at_numbers(text, sizes) == expected


@pytest.mark.parametrize("text", [
    # PyTorch's and the user's own text, no symbol: never touched (2**5 stays 2**5)
    "spatial dimensions [2, 3] of input image must be divisible by 2**5.",
    "Given input size: (64x1x1). Calculated output size: (64x0x0). Output size is too small",
    "Calculated padded input size per channel: (1 x 1). Kernel size: (3 x 3).",
    "Wrong image height! Expected 224 but got (4 - 1)!", "resnet50 at 1.5 x", "torch 2.13.0",
    "shape '[1, 8, 8, 7, 7, 64]' is invalid for input of size 125",
    "Expected more than 1 spatial element when training, got input size torch.Size([1, 32, 1])",
    "spatial dimensions [2, 3] of input image (spatial shape: torch.Size([3, 5])) must be "
    "divisible by 2**5.", "height (4) must be divisible by window (7)",
    # a symbol not given (an unbacked u0, another trace's), kept whole: no half-computed part
    "size s0 + u0", "size 2*((s0//2)) + u0", "size (s0 + u0)",
    # a float scale: SymPy's 15 printed digits are not the double (0.333… for 1/3)
    "size (2*TruncToInt(0.5*ToFloat(s0)))", "size 1.5*s0",
    # not an integer (a quotient left unrounded), a division by zero, a condition
    "size IntTrueDiv(s0, 2)", "size (s0//(s0 - 5))", "size Mod(s0, s0 - 5)", "Eq(Mod(s0, 2), 0)",
    # words are not symbols; a call that is not SymPy's is text
    "batch2 conv2d s0_x s0y", "__import__('os')", "__import__('os').system(s0 + u0)",
    "size exp(s0)", "size s0**-1", "size 7**s0**s0",
])
def test_what_is_not_computed_stays_as_it_was(text: str) -> None:
    assert at_numbers(text, {"s0": 5}) == text


def test_what_is_not_computed_has_its_symbols_named_by_the_axes() -> None:
    text = "tensor a (s98) b (2*TruncToInt(0.5*ToFloat(s98))) at s36 + u0"
    assert at_numbers(text, {"s98": 5, "s36": 3}, {"s98": "W", "s36": "H"}) == \
        "tensor a (5) b (2*TruncToInt(0.5*ToFloat(W))) at H + u0"


def test_the_parser_never_evaluates_text() -> None:
    """No eval/exec/compile/__import__ anywhere in the module (a tiny parser of its own): a
    size in quotes is a size put in, the text around it only text."""
    assert at_numbers("__import__('os').system('s0')", {"s0": 5}) == \
        "__import__('os').system('5')"
    tree = ast.parse(Path(messages.__file__).read_text())
    called = {n.func.id for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__", "getattr"}
    assert "import torch" not in Path(messages.__file__).read_text()


def _python_expr(rng: random.Random, depth: int, env: dict[str, int], top: bool = False
                 ) -> tuple[str, int, bool]:
    """A printed integer expression in SymPy's style, its value (Python's arithmetic) and
    whether it mentions a symbol. At the top, parentheses only as FloorDiv prints them (any
    other pair there would be the message's own, kept)."""
    if depth == 0 or rng.random() < 0.25:
        if rng.random() < 0.5:
            name = rng.choice(sorted(env))
            return name, env[name], True
        n = rng.randint(0, 300)
        return str(n), n, False
    a, va, sa = _python_expr(rng, depth - 1, env)
    b, vb, sb = _python_expr(rng, depth - 1, env)
    op = rng.choice(["+", "-", "*", "//", "%", "Max", "Min", "Mod"])
    if op in ("//", "%", "Mod") and vb == 0:
        op = "+"
    if op in ("Max", "Min"):
        return f"{op}({a}, {b})", (max if op == "Max" else min)(va, vb), sa or sb
    if op == "Mod":
        return f"Mod({a}, {b})", va % vb, sa or sb
    value = {"+": va + vb, "-": va - vb, "*": va * vb, "//": va // vb if vb else 0,
             "%": va % vb if vb else 0}[op]
    if top:
        text = f"({a}//{b})" if op == "//" else f"{a} {op} {b}"
    else:
        text = f"(({a}){op}({b}))" if rng.random() < 0.5 else f"({a} {op} {b})"
    return text, value, sa or sb


def test_random_expressions_are_computed_as_python_computes_them() -> None:
    rng = random.Random(18)
    env = {"s0": 17, "s36": 5, "s98": 224}
    for _ in range(2000):
        parts = [_python_expr(rng, 4, env, top=True) for _ in range(3)]
        message = f"Given input size: ({'x'.join(p[0] for p in parts)}). Output size is too small"
        values = [str(p[1]) if p[2] else p[0] for p in parts]  # no symbol: PyTorch's own text
        assert at_numbers(message, env) == \
            f"Given input size: ({'x'.join(values)}). Output size is too small", message


# ------------------------------------------------------------------------------------------
# Against PyTorch's own printer: str() of sizes built with torch's SymPy functions

torch = pytest.importorskip("torch")
sympy = pytest.importorskip("sympy")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils._sympy import functions as tf  # noqa: E402


def _sympy_size(rng: random.Random, depth: int, syms: list[Any]) -> Any:
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(syms) if rng.random() < 0.6 else sympy.Integer(rng.randint(-5, 40))
    a = _sympy_size(rng, depth - 1, syms)
    b = _sympy_size(rng, depth - 1, syms)
    d = rng.choice([sympy.Integer(rng.randint(1, 9)), rng.choice(syms)])  # a positive divisor
    kind = rng.randrange(11)
    return [lambda: a + b, lambda: a - b, lambda: a * b, lambda: tf.FloorDiv(a, d),
            lambda: tf.PythonMod(a, d), lambda: sympy.Mod(a, d), lambda: sympy.Max(a, b),
            lambda: sympy.Min(a, b), lambda: tf.CeilToInt(tf.IntTrueDiv(a, d)),
            lambda: tf.FloorToInt(tf.IntTrueDiv(a, d)),
            lambda: tf.TruncToInt(tf.IntTrueDiv(a, d))][kind]()


def test_sizes_as_pytorch_prints_them_are_computed_as_sympy_values_them() -> None:
    """PyTorch's printer is the reference for the text; SymPy's evaluation at the point for
    the value; the message's own parentheses kept, FloorDiv's dropped."""
    rng = random.Random(2013)
    syms = [sympy.Symbol(n, integer=True, positive=True) for n in ("s0", "s36", "s98")]
    kinds: set[str] = set()
    for _ in range(1500):
        e = _sympy_size(rng, 4, syms)
        point = {s: rng.randint(1, 300) for s in syms}
        value = e.xreplace({s: sympy.Integer(v) for s, v in point.items()})
        assert value.is_Integer, e
        kinds |= {type(a).__name__ for a in sympy.preorder_traversal(e)}
        sizes = {s.name: v for s, v in point.items()}
        text = str(e)
        message = "Expected size {0} but got ({0}) [{0}, 3] (3x{0}x{0})."
        got = at_numbers(message.format(text), sizes)
        assert got == message.format(value if e.free_symbols else text), text
    assert {"FloorDiv", "PythonMod", "Mod", "Max", "Min", "CeilToInt", "FloorToInt",
            "TruncToInt", "Add", "Mul"} <= kinds


# ------------------------------------------------------------------------------------------
# Against PyTorch's real forward, size by size


class _SkipCat(nn.Module):
    """A U-Net's skip: a stride-2 conv's output concatenated with its next level upsampled."""

    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.down2 = nn.Conv2d(4, 4, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(4, 4, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.down(x)
        return torch.cat([a, self.up(self.down2(a))], dim=1)


class _TooSmall(nn.Module):
    """A pool then a 5 × 5 conv: the pool's output empty below 2, the conv's kernel above its
    input below 10."""

    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.conv = nn.Conv2d(3, 4, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.conv(self.pool(x))
        return out


class _PoolAfterConv(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2)
        self.pool = nn.AvgPool2d(3, stride=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.pool(self.conv(x))
        return out


class _View(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(1, 3, -1, 4)


class _Reshape(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(1, 6, x.shape[2] // 2, 8)


class _Broadcast(nn.Module):
    """Every other row added to a ceil-mode pool's rows past the first."""

    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.MaxPool2d(2, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x[:, :, ::2, ::2] + self.pool(x)[:, :, 1:, :]
        return out


class _Strided(nn.Module):
    """Two strided slices broadcast (a size-1 side meets any size), then a cat."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x[:, :, ::2] + x[:, :, ::3], x], 1)


class _Head(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(48, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.fc(x.flatten(1))
        return out


class _Ceil(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(1, 3, math.ceil(x.shape[2] / 4), -1)


class _Checked(nn.Module):
    """A user's own check with the sizes in its f-string (a ``%`` of a size among them)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.shape[2]
        if h % 4 != 0:
            raise ValueError(f"height {h} leaves {h % 4} over 4; pad to {h + (4 - h % 4)}")
        return x


class _Window(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        assert h % 7 == 0, f"height ({h}) must be divisible by window (7)"
        return x.view(1, 3, h // 7, 7, w)


class _Norm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.norm(x)
        return out


class _Unfold(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.unfold(x, 4, stride=3)


class _Resize(nn.Module):
    """F.interpolate to a size computed from the input's (H//2 × W//3): PyTorch's fake
    decompositions of upsampling answered 0 × 0 where the eager kernels refuse."""

    def __init__(self, mode: str, antialias: bool = False) -> None:
        super().__init__()
        self.mode = mode
        self.antialias = antialias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        return F.interpolate(x, size=(h // 2, w // 3), mode=self.mode,
                             antialias=self.antialias)


TOYS = {"skip_cat": _SkipCat, "too_small": _TooSmall, "pool_after_conv": _PoolAfterConv,
        "view": _View, "reshape": _Reshape, "broadcast": _Broadcast, "strided": _Strided,
        "head": _Head, "ceil": _Ceil, "checked": _Checked, "window": _Window, "norm": _Norm,
        "unfold": _Unfold, "resize_nearest": functools.partial(_Resize, "nearest"),
        "resize_nearest_exact": functools.partial(_Resize, "nearest-exact"),
        "resize_bilinear": functools.partial(_Resize, "bilinear"),
        "resize_bicubic_aa": functools.partial(_Resize, "bicubic", True)}
HEIGHTS = range(1, 33)
WIDTHS = (1, 2, 3, 5, 8, 13, 24)


def _real(net: nn.Module, point: tuple[int, ...]) -> tuple[str, str] | None:
    """PyTorch's forward on CPU tensors: None, or (exception type, first line)."""
    try:
        with torch.no_grad():
            net(torch.zeros(1, 3, *point))
    except Exception as exc:  # the model's refusal, of any type
        return type(exc).__name__, str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="module")
def studies() -> dict[str, Any]:
    from symconv.network.traced import study_model

    torch.set_num_threads(1)
    return {name: study_model(cls().eval(), name=name, channels=3, rank=2, max_seconds=120,
                              jobs=1) for name, cls in TOYS.items()}


@pytest.mark.parametrize("name", sorted(TOYS))
def test_each_refusal_is_pytorchs_message_at_that_size(name: str, studies: dict[str, Any]
                                                       ) -> None:
    st = studies[name]
    net = TOYS[name]().eval()
    refused = computed = 0
    for point in ((h, w) for h in HEIGHTS for w in WIDTHS):
        got = st.answer_at(point)
        real = _real(net, point)
        assert got.valid == (real is None), (point, got, real)
        if real is None:
            continue
        refused += 1
        assert got.refused_by is not None
        assert got.refused_by[1] == real[1], (point, st.exploration.region_at(point).path.message)
        computed += got.refused_by[1] != st.exploration.region_at(point).path.message
    assert refused > 0
    assert computed > 0, "no message had a size to compute: the model tests nothing here"


def test_the_answers_of_a_square_size_are_the_points(studies: dict[str, Any]) -> None:
    st = studies["skip_cat"]
    for n in (5, 6, 9):
        assert st.answer(n) == st.answer_at((n, n), n)
    assert st.answer(9).refused_by == ("(model)", "Sizes of tensors must match except in "
                                       "dimension 1. Expected size 5 but got size 6 for tensor "
                                       "number 1 in the list.")


def test_a_float_scale_is_said_in_numbers_by_a_trace_at_that_size() -> None:
    """``F.interpolate(scale_factor=0.5)`` prints its size as ``TruncToInt(0.5*ToFloat(s0))``;
    15 printed digits do not say which double the scale is, so the path's message is not
    computed: the refusal's message is then the one of a trace at those numbers, PyTorch's
    forward's at every refused size."""
    from symconv.network.traced import study_model

    class Interp(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + F.interpolate(F.interpolate(x, scale_factor=1 / 3), scale_factor=3)

    st = study_model(Interp().eval(), name="interp", channels=3, rank=2, max_seconds=60,
                     jobs=1)
    assert "TruncToInt" in next(r.path.message for r in st.exploration.regions
                                if not r.path.valid)
    refused = 0
    for h in range(1, 8):
        for w in (1, 3, 5, 6):
            got = st.answer_at((h, w))
            real = _real(Interp().eval(), (h, w))
            assert got.valid == (real is None), (h, w)
            if real is not None:
                refused += 1
                assert got.refused_by is not None
                assert got.refused_by[1] == real[1], (h, w)
    assert refused > 10


# ------------------------------------------------------------------------------------------
# The CLI and the API answer with it

SOURCE = ("import torch\nfrom torch import nn\n\n\n"
          + inspect.getsource(_SkipCat).replace("class _SkipCat", "class SkipCat"))
SYMBOL = re.compile(r"\b(?:s\d+|H|W)\b")


def _symbolic(target: str) -> list[str]:
    return ["network", "--torch", target, "--symbolic"]


def _cli(argv: list[str]) -> tuple[int, str, str]:
    from symconv.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> str:
    source = tmp_path_factory.mktemp("model") / "skip_cat.py"
    source.write_text(SOURCE)
    return f"{source}:SkipCat"


def test_sizes_and_json_say_the_numbers(target: str) -> None:
    net = _SkipCat().eval()
    code, out, err = _cli([*_symbolic(target), "--sizes", "1..24", "--json"])
    assert code == 0, err
    answers = json.loads(out)
    refused = [a for a in answers if not a["valid"]]
    assert refused
    for a in refused:
        real = _real(net, tuple(a["point"]))
        assert real is not None
        assert a["refused_by"]["message"] == real[1], a
    code, out, err = _cli([*_symbolic(target), "--sizes", "1..24"])
    assert code == 0, err
    rows = [line for line in out.splitlines() if " no " in line]
    assert len(rows) == len(refused)
    for line, a in zip(rows, refused, strict=True):
        assert a["refused_by"]["message"] in line
        assert not SYMBOL.search(line.split(":", 1)[1]), line
    assert re.search(r"^9 +no +· +\(model\): Sizes of tensors must match except in dimension 1\. "
                     r"Expected size 5 but got size 6 for tensor number 1 in the list\.$", out,
                     re.MULTILINE), out


def test_near_input_and_why_say_the_numbers_and_the_paths_keep_the_symbols(target: str) -> None:
    code, out, err = _cli([*_symbolic(target), "--near", "9", "--why", "9", "--json"])
    assert code == 0, err
    report = json.loads(out)
    expected = ("Sizes of tensors must match except in dimension 1. Expected size 5 but got "
                "size 6 for tensor number 1 in the list.")
    assert report["near"]["here"]["refused_by"]["message"] == expected
    assert report["why"]["refused_by"]["message"] == expected
    assert report["why"]["concrete"]["message"] == expected  # the retrace at 9 agrees
    # a path is a region of sizes: its message stays in the axes
    assert any("Expected size (((H - 1)//2)) + 1" in p["refused_by"]["message"]
               for p in report["paths"] if not p["valid"])
    code, out, err = _cli([*_symbolic(target), "--input", "9,9", "--why", "9"])
    assert code == 0, err
    assert f"input 9×9: refused by (model): {expected}" in out
    assert "  in symbols: Sizes of tensors must match except in dimension 1. Expected size " \
        "(((H - 1)//2)) + 1 but got size 2*(((H - 1)//4)) + 2" in out


def test_the_api_says_the_numbers() -> None:
    import symconv

    net = symconv.network_of(_SkipCat(), jobs=1)
    for size in (9, (9, 8), (13, 24)):
        got = net.answer(size)
        assert not got.valid
        real = _real(_SkipCat().eval(), got.point)
        assert real is not None
        assert got.refused_by == ("(model)", real[1])
    with pytest.raises(ValueError, match=r"Expected size 5 but got size 6"):
        net.output(9)
