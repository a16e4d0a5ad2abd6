"""geo-nano: UniGeo's layout at nano scale (a causal video VAE + a DiT with shared positions, one step).

Every module is TorchScript-scriptable (``torch.jit.script``), takes any batch and any clip length T = 1 + 4k,
and has the signature of the decomposed package form (``docs/model-contract.md``):

* ``VaeEncoder.forward(clip [B,T,3,H,W]) -> latents [B,t,C,h,w]`` (the posterior mean), t = 1 + (T-1)/4,
  h = H/4, w = W/4. Causal: the first frame is encoded alone (its latent frame sees nothing else), each later
  latent frame sees its 4 frames and the frames before them.
* ``Denoiser.forward(rgb [N,t,C,h,w], noisy [N,t,C,h,w], timestep [N], attribute [N]) -> [N,t,C,h,w]``: the
  RGB condition tokens and the geometry tokens sit at the SAME 3-D RoPE positions (t, y, x): UniGeo's position
  reuse, so a geometry token attends to the RGB token of its own place by position alone; an attribute
  embedding (0 = point map, 1 = normals) and the timestep condition every block through adaLN; joint attention
  over both token sets. Trained for the single deterministic step (zero noise at the terminal timestep,
  x0 prediction).
* ``VaeDecoder.forward(latents [N,t,C,h,w]) -> image [N,T,3,H,W]``.

One VAE serves RGB and geometry images alike (as UniGeo reuses the video VAE for its geometry).
"""

import math
import os
import sys
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from rope import apply_rope  # noqa: E402  (models/rope.py, shared with the tiny package's DiT)

TEMPORAL = 4
SPATIAL = 4


