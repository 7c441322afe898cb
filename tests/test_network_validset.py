"""V against the reference, its normal form and its proofs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.network import terms as T
from symconv.network.analysis import analyse
from symconv.network.ir import Kind, Network, Node
from symconv.network.proofs import Session
from symconv.network.frontends.spec import load_spec, parse_spec
from symconv.network.validset import Periodic, _prove_equivalent, solve_axis, valid_set
from symconv.network.verdict import Verdict as Status
from tests.network_reference import run

EXAMPLES = {p.stem: p for p in (Path(__file__).parent.parent / "examples" / "networks").glob(
    "*.toml")}

EXPECTED = {
    "unet-padded": "(H ≥ 16 and H ≡ 0 (mod 16)) and (W ≥ 16 and W ≡ 0 (mod 16))",
    "unet-2015": "H ≥ 188 and W ≥ 188",
    "resnet18": "H ≥ 1 and W ≥ 1",
    "dilated": "H ≥ 67 and W ≥ 67",
    "transposed-residual": "H ∈ {1} ∪ {H ≥ 4 : H ≡ 0 (mod 4)} and W ∈ {1} ∪ {W ≥ 4 : W ≡ 0 "
                           "(mod 4)}",
    "ceil-pool": "(H ≥ 9 and H mod 8 ∈ {1, 2, 3, 4}) and (W ≥ 9 and W mod 8 ∈ {1, 2, 3, 4})",
    "vgg11-fixed": "(H, W) ∈ [32, 63] × [1568, 1599] ∪ [224, 255] × [224, 255] ∪ [1568, 1599] × "
                   "[32, 63]",
    "bench-100": "(H ≥ 16 and H ≡ 0 (mod 16)) and (W ≥ 16 and W ≡ 0 (mod 16))",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_examples_valid_set_proved_and_equal_to_reference(name: str) -> None:
    network = load_spec(EXAMPLES[name])
    v = valid_set(analyse(network))
    assert v.status is Status.PROVED
    assert all(s.result.status is Status.PROVED for s in v.steps)
    assert v.text() == EXPECTED[name]
    sizes = [*range(1, 70), 187, 188, 223, 224, 255, 256, 572]
    for n in sizes:
        assert v.contains((n, n)) == (run(network, (n, n)).refused is None), n
    for h, w in [(32, 1568), (63, 1599), (64, 1599), (1, 4), (4, 8), (9, 12), (16, 1)]:
        assert v.contains((h, w)) == (run(network, (h, w)).refused is None), (h, w)


def test_valid_set_holds_for_negative_and_zero_sizes_too() -> None:
    # the proof is for all integers: the normal form says no to every size below 1
    v = valid_set(analyse(load_spec(EXAMPLES["transposed-residual"])))
    assert v.boxes is not None
    for box in v.boxes:
        for s in box:
            assert all(x not in s for x in range(-40, 1))


def _chain(*nodes: Node, axes: tuple[str, ...] = ("H",)) -> Network:
    return Network("t", axes, 1, (Node("x", Kind.INPUT, (), "t"), *nodes), (nodes[-1].name,))


def _conv(name: str, src: str, k: int, s: int = 1, p: int = 0) -> Node:
    return Node(name, Kind.WINDOW, (src,), "t", "conv", "torch", "torch.conv",
                ({"k": k, "s": s, "p": p, "d": 1},))


def test_empty_valid_set_is_reported_with_the_first_layer_making_it_empty() -> None:
    # after two stride-2 layers the size is ⌊(H+3)/4⌋; equal to ⌊(H+1)/2⌋ only for H ≤ 2,
    # where a later 5-kernel cannot fit
    net = _chain(_conv("a", "x", 3, 2, 1), _conv("b", "a", 3, 2, 1), _conv("c", "x", 3, 2, 1),
                 Node("cat", Kind.CONCAT, ("b", "c"), "t", "cat", "torch"), _conv("d", "cat", 5))
    v = valid_set(analyse(net))
    assert v.empty
    assert v.status is Status.PROVED
    assert v.empty_by is not None
    assert v.empty_by.layer == "d"
    assert v.text().startswith("∅")
    for n in range(1, 200):
        assert run(net, (n,)).refused is not None


def test_a_layer_refusing_every_size_makes_v_empty_not_an_error() -> None:
    net = _chain(_conv("a", "x", 3),
                 Node("gap", Kind.ADAPTIVE_POOL, ("a",), "t", "pool", "torch", axes=({"size": 1},)),
                 Node("flat", Kind.FLATTEN, ("gap",), "t", "flatten", "torch"),
                 Node("fc", Kind.LINEAR, ("flat",), "t", "linear", "torch", channels=4,
                      attrs={"in_features": 5}))
    v = valid_set(analyse(net))
    assert v.empty
    assert v.empty_by is not None
    assert v.empty_by.layer == "fc"


def test_a_period_too_large_gives_the_conjunction_and_unknown() -> None:
    nodes = [_conv("c0", "x", 3, 3)]
    for n in range(1, 9):
        nodes.append(_conv(f"c{n}", f"c{n - 1}", 3, 3))
    nodes.append(_conv("skip", "x", 1, 3 ** 9))
    nodes.append(Node("add", Kind.CONCAT, ("c8", "skip"), "t", "cat", "torch"))
    v = valid_set(analyse(_chain(*nodes)))
    assert v.boxes is None
    assert v.status is Status.UNKNOWN
    assert "period" in v.reason
    # still exact: membership falls back to the conjunction itself
    net = _chain(*nodes)
    for n in (1, 3 ** 9, 3 ** 9 + 1, 2 * 3 ** 9):
        assert v.contains((n,)) == (run(net, (n,)).refused is None)


def test_a_wrong_guess_is_refuted_with_a_counterexample_that_re_evaluates() -> None:
    x = T.var("x")
    cond = T.conj(T.ge(x, 4), T.eq(T.mod(x, 4), 0))
    wrong = Periodic((), 4, 8, (0,))
    result = _prove_equivalent(wrong, cond, "x", Session())
    assert result.status is Status.REFUTED
    assert result.counterexample is not None
    cx = result.counterexample["x"]
    assert (cx in wrong) != T.holds(cond, {"x": cx})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(-3, 6), st.integers(1, 4)),
                min_size=1, max_size=4), st.integers(0, 12))
def test_solve_axis_agrees_with_brute_force(layers: list[tuple[int, int, int]], bound: int
                                            ) -> None:
    """Random chains of ⌊(x + b)/s⌋ sizes with size ≥ k conditions, and an equality of two
    of them: the proved normal form agrees with evaluation everywhere we look."""
    x = T.var("x")
    size = x
    sizes = []
    conds = [T.ge(x, 1)]
    for k, b, s in layers:
        size = T.floor_div(size + b, s)
        sizes.append(size)
        conds.append(T.ge(size, k))
    if len(sizes) > 1:
        conds.append(T.eq(sizes[0], sizes[-1] + bound % 3))
    cond = T.conj(*conds)
    solved = solve_axis(cond, "x", Session())
    assert solved.result.status is Status.PROVED
    assert solved.normal is not None
    for n in range(-20, 400):
        assert (n in solved.normal) == T.holds(cond, {"x": n})


@pytest.mark.parametrize(("periodic", "text"), [
    (Periodic((), 32, 32, (0,)), "H ≥ 32 and H ≡ 0 (mod 32)"),
    (Periodic(((224, 224),)), "H = 224"),
    (Periodic(((224, 255),)), "224 ≤ H ≤ 255"),
    (Periodic(((1, 1),), 4, 4, (0,)), "H ∈ {1} ∪ {H ≥ 4 : H ≡ 0 (mod 4)}"),
    (Periodic((), 1), "H ≥ 1"),
    (Periodic(), "no H"),
    (Periodic(((1, 2), (5, 9)), 20, 3, (0, 2)), "H ∈ {1, 2} ∪ [5, 9] ∪ {H ≥ 20 : H mod 3 ∈ "
                                               "{0, 2}}"),
])
def test_periodic_text(periodic: Periodic, text: str) -> None:
    assert periodic.text("H") == text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 4)), max_size=3),
       st.one_of(st.none(), st.tuples(st.integers(40, 60), st.integers(1, 6), st.data())),
       st.integers(-5, 120))
def test_periodic_membership_navigation_and_condition_agree(
        raw: list[tuple[int, int]], tail: object, x: int) -> None:
    finite: list[tuple[int, int]] = []
    top = 0
    for start, length in raw:
        lo = max(start, top + 2)
        finite.append((lo, lo + length))
        top = lo + length
    finite = [iv for iv in finite if iv[1] < 40]
    if tail is None:
        p = Periodic(tuple(finite))
    else:
        start, modulus, data = tail  # type: ignore[misc]
        residues = tuple(sorted(data.draw(st.sets(st.integers(0, modulus - 1), min_size=1))))
        p = Periodic(tuple(finite), start, modulus, residues)
    members = [n for n in range(-5, 200) if n in p]
    assert (x in p) == T.holds(p.cond(T.var("H")), {"H": x})
    above = [n for n in members if n >= x]
    below = [n for n in members if n <= x]
    assert p.next_at_least(x) == (above[0] if above else None)
    assert p.prev_at_most(x) == (below[-1] if below else None)


def test_spec_level_v_for_a_one_axis_network() -> None:
    net = parse_spec('[input]\naxes = 1\n[[layer]]\nop = "max_pool"\nkernel = 2\n'
                     '[[layer]]\nop = "conv"\nkernel = 3\npadding = 1\n')
    v = valid_set(analyse(net))
    assert v.text() == "L ≥ 2"
