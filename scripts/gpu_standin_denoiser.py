#!/usr/bin/env python3
"""Model-only throughput of a CogVideoX-5B-sized stand-in denoiser, for sizing GPU inference.

A stand-in, not a model: random weights, no VAE, no checkpoint. It has the shape and cost of a CogVideoX-5B
transformer run UniGeo-style (the condition RGB tokens and the geometry tokens in one sequence, full
attention over both plus the text/attribute tokens): 42 pre-norm blocks, hidden 3072, 48 heads, MLP 4x,
timestep modulation (adaLN) per block, 5.15 B parameters, bf16. Tokens per half come from the clip:
T frames -> 1 + (T-1)/4 latent frames, H/8 x W/8 latents, 2x2 patches. The default clip, 13 frames at
768x448, gives 4 * 28 * 48 = 5376 tokens per half (the 2 x 5376 sizing point the engine is planned for);
CogVideoX's full 49-frame 480x720 clip (--frames 49 --width 720 --height 480) gives 13 * 30 * 45 = 17550
per half. Plus --text-tokens; override with --tokens-per-half.

What it measures: for each batch size, the median wall time of one denoiser forward pass (one sampler
step; UniGeo-style models take a single deterministic step), clips/s = batch / that time, and the peak
GPU memory allocated. It does NOT measure the VAE, the Java/DJL engine path or data movement: the DJL GPU
path cannot run on the lent GPU machine (Python torch only, no Java). Final line: key=value pairs.

Usage:
    python3 scripts/gpu_standin_denoiser.py                         # CUDA, full size, batches 1,2,4,8
    python3 scripts/gpu_standin_denoiser.py --batches 1,2,4 --runs 3
    /usr/bin/python3 scripts/gpu_standin_denoiser.py --tiny --device cpu   # the same code at toy size (smoke test)

Plain torch only; runs on torch 1.13 (the tiny CPU path; attention falls back to an explicit softmax when
torch has no scaled_dot_product_attention) and torch 2.x (fused attention on the GPU).
"""
import argparse
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default %(default)s)")
    p.add_argument("--tiny", action="store_true", help="toy size (2 layers, hidden 64, a 5-frame 64x96 clip) for a smoke test")
    p.add_argument("--layers", type=int, default=42)
    p.add_argument("--hidden", type=int, default=3072)
    p.add_argument("--heads", type=int, default=48)
    p.add_argument("--mlp-ratio", type=int, default=4)
    p.add_argument("--frames", type=int, default=13, help="clip length T (T-1 a multiple of 4)")
    p.add_argument("--width", type=int, default=768)
    p.add_argument("--height", type=int, default=448)
    p.add_argument("--text-tokens", type=int, default=226, help="text/attribute tokens in the sequence (CogVideoX: 226)")
    p.add_argument("--tokens-per-half", type=int, default=0, help="override the tokens per half computed from the clip")
    p.add_argument("--batches", default="1,2,4,8", help="comma-separated batch sizes (default %(default)s)")
    p.add_argument("--warmups", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--dtype", choices=["bf16", "fp16", "fp32"], default=None, help="default bf16 on CUDA, fp32 on CPU")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.tiny:
        args.layers, args.hidden, args.heads, args.frames, args.width, args.height = 2, 64, 4, 5, 96, 64
        args.text_tokens = min(args.text_tokens, 8)
    if args.hidden % args.heads:
        p.error("--hidden must be a multiple of --heads")
    if (args.frames - 1) % 4 or args.width % 16 or args.height % 16:
        p.error("need T-1 a multiple of 4 and W, H multiples of 16")
    return args


def tokens_per_half(frames, width, height):
    """Latent tokens of one clip: VAE 4x in time (first frame alone), 8x8 in space, then 2x2 patches."""
    return (1 + (frames - 1) // 4) * (height // 16) * (width // 16)


def attention(q, k, v):
    """[B, heads, N, d] -> [B, heads, N, d]; fused when torch has it (2.0+), else explicit (small sizes only)."""
    sdpa = getattr(F, "scaled_dot_product_attention", None)
    if sdpa is not None:
        return sdpa(q, k, v)
    weights = torch.softmax((q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1])), dim=-1)
    return weights @ v


class Block(torch.nn.Module):
    """Pre-norm transformer block with adaLN timestep modulation (shift, scale, gate for attention and MLP)."""

    def __init__(self, hidden, heads, mlp_ratio, time_dim, **factory):
        super().__init__()
        self.heads = heads
        self.norm1 = torch.nn.LayerNorm(hidden, elementwise_affine=False, eps=1e-6, **factory)
        self.qkv = torch.nn.Linear(hidden, 3 * hidden, **factory)
        self.out = torch.nn.Linear(hidden, hidden, **factory)
        self.norm2 = torch.nn.LayerNorm(hidden, elementwise_affine=False, eps=1e-6, **factory)
        self.mlp_in = torch.nn.Linear(hidden, mlp_ratio * hidden, **factory)
        self.mlp_out = torch.nn.Linear(mlp_ratio * hidden, hidden, **factory)
        self.modulation = torch.nn.Linear(time_dim, 6 * hidden, **factory)

    def forward(self, x, temb):
        b, n, d = x.shape
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(F.silu(temb)).unsqueeze(1).chunk(6, dim=-1)
        h = self.norm1(x) * (1 + scale1) + shift1
        q, k, v = self.qkv(h).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = attention(q, k, v).transpose(1, 2).reshape(b, n, d)
        x = x + gate1 * self.out(a)
        h = self.norm2(x) * (1 + scale2) + shift2
        return x + gate2 * self.mlp_out(F.gelu(self.mlp_in(h), approximate="tanh"))


