"""A context module of dilated convolutions (after Yu & Koltun 2016): unpadded 3×3 convolutions
with dilation 1, 1, 2, 4, 8, 16, 1, each shrinking the size by 2·dilation: the PyTorch form of
the spec examples/networks/dilated.toml.

    symconv network --torch examples/networks/dilated.py:Dilated
"""

from __future__ import annotations

import torch
from torch import nn


class Dilated(nn.Module):
    def __init__(self, in_channels: int = 3, classes: int = 21) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for dilation in (1, 1, 2, 4, 8, 16, 1):
            layers += [nn.Conv2d(channels, 64, 3, dilation=dilation), nn.ReLU()]
            channels = 64
        self.context = nn.Sequential(*layers)
        self.final = nn.Conv2d(64, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.final(self.context(x))


if __name__ == "__main__":
    print(tuple(Dilated().eval()(torch.zeros(1, 3, 80, 80)).shape))
