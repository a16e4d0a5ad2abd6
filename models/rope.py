"""Rotary position embedding shared by the decomposed packages' DiTs (tiny-decomposed, geo-nano)."""

import torch


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x [B, heads, N, d]; cos/sin [N, d/2]: rotates consecutive pairs (x0, x1), (x2, x3), ... by their angle."""
    x1 = x[..., 0::2]
    x2 = x[..., 1::2]
    r1 = x1 * cos - x2 * sin
    r2 = x1 * sin + x2 * cos
    return torch.stack([r1, r2], dim=-1).flatten(-2)
