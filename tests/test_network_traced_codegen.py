"""symconv.network.traced_codegen: a traced model's shape function. PyTorch's size expressions
in the generators' SymPy agree with PyTorch's own reading (compile_python) at every point of a
grid; V's periodic sets as conditions agree with membership; a spec that differs from the paths
is refuted with a counterexample that re-evaluates in plain Python."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest
import sympy as sp

pytest.importorskip("torch")

from torch.utils._sympy.functions import (
    CeilToInt,
    FloorDiv,
    IntTrueDiv,
    Max,
    Min,
    ModularIndexing,
    PythonMod,
)

from symconv.network.codegen import CodegenError
from symconv.network.frontends.symexpr import compile_python
from symconv.network.traced_codegen import (
    _agrees,
    periodic_sympy,
    prove_subject,
    to_sympy,
    traced_code,
)
from symconv.network.validset import Periodic
from symconv.network.verdict import Verdict

S0, S1 = sp.symbols("s0 s1", integer=True, positive=True)
NAMES = {"s0": "H", "s1": "W"}
H, W = sp.symbols("h w", integer=True)
SYMBOLS = {"s0": H, "s1": W}

EXPRESSIONS = [
    FloorDiv(S0 - 1, 32) * 2 + 2,
    FloorDiv(-S0, 2),  # the ceiling idiom -(-h // 2)
    -FloorDiv(-S0, 2),
    PythonMod(S0 + 3, 4),
    ModularIndexing(S0, 2, 3),
    CeilToInt(IntTrueDiv(S0, 3)),
    Max(S0 - 5, 1) + Min(S1, 7),
    FloorDiv(S0 * S1, 4),
]


@pytest.mark.parametrize("e", EXPRESSIONS, ids=str)
def test_sizes_read_as_pytorch_reads_them(e: sp.Expr) -> None:
    plain = to_sympy(e, SYMBOLS)
    reference = compile_python(e, NAMES)
    for h, w in itertools.product(range(-9, 40), (1, 2, 5, 8, 13)):
        assert int(plain.subs({H: h, W: w})) == reference({"H": h, "W": w}), (e, h, w)


@pytest.mark.parametrize("e", [FloorDiv(S0, S1), sp.Float(1.5) * S0, IntTrueDiv(S0, 2),
                               FloorDiv(S0, -2)], ids=str)
def test_what_has_no_code_is_refused(e: sp.Expr) -> None:
    with pytest.raises(CodegenError):
        to_sympy(e, SYMBOLS)


@pytest.mark.parametrize("s", [Periodic(start=3, residues=(0,)), Periodic(((1, 1),), 4, 4, (0,)),
                               Periodic(((2, 5), (7, 7)), 9, 8, (1, 2, 3, 4)), Periodic()],
                         ids=repr)
def test_periodic_sets_as_conditions(s: Periodic) -> None:
    cond = periodic_sympy(s, H)
    for h in range(1, 80):
        assert bool(cond.subs(H, h)) == (h in s), (s, h)




@pytest.fixture(scope="module")
def branchy() -> object:
    """examples/networks/branchy.py: an odd width loses a column (torch.fx cannot record it)."""
    from symconv.network.frontends.torch_frontend import build_model
    from symconv.network.traced import study_model

    source = Path(__file__).resolve().parents[1] / "examples" / "networks" / "branchy.py"
    return study_model(build_model(f"{source}:Branchy", None), name="Branchy", jobs=1)


def test_the_spec_is_proved_equal_to_the_paths(branchy: object) -> None:
    code = traced_code(branchy, "branchy.py")  # type: ignore[arg-type]
    assert prove_subject(branchy, code).status is Verdict.PROVED  # type: ignore[arg-type]
    assert isinstance(code.spec.results[1], sp.Piecewise)  # W-3 on odd W, W-2 on even


@pytest.mark.parametrize("mutation", ["one form", "wider check"])
def test_a_spec_that_differs_is_refuted_and_reevaluates(branchy: object,
                                                        mutation: str) -> None:
    code = traced_code(branchy, "branchy.py")  # type: ignore[arg-type]
    spec = code.spec
    if mutation == "one form":
        spec = dataclasses.replace(spec, results=(spec.results[0], W - 2))
    else:
        first = spec.requires[0]
        spec = dataclasses.replace(spec, requires=(dataclasses.replace(
            first, condition=sp.Ge(H, 2)), *spec.requires[1:]))
    wrong = dataclasses.replace(code, spec=spec)
    result = prove_subject(branchy, wrong)  # type: ignore[arg-type]
    assert result.status is Verdict.REFUTED
    assert result.counterexample is not None
    assert not _agrees(wrong, result.counterexample)
