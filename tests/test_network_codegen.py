"""``symconv generate --network``: the generated Python and C shape functions of example networks
against the dumb layer-by-layer reference (``network_reference.run``) at every size 1..600 (a
grid of (H, W) pairs for vgg11-fixed, whose Linear couples the axes), their proofs, mutated
texts refuted with counterexamples that re-evaluate to a violation, and the CLI."""

from __future__ import annotations

import importlib.util
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import network_reference
import pytest

from symconv.cli import main
from symconv.codegen.cbuild import Library, build_shared, compiler
from symconv.network.codegen import NetworkCode, files, identifier, network_code, param_names
from symconv.network.ir import Network
from symconv.codegen.validate_c import check
from symconv.network.codegen_proofs import c_queries, prove_and_record, prove_python
from symconv.network.frontends.spec import load_spec, parse_spec
from symconv.network.study import study
from symconv.prover import Status

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = ROOT / "examples" / "networks"
SQUARE = ("unet-2015", "unet-padded", "resnet18", "ceil-pool", "transposed-residual",
          "dilated")
VGG_AXIS = (*range(30, 35), *range(62, 67), *range(222, 227), *range(254, 259),
            *range(1566, 1571), *range(1598, 1603))
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Built:
    code: NetworkCode
    python: ModuleType
    lib: Library | None
    network: Network  # what the dumb reference runs

    def py(self, *sizes: int) -> tuple[int, ...] | str:
        try:
            out: tuple[int, ...] = getattr(self.python, self.code.function)(*sizes)
        except ValueError as exc:
            return str(exc)
        return out

    def c(self, *sizes: int) -> tuple[int, tuple[int, ...]]:
        assert self.lib is not None
        return self.lib.call(self.code.function, *sizes)


def _code(name: str) -> NetworkCode:
    path = NETWORKS / f"{name}.toml"
    return network_code(study(load_spec(path)), path.name)


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(code: NetworkCode, workdir: Path, network: Network, python: str | None = None,
           c: str | None = None) -> Built:
    written = files(code)
    if python is not None:
        written[code.python_path] = python
    for rel, text in written.items():
        (workdir / rel).write_text(text, encoding="utf-8")
    lib = None
    if compiler() is not None:
        lib = Library(build_shared(written[code.c_path] if c is None else c, workdir,
                                   header=code.header), code.header)
    return Built(code, _import(workdir / code.python_path), lib, network)


_BUILT: dict[str, Built] = {}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Built]:
    def get(name: str) -> Built:
        if name not in _BUILT:
            _BUILT[name] = _build(_code(name), tmp_path_factory.mktemp(identifier(name)),
                                  load_spec(NETWORKS / f"{name}.toml"))
        return _BUILT[name]

    return get


def _expected(b: Built, point: tuple[int, ...]) -> tuple[tuple[int, ...] | None, str | None]:
    """The reference: output sizes, or the (ValueError text, strerror text) of its refusal."""
    net = b.network
    run = network_reference.run(net, point)
    if run.refused is not None:
        return None, run.refused[0] + "\0" + run.refused[1]
    return tuple(x for out in net.outputs for x in (run.sizes[out] or ())), None


def _compare(b: Built, points: Iterable[tuple[int, ...]]) -> Iterator[str]:
    axes = b.code.subject.axes
    for point in points:
        want, refusal = _expected(b, point)
        got = b.py(*point)
        if refusal is not None:
            layer, message = refusal.split("\0")
            where = ", ".join(f"{a}={v}" for a, v in zip(axes, point, strict=True))
            text = f"{where}: layer {layer!r} refuses it: {message}"
            if got != text:
                yield f"python {point}: {got!r}, want {text!r}"
        elif got != want:
            yield f"python {point}: {got!r}, want {want!r}"
        if b.lib is None:
            continue
        code, outs = b.c(*point)
        if refusal is not None:
            layer, message = refusal.split("\0")
            if code == 0 or b.lib.strerror(code) != f"layer {layer!r} refuses the input: "\
                                                     f"{message}":
                yield f"C {point}: code {code} ({b.lib.strerror(code)}), want {layer}"
        elif code != 0 or outs != want:
            yield f"C {point}: code {code}, {outs}, want {want}"


