"""A branch on a size, which torch.fx cannot record: an odd width loses its first column before
the convolution. PyTorch's own symbolic shapes read it, one path per parity:

    symconv network --torch examples/networks/branchy.py:Branchy
    symconv generate --network --torch examples/networks/branchy.py:Branchy --out shapes
"""

from __future__ import annotations

import torch
from torch import nn


class Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 2:  # a branch on a size: torch.fx cannot record it
            x = x[..., 1:]
        return self.conv(x)
