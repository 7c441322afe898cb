"""Real models through ONNX export: the network symconv reads from the exported graph must
agree, size by size, with onnxruntime running that graph and with PyTorch running the original
model (meta device) — validity and every output size, zero mismatches — and ONNX's own shape
inference must agree with the rules the front-end names for it. Where onnxruntime raises, the
layer symconv names is the node onnxruntime's message names (symconv.network.ortrun).

Exports: TorchScript (``dynamo=False``, opset 17, dynamic H and W) for every model it can
export; torch.export (``dynamo=True``, Dim.AUTO H and W, opset 20 here) for two small models
and for vgg11 and alexnet, whose adaptive pooling only the dynamo exporter takes. Sizes
(``network_plan``, from the dumb evaluation of the network below a limit): the smallest, every
size within 3 of a change of validity, of the refusing layer or of the output's slope up to
where the changes repeat, and a fixed sample of the rest. onnxruntime runs in a child process
while PyTorch runs here; batch-norm-heavy torchvision models run on CPU tensors below 256
(cheaper than the meta device there).
"""

from __future__ import annotations

import copy
import io
import json
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest

import network_plan
from onnx_export import Exporter, build
from onnx_network_support import (
    Outcome,
    evaluate_network,
    layer_sizes,
    ort_outcomes,
    ort_pool_deviation,
    torch_outcome,
)
from symconv.cli import main
from symconv.network.ir import Kind, Network
from symconv.network.frontends.onnx_frontend import load_onnx

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

SMALL = ["padded_unet", "unet2015", "pad_to_match_unet", "resize_to_skip", "ceil_net",
         "dilated_net", "transposed_residual", "small_classifier"]
TV_TORCHSCRIPT = ["resnet18", "mobilenet_v2", "densenet121", "inception_v3"]
DYNAMO = ["transposed_residual", "pad_to_match_unet", "vgg11", "alexnet"]
CASES = ([(m, "torchscript") for m in SMALL + TV_TORCHSCRIPT]
         + [(m, "dynamo") for m in DYNAMO])
# the sizes are planned from the dumb evaluation of 1..SCAN
SCAN = {"vgg11": 272, "alexnet": 272, **dict.fromkeys(TV_TORCHSCRIPT, 160)}
EXTRA = {"unet2015": [188, 572], "small_classifier": [32, 39, 40]}
CPU_BELOW = dict.fromkeys(TV_TORCHSCRIPT, 256)  # run on CPU tensors below this size


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exporter]:
    pool = Exporter(tmp_path_factory.mktemp("onnx"))
    for name, exporter in CASES:
        pool.submit(name, exporter)
    yield pool
    pool.close()


def plan(name: str, dumb: Mapping[int, Outcome]) -> list[int]:
    """Square sizes to judge (``network_plan``), from the network's dumb evaluation."""
    scan = range(1, SCAN.get(name, 256) + 1)
    valid = {h: dumb[h].ok for h in scan}
    layer = {h: None if dumb[h].ok else dumb[h].why.split(":")[0] for h in scan}
    output = {h: tuple(n for o in dumb[h].outputs for n in o) for h in scan}
    chosen = network_plan.plan(network_plan.signatures(valid, layer, output), name)
    return sorted({*chosen, *EXTRA.get(name, [])})


def evaluations(net: Network, name: str) -> dict[int, Outcome]:
    """The dumb evaluation of ``net`` at every square size the test may look at."""
    return {h: evaluate_network(net, (h, h))
            for h in {*range(1, SCAN.get(name, 256) + 1), *EXTRA.get(name, [])}}


def pytorch_models(name: str) -> tuple[Any, Any, int]:
    """The model on meta, a copy on the CPU (zero weights: only shapes matter), its channels:
    built on meta, so none of its weights is initialised."""
    import torch

    with torch.device("meta"):
        meta, channels, _ = build(name)
    cpu = copy.deepcopy(meta).to_empty(device="cpu")
    with torch.no_grad():
        for t in (*cpu.parameters(), *cpu.buffers()):
            t.zero_()
    return meta, cpu, channels


