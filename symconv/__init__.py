"""symconv: convolution arithmetic (Dumoulin & Visin) encoded in SymPy and proved with Z3.

The Python API (see the README and :mod:`symconv.api`)::

    from symconv import check, prove, verify_function, shape, conv_output_size, network_of

Importing ``symconv`` is light: each name is loaded on first use, and only ``check``,
``prove`` and ``verify_function`` bring in z3 and sympy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it, imported on first access
_LAZY = {
    "check": "symconv.api",
    "prove": "symconv.api",
    "verify_function": "symconv.api",
    "select_theorems": "symconv.api",
    "CheckResult": "symconv.api",
    "TheoremResult": "symconv.api",
    "shape": "symconv.shapes",
    "ShapeResult": "symconv.shapes",
    "conv_output_size": "symconv.shapes",
    "transposed_conv_output_size": "symconv.shapes",
    "transposed_conv_a": "symconv.shapes",
    "pool_output_size": "symconv.shapes",
    "same_padding": "symconv.shapes",
    "input_size_range": "symconv.shapes",
    "conv_shape": "symconv.shapes",
    "conv_transpose_shape": "symconv.shapes",
    "pool_shape": "symconv.shapes",
    "Status": "symconv.prover",
    "Result": "symconv.prover",
    "combine": "symconv.prover",
    "UsageError": "symconv.errors",
    "network_of": "symconv.network_api",
    "NetworkResult": "symconv.network_api",
    "UsageTypeError": "symconv.errors",
}

__all__ = [
    "CheckResult",
    "NetworkResult",
    "Result",
    "ShapeResult",
    "Status",
    "TheoremResult",
    "UsageError",
    "UsageTypeError",
    "__version__",
    "check",
    "combine",
    "conv_output_size",
    "conv_shape",
    "conv_transpose_shape",
    "input_size_range",
    "network_of",
    "pool_output_size",
    "pool_shape",
    "prove",
    "same_padding",
    "select_theorems",
    "shape",
    "transposed_conv_a",
    "transposed_conv_output_size",
    "verify_function",
]

if TYPE_CHECKING:
    from symconv.api import (
        CheckResult,
        TheoremResult,
        check,
        prove,
        select_theorems,
        verify_function,
    )
    from symconv.errors import UsageError, UsageTypeError
    from symconv.network_api import NetworkResult, network_of
    from symconv.prover import Result, Status, combine
    from symconv.shapes import (
        ShapeResult,
        conv_output_size,
        conv_shape,
        conv_transpose_shape,
        input_size_range,
        pool_output_size,
        pool_shape,
        same_padding,
        shape,
        transposed_conv_a,
        transposed_conv_output_size,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symconv' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
