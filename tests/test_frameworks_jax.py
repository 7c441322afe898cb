"""Conformance of the JAX rules against real JAX (skipped when jax is absent; `.ci/run` installs
it). Shapes come from ``jax.eval_shape`` (no computation)."""

from __future__ import annotations

import itertools

import pytest

from symconv.frameworks import get
from symconv.frameworks.base import Refused
from symconv.frameworks.compiled import expr, verdict

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
lax = jax.lax

SIZES, K, S, PAD, D = range(1, 13), range(1, 7), range(1, 5), range(0, 5), range(1, 4)


def conv_shape(i: int, k: int, s: int, padding: object, d: int) -> int:
    x = jax.ShapeDtypeStruct((1, 1, i), jnp.float32)
    w = jax.ShapeDtypeStruct((1, 1, k), jnp.float32)
    out = jax.eval_shape(lambda a, b: lax.conv_general_dilated(
        a, b, (s,), padding, rhs_dilation=(d,)), x, w)
    return int(out.shape[-1])


def transpose_shape(i: int, k: int, s: int, padding: str, d: int) -> int:
    x = jax.ShapeDtypeStruct((1, i, 1), jnp.float32)
    w = jax.ShapeDtypeStruct((k, 1, 1), jnp.float32)
    out = jax.eval_shape(lambda a, b: lax.conv_transpose(
        a, b, (s,), padding, rhs_dilation=(d,), dimension_numbers=("NWC", "WIO", "NWC")), x, w)
    return int(out.shape[1])


@pytest.mark.slow
def test_conv_general_dilated() -> None:
    explicit, count = verdict(get("jax.conv")), 0
    for i, k, s, d in itertools.product(SIZES, K, S, D):
        for lo, hi in itertools.product(PAD, PAD):
            env = {"i": i, "k": k, "s": s, "d": d, "p_begin": lo, "p_end": hi}
            assert explicit(env) == conv_shape(i, k, s, [(lo, hi)], d), env
            count += 1
        env = {"i": i, "k": k, "s": s, "d": d}
        for mode in ("same", "same_lower", "valid"):
            rule = get(f"jax.conv.{mode}")
            got = conv_shape(i, k, s, mode.upper(), d)
            assert verdict(rule)(env) == got, (mode, env)
            if "p_begin" in rule.extras:
                pads = lax.padtype_to_pads((i,), (d * (k - 1) + 1,), (s,), mode.upper())
                assert (expr(rule.extras["p_begin"])(env),
                        expr(rule.extras["p_end"])(env)) == tuple(pads[0]), (mode, env)
            count += 1
    assert count > 20_000


@pytest.mark.slow
def test_conv_transpose() -> None:
    for i, k, s, d in itertools.product(SIZES, K, S, D):
        env = {"i": i, "k": k, "s": s, "d": d}
        for mode in ("same", "valid"):
            expected = verdict(get(f"jax.conv_transpose.{mode}"))(env)
            assert not isinstance(expected, Refused)
            assert expected == transpose_shape(i, k, s, mode.upper(), d), (mode, env)
