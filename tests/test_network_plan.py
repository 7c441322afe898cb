"""The size planner of the real-model tests (``network_plan``) on synthetic answers: it keeps
the smallest sizes, every size near a boundary of each residue class and of every interval,
and samples only where the pattern repeats."""

from __future__ import annotations

import network_plan as P


def _sig(valid: dict[int, bool], out: dict[int, int] | None = None) -> dict[int, P.Signature]:
    output = {n: (out[n] if out else n,) for n in valid if valid[n]}
    layer = {n: None if valid[n] else ("small" if n < 32 else "merge") for n in valid}
    return P.signatures(valid, layer, output)


def test_a_periodic_valid_set_is_judged_densely_over_one_period_past_its_start() -> None:
    sig = _sig({n: n >= 32 and n % 16 == 0 for n in range(1, 513)})
    assert P.period(sig) is not None
    plan = P.plan(sig, "periodic")
    for boundary in (32, 33, 48, 49):  # the first valid size of the class and the next class
        assert set(range(boundary - 3, boundary + 4)) <= set(plan)
    assert set(range(1, 9)) <= set(plan)
    assert 512 in plan
    assert len(plan) < 80  # repetitions above are sampled, not listed


def test_an_interval_and_a_change_of_the_refusing_layer_are_boundaries() -> None:
    sig = _sig({n: 224 <= n <= 255 for n in range(1, 513)})
    plan = set(P.plan(sig, "band"))
    assert set(range(221, 228)) | set(range(253, 260)) | set(range(29, 36)) <= plan


def test_a_change_of_the_output_slope_is_a_boundary() -> None:
    sig = _sig(dict.fromkeys(range(1, 201), True), {n: n if n < 100 else 2 * n
                                                     for n in range(1, 201)})
    assert set(range(97, 104)) <= set(P.plan(sig, "slope"))
    assert P.plan(sig, "slope") == P.plan(sig, "slope")  # a fixed sample
