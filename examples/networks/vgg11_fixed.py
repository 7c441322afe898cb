"""torchvision's vgg11 with its adaptive average pool replaced by an identity: the classifier's
first ``Linear`` (25088 = 512·7·7 inputs) then fixes the size, and since max pooling floors,
every square input from 224 to 255 gives 7×7 features. The spec
examples/networks/vgg11-fixed.toml describes the same network.

    symconv network --torch examples/networks/vgg11_fixed.py:vgg11_fixed
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def _torchvision() -> Any:
    try:
        import torchvision
    except RuntimeError:
        # the CUDA wheel's C extension does not load next to a CPU torch; the pure-Python
        # models need none of its C++ ops, only their schemas defined
        lib = torch.library.Library("torchvision", "DEF")
        lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        lib.define("qnms(Tensor qdets, Tensor qscores, float iou_threshold) -> Tensor")
        _torchvision.lib = lib  # type: ignore[attr-defined]
        import sys
        for name in [m for m in sys.modules if m.split(".")[0] == "torchvision"]:
            del sys.modules[name]
        import torchvision
    return torchvision


def vgg11_fixed(num_classes: int = 1000) -> nn.Module:
    model = _torchvision().models.vgg11(weights=None, num_classes=num_classes)
    model.avgpool = nn.Identity()
    return model


if __name__ == "__main__":
    print(tuple(vgg11_fixed().eval()(torch.zeros(1, 3, 224, 224)).shape))
