"""``generated/c/frameworkshape.h``: every framework rule (and every SAME-style pads computation)
as a C99 function, with the verification of the core header.

The specs are the ones the Python helpers are generated from (:func:`frameworks.codegen.specs`),
lowered to C mechanically (:mod:`symconv.codegen.clower`). The header ``#include``s
``convshape.h`` for its proved helpers and codes; each framework refusal has a code of its own,
returned exactly where the framework refuses, in the framework's order of checks. Theorems
``gen.fw.c.<function>.<property>`` parse the emitted text back and prove the same five properties
as for the core header (:mod:`symconv.codegen.validate_c`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from symconv.artifacts import Part, banner
from symconv.codegen import c as cgen
from symconv.codegen.clower import lower
from symconv.frameworks import all_rules
from symconv.frameworks.codegen import specs
from symconv.theorems import Theorem

PATH = "c/frameworkshape.h"
PROOF_DIR = "proofs/c/frameworks"

# One code per distinct refusal, by (framework, the rule's message).
REFUSAL_CODES: Mapping[tuple[str, str], str] = {
    ("guide", "window does not fit"): "SYMCONV_E_GUIDE_WINDOW",
    ("guide", "a must be in 0..s-1"): "SYMCONV_E_GUIDE_A_RANGE",
    ("guide", "output < 1"): "SYMCONV_E_GUIDE_OUTPUT",
    ("torch", "Kernel size can't be greater than actual input size"):
        "SYMCONV_E_TORCH_KERNEL_TOO_BIG",
    ("torch", "padding='same' is not supported for strided convolutions"):
        "SYMCONV_E_TORCH_SAME_STRIDED",
    ("torch", "output padding must be smaller than either stride or dilation"):
        "SYMCONV_E_TORCH_OUTPUT_PADDING",
    ("torch", "Output size is too small"): "SYMCONV_E_TORCH_OUTPUT_TOO_SMALL",
    ("torch", "requested an output size of"): "SYMCONV_E_TORCH_OUTPUT_SIZE",
    ("torch", "should be at most half of"): "SYMCONV_E_TORCH_MAX_POOL_PAD",
    ("torch", "Invalid computed output size"): "SYMCONV_E_TORCH_INVALID_OUTPUT",
    ("torch", "pad should be at most half of effective kernel size"):
        "SYMCONV_E_TORCH_AVG_POOL_PAD",
    ("tf", "Computed output size would be negative"): "SYMCONV_E_TF_NEGATIVE_OUTPUT",
    ("tf", "`strides > 1` not supported in conjunction with `dilation_rate > 1`"):
        "SYMCONV_E_TF_STRIDE_AND_DILATION",
    ("tf", "`output_padding` must be strictly less than `strides`"): "SYMCONV_E_TF_OUTPUT_PADDING",
    ("onnx", "negative dimensions are not allowed"): "SYMCONV_E_ONNX_NEGATIVE_DIMENSION",
    ("onnx", "output shape cannot be null or negative"): "SYMCONV_E_ONNX_OUTPUT_NOT_POSITIVE",
    ("onnx", "expected size of input's dimension 2 to match the calculated number of sliding "
             "blocks"): "SYMCONV_E_ONNX_SLIDING_BLOCKS",
    ("onnx", "(shape inference leaves the output shape unset)"): "SYMCONV_E_ONNX_SHAPE_UNSET",
    ("keras", "`strides > 1` not supported in conjunction with `dilation_rate > 1`"):
        "SYMCONV_E_KERAS_STRIDE_AND_DILATION",
    ("keras", "Computed output size would be zero or negative"): "SYMCONV_E_KERAS_EMPTY_OUTPUT",
}

_FIRST_CODE = 11  # after convshape.h's codes


@cache
def codes() -> tuple[cgen.ErrorCode, ...]:
    """The codes this header adds: parameters convshape.h has no code for, then refusals."""
    own = [cgen.ErrorCode("SYMCONV_E_P_BEGIN", _FIRST_CODE, "p_begin must be >= 0"),
           cgen.ErrorCode("SYMCONV_E_P_END", _FIRST_CODE + 1, "p_end must be >= 0")]
    seen = set()
    for rule in all_rules():
        for refusal in rule.refusals:
            key = (rule.framework, refusal.message)
            if key in seen:
                continue
            seen.add(key)
            own.append(cgen.ErrorCode(REFUSAL_CODES[key], _FIRST_CODE + len(own),
                                      f"{rule.framework}: {refusal.message}"))
    return tuple(own)


@cache
def programs() -> tuple[cgen.Program, ...]:
    rules = {r.id: r for r in all_rules()}
    out = []
    for spec in specs():
        rule = rules[spec.relation]
        out.append(lower(spec, [REFUSAL_CODES[(rule.framework, r.message)]
                                for r in rule.refusals]))
    return tuple(out)


@cache
def render() -> str:
    rules = {r.id: r for r in all_rules()}
    template = cgen.c_environment().get_template("frameworkshape.h.j2")
    return str(template.render(
        banner=banner(PATH),
        include=cgen.HEADER.file_name,
        codes=codes(),
        programs=[(pr, rules[pr.spec.relation]) for pr in programs()],
        overflow=cgen.OVERFLOW.name,
    ))


@cache
def header() -> cgen.Header:
    return cgen.Header(PATH, programs(), (*cgen.ERROR_CODES, *codes()), render, "gen.fw.c",
                       PROOF_DIR, includes=(cgen.HEADER,), strerror="symconv_fw_strerror")


def theorems() -> list[Theorem]:
    from symconv.codegen.validate_c import header_theorems

    return header_theorems(header())


def artifacts() -> dict[str, str]:
    from symconv.codegen.validate_c import header_artifacts

    return {PATH: render(), **header_artifacts(header())}


def artifact_parts() -> list[Part]:
    from symconv.codegen.validate_c import header_artifact_parts

    return [(PATH, "", lambda: {PATH: render()}), *header_artifact_parts(header())]
