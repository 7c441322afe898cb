"""Conformance of the PyTorch rules against real PyTorch (CPU), every output size and every refusal
over the exhaustive grid i ≤ 12, k ≤ 6, s ≤ 4, p ≤ 4, d ≤ 3, every output_padding 0..5 and
ceil_mode, plus the ``output_size`` path. 1-D ops on tiny tensors; one thread (the machine is
shared, and thread-pool wake-ups otherwise dominate)."""

from __future__ import annotations

import itertools
from functools import partial
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from symconv.frameworks import get
from symconv.frameworks.base import Refused
from symconv.frameworks.compiled import verdict
from framework_helpers import generated

torch = pytest.importorskip("torch")
F = torch.nn.functional

SIZES, K, S, P, D = range(1, 13), range(1, 7), range(1, 5), range(0, 5), range(1, 4)
A = range(0, 6)


def observe(call: Callable[[], Any]) -> int | Refused:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # padding='same' with even k warns about a copy
            return int(call().shape[-1])
    except (RuntimeError, ValueError) as exc:
        return Refused(str(exc))


def agrees(expected: int | Refused, got: int | Refused) -> bool:
    if isinstance(expected, Refused):
        return isinstance(got, Refused) and expected.message in got.message
    return expected == got


Case = tuple[str, dict[str, int], Callable[[], Any]]


def cases() -> Iterator[Case]:
    x = {i: torch.zeros(1, 1, i) for i in SIZES}
    w = {k: torch.zeros(1, 1, k) for k in K}
    for i, k, s, p, d in itertools.product(SIZES, K, S, P, D):
        env = {"i": i, "k": k, "s": s, "p": p, "d": d}
        xi, wk = x[i], w[k]
        yield "torch.conv", env, partial(F.conv1d, xi, wk, stride=s, padding=p, dilation=d)
        if p == 0:
            yield "torch.conv.valid", env, partial(F.conv1d, xi, wk, stride=s, padding="valid",
                                                   dilation=d)
            yield "torch.conv.same", env, partial(F.conv1d, xi, wk, stride=s, padding="same",
                                                  dilation=d)
        for a in A:
            yield "torch.conv_transpose", {**env, "a": a}, partial(
                F.conv_transpose1d, xi, wk, stride=s, padding=p, output_padding=a, dilation=d)
        for ceil in (False, True):
            sfx = ".ceil" if ceil else ""
            yield f"torch.max_pool{sfx}", env, partial(F.max_pool1d, xi, k, s, p, d,
                                                       ceil_mode=ceil)
            if d == 1:
                yield f"torch.avg_pool{sfx}", env, partial(F.avg_pool1d, xi, k, s, p,
                                                           ceil_mode=ceil)


def output_size_cases() -> Iterator[Case]:
    for k, s, p, d in itertools.product(K, S, P, D):
        layer = torch.nn.ConvTranspose1d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
        for i in SIZES:
            xi = torch.zeros(1, 1, i)
            top = (i - 1) * s + d * (k - 1) + s + 2
            for o in range(1, top + 1):
                yield ("torch.conv_transpose.output_size",
                       {"i": i, "k": k, "s": s, "p": p, "d": d, "o": o},
                       partial(layer, xi, output_size=[o]))


def run(all_cases: Iterator[Case]) -> tuple[int, list[str]]:
    """Each configuration: the real framework against the rule AND the generated helper."""
    torch.set_num_threads(1)
    compiled: dict[str, tuple[Callable[[dict[str, int]], int | Refused], ...]] = {}
    count, bad = 0, []
    for rid, env, call in all_cases:
        if rid not in compiled:
            compiled[rid] = (verdict(get(rid)), generated(rid))
        rule, helper = compiled[rid]
        expected, got, gen = rule(env), observe(call), helper(env)
        count += 1
        if not agrees(expected, got):
            bad.append(f"{rid} {env}: rule {expected}, torch {got}")
        if not agrees(expected, gen) or (isinstance(got, Refused) != isinstance(gen, Refused)):
            bad.append(f"{rid} {env}: rule {expected}, generated helper {gen}")
    return count, bad


@pytest.mark.slow
def test_torch_grid_sizes_and_refusals() -> None:
    start = time.perf_counter()
    count, bad = run(cases())
    # conv 4320, valid 864, same 864, transpose 4320·6, max_pool 4320·2, avg_pool 1440·2
    assert count == 43_488
    assert bad == [], f"{len(bad)} mismatches, first: {bad[:5]}"
    assert time.perf_counter() - start < 120


@pytest.mark.slow
def test_torch_output_size_path() -> None:
    count, bad = run(output_size_cases())
    assert count > 10_000
    assert bad == [], f"{len(bad)} mismatches, first: {bad[:5]}"


def test_every_refusal_kind_is_seen() -> None:
    """The grid exercises every refusal of every PyTorch rule (so none is dead text)."""
    seen: set[tuple[str, str]] = set()
    compiled = {r: verdict(get(r)) for r in ("torch.conv", "torch.conv.same",
                                             "torch.conv_transpose", "torch.max_pool",
                                             "torch.avg_pool.ceil")}
    for rid, env, _ in cases():
        if rid in compiled and isinstance(v := compiled[rid](env), Refused):
            seen.add((rid, v.message))
    for rid in compiled:
        for refusal in get(rid).refusals:
            assert (rid, refusal.message) in seen, (rid, refusal.message)


def test_two_dimensional_ops_follow_the_per_axis_rule() -> None:
    """2-D conv and pooling: the rule applies per axis (spot check, second axis held valid).
    The 2-D ops word some refusals differently (max_pool2d says "Output size is too small" where
    max_pool1d says "Invalid computed output size"), so here only the refusal itself counts."""
    torch.set_num_threads(1)
    pool = verdict(get("torch.max_pool.ceil"))
    avg = verdict(get("torch.avg_pool"))
    conv = verdict(get("torch.conv"))
    for i, k, s, p, d in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(0, 3),
                                           range(1, 3)):
        env = {"i": i, "k": k, "s": s, "p": p, "d": d}
        x = torch.zeros(1, 1, i, 5)
        got = observe(lambda x=x, k=k, s=s, p=p, d=d: F.max_pool2d(
            x, (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode=True).transpose(-1, -2))
        assert same_verdict(pool(env), got), (env, got)
        got = observe(lambda x=x, k=k, s=s, p=p: F.avg_pool2d(x, (k, 1), (s, 1), (p, 0))
                      .transpose(-1, -2))
        assert same_verdict(avg(env), got), (env, got)
        got = observe(lambda x=x, k=k, s=s, p=p, d=d: F.conv2d(
            x, torch.zeros(1, 1, k, 1), stride=(s, 1), padding=(p, 0), dilation=(d, 1))
            .transpose(-1, -2))
        assert same_verdict(conv(env), got), (env, got)


def same_verdict(expected: int | Refused, got: int | Refused) -> bool:
    if isinstance(expected, Refused):
        return isinstance(got, Refused)
    return expected == got
