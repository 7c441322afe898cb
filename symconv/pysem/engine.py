"""The executor's bookkeeping: work and time bounds, finished paths, forking on a condition,
list allocation, and the size bounds on integer terms."""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field

import z3

from symconv.pysem.limits import LimitExceeded, Limits, pos
from symconv.pysem.merge import State
from symconv.pysem.module import Module
from symconv.pysem.semantics import Kind, Outcome, Path
from symconv.pysem.values import ListRef, Value, long

Results = list[tuple[State, Value]]


@dataclass(slots=True)
class Frame:
    """A function being executed: the (state, value) of each ``return`` reached."""

    name: str
    returns: list[tuple[State, Value]] = field(default_factory=list)


class Engine:
    def __init__(self, module: Module, limits: Limits) -> None:
        self.module = module
        self.limits = limits
        self.finished: list[Path] = []
        self.steps = 0
        self.deadline = time.monotonic() + limits.seconds
        self.stack: list[str] = []
        self.next_ref = 0
        self.degrees: dict[int, int] = {}

    def tick(self, node: ast.AST) -> None:
        self.steps += 1
        if self.steps > self.limits.steps:
            raise LimitExceeded(f"more than {self.limits.steps} evaluation steps", *pos(node))
        if self.steps % 256 == 0 and time.monotonic() > self.deadline:
            raise LimitExceeded(f"translation took over {self.limits.seconds} s", *pos(node))

    def finish(self, st: State, cond: z3.BoolRef | None, outcome: Outcome) -> None:
        pc = st.pc if cond is None else (*st.pc, cond)
        c = z3.simplify(z3.And(*pc)) if pc else z3.BoolVal(True)
        if z3.is_false(c):
            return
        self.finished.append(Path(c, outcome))
        if len(self.finished) > self.limits.paths:
            raise LimitExceeded(f"more than {self.limits.paths} paths")

    def raise_(self, st: State, cond: z3.BoolRef | None, exc: str, node: ast.AST,
               message: str = "") -> None:
        kind = Kind.ZERO_DIVISION if exc == "ZeroDivisionError" else Kind.RAISE
        self.finish(st, cond, Outcome(kind, None, exc, message, *pos(node)))

    def type_error(self, st: State, node: ast.AST, message: str) -> None:
        self.raise_(st, None, "TypeError", node, message)

    def split(self, st: State, cond: z3.BoolRef) -> tuple[State | None, State | None]:
        """(state where cond holds, state where it fails); None for a branch that is
        syntactically impossible."""
        c = z3.simplify(cond)
        if z3.is_true(c):
            return st, None
        if z3.is_false(c):
            return None, st
        return st.fork(c), st.fork(z3.simplify(z3.Not(c)))

    def check_paths(self, n: int) -> None:
        if n + len(self.finished) > self.limits.paths:
            raise LimitExceeded(f"more than {self.limits.paths} paths")

    def new_list(self, st: State, items: list[Value]) -> ListRef:
        self.next_ref += 1
        st.heap[self.next_ref] = items
        return ListRef(self.next_ref)

    def check_length(self, n: int, node: ast.AST) -> None:
        if n > self.limits.tuple_length:
            raise LimitExceeded(f"sequence of {n} elements", *pos(node))

    def intval(self, v: int, node: ast.AST) -> z3.ArithRef:
        if v.bit_length() > self.limits.int_bits:
            raise LimitExceeded(f"integer of {v.bit_length()} bits", *pos(node))
        return z3.IntVal(v)

    def checked(self, term: z3.ArithRef, node: ast.AST) -> z3.ArithRef:
        if isinstance(term, z3.IntNumRef):
            c = long(term)
            if c.bit_length() > self.limits.int_bits:
                raise LimitExceeded(f"integer of {c.bit_length()} bits", *pos(node))
            return term
        # Z3's simplifier (and any later evaluation) is exponential in the degree of a term:
        # bound it before anything simplifies it.
        if self.degree(term) > self.limits.degree:
            raise LimitExceeded(f"polynomial of degree above {self.limits.degree}", *pos(node))
        return term

    def degree(self, term: z3.ExprRef) -> int:
        memo = self.degrees
        stack: list[tuple[z3.ExprRef, bool]] = [(term, False)]
        while stack:
            t, ready = stack.pop()
            key = t.get_id()
            if key in memo:
                continue
            kids = t.children()
            if not ready and kids:
                stack.append((t, True))
                stack.extend((c, False) for c in kids if c.get_id() not in memo)
                continue
            if not kids:
                memo[key] = 1 if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED \
                    and z3.is_int(t) else 0
            elif z3.is_mul(t):
                memo[key] = sum(memo[c.get_id()] for c in kids)
            else:
                memo[key] = max(memo[c.get_id()] for c in kids)
        return memo[term.get_id()]