@pytest.mark.parametrize("name", SQUARE)
def test_square_sizes_match_the_reference(name: str, built: Callable[[str], Built]) -> None:
    b = built(name)
    bad = list(_compare(b, ((n, n) for n in range(1, 601))))
    assert not bad, "\n".join(bad[:10])


def test_vgg11_fixed_coupled_axes(built: Callable[[str], Built]) -> None:
    b = built("vgg11-fixed")
    points = [(h, w) for h in VGG_AXIS for w in VGG_AXIS]
    bad = list(_compare(b, points))
    assert not bad, "\n".join(bad[:10])
    valid = [p for p in points if b.py(*p) == ()]
    assert (224, 224) in valid
    assert (32, 1599) in valid
    assert (255, 255) in valid
    assert (256, 256) not in valid
    assert (224, 1568) not in valid
    assert b.code.outputs == ()  # flattened: the function decides validity


def test_wide_and_bad_inputs(built: Callable[[str], Built]) -> None:
    b = built("unet-2015")
    fn = getattr(b.python, b.code.function)
    assert fn(572, 572) == (388, 388)  # the paper's figure 1
    assert fn(10**30, 188) == (16 * ((10**30 + 4) // 16) - 188, 4)
    with pytest.raises(ValueError, match=r"^H must be >= 1, got 0$"):
        fn(0, 572)
    with pytest.raises(ValueError, match=r"^W must be >= 1, got -5$"):
        fn(572, -5)
    for bad in (True, 572.0, "572", None):
        with pytest.raises(TypeError, match="h must be an int"):
            fn(bad, 572)
    if b.lib is None:
        pytest.skip("no gcc")
    codes = {c.name: c.value for c in b.code.codes}
    assert b.c(0, 572)[0] == codes["SYMCONV_UNET_2015_E_H"]
    assert b.c(572, INT64_MIN)[0] == codes["SYMCONV_UNET_2015_E_W"]
    for h in (INT64_MAX, INT64_MAX - 3, 2**62):  # defined behaviour everywhere: a code or sizes
        code, outs = b.c(h, 572)
        assert code == 9 or (code == 0 and outs == (16 * ((h + 4) // 16) - 188, 388))


def test_vgg_c_never_overflows_on_a_refused_input(built: Callable[[str], Built]) -> None:
    b = built("vgg11-fixed")
    if b.lib is None:
        pytest.skip("no gcc")
    for h, w in ((INT64_MAX, INT64_MAX), (2**40, 2**40), (224, INT64_MAX)):
        code, _ = b.c(h, w)
        assert b.lib.strerror(code).startswith("layer 'classifier.0' refuses the input")


@pytest.mark.parametrize("name", [*SQUARE, "vgg11-fixed"])
def test_proved(name: str, built: Callable[[str], Built]) -> None:
    results, smt = prove_and_record(built(name).code, timeout=30)
    assert [p.result.status for p in results] == [Status.PROVED] * 11, [
        (p.id, p.result.reason) for p in results]
    assert len(smt) == 11
    assert all("(check-sat)" in text for text in smt.values())


def _mutate(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_mutated_python_is_refuted_and_reevaluates(built: Callable[[str], Built],
                                                     tmp_path: Path) -> None:
    b = built("unet-2015")
    text = b.code.render_python()
    cases = [("return (16 * t0 - 188,", "return (16 * t0 - 187,"),  # wrong value
             ("if h < 3:", "if h < 2:"),  # accepts outside V
             ("'enc1.conv2' refuses", "'enc1.conv1' refuses")]  # names the wrong layer
    for n, (old, new) in enumerate(cases):
        mutated = _mutate(text, old, new)
        result = prove_python(b.code, mutated, timeout=30)
        assert result.status is Status.REFUTED, (old, result.reason)
        assert result.counterexample is not None
        assert "re-evaluated" in result.reason
        assert not result.evaluations[0].holds
        # and plain Python, running the mutated text, disagrees with the reference there
        (tmp_path / f"m{n}.py").write_text(mutated, encoding="utf-8")
        module = _import(tmp_path / f"m{n}.py")
        point = tuple(result.counterexample[p] for p in b.code.params)
        try:
            got: object = getattr(module, b.code.function)(*point)
        except ValueError as exc:
            got = str(exc)
        assert got != b.py(*point), (old, point)


def test_mutated_c_is_refuted_and_reevaluates(built: Callable[[str], Built],
                                              tmp_path: Path) -> None:
    b = built("vgg11-fixed")
    text = b.code.render_c()
    cases = [("(t15 != 25088)", "(t15 != 50176)", "correct"),  # 512·7·14
             ("if (symconv__mul(512, t11, &t14)) {", "t14 = 512 * t8;\n    if (0) {",
              "no-overflow"),
             # a negative factor breaks symconv__mul's contract: the interpreter checks it too
             ("t11 = symconv__max(-25088, t10);", "t11 = symconv__max(-25088, t10 - 25089);",
              "no-overflow"),
             ("return SYMCONV_VGG11_FIXED_E_FEATURES_12;",
              "return SYMCONV_VGG11_FIXED_E_FEATURES_9;", "error-codes")]
    for n, (old, new, prop) in enumerate(cases):
        mutated = _mutate(text, old, new)
        query = next(q for q in c_queries(b.code, mutated) if q.prop == prop)
        result = check(query, 30, mutated)
        assert result.status is Status.REFUTED, (old, prop, result.reason)
        assert result.reason == "violation re-evaluated in plain Python", result.reason
        assert result.counterexample is not None
        if compiler() is None or prop == "no-overflow":
            continue  # the overflow itself is undefined behaviour: not run natively
        work = tmp_path / f"c{n}"
        work.mkdir()
        lib = Library(build_shared(mutated, work, header=b.code.header), b.code.header)
        point = tuple(result.counterexample[p] for p in b.code.params)
        assert lib.call(b.code.function, *point) != b.c(*point), (old, point)


NEVER = ('name = "never"\nframework = "torch"\n[input]\nchannels = 1\naxes = 1\n'
         '[[layer]]\nname = "a"\nop = "max_pool"\nkernel = 2\nstride = 2\n'
         '[[layer]]\nname = "b"\nop = "cat"\nfrom = ["input", "a"]\n')


def test_empty_valid_set_still_generates_a_proved_refusing_function(tmp_path: Path) -> None:
    net = parse_spec(NEVER, "never.toml")
    st = study(net)
    assert st.valid.empty  # L = floor(L/2) only at 0
    code = network_code(st, "never.toml")
    assert code.params == ("l",)
    assert code.outputs == (("b", "L"),)
    results, _ = prove_and_record(code, timeout=30)
    assert all(p.result.status is Status.PROVED for p in results)
    b = _build(code, tmp_path, net)
    bad = list(_compare(b, ((n,) for n in range(1, 200))))
    assert not bad, "\n".join(bad[:10])
    assert b.py(2) == ("L=2: layer 'b' refuses it: Sizes of tensors must match except in "
                       "dimension 1")


def test_one_axis_and_names() -> None:
    assert identifier("unet-2015") == "unet_2015"
    assert identifier("3d net") == "net_3d_net"
    assert param_names(("H", "W")) == ("h", "w")
    assert param_names(("If", "t0", "X", "x")) == ("size0", "size1", "x", "size3")


# --- the CLI -----------------------------------------------------------------------------------


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["generate", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_writes_checks_and_reports(tmp_path: Path) -> None:
    spec = str(NETWORKS / "unet-padded.toml")
    code, out, _ = _cli("--network", spec, "--out", str(tmp_path))
    assert code == 0, out
    assert "unet_padded_shape(h, w) -> (outc H, outc W)" in out
    assert re.search(r"12/12 proofs hold", out)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                   if p.is_file())
    assert "unet_padded_shape.py" in names
    assert "unet_padded_shape.h" in names
    assert "convshape.h" in names
    assert "unet_padded_shape.rs" in names
    assert "unet_padded_shape.ts" in names
    assert "unet_padded_shape.d.ts" in names
    assert len(names) == 19
    first = (tmp_path / "unet_padded_shape.py").read_text().splitlines()[0]
    assert first == "# Generated by `symconv generate --network unet-padded.toml` -- do not edit."
    code, out, _ = _cli("--network", spec, "--out", str(tmp_path), "--check")
    assert code == 0, out
    assert "19 files up to date" in out
    target = tmp_path / "unet_padded_shape.h"
    target.write_text(target.read_text() + "\n")
    code, out, _ = _cli("--network", spec, "--out", str(tmp_path), "--check", "--json")
    assert code == 1
    obj = json.loads(out)
    assert obj["status"] == "refuted"
    assert obj["stale"] == ["unet_padded_shape.h"]
    assert obj["missing"] == []
    assert obj["function"] == "unet_padded_shape"
    assert [p["status"] for p in obj["proofs"]] == ["proved"] * 12
    assert {"id", "statement", "status", "seconds"} <= set(obj["proofs"][0])


def test_cli_json_when_writing(tmp_path: Path) -> None:
    code, out, _ = _cli("--network", str(NETWORKS / "dilated.toml"), "--out", str(tmp_path),
                        "--json")
    obj = json.loads(out)
    assert code == 0
    assert obj["status"] == "proved"
    assert len(obj["written"]) == 19
    assert obj["files"] == sorted(obj["files"])


@pytest.mark.parametrize(("argv", "message"), [
    (["--network", "nope.toml"], "nope.toml: cannot read"),
    (["--network", "x.txt"], "expected a .toml or .json spec or an .onnx model"),
    (["--network", str(NETWORKS / "dilated.toml"), "--jobs", "2"], "--jobs does not apply"),
    (["--network", str(NETWORKS / "dilated.toml"), "--timeout", "0"], "seconds in (0, 86400]"),
])
def test_cli_bad_input(argv: list[str], message: str) -> None:
    code, out, err = _cli(*argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


def test_cli_bad_spec(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[layer]]\nop = "frobnicate"\n')
    code, _, err = _cli("--network", str(bad), "--out", str(tmp_path))
    assert code == 2
    assert "bad.toml:3:1" in err
    assert "unknown op 'frobnicate'" in err
    code, out, _ = _cli("--network", str(bad), "--json")
    assert code == 2
    assert json.loads(out)["exit_code"] == 2
    target = tmp_path / "file"
    target.write_text("x")
    code, _, err = _cli("--network", str(NETWORKS / "dilated.toml"), "--out", str(target))
    assert code == 2
    assert "--out must be a directory" in err


# --- ONNX models (read, never run): an if-then-else size (broadcasting) and computed pads ---


def _onnx_models() -> dict[str, object]:
    pytest.importorskip("onnx")
    import numpy as np
    import test_network_onnx as tn
    from onnx import helper

    return {
        "residual": tn.graph([
            helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
            helper.make_node("Conv", ["x", "w"], ["c"], name="conv", strides=[2, 2]),
            helper.make_node("Add", ["c", "g"], ["s"], name="add"),
            helper.make_node("Add", ["x", "s"], ["y"], name="add2")],
            {"w": tn.weights(2, 2, 1, 1)}),
        "padto": tn.graph([
            helper.make_node("MaxPool", ["x"], ["p"], name="pool", kernel_shape=[2, 2],
                             strides=[2, 2], ceil_mode=1),
            helper.make_node("Resize", ["p", "", "scales"], ["u"], name="up", mode="nearest"),
            *tn.pad_to("u", "x", "padded"),
            helper.make_node("Concat", ["x", "padded"], ["y"], name="cat", axis=1)],
            {**tn.PAD_CONSTS, "scales": np.array([1, 1, 2, 2], np.float32)}),
    }


@pytest.mark.parametrize("name", ["residual", "padto"])
def test_onnx_models(name: str, tmp_path: Path) -> None:
    import onnx

    model = _onnx_models()[name]
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, str(path))
    out = tmp_path / "out"
    code, text, err = _cli("--network", str(path), "--out", str(out))
    assert code == 0, text + err
    assert "12/12 proofs hold" in text
    from symconv.network.frontends.onnx_frontend import load_onnx

    net = load_onnx(str(path))
    c = network_code(study(net), path.name)
    b = _build(c, tmp_path, net)
    points = [(h, w) for h in range(1, 41) for w in (1, 2, 3, 7, 16, 33)]
    bad = list(_compare(b, points))
    assert not bad, "\n".join(bad[:10])
    if name == "residual":  # the size-1 axis meets any size: an if-then-else, in C a Select
        assert {p for p in points if not isinstance(b.py(*p), str)} == {
            (h, w) for h, w in points if h <= 2 and w <= 2}
        assert "} else {" in c.render_c()


TWO_HEADS = '''name = "two-heads"
framework = "torch"
outputs = ["pool", "conv"]
[input]
channels = 1
axes = 3
[[layer]]
name = "pool"
op = "max_pool"
kernel = 2
stride = 2
ceil_mode = true
[[layer]]
name = "conv"
op = "conv"
from = ["input"]
in_channels = 1
channels = 4
kernel = [3, 1, 5]
stride = 2
'''


def test_three_axes_and_two_outputs(tmp_path: Path) -> None:
    net = parse_spec(TWO_HEADS, "two.toml")
    code = network_code(study(net), "two.toml")
    assert code.params == ("d", "h", "w")
    assert code.spec.result_names == ("out_pool_d", "out_pool_h", "out_pool_w", "out_conv_d",
                                      "out_conv_h", "out_conv_w")
    results, _ = prove_and_record(code, timeout=30)
    assert all(p.result.status is Status.PROVED for p in results)
    b = _build(code, tmp_path, net)
    grid = range(1, 12)
    bad = list(_compare(b, ((d, h, w) for d in grid for h in (1, 2, 9) for w in grid)))
    assert not bad, "\n".join(bad[:10])
    assert b.py(7, 1, 9) == (4, 1, 5, 3, 1, 3)


def test_magnitude_bounds_of_clamps_and_choices() -> None:
    import sympy as sp

    from symconv.codegen.c import piecewise
    from symconv.codegen.cspec import magnitude_bits

    h, w = sp.symbols("h w", integer=True)
    clamp = sp.Max(-7, sp.Min(h, 7, evaluate=False), evaluate=False)
    assert magnitude_bits(clamp) == 4  # |clamp| ≤ 7, whatever h
    other = sp.Max(-7, sp.Min(w, 7, evaluate=False), evaluate=False)
    assert magnitude_bits(512 * clamp * other) == 16
    # a choice is bounded by its values and by what its condition compares (also encoded)
    assert magnitude_bits(piecewise(sp.Integer(3), sp.Eq(clamp, 1), sp.Integer(-9))) == 5
    assert magnitude_bits(piecewise(sp.Integer(3), sp.Eq(h, 1), sp.Integer(-9))) == 65


def test_proof_text_does_not_depend_on_terms_alive_elsewhere() -> None:
    # Z3's printer lets a subterm by its reference count, which counts every live handle: the
    # same query printed while other code held its subterms wrote different SMT-LIB
    import z3

    from symconv.network.codegen_proofs import _smt2, python_query

    code = _code("unet-padded")
    negation = python_query(code, code.render_python()).negation
    before = _smt2(negation)
    held = []
    todo = [negation]
    while todo:
        term = todo.pop()
        held.append(term)
        todo += [term.arg(j) for j in range(term.num_args())]
    held += [z3.And(t, t) for t in held if z3.is_bool(t)]
    assert _smt2(negation) == before
