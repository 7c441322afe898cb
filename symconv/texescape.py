"""Text as LaTeX text mode: the one escaper for everything that reaches LaTeX (pure).

Every character is spelled so that TeX typesets it and nothing else: the ten specials
(``\\ { } $ & # ^ _ ~ %``) and the characters that TeX's fonts or ligatures would change
(``< > | ` ' -``) as text commands, the engine's symbols (``≥``, ``→``, ``⌊`` …) as math, and
printable ASCII as itself. Anything else — a control character (a newline would end a
paragraph, or a macro's argument), a letter pdfTeX may have no glyph for — is shown as its code
point, ``<U+000A>``, or with ``strict`` is a ValueError (engine text must not need that).
User text (figure numbers, network, layer and op names) goes through :func:`tex_text` and so can
never become TeX code: no ``\\input``, no unbalanced brace, no ``%`` swallowing the rest.
"""

from __future__ import annotations

SPECIAL: dict[str, str] = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "`": r"\textasciigrave{}",
    "'": r"\textquotesingle{}", "-": "-{}",
}

UNICODE: dict[str, str] = {
    "≠": r"$\neq$", "≈": r"$\approx$", "≤": r"$\leq$", "≥": r"$\geq$", "≡": r"$\equiv$",
    "−": "-", "→": r"$\to$", "·": r"$\cdot$", "×": r"$\times$", "∈": r"$\in$", "∪": r"$\cup$",
    "∅": r"$\emptyset$", "k̂": r"$\hat{k}$", "⌊": r"$\lfloor$", "⌋": r"$\rfloor$",
    "⌈": r"$\lceil$", "⌉": r"$\rceil$", "§": r"\S{}", "—": "---", "…": r"\dots{}",
    "∞": r"$\infty$", "′": "'",
}

_LONGEST = max(len(key) for key in UNICODE)


def tex_text(text: str, strict: bool = False) -> str:
    """``text`` spelled for LaTeX's text mode (see the module's docstring)."""
    out: list[str] = []
    n = 0
    while n < len(text):
        for size in range(_LONGEST, 0, -1):
            piece = text[n:n + size]
            if len(piece) == size and piece in UNICODE:
                out.append(UNICODE[piece])
                n += size
                break
        else:
            ch = text[n]
            n += 1
            if ch in SPECIAL:
                out.append(SPECIAL[ch])
            elif " " <= ch <= "~":
                out.append(ch)
            elif strict:
                raise ValueError(f"no TeX spelling for {ch!r} in {text!r}")
            else:
                out.append(rf"\textless{{}}U+{ord(ch):04X}\textgreater{{}}")
    return "".join(out)
