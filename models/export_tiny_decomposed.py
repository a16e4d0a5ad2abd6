#!/usr/bin/python3
"""Writes the tiny DECOMPOSED geometry model package used by the Java tests (docs/model-contract.md).

Run with Debian's python3-torch (torch 1.13), from the repository root:

    /usr/bin/python3 models/export_tiny_decomposed.py                      # models/tiny-decomposed/ + expected/
    /usr/bin/python3 models/export_tiny_decomposed.py --precision fp16 models/tiny-decomposed-fp16
    /usr/bin/python3 models/export_tiny_decomposed.py --broken-batch DIR   # DIR: same, vae_encoder hard-codes batch 1
                     # (DIR/vae_encoder.pt is committed as core/src/test/resources/decomposed-batch1/vae_encoder.pt)
    /usr/bin/python3 models/export_tiny_decomposed.py --add-expected ddim_zsnr   # one run's expected/ outputs only,
                     # from the committed modules, input and noise (the .pt files are not rewritten)

The decomposed form is a diffusers-style pipeline split into three TorchScript modules, with the sampling
loop in Java (io.geostream.model.torchscript and io.geostream.model.diffusion):

* vae_encoder.pt : normalised RGB clip [B,T,3,H,W] -> latents [B,t,C,h,w], t = 1 + (T-1)/temporalCompression,
                   h = H/spatialCompression, w = W/spatialCompression (the tiny one: frame-wise, 4x spatial,
                   temporalCompression 1)
* denoiser.pt    : (rgb latents [B,t,C,h,w], noisy geometry latents [B,t,C,h,w], timestep [B] float32,
                   attribute [B] int64: 0 = point map, 1 = normals) -> model output [B,t,C,h,w]
                   A small DiT: 2x2 patches -> tokens, 3-D RoPE over (t, y, x) where the RGB condition tokens
                   REUSE the geometry tokens' positions (as in UniGeo), joint attention over
                   [geometry tokens ; condition tokens], timestep + attribute embedding through adaLN.
* vae_decoder.pt : latents [B,t,C,h,w] -> geometry image [B,T,3,H,W] (point map or normals, before
                   de-normalisation)

Weights are random from a fixed seed: the package tests plumbing, samplers and parity, not accuracy.
expected/ holds a fixed input clip, the initial noise used by the stochastic samplers, and the final point
map and normals of each reference sampler below (single-step, flow-euler N=4, ddim N=4, and ddim_zsnr: ddim
N=16 on the scaled-linear schedule with CogVideoX-5B's options, zero terminal SNR and diffusers' half-to-even
trailing grid). The reference sampling loops here (with the schedules and grids of diffusion_reference.py) are
the specification the Java samplers are checked against. model.json is written by package_json.py.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

import package_json
from diffusion_reference import alphas_cumprod, ddim_timesteps  # numpy-only schedules, shared with Java's cross-check
from rope import apply_rope  # shared with geo-nano's DiT

SEED = 20251130
HERE = os.path.dirname(os.path.abspath(__file__))
INPUT_WIDTH, INPUT_HEIGHT = 64, 48
RGB_MEAN = [0.485, 0.456, 0.406]
RGB_STD = [0.229, 0.224, 0.225]
LATENT_CHANNELS = 4
SPATIAL = 4
LATENT_SCALE = 0.7
PATCH = 2
DIM = 32
HEADS = 2
LAYERS = 2
MAX_BATCH = 4
POINT_SCALE = 1.0
POINT_OFFSET = [0.0, 0.0, 2.5]

SCALED_LINEAR = {"kind": "scaled-linear", "betaStart": 0.00085, "betaEnd": 0.012, "trainSteps": 1000}
FLOW = {"kind": "flow-matching", "trainSteps": 1000}
# CogVideoX-5B's options: zero terminal SNR (alphaBar_999 = 0) and diffusers' half-to-even trailing grid.
SCALED_LINEAR_ZSNR = dict(SCALED_LINEAR, rescaleZeroSnr=True, timestepRounding="half-even")
ZSNR_DDIM_STEPS = 16  # 16 steps: the grid has a .5 to round (812.5 -> 812, not 813), so the rounding is tested


# ---- modules ------------------------------------------------------------------------------------------

class VaeEncoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.conv2 = torch.nn.Conv2d(16, LATENT_CHANNELS, 3, stride=2, padding=1)

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        b, t, c, h, w = clip.shape
        x = clip.reshape(b * t, c, h, w)
        z = self.conv2(F.silu(self.conv1(x)))
        return z.reshape(b, t, z.shape[1], z.shape[2], z.shape[3])


class VaeDecoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(LATENT_CHANNELS, 16, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(16, 16, 3, padding=1)
        self.conv3 = torch.nn.Conv2d(16, 3, 3, padding=1)

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        b, t, c, h, w = latents.shape
        x = latents.reshape(b * t, c, h, w)
        x = F.silu(self.conv1(x))
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        x = F.silu(self.conv2(x))
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        x = self.conv3(x)
        return x.reshape(b, t, 3, x.shape[2], x.shape[3])


class VaeEncoderBatch1(VaeEncoder):
    """Hard-codes batch 1 in its reshape: any other batch fails (the package's dry run must catch it)."""

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        t = clip.shape[1]
        x = clip.reshape(t, 3, clip.shape[3], clip.shape[4])
        z = self.conv2(F.silu(self.conv1(x)))
        return z.reshape(1, t, z.shape[1], z.shape[2], z.shape[3])


def rope_angles(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """positions [N] float -> angles [N, dim/2] (theta 10000)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    return positions.unsqueeze(1) * freqs.unsqueeze(0)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(DIM, elementwise_affine=False, eps=1e-6)
        self.qkv = torch.nn.Linear(DIM, 3 * DIM)
        self.proj = torch.nn.Linear(DIM, DIM)
        self.norm2 = torch.nn.LayerNorm(DIM, elementwise_affine=False, eps=1e-6)
        self.mlp1 = torch.nn.Linear(DIM, 4 * DIM)
        self.mlp2 = torch.nn.Linear(4 * DIM, DIM)
        self.ada = torch.nn.Linear(DIM, 6 * DIM)
        self.heads = HEADS

    def forward(self, x: torch.Tensor, c: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        mod = self.ada(F.silu(c)).unsqueeze(1)                            # [B,1,6D]
        shift1, scale1, gate1, shift2, scale2, gate2 = mod.chunk(6, dim=2)
        h = self.norm1(x) * (1.0 + scale1) + shift1
        qkv = self.qkv(h).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q = apply_rope(qkv[0], cos.to(x.dtype), sin.to(x.dtype))
        k = apply_rope(qkv[1], cos.to(x.dtype), sin.to(x.dtype))
        v = qkv[2]
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(float(d // self.heads)), dim=-1)
        o = torch.matmul(att, v).permute(0, 2, 1, 3).reshape(b, n, d)
        x = x + gate1 * self.proj(o)
        h = self.norm2(x) * (1.0 + scale2) + shift2
        x = x + gate2 * self.mlp2(F.gelu(self.mlp1(h)))
        return x


class Denoiser(torch.nn.Module):
    def __init__(self):
        super().__init__()
        patch_dim = LATENT_CHANNELS * PATCH * PATCH
        self.geo_embed = torch.nn.Linear(patch_dim, DIM)
        self.rgb_embed = torch.nn.Linear(patch_dim, DIM)
        self.time1 = torch.nn.Linear(DIM, DIM)
        self.time2 = torch.nn.Linear(DIM, DIM)
        self.attribute = torch.nn.Embedding(2, DIM)
        self.blocks = torch.nn.ModuleList([Block() for _ in range(LAYERS)])
        self.norm_out = torch.nn.LayerNorm(DIM, elementwise_affine=False, eps=1e-6)
        self.ada_out = torch.nn.Linear(DIM, 2 * DIM)
        self.out = torch.nn.Linear(DIM, patch_dim)
        self.patch = PATCH
        self.dim = DIM

    def patchify(self, z: torch.Tensor) -> torch.Tensor:
        b, t, c, h, w = z.shape
        z = z.reshape(b, t, c, h // self.patch, self.patch, w // self.patch, self.patch)
        z = z.permute(0, 1, 3, 5, 2, 4, 6)                                  # b t gy gx c py px
        return z.reshape(b, t * (h // self.patch) * (w // self.patch), c * self.patch * self.patch)

    def forward(self, rgb: torch.Tensor, noisy: torch.Tensor, timestep: torch.Tensor,
                attribute: torch.Tensor) -> torch.Tensor:
        b, t, c, h, w = noisy.shape
        gy = h // self.patch
        gx = w // self.patch
        n = t * gy * gx
        geo = self.geo_embed(self.patchify(noisy))
        cond = self.rgb_embed(self.patchify(rgb))
        x = torch.cat([geo, cond], dim=1)                                   # [B, 2N, D]

        # 3-D RoPE: head dim split 4 (t) + 6 (y) + 6 (x); condition tokens reuse the geometry positions.
        idx = torch.arange(n, dtype=torch.int64)
        pt = torch.div(idx, gy * gx, rounding_mode="floor").to(torch.float32)
        py = torch.remainder(torch.div(idx, gx, rounding_mode="floor"), gy).to(torch.float32)
        px = torch.remainder(idx, gx).to(torch.float32)
        ang = torch.cat([rope_angles(pt, 4), rope_angles(py, 6), rope_angles(px, 6)], dim=1)  # [N, 8]
        ang = torch.cat([ang, ang], dim=0)                                  # [2N, 8]
        cos = torch.cos(ang)
        sin = torch.sin(ang)

        half = self.dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        targs = timestep.to(torch.float32).unsqueeze(1) * freqs.unsqueeze(0)
        temb = torch.cat([torch.cos(targs), torch.sin(targs)], dim=1).to(noisy.dtype)
        cvec = self.time2(F.silu(self.time1(temb))) + self.attribute(attribute)

        for block in self.blocks:
            x = block(x, cvec, cos, sin)
        shift, scale = self.ada_out(F.silu(cvec)).unsqueeze(1).chunk(2, dim=2)
        x = self.norm_out(x[:, :n]) * (1.0 + scale) + shift
        x = self.out(x)                                                      # [B, N, C*p*p]
        x = x.reshape(b, t, gy, gx, c, self.patch, self.patch).permute(0, 1, 4, 2, 5, 3, 6)
        return x.reshape(b, t, c, h, w)


# ---- schedules, prediction types, samplers (the reference the Java samplers follow) ------------------

def to_x0_eps(prediction, schedule, x_t, out, t):
    """(x0, eps) from the model output at time t (discrete index for beta schedules, [0,1] for flow)."""
    if schedule["kind"] == "flow-matching":       # x_t = (1 - t) x0 + t eps, velocity v = eps - x0
        if prediction == "velocity":
            return x_t - t * out, x_t + (1.0 - t) * out
        if prediction == "x0":
            return out, (x_t - (1.0 - t) * out) / t
        return (x_t - t * out) / (1.0 - t), out
    ab = float(alphas_cumprod(schedule)[t])         # x_t = sqrt(ab) x0 + sqrt(1 - ab) eps
    a, s = math.sqrt(ab), math.sqrt(1.0 - ab)
    if prediction == "velocity":                   # v = sqrt(ab) eps - sqrt(1 - ab) x0
        return a * x_t - s * out, s * x_t + a * out  # at ab = 0 (zero terminal SNR): x0 = -out, eps = x_t
    if prediction == "x0":
        return out, (x_t - a * out) / s              # s >= sqrt(beta_0) > 0 for every t
    if a == 0.0:                                     # zero terminal SNR: x_t is pure noise, says nothing of x0
        raise ValueError("epsilon prediction has no x0 estimate at alphaBar = 0 (rescaleZeroSnr)")
    return (x_t - s * out) / a, out


def model_timestep(schedule, t):
    """The denoiser's timestep input: the discrete index, or t * trainSteps for flow matching."""
    return float(t) * schedule["trainSteps"] if schedule["kind"] == "flow-matching" else float(t)


def run_denoiser(denoiser, rgb, x, schedule, t):
    b2 = x.shape[0]
    half = b2 // 2
    timestep = torch.full((b2,), model_timestep(schedule, t), dtype=torch.float32)
    attribute = torch.tensor([0] * half + [1] * half, dtype=torch.int64)
    return denoiser(torch.cat([rgb, rgb], dim=0), x, timestep, attribute)


def sample_single_step(denoiser, rgb, schedule, prediction):
    """UniGeo's deterministic single step: zero noise at the last training time."""
    x = torch.zeros((2 * rgb.shape[0],) + tuple(rgb.shape[1:]), dtype=torch.float32)
    t = 1.0 if schedule["kind"] == "flow-matching" else schedule["trainSteps"] - 1
    out = run_denoiser(denoiser, rgb, x, schedule, t)
    return to_x0_eps(prediction, schedule, x, out, t)[0]


def sample_flow_euler(denoiser, rgb, noise, schedule, prediction, steps):
    """Euler on dx/dt = v from t = 1 (noise) to t = 0 on t_i = 1 - i / N."""
    x = noise
    for i in range(steps):
        t, t_next = 1.0 - i / steps, 1.0 - (i + 1) / steps
        out = run_denoiser(denoiser, rgb, x, schedule, t)
        x0, eps = to_x0_eps(prediction, schedule, x, out, t)
        x = x + (t_next - t) * (eps - x0)
    return x


def sample_ddim(denoiser, rgb, noise, schedule, prediction, steps):
    """Deterministic DDIM (eta = 0); the step after the last has alpha_bar = 1 (returns x0)."""
    ac = alphas_cumprod(schedule)
    ts = ddim_timesteps(schedule, steps)
    x = noise
    for i, t in enumerate(ts):
        out = run_denoiser(denoiser, rgb, x, schedule, t)
        x0, eps = to_x0_eps(prediction, schedule, x, out, t)
        ab_prev = float(ac[ts[i + 1]]) if i + 1 < len(ts) else 1.0
        x = math.sqrt(ab_prev) * x0 + math.sqrt(1.0 - ab_prev) * eps
    return x


def decode(decoder, latents, b):
    """Decoded geometry of the 2B latents -> (points [B,T,3,H,W], normals [B,T,3,H,W])."""
    img = decoder(latents / LATENT_SCALE)
    points = img[:b] * POINT_SCALE + torch.tensor(POINT_OFFSET, dtype=torch.float32).reshape(1, 1, 3, 1, 1)
    raw = img[b:]
    length = torch.sqrt((raw * raw).sum(dim=2, keepdim=True))
    fallback = torch.tensor([0.0, 0.0, -1.0]).reshape(1, 1, 3, 1, 1).expand_as(raw)
    normals = torch.where(length > 1e-6, raw / length.clamp_min(1e-6), fallback)
    return points, normals


# ---- package ------------------------------------------------------------------------------------------

def model_json(name, max_batch=MAX_BATCH, precision="fp32"):
    return package_json.decomposed(
        name=name, version="1.0.0", clip_frames=0, input_width=INPUT_WIDTH, input_height=INPUT_HEIGHT,
        rgb_mean=RGB_MEAN, rgb_std=RGB_STD, confidence="normal-agreement", max_batch=max_batch, precision=precision,
        latent_channels=LATENT_CHANNELS, spatial_compression=SPATIAL, temporal_compression=1,
        latent_scale=LATENT_SCALE, prediction_type="velocity", noise_schedule=SCALED_LINEAR,
        sampler_kind="single-step", sampler_steps=1, point_scale=POINT_SCALE, point_offset=POINT_OFFSET)


def build_modules(encoder_cls=VaeEncoder, dtype=torch.float32):
    torch.manual_seed(SEED)
    modules = {"vae_encoder": encoder_cls(), "denoiser": Denoiser(), "vae_decoder": VaeDecoder()}
    # DiT initialises the adaLN gates to zero; here every weight stays random so each block does something.
    for m in modules.values():
        m.eval()
        m.to(dtype)
    return {k: torch.jit.script(m) for k, m in modules.items()}


def write_package(directory, name, encoder_cls=VaeEncoder, precision="fp32"):
    os.makedirs(directory, exist_ok=True)
    dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[precision]
    for key, scripted in build_modules(encoder_cls, dtype).items():
        scripted.save(os.path.join(directory, key + ".pt"))
    package_json.write(directory, model_json(name, precision=precision))


def save(directory, name, tensor):
    np.save(os.path.join(directory, name + ".npy"), tensor.numpy().astype("<f4"), allow_pickle=False)


# The reference samplers whose final outputs expected/ holds: name -> f(denoiser, rgb latents, noise).
REFERENCE_RUNS = {
    "single_step": lambda den, rgb, noise: sample_single_step(den, rgb, SCALED_LINEAR, "velocity"),
    "flow_euler": lambda den, rgb, noise: sample_flow_euler(den, rgb, noise, FLOW, "velocity", 4),
    "ddim": lambda den, rgb, noise: sample_ddim(den, rgb, noise, SCALED_LINEAR, "velocity", 4),
    # CogVideoX-5B's schedule: alphaBar_999 = 0, so the first step sees pure noise (x0 = -v, eps = x).
    "ddim_zsnr": lambda den, rgb, noise: sample_ddim(den, rgb, noise, SCALED_LINEAR_ZSNR, "velocity", ZSNR_DDIM_STEPS),
}


def load(directory, name):
    return torch.from_numpy(np.load(os.path.join(directory, name + ".npy")))


def write_expected(directory, only=None):
    """Writes expected/ (input, noise, every reference run); with `only`, just those runs, from the committed
    input and noise, leaving every other file as it is."""
    expected = os.path.join(directory, "expected")
    os.makedirs(expected, exist_ok=True)
    # Reference outputs come from the SAVED modules, exactly what Java loads.
    enc = torch.jit.load(os.path.join(directory, "vae_encoder.pt"))
    den = torch.jit.load(os.path.join(directory, "denoiser.pt"))
    dec = torch.jit.load(os.path.join(directory, "vae_decoder.pt"))
    with torch.no_grad():
        if only:
            clip = load(expected, "input")
            rgb = enc(clip) * LATENT_SCALE
            noise_points, noise_normals = load(expected, "noise_points"), load(expected, "noise_normals")
        else:
            generator = torch.Generator().manual_seed(SEED + 1)
            clip = torch.randn(1, 4, 3, INPUT_HEIGHT, INPUT_WIDTH, generator=generator, dtype=torch.float32)
            rgb = enc(clip) * LATENT_SCALE
            noise_points = torch.randn(rgb.shape, generator=generator, dtype=torch.float32)
            noise_normals = torch.randn(rgb.shape, generator=generator, dtype=torch.float32)
            save(expected, "input", clip)
            save(expected, "noise_points", noise_points)
            save(expected, "noise_normals", noise_normals)
        noise = torch.cat([noise_points, noise_normals], dim=0)
        runs = {key: run(den, rgb, noise) for key, run in REFERENCE_RUNS.items() if not only or key in only}
        for key, latents in runs.items():
            points, normals = decode(dec, latents, 1)
            save(expected, key + "_points", points)
            save(expected, key + "_normals", normals)
            print("%-11s z %.3f .. %.3f, |latent| %.3f" % (key, points[:, :, 2].min(), points[:, :, 2].max(),
                                                          latents.abs().mean()))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--broken-batch", metavar="DIR",
                        help="write a package to DIR whose vae_encoder hard-codes batch 1 (model.json says maxBatch 4)")
    parser.add_argument("--precision", nargs=2, metavar=("PRECISION", "DIR"),
                        help="write the same weights cast to fp16 or bf16 to DIR (no expected/ outputs)")
    parser.add_argument("--add-expected", nargs="+", metavar="RUN", choices=sorted(REFERENCE_RUNS),
                        help="(re)write only these runs' expected/ outputs from the committed modules, input and noise")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.add_expected:
        directory = os.path.join(HERE, "tiny-decomposed")
        write_expected(directory, only=set(args.add_expected))
        print("wrote", ", ".join(args.add_expected), "to", os.path.join(directory, "expected"))
        return
    if args.precision:
        write_package(args.precision[1], "tiny-decomposed-" + args.precision[0], precision=args.precision[0])
        print("wrote", args.precision[1])
        return
    if args.broken_batch:
        write_package(args.broken_batch, "tiny-decomposed-batch1", VaeEncoderBatch1)
        print("wrote", args.broken_batch)
        return
    directory = os.path.join(HERE, "tiny-decomposed")
    write_package(directory, "tiny-decomposed")
    write_expected(directory)
    print("wrote", directory)


if __name__ == "__main__":
    main(sys.argv[1:])