class StandInDenoiser(torch.nn.Module):
    """tokens [B, N, hidden] (condition + geometry + text, already embedded), timestep [B] -> [B, N, hidden]."""

    TIME_DIM = 512

    def __init__(self, layers, hidden, heads, mlp_ratio, **factory):
        super().__init__()
        self.time_in = torch.nn.Linear(256, self.TIME_DIM, **factory)
        self.blocks = torch.nn.ModuleList(Block(hidden, heads, mlp_ratio, self.TIME_DIM, **factory) for _ in range(layers))
        self.norm = torch.nn.LayerNorm(hidden, eps=1e-6, **factory)

    @staticmethod
    def timestep_embedding(t, dim=256):
        half = dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
        angles = t.float()[:, None] * freqs[None]
        return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)

    def forward(self, tokens, timestep):
        temb = self.time_in(self.timestep_embedding(timestep).to(tokens.dtype))
        x = tokens
        for block in self.blocks:
            x = block(x, temb)
        return self.norm(x)


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv):
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device; use --device cpu (with --tiny) for a smoke test")
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[
        args.dtype or ("bf16" if device.type == "cuda" else "fp32")]
    half = args.tokens_per_half or tokens_per_half(args.frames, args.width, args.height)
    seq = 2 * half + args.text_tokens
    batches = [int(b) for b in args.batches.split(",") if b.strip()]

    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    with torch.no_grad():
        model = StandInDenoiser(args.layers, args.hidden, args.heads, args.mlp_ratio, device=device, dtype=dtype).eval()
        for p in model.parameters():
            p.mul_(0.5)  # keeps 42 random residual blocks in range; irrelevant for speed
    params = sum(p.numel() for p in model.parameters())
    synchronize(device)
    print("stand-in denoiser: %d layers, hidden %d, %d heads, MLP %dx, %.3g parameters, %s on %s (built in %.1f s)"
          % (args.layers, args.hidden, args.heads, args.mlp_ratio, params, str(dtype).replace("torch.", ""),
             device, time.perf_counter() - t0))
    print("sequence: %d tokens = 2 x %d (condition + geometry; %d-frame %dx%d clip) + %d text; attention: %s"
          % (seq, half, args.frames, args.width, args.height, args.text_tokens,
             "scaled_dot_product_attention" if hasattr(F, "scaled_dot_product_attention") else "explicit softmax"))
    sys.stdout.flush()

    results = []
    for b in batches:
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(device)
        try:
            tokens = torch.randn(b, seq, args.hidden, device=device, dtype=dtype)
            timestep = torch.full((b,), 999.0, device=device)
            times = []
            with torch.inference_mode():
                for i in range(args.warmups + args.runs):
                    synchronize(device)
                    s = time.perf_counter()
                    out = model(tokens, timestep)
                    synchronize(device)
                    if i >= args.warmups:
                        times.append(time.perf_counter() - s)
            if not torch.isfinite(out.float()).all():
                print("  warning: non-finite output at batch %d (random weights; speed is still valid)" % b)
            del tokens, out
        except RuntimeError as e:  # CUDA out of memory among others: report and stop growing the batch
            print("  batch %d failed: %s" % (b, str(e).splitlines()[0]))
            break
        median = statistics.median(times)
        peak = (torch.cuda.max_memory_allocated(device) if device.type == "cuda"
                else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
        results.append((b, median, b / median, peak))
        print("  batch=%d forward_s=%.4f clips_per_s=%.3f peak_mem_gib=%.2f%s"
              % (b, median, b / median, peak / 2 ** 30, "" if device.type == "cuda" else " (process max RSS)"))
        sys.stdout.flush()

    if not results:
        raise SystemExit("no batch size completed")
    best = max(results, key=lambda r: r[2])
    pairs = ["device=%s" % device, "dtype=%s" % str(dtype).replace("torch.", ""), "params=%d" % params,
             "tokens=%d" % seq, "batch1_forward_s=%.4f" % results[0][1] if results[0][0] == 1 else "first_batch=%d" % results[0][0]]
    pairs += ["clips_per_s_b%d=%.3f" % (b, cps) for b, _, cps, _ in results]
    pairs += ["best_batch=%d" % best[0], "best_clips_per_s=%.3f" % best[2],
              "peak_mem_gib=%.2f" % (max(r[3] for r in results) / 2 ** 30)]
    print(" ".join(pairs))


if __name__ == "__main__":
    main(sys.argv[1:])