def judge(dumb: Mapping[int, Outcome], path: str, name: str, sizes: Sequence[int]
          ) -> tuple[list[Any], list[Any], dict[tuple[int, ...], Outcome]]:
    """The sizes where symconv's network differs from onnxruntime, and from PyTorch, and
    onnxruntime's outcomes."""
    import torch

    meta, cpu, channels = pytorch_models(name)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two threads beside onnxruntime's child: 3-6 times slower
    try:
        with ThreadPoolExecutor(1) as pool:  # onnxruntime's child process runs meanwhile
            runtime = pool.submit(ort_outcomes, path, channels, [(h, h) for h in sizes])
            truths = {h: torch_outcome(cpu if h < CPU_BELOW.get(name, 0) else meta,
                                       channels, (h, h)) for h in sizes}
            real = runtime.result()
    finally:
        torch.set_num_threads(threads)
    vs_ort, vs_torch = [], []
    for h in sizes:
        ours = dumb[h]
        if not ours.same(real[(h, h)]) and not ort_pool_deviation(ours, real[(h, h)]):
            vs_ort.append((h, ours, real[(h, h)]))
        if not ours.same(truths[h]):
            vs_torch.append((h, ours, truths[h]))
    return vs_ort, vs_torch, real


def analysed(path: str, high: int) -> dict[int, Outcome]:
    """What ``symconv network PATH --sizes 1..HIGH --json`` says (from the valid set and the
    closed forms: nothing is run)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["network", path, "--sizes", f"1..{high}", "--json"], out, err)
    assert code == 0, err.getvalue()
    return {row["size"]: Outcome(row["valid"], (tuple(row["output"]),) if row["valid"] else (),
                                 "" if row["valid"] else "{layer}: {message}".format(
                                     **row["refused_by"]))
            for row in json.loads(out.getvalue())}


def attribution_mismatches(cli: Mapping[int, Outcome], real: Mapping[tuple[int, ...], Outcome],
                           sizes: Sequence[int]) -> list[Any]:
    """The sizes where symconv's refusing layer is not the node onnxruntime fails at (named
    in its message), or where onnxruntime runs and symconv does not say it does."""
    bad = []
    for h in sizes:
        ours, theirs = cli[h], real[(h, h)]
        if ours.ok:
            continue
        layer, _, message = ours.why.partition(": ")
        found = re.search(r"Name:'([^']*)'", theirs.why)
        if found:
            if layer.split("#")[0] != found.group(1):
                bad.append((h, ours.why, theirs.why))
        elif (theirs.ok or theirs.why.startswith("empty output")) and (
                "onnxruntime does not refuse" not in message):
            bad.append((h, ours.why, theirs.why))
    return bad


@pytest.mark.parametrize(("name", "exporter"), CASES)
def test_exported_model_agrees_with_onnxruntime_and_pytorch(
        exports: Exporter, name: str, exporter: str) -> None:
    path = exports.path(name, exporter)
    dumb = evaluations(load_onnx(path), name)
    sizes = plan(name, dumb)
    vs_ort, vs_torch, real = judge(dumb, path, name, sizes)
    cli = analysed(path, max(sizes))
    vs_cli = [(h, cli[h], dumb[h]) for h in sizes if not cli[h].same(dumb[h])]
    assert not vs_cli, f"symconv network --sizes differs at {len(vs_cli)} sizes: {vs_cli[:4]}"
    named = attribution_mismatches(cli, real, sizes)
    assert not named, f"{len(named)} refusing layers are not onnxruntime's: {named[:3]}"
    assert not vs_ort, f"{len(vs_ort)} of {len(sizes)} sizes differ from onnxruntime: {vs_ort[:4]}"
    if name in ("vgg11", "alexnet"):
        # torch.export specialises the adaptive pool to the example's 7×7 (6×6) input and keeps
        # only that as a pool of kernel 1: the exported graph runs on a band of sizes, PyTorch
        # on every H from its minimum up. On the band both agree exactly.
        band = [h for h in sizes if dumb[h].ok]
        assert band == [h for h in sizes if band[0] <= h <= band[-1]]
        assert 224 in band
        assert all(t.ok for _, o, t in vs_torch)
        assert not {h for h, _, _ in vs_torch} & set(band)
        assert any(h > band[-1] for h, _, _ in vs_torch)
    else:
        assert not vs_torch, (f"{len(vs_torch)} of {len(sizes)} sizes differ from PyTorch: "
                              f"{vs_torch[:4]}")


def test_unet2015_reproduces_the_paper(exports: Exporter) -> None:
    net = load_onnx(exports.path("unet2015", "torchscript"))
    assert evaluate_network(net, (572, 572)).outputs == ((388, 388),)
    assert next(h for h in range(1, 200) if evaluate_network(net, (h, h)).ok) == 188


def test_resnet18_stage_sizes_at_224(exports: Exporter) -> None:
    # ResNet's Table 1: conv1 112, conv2_x 56, conv3_x 28, conv4_x 14, conv5_x 7
    net = load_onnx(exports.path("resnet18", "torchscript"))
    sizes = {name: hw[0] for name, hw in layer_sizes(net, (224, 224)).items() if hw}
    stages = ["/conv1/Conv", "/maxpool/MaxPool", "/layer2/layer2.0/conv1/Conv",
              "/layer3/layer3.0/conv1/Conv", "/layer4/layer4.0/conv1/Conv"]
    assert [sizes[s] for s in stages] == [112, 56, 28, 14, 7]


# --- ONNX's own shape inference ---------------------------------------------------------------


def with_input(model: Any, sizes: Sequence[int]) -> Any:
    fixed = copy.deepcopy(model)
    dims = fixed.graph.input[0].type.tensor_type.shape.dim
    for dim, n in zip(dims[2:], sizes, strict=True):
        dim.Clear()
        dim.dim_value = n
    del fixed.graph.value_info[:]
    for out in fixed.graph.output:
        out.type.tensor_type.ClearField("shape")
    return fixed


def inferred(model: Any, sizes: Sequence[int]) -> Outcome:
    from onnx import shape_inference

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            done = shape_inference.infer_shapes(with_input(model, sizes), strict_mode=True)
    except Exception as exc:  # onnx.shape_inference.InferenceError
        return Outcome(False, why=str(exc).splitlines()[0])
    out = done.graph.output[0].type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else None for d in out.shape.dim]
    if None in dims or any(d < 1 for d in dims if d is not None):
        return Outcome(False, why=f"inferred {dims}")
    return Outcome(True, (tuple(d for d in dims[2:] if d is not None),))


def as_shape_inference(net: Network) -> Network:
    """The same network with each window's rule replaced by the one ONNX's shape inference
    applies at the model's opset (``attrs["shape_inference_rule"]``)."""
    nodes = tuple(replace(n, rule=str(n.attrs["shape_inference_rule"]))
                  if n.kind is Kind.WINDOW else n for n in net.nodes)
    return replace(net, nodes=nodes)


