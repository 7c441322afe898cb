"""Export the test models to ONNX with dynamic height and width, in worker processes (each
imports torch once; two exports run at a time)."""

from __future__ import annotations

import multiprocessing
import sys
import warnings
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

TORCHVISION = {  # name: (constructor keywords, example size)
    "resnet18": ({}, 224),
    "mobilenet_v2": ({}, 224),
    "densenet121": ({}, 224),
    "inception_v3": ({"aux_logits": False, "init_weights": False}, 299),
    "vgg11": ({}, 224),
    "alexnet": ({}, 224),
}
EXAMPLE = {"unet2015": 572, "small_classifier": 32}


def import_torchvision() -> Any:
    """torchvision 0.28 here cannot load its C extension: define the schemas it registers
    before importing it (the classification models call no C++ op)."""
    import torch

    if "torchvision" not in sys.modules:
        lib = torch.library.Library("torchvision", "DEF")
        lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        lib.define("qnms(Tensor qdets, Tensor qscores, float iou_threshold) -> Tensor")
        import_torchvision.lib = lib  # type: ignore[attr-defined]  # keep the library alive
    import torchvision

    return torchvision


def build(name: str) -> tuple[Any, int, int]:
    """The model (eval mode, seeded), its input channels, its example size."""
    import torch

    torch.manual_seed(0)
    if name in TORCHVISION:
        kwargs, size = TORCHVISION[name]
        models = import_torchvision().models
        return getattr(models, name)(weights=None, **kwargs).eval(), 3, size
    sys.path.insert(0, str(Path(__file__).parent))
    from onnx_models import CHANNELS, MODELS

    cls, kwargs = MODELS[name]
    return cls(**kwargs).eval(), CHANNELS.get(name, 3), EXAMPLE.get(name, 64)


def export(name: str, exporter: str, path: str) -> str:
    """``exporter``: ``torchscript`` (``dynamo=False``, opset 17, dynamic_axes) or ``dynamo``
    (torch.export with Dim.AUTO height and width, the default exporter of torch 2.13)."""
    import torch

    torch.set_num_threads(1)  # two export workers and the tests share two cores
    model, channels, size = build(name)
    x = torch.randn(1, channels, size, size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "torchscript":
            torch.onnx.export(model, (x,), path, dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {2: "H", 3: "W"}}, opset_version=17)
        else:
            auto = torch.export.Dim.AUTO
            torch.onnx.export(model, (x,), path, dynamo=True, verbose=False,
                              dynamic_shapes={"x": {2: auto, 3: auto}})
    return path


class Exporter:
    """Exports submitted up front, awaited by each test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(max_workers=2, mp_context=context)
        self.jobs: dict[tuple[str, str], Future[str]] = {}

    def submit(self, name: str, exporter: str) -> None:
        path = str(self.directory / f"{name}.{exporter}.onnx")
        self.jobs[(name, exporter)] = self.pool.submit(export, name, exporter, path)

    def path(self, name: str, exporter: str) -> str:
        return self.jobs[(name, exporter)].result(timeout=900)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
