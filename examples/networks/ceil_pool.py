"""Ceil-mode max pooling (as GoogLeNet uses it) next to a strided convolution, concatenated as
in an Inception reduction block: the PyTorch form of the spec examples/networks/ceil-pool.toml.
A 3×3/2 ceil-mode pool rounds up where the padded 3×3/2 convolution rounds down, so the two
branches line up only for some sizes, arbitrarily far above the smallest valid one.

    symconv network --torch examples/networks/ceil_pool.py:CeilPool
"""

from __future__ import annotations

import torch
from torch import nn


class CeilPool(nn.Module):
    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        self.stem = nn.Conv2d(in_channels, 32, 3, stride=2)
        self.pool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.branch_conv = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.branch_pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.head = nn.Conv2d(96, 10, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(torch.relu(self.stem(x)))
        x = torch.cat([torch.relu(self.branch_conv(x)), self.branch_pool(x)], dim=1)
        return self.head(x)


if __name__ == "__main__":
    print(tuple(CeilPool().eval()(torch.zeros(1, 3, 67, 67)).shape))
