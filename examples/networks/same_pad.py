"""timm-style 'same' padding, computed from the input's size in Python, and a crop decided by an
``if`` on a size: torch.fx cannot record either (a branch on a size), PyTorch's symbolic shapes
can (``symconv network --torch examples/networks/same_pad.py:SamePad``)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SamePad(nn.Module):
    """timm-style 'same' padding: a Python branch on the size, which torch.fx cannot record."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        ph = max((-(-h // 2) - 1) * 2 + 3 - h, 0)
        pw = max((-(-w // 2) - 1) * 2 + 3 - w, 0)
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        x = self.conv(x)
        if x.shape[-1] % 3 == 0:
            x = x[..., 1:]
        return self.pool(x)
