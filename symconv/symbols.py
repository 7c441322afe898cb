"""The guide's integer symbols and their domains.

Direct side: i (input), k (kernel), s (stride), p (padding), d (dilation), a (the transposed
case's extra zeros), n (k = 2n + 1), o (output). Transposed side: i', k', s', p', o' and the
stretched input ĩ' — ASCII names ``i_prime``, ``k_prime``, ``s_prime``, ``p_prime``,
``o_prime``, ``i_tilde``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sympy as sp


def _int(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True)


i = _int("i")
k = _int("k")
s = _int("s")
p = _int("p")
d = _int("d")
a = _int("a")
n = _int("n")
o = _int("o")
i_prime = _int("i_prime")
k_prime = _int("k_prime")
s_prime = _int("s_prime")
p_prime = _int("p_prime")
o_prime = _int("o_prime")
i_tilde = _int("i_tilde")


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    symbol: sp.Symbol
    pretty: str
    latex: str
    meaning: str
    domain: sp.Basic  # a SymPy boolean in terms of the symbol (and, for a, of s)
    domain_text: str


def _info(
    sym: sp.Symbol, pretty: str, latex: str, meaning: str, domain: sp.Basic, text: str
) -> SymbolInfo:
    return SymbolInfo(sym, pretty, latex, meaning, domain, text)


SYMBOLS: Mapping[str, SymbolInfo] = {
    info.symbol.name: info
    for info in (
        _info(i, "i", "i", "input size", sp.Ge(i, 1), "i >= 1"),
        _info(k, "k", "k", "kernel size", sp.Ge(k, 1), "k >= 1"),
        _info(s, "s", "s", "stride", sp.Ge(s, 1), "s >= 1"),
        _info(p, "p", "p", "zero padding (each side)", sp.Ge(p, 0), "p >= 0"),
        _info(d, "d", "d", "dilation rate", sp.Ge(d, 1), "d >= 1"),
        _info(
            a, "a", "a", "extra zeros of the transposed case",
            sp.And(sp.Ge(a, 0), sp.Le(a, s - 1)), "0 <= a <= s - 1",
        ),
        _info(n, "n", "n", "k = 2n + 1", sp.Ge(n, 0), "n >= 0"),
        _info(o, "o", "o", "output size", sp.Ge(o, 1), "o >= 1"),
        _info(i_prime, "i′", "i'", "transposed input size", sp.Ge(i_prime, 1), "i_prime >= 1"),
        _info(k_prime, "k′", "k'", "transposed kernel size", sp.Ge(k_prime, 1), "k_prime >= 1"),
        _info(s_prime, "s′", "s'", "transposed stride", sp.Ge(s_prime, 1), "s_prime >= 1"),
        _info(p_prime, "p′", "p'", "transposed padding", sp.Ge(p_prime, 0), "p_prime >= 0"),
        _info(o_prime, "o′", "o'", "transposed output size", sp.Ge(o_prime, 1), "o_prime >= 1"),
        _info(
            i_tilde, "ĩ′", r"\tilde{i}'", "stretched transposed input size",
            sp.Ge(i_tilde, 1), "i_tilde >= 1",
        ),
    )
}


def symbol(name: str) -> sp.Symbol:
    """The guide's symbol called ``name``, or a fresh integer symbol with no domain."""
    info = SYMBOLS.get(name)
    return info.symbol if info is not None else _int(name)


def domain_of(sym: sp.Symbol) -> sp.Basic | None:
    info = SYMBOLS.get(sym.name)
    return info.domain if info is not None and info.symbol == sym else None


def domains_for(symbols: Iterable[sp.Symbol]) -> list[sp.Basic]:
    """Domain constraints of every guide symbol among ``symbols``, closed under dependency (a
    brings s), in a stable order."""
    pending = sorted(set(symbols), key=lambda x: x.name)
    seen: set[sp.Symbol] = set()
    out: list[sp.Basic] = []
    while pending:
        sym = pending.pop(0)
        if sym in seen:
            continue
        seen.add(sym)
        dom = domain_of(sym)
        if dom is None:
            continue
        out.append(dom)
        pending.extend(sorted(dom.free_symbols - seen, key=lambda x: x.name))
    return out


def k_hat(kernel: sp.Expr = k, dilation: sp.Expr = d) -> sp.Expr:
    """Effective (dilated) kernel size k + (k - 1)(d - 1)."""
    return kernel + (kernel - 1) * (dilation - 1)
