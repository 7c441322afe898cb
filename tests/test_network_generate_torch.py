"""``generate --network --torch SOURCE:CALLABLE``: a PyTorch model's shape function straight
from the model (no ONNX export), proved as for a spec; its answers equal those of the model read
through PyTorch's own symbolic shapes (an independent front-end); a model torch.fx cannot read
is refused, saying so."""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("torch")

from symconv.cli import main
from symconv.codegen.cbuild import Library, build_shared, compiler

ROOT = Path(__file__).resolve().parents[1]
UNET = f"{ROOT / 'examples' / 'networks' / 'unet_padded.py'}:UNet"


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_torch_model_gets_its_proved_shape_function(tmp_path: Path) -> None:
    code, out, err = run(["generate", "--network", "--torch", UNET, "--out", str(tmp_path),
                          "--json"])
    assert code == 0, err
    report = json.loads(out)
    assert report["network"] == "UNet"
    assert report["proofs"]
    assert all(p["status"] == "proved" for p in report["proofs"])
    source = (tmp_path / "unet_shape.py").read_text()
    assert "symconv generate --network --torch unet_padded.py:UNet" in source
    assert str(ROOT) not in source  # the same text on every machine
    module = _module(tmp_path / "unet_shape.py")
    code, out, err = run(["network", "--torch", UNET, "--symbolic", "--sizes", "1..80",
                          "--json"])
    assert code == 0, err
    for answer in json.loads(out):
        n = answer["size"]
        if answer["valid"]:
            assert list(module.unet_shape(n, n)) == answer["output"], n
        else:
            with pytest.raises(ValueError, match=answer["refused_by"]["layer"]):
                module.unet_shape(n, n)
    code, out, err = run(["generate", "--network", "--torch", UNET, "--out", str(tmp_path),
                          "--check"])
    assert code == 0, err
    written = [f for f in tmp_path.rglob("*") if f.is_file() and f.name != ".symconv-manifest"]
    assert f"{len(written)} files up to date" in out




SAME_PAD = f"{ROOT / 'examples' / 'networks' / 'same_pad.py'}:SamePad"
BRANCHY = f"{ROOT / 'examples' / 'networks' / 'branchy.py'}:Branchy"


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pytorch(model: Any, h: int, w: int) -> tuple[int, ...] | None:
    """The real forward on the CPU (the judge): the output's spatial sizes, None if refused."""
    import torch

    try:
        with torch.no_grad():
            out = model(torch.zeros(1, 3, h, w))
    except RuntimeError:
        return None
    return tuple(out.shape[2:])


@pytest.mark.parametrize("which", ["branchy", "same_pad"])
def test_a_model_only_symbolic_shapes_read_gets_its_proved_shape_function(
        which: str, tmp_path: Path) -> None:
    """torch.fx cannot record these forwards (a branch on a size): the function comes from
    every path PyTorch's forward takes, and answers as the real forward does at every size of
    a grid, in Python and in C; Branchy's output W is W-2 or W-3 by parity, one form per path."""
    from symconv.network.frontends.torch_frontend import build_model

    target, function = {"branchy": (BRANCHY, "branchy_shape"),
                         "same_pad": (SAME_PAD, "samepad_shape")}[which]
    out_dir = tmp_path / "out"
    code, out, err = run(["generate", "--network", "--torch", target, "--out", str(out_dir),
                          "--json", "--jobs", "1"])
    assert code == 0, err
    assert "Traceback" not in err
    report = json.loads(out)
    ids = [p["id"] for p in report["proofs"]]
    assert ids[0] == f"net.model.{function}"
    assert all(p["status"] == "proved" for p in report["proofs"]), report["proofs"]
    module = _module(out_dir / f"{function}.py")
    model = build_model(target, None).eval()
    lib = None
    if compiler() is not None:
        from symconv.network.codegen_cli import _torch_code

        args = argparse.Namespace(torch=target, kwargs=None, channels=None, rank=None,
                                  symbolic=False, jobs=1)
        net_code, _ = _torch_code(args, io.StringIO(), 30.0)
        (tmp_path / "c").mkdir()
        lib = Library(build_shared((out_dir / f"{function}.h").read_text(), tmp_path / "c",
                                   header=net_code.header), net_code.header)
    for h in range(1, 15):
        for w in range(1, 15):
            want = _pytorch(model, h, w)
            try:
                got: tuple[int, ...] | None = tuple(getattr(module, function)(h, w))
            except ValueError as exc:
                got, said = None, str(exc)
                assert "PyTorch refuses it" in said
            assert got == want, (h, w)
            if lib is not None:
                status, outs = lib.call(function, h, w)
                assert (status == 0) == (want is not None), (h, w)
                assert status != 0 or tuple(outs) == want, (h, w)
    code, out, err = run(["generate", "--network", "--torch", target, "--out", str(out_dir),
                          "--check", "--jobs", "1"])
    assert code == 0, out + err
    assert "files up to date" in out


def test_the_symbolic_reader_and_torch_fx_generate_the_same_answers(tmp_path: Path) -> None:
    """The U-Net through torch.fx's IR and through PyTorch's paths (--symbolic): two
    derivations of one function, the same answer at every size (messages aside)."""
    fx, sym = tmp_path / "fx", tmp_path / "sym"
    for where, extra in ((fx, []), (sym, ["--symbolic", "--jobs", "1"])):
        code, _out, err = run(["generate", "--network", "--torch", UNET, "--out", str(where),
                               *extra])
        assert code == 0, err
    a, b = _module(fx / "unet_shape.py"), _module(sym / "unet_shape.py")
    for h in range(1, 70):
        for w in (1, 15, 16, 17, 33, 64):
            try:
                want: tuple[int, ...] | None = a.unet_shape(h, w)
            except ValueError:
                want = None
            try:
                got: tuple[int, ...] | None = b.unet_shape(h, w)
            except ValueError:
                got = None
            assert got == want, (h, w)


def test_float_size_arithmetic_is_refused(tmp_path: Path) -> None:
    target = f"{ROOT / 'examples' / 'networks' / 'float_scale.py'}:Upsample15"
    code, _out, err = run(["generate", "--network", "--torch", target, "--rank", "2", "--out",
                           str(tmp_path / "out"), "--jobs", "1"])
    assert code == 2
    assert "float size arithmetic" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["--network", "x.toml", "--torch", "pkg:make"], "not both"),
    (["--torch", "pkg:make"], "--torch does not apply"),
    (["--network"], "--network needs FILE"),
    (["--network", "x.toml", "--symbolic"], "--symbolic does not apply"),
    (["--network", "x.toml", "--jobs", "2"], "--jobs does not apply"),
    (["--network", str(ROOT / "examples" / "networks" / "dilated.toml"), "--channels", "1"],
     "--channels does not apply"),
])
def test_bad_combinations(argv: list[str], message: str, tmp_path: Path) -> None:
    code, _out, err = run(["generate", *argv, "--out", str(tmp_path)])
    assert code == 2
    assert message in err
