"""A net built on dilation: a dilated stem without padding, a dilated max pool, and an ASPP-like
block (DeepLab) whose branches use dilation 1, 2 and 4 with matching padding and are
concatenated, then a strided dilated convolution.

    symconv network --torch examples/networks/dilatednet.py:DilatedNet
"""

from __future__ import annotations

import torch
from torch import nn


class DilatedNet(nn.Module):
    def __init__(self, in_channels: int = 3, width: int = 8) -> None:
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 3, dilation=2)
        self.pool = nn.MaxPool2d(3, stride=2, dilation=2, padding=1)
        self.branches = nn.ModuleList(
            nn.Conv2d(width, width, 3, padding=d, dilation=d) for d in (1, 2, 4))
        self.down = nn.Conv2d(3 * width, 2 * width, 3, stride=2, dilation=3)
        self.head = nn.Conv2d(2 * width, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.stem(x)))
        x = torch.cat([branch(x) for branch in self.branches], dim=1)
        return self.head(torch.relu(self.down(x)))


if __name__ == "__main__":
    print(tuple(DilatedNet().eval()(torch.zeros(1, 3, 64, 64)).shape))