@pytest.mark.parametrize("name", ["ceil_net", "padded_unet", "dilated_net", "resnet18"])
def test_shape_inference_follows_the_rules_it_is_named_by(exports: Exporter, name: str) -> None:
    path = exports.path(name, "torchscript")
    model = onnx.load(path)
    net = load_onnx(path)
    infer_net = as_shape_inference(net)
    differ = []
    for h in range(1, 41) if name in SMALL else [1, 15, 16, 17, 31, 32, 33, 224]:
        by_shape_inference = inferred(model, (h, h))
        expected = evaluate_network(infer_net, (h, h))
        if expected.ok:  # where a size drops below 1 shape inference may still answer
            assert by_shape_inference.same(expected), (h, by_shape_inference, expected)
        runtime = evaluate_network(net, (h, h))
        if runtime.ok and not by_shape_inference.same(runtime):
            differ.append(h)
    if name == "ceil_net":
        # opset 17: shape inference's plain ceil keeps a last window that starts in the right
        # padding, which every runtime drops: it announces a larger output than the model gives
        assert differ, "expected shape inference to disagree with the runtime at opset 17"
    else:
        assert not differ


def test_an_empty_final_output_is_not_valid(exports: Exporter) -> None:
    path = exports.path("dilated_net", "torchscript")
    net = load_onnx(path)
    empty = [h for h in range(30, 60) if not evaluate_network(net, (h, h)).ok
             and evaluate_network(net, (h + 3, h + 3)).ok]
    assert empty
    assert not any(analysed(path, 60)[h].ok for h in empty)
