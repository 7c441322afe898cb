"""Python function → Z3, with exact Python semantics, from source text only.

The source is parsed with :mod:`ast` and never imported, compiled or executed. A function is
symbolically executed: every path through it ends in an :class:`Outcome` — a returned value, a
raised exception (``ValueError``, ``TypeError``, ``AssertionError``, ``ZeroDivisionError``,
``IndexError``, ``UnboundLocalError``, ``NameError``) — under a Z3 path condition over the
parameters. The paths are disjoint and, together, cover every input.

Semantic traps encoded here:

* ``//`` and ``%`` floor toward -inf (Z3's ``div``/``mod`` are Euclidean); a possibly zero divisor
  forks a ``ZeroDivisionError`` path.
* ``bool`` is an ``int``: ``True + 1 == 2``. Parameters are modelled as (non-bool) ints unless
  annotated ``bool``, so ``isinstance(x, int)`` is true, ``type(x) is bool`` false.
* ``and``/``or``, chained comparisons and conditional expressions short-circuit: an operand that
  is not evaluated cannot raise.
* A name assigned anywhere in a function is local to it: reading it before assignment raises
  ``UnboundLocalError`` even if a module-level name exists.
* A module-level name means what its last binding made it (a second ``def f`` replaces the
  first) when every binding is an unconditional top-level statement. A name bound nowhere, and
  not a builtin, raises ``NameError`` where it is read -- unless the module can create names at
  run time (a star import, ``globals()``, ``exec``, ``setattr``...), which is unsupported.
* Float arithmetic (``/``, ``float()``, float constants, ``math.floor(x / y)``) on symbolic values
  is refused as :class:`Unsupported`: it is never proved. (An exact IEEE-754 model of Python's
  correctly rounded ``int / int`` needs a real-to-float rounding that Z3 does not decide in
  practice.) On constant operands (every input bound to an int) it is computed with Python's own
  float operations on plain numbers, so a float-based function can still be evaluated at a point
  -- that is how a counterexample above 2**53 is found and re-checked.

Everything outside the supported subset raises :class:`Unsupported` naming the construct and its
``line:col``. Source size, AST nesting, inlining depth, loop iterations, paths, work and wall time
are bounded (:class:`Limits`); exceeding one raises :class:`LimitExceeded`.

Layout: :mod:`~symconv.pysem.limits` (refusals and bounds), :mod:`~symconv.pysem.values`,
:mod:`~symconv.pysem.module` (a module's top level), :mod:`~symconv.pysem.semantics` (paths and
outcomes), :mod:`~symconv.pysem.merge` (path states and merging), :mod:`~symconv.pysem.engine`
(bookkeeping), :mod:`~symconv.pysem.operators`, :mod:`~symconv.pysem.builtins` (one handler per
builtin name), :mod:`~symconv.pysem.expressions` (``e_<Expr>``), :mod:`~symconv.pysem.executor`
(``s_<Stmt>`` and calls) and :mod:`~symconv.pysem.translate` (the entry points).
"""

from __future__ import annotations

from symconv.pysem.limits import (
    FloatArithmetic, InvalidSource, LimitExceeded, Limits, Unsupported,
)
from symconv.pysem.module import Module, parse_module
from symconv.pysem.semantics import FunctionSemantics, Kind, Outcome, Path
from symconv.pysem.translate import (
    Param, default_inputs, parameter_names, signature, translate_function,
)
from symconv.pysem.values import (
    NONE, BuiltinV, FloatV, FuncV, ListRef, ListV, ModuleV, NoneV, RangeV, StrV, TupleV, TypeV,
    Value, as_python, select_int, show, type_name,
)

__all__ = [
    "NONE", "BuiltinV", "FloatArithmetic", "FloatV", "FuncV", "FunctionSemantics",
    "InvalidSource", "Kind", "LimitExceeded", "Limits", "ListRef", "ListV", "Module", "ModuleV",
    "NoneV", "Outcome", "Param", "Path", "RangeV", "StrV", "TupleV", "TypeV", "Unsupported",
    "Value", "as_python", "default_inputs", "parameter_names", "parse_module", "select_int",
    "show", "signature", "translate_function", "type_name",
]
