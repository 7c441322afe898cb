"""What symconv refuses to guess: upsampling by 1.5. PyTorch computes floor(H · 1.5) in double
precision, which is not an integer relation symconv proves things about, so the front-end stops
at this layer and names it.

    symconv network --torch examples/networks/float_scale.py:Upsample15     # exit 2
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Upsample15(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=1.5, mode="bilinear")
