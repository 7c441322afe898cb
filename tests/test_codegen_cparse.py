"""The C subset parser: quoted includes come only from the given texts, never from disk."""

from __future__ import annotations

import pytest

from symconv.codegen.cinterp import Interpreter
from symconv.codegen.cparse import CSyntaxError, parse

LIB = """#ifndef LIB_H
#define LIB_H
#include <stdint.h>
#define LIB_ONE 1
static inline int64_t lib_inc(int64_t x)
{
    return x + LIB_ONE;
}
#endif
"""

USE = """#include "lib.h"
static inline int use(int64_t x, int64_t *out)
{
    *out = lib_inc(x);
    return LIB_ONE - 1;
}
"""


def test_quoted_include_is_spliced_from_the_given_text() -> None:
    unit = parse(USE, {"lib.h": LIB})
    assert set(unit.functions) == {"lib_inc", "use"}
    assert unit.defines["LIB_ONE"] == 1
    assert Interpreter(unit).call("use", {"x": 41}) == (0, {"out": 42})


def test_include_not_given_is_refused() -> None:
    with pytest.raises(CSyntaxError, match="unsupported include"):
        parse(USE)
    with pytest.raises(CSyntaxError, match="unsupported include"):
        parse(USE, {"other.h": LIB})


def test_an_include_cycle_is_refused_not_followed_forever() -> None:
    with pytest.raises(CSyntaxError, match="unsupported include"):
        parse('#include "a.h"\n', {"a.h": '#include "a.h"\n'})