class CausalConv3d(nn.Module):
    """3x3x3 convolution that pads time on the past side only (zeros), so frame i never sees frame i+1."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, kernel_size=3, padding=(0, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (0, 0, 0, 0, 2, 0)))


class ResBlock3d(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, channels)
        self.conv1 = CausalConv3d(channels, channels)
        self.norm2 = nn.GroupNorm(8, channels)
        self.conv2 = CausalConv3d(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return x + h


class ResBlock2d(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(8, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return x + h


class VaeEncoder(nn.Module):
    """Frame-wise 2-D convolutions down to 1/4 size (where the pixels are), then causal 3-D blocks and the 4x
    temporal compression at latent size (where time is cheap): CPU-sized, same causal structure as CogVideoX."""

    def __init__(self, latent_channels: int = 8, width: int = 32):
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, padding=1)
        self.block1 = ResBlock2d(width)
        self.down1 = nn.Conv2d(width, width, 4, stride=2, padding=1)
        self.block2 = ResBlock2d(width)
        self.down2 = nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)
        self.block3 = ResBlock3d(2 * width)
        # temporal 4x: latent frame j >= 1 = a learned mix of frames 4j-3 .. 4j (their channels stacked);
        # latent frame 0 = frame 0 alone
        self.time_mix = nn.Conv2d(TEMPORAL * 2 * width, 2 * width, kernel_size=1)
        self.first = nn.Conv2d(2 * width, 2 * width, kernel_size=1)
        self.block4 = ResBlock3d(2 * width)
        self.norm = nn.GroupNorm(8, 2 * width)
        self.to_moments = nn.Conv3d(2 * width, 2 * latent_channels, kernel_size=1)
        self.latent_channels = latent_channels
        self.temporal = TEMPORAL

    def moments(self, clip: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        b, t, c, hh, ww = clip.shape
        x = clip.reshape(b * t, c, hh, ww)
        x = self.block1(self.stem(x))
        x = self.block2(self.down1(x))
        x = self.down2(x)
        ch = x.shape[1]
        h = x.shape[2]
        w = x.shape[3]
        x = self.block3(x.reshape(b, t, ch, h, w).permute(0, 2, 1, 3, 4))
        first = self.first(x[:, :, 0])
        k = (t - 1) // self.temporal
        rest = x[:, :, 1:].reshape(b, ch, k, self.temporal, h, w).permute(0, 2, 3, 1, 4, 5)
        rest = self.time_mix(rest.reshape(b * k, self.temporal * ch, h, w)).reshape(b, k, ch, h, w).permute(0, 2, 1, 3, 4)
        x = torch.cat([first.unsqueeze(2), rest], dim=2)
        x = self.block4(x)
        m = self.to_moments(F.silu(self.norm(x)))
        mean, logvar = torch.chunk(m, 2, dim=1)
        return mean.permute(0, 2, 1, 3, 4), logvar.clamp(-20.0, 10.0).permute(0, 2, 1, 3, 4)

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        return self.moments(clip)[0]


class VaeDecoder(nn.Module):
    def __init__(self, latent_channels: int = 8, width: int = 32):
        super().__init__()
        self.stem = nn.Conv3d(latent_channels, 2 * width, kernel_size=1)
        self.block1 = ResBlock3d(2 * width)
        self.first = nn.Conv2d(2 * width, 2 * width, kernel_size=1)
        self.time_split = nn.Conv2d(2 * width, TEMPORAL * 2 * width, kernel_size=1)
        self.block2 = ResBlock3d(2 * width)
        self.up1 = nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1)
        self.block3 = ResBlock2d(width)
        self.up2 = nn.ConvTranspose2d(width, width, 4, stride=2, padding=1)
        self.block4 = ResBlock2d(width)
        self.norm = nn.GroupNorm(8, width)
        self.out = nn.Conv2d(width, 3, 3, padding=1)
        self.temporal = TEMPORAL

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        return self.spatial(self.temporal_part(latents))

    def temporal_part(self, latents: torch.Tensor) -> torch.Tensor:
        """Latent frames -> per-frame features [B, ch, T, h, w] (training decodes only some frames' pixels)."""
        x = latents.permute(0, 2, 1, 3, 4)
        x = self.block1(self.stem(x))
        b = x.shape[0]
        ch = x.shape[1]
        lt = x.shape[2]
        h = x.shape[3]
        w = x.shape[4]
        first = self.first(x[:, :, 0]).unsqueeze(2)
        k = lt - 1
        rest = x[:, :, 1:].permute(0, 2, 1, 3, 4).reshape(b * k, ch, h, w)
        rest = self.time_split(rest).reshape(b, k, self.temporal, ch, h, w).permute(0, 3, 1, 2, 4, 5)
        rest = rest.reshape(b, ch, k * self.temporal, h, w)
        return self.block2(torch.cat([first, rest], dim=2))

    def spatial(self, x: torch.Tensor) -> torch.Tensor:
        """Per-frame features [B, ch, T, h, w] -> images [B, T, 3, H, W]."""
        b = x.shape[0]
        ch = x.shape[1]
        t = x.shape[2]
        h = x.shape[3]
        w = x.shape[4]
        x = x.permute(0, 2, 1, 3, 4).reshape(b * t, ch, h, w)
        x = self.block3(self.up1(x))
        x = self.block4(self.up2(x))
        x = self.out(F.silu(self.norm(x)))
        return x.reshape(b, t, 3, x.shape[2], x.shape[3])


def rope_angles(t: int, h: int, w: int, dims: Tuple[int, int, int], device: torch.device) -> torch.Tensor:
    """Rotary angles [t*h*w, sum(dims)/2] of the token grid (t, y, x), one frequency band per axis."""
    parts = []
    for size, dim, axis in ((t, dims[0], 0), (h, dims[1], 1), (w, dims[2], 2)):
        freqs = 1.0 / (100.0 ** (torch.arange(0, dim, 2, device=device, dtype=torch.float32) / dim))
        pos = torch.arange(size, device=device, dtype=torch.float32)
        ang = pos[:, None] * freqs[None, :]
        if axis == 0:
            ang = ang[:, None, None, :].expand(t, h, w, dim // 2)
        elif axis == 1:
            ang = ang[None, :, None, :].expand(t, h, w, dim // 2)
        else:
            ang = ang[None, None, :, :].expand(t, h, w, dim // 2)
        parts.append(ang.reshape(t * h * w, dim // 2))
    return torch.cat(parts, dim=1)


class Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.mlp1 = nn.Linear(width, 4 * width)
        self.mlp2 = nn.Linear(4 * width, width)
        self.ada = nn.Linear(width, 6 * width)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        n, length, width = x.shape
        s1, b1, g1, s2, b2, g2 = torch.chunk(self.ada(F.silu(cond)), 6, dim=1)
        h = self.norm1(x) * (1 + s1[:, None]) + b1[:, None]
        qkv = self.qkv(h).reshape(n, length, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)
        q = apply_rope(qkv[0], cos, sin)
        k = apply_rope(qkv[1], cos, sin)
        v = qkv[2]
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(width // self.heads), dim=-1)
        h = (att @ v).permute(0, 2, 1, 3).reshape(n, length, width)
        x = x + g1[:, None] * self.proj(h)
        h = self.norm2(x) * (1 + s2[:, None]) + b2[:, None]
        x = x + g2[:, None] * self.mlp2(F.gelu(self.mlp1(h)))
        return x


class Denoiser(nn.Module):
    def __init__(self, latent_channels: int = 8, width: int = 160, depth: int = 5, heads: int = 4, patch: int = 2,
                 position_mode: str = "reuse", rgb_residual: bool = True):
        super().__init__()
        self.patch = patch
        self.width = width
        self.heads = heads
        self.channels = latent_channels
        # position_mode (ablation): "reuse" = RGB and geometry tokens share RoPE positions (UniGeo);
        # "sequence" = geometry tokens continue the time axis after the RGB tokens (no shared positions);
        # "channel" = one token per place carrying RGB and geometry channels concatenated.
        self.position_mode = position_mode
        # rgb_residual: each geometry token's input also adds the embedding of the RGB token at its position. A
        # from-scratch stand-in for what a pretrained video prior brings (attention heads that already look at
        # the same place): without it, the zero-noise geometry tokens of the single step are all alike and must
        # learn position-selective attention first (measured: 500 DiT steps at the plane baseline's AbsRel).
        self.rgb_residual = rgb_residual
        token = latent_channels * patch * patch
        self.rgb_in = nn.Linear(token, width)
        self.geo_in = nn.Linear(token if position_mode != "channel" else 2 * token, width)
        self.attribute = nn.Embedding(2, width)
        self.time1 = nn.Linear(64, width)
        self.time2 = nn.Linear(width, width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.ada = nn.Linear(width, 2 * width)
        self.out = nn.Linear(width, token)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)
        head = width // heads
        # split the head dimension over (t, y, x): even counts, y and x get the larger share
        dt = 2 * (head // 8)
        dy = 2 * ((head - dt) // 4)
        self.rope_dims = (dt, dy, head - dt - dy)

    def timestep_embedding(self, timestep: torch.Tensor) -> torch.Tensor:
        half = 32
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=timestep.device, dtype=torch.float32) / half)
        ang = timestep.float()[:, None] * freqs[None, :]
        return torch.cat([torch.cos(ang), torch.sin(ang)], dim=1)

    def patchify(self, x: torch.Tensor) -> torch.Tensor:
        n, t, c, h, w = x.shape
        p = self.patch
        x = x.reshape(n, t, c, h // p, p, w // p, p).permute(0, 1, 3, 5, 2, 4, 6)
        return x.reshape(n, t * (h // p) * (w // p), c * p * p)

    def forward(self, rgb: torch.Tensor, noisy: torch.Tensor, timestep: torch.Tensor,
                attribute: torch.Tensor) -> torch.Tensor:
        n, t, c, h, w = noisy.shape
        p = self.patch
        gh = h // p
        gw = w // p
        cond = self.time2(F.silu(self.time1(self.timestep_embedding(timestep)))) + self.attribute(attribute)
        rgb_tokens = self.patchify(rgb.to(noisy.dtype))
        geo_tokens = self.patchify(noisy)
        length = t * gh * gw
        if self.position_mode == "channel":
            x = self.geo_in(torch.cat([geo_tokens, rgb_tokens], dim=2))
            ang = rope_angles(t, gh, gw, self.rope_dims, noisy.device)
        elif self.position_mode == "sequence":
            rgb_x = self.rgb_in(rgb_tokens)
            geo_x = self.geo_in(geo_tokens)
            if self.rgb_residual:
                geo_x = geo_x + rgb_x
            x = torch.cat([rgb_x, geo_x], dim=1)
            ang = rope_angles(2 * t, gh, gw, self.rope_dims, noisy.device)
        else:
            rgb_x = self.rgb_in(rgb_tokens)
            geo_x = self.geo_in(geo_tokens)
            if self.rgb_residual:
                geo_x = geo_x + rgb_x
            x = torch.cat([rgb_x, geo_x], dim=1)
            ang = rope_angles(t, gh, gw, self.rope_dims, noisy.device)
            ang = torch.cat([ang, ang], dim=0)  # position reuse: geometry token i sits where RGB token i sits
        cos = torch.cos(ang).to(x.dtype)
        sin = torch.sin(ang).to(x.dtype)
        for block in self.blocks:
            x = block(x, cond, cos, sin)
        x = x[:, x.shape[1] - length:]
        shift, scale = torch.chunk(self.ada(F.silu(cond)), 2, dim=1)
        x = self.norm(x) * (1 + scale[:, None]) + shift[:, None]
        x = self.out(x).reshape(n, t, gh, gw, c, p, p).permute(0, 1, 4, 2, 5, 3, 6)
        return x.reshape(n, t, c, h, w)
