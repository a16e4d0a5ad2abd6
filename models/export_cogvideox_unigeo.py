#!/usr/bin/env python3
"""Exports a CogVideoX-based, UniGeo-style video geometry checkpoint as a DECOMPOSED model package
(docs/model-contract.md, "The decomposed form").

    NOT RUN. This script has never been executed end to end: the GeoStream build environment has no
    UniGeo/CogVideoX weights, no `diffusers` package and no network. It was written against the public
    diffusers API (AutoencoderKLCogVideoX, CogVideoXTransformer3DModel, CogVideoXDDIMScheduler). What IS tested
    here is the part that needs neither: the model.json it writes comes from models/package_json.py, whose
    CogVideoX-5B example (the scheduler config and VAE numbers published with CogVideoX-5B, this script's
    defaults) the Java reader accepts (PackageJsonTest), and the schedule it declares (zero terminal SNR,
    diffusers' trailing rounding) is checked against numpy and a PyTorch reference loop (ScheduleCrossCheckTest,
    DecomposedGeometryModelTest). Expect to fix details of the module wrappers when a checkpoint and diffusers are
    at hand. The script checks its own output: every traced module is saved, reloaded and compared with the eager
    module at every batch the Java side will use, so a wrong export fails loudly instead of writing a bad package.

Usage (torch >= 2.1, diffusers >= 0.30, the checkpoint, and a machine with the RAM for the model in fp32 on
the CPU, tens of GB for CogVideoX-5B at 49 x 480 x 720; tracing and the checks take a while):

    python3 models/export_cogvideox_unigeo.py --checkpoint /path/to/unigeo-cogvideox \
        --out models/unigeo-cogvideox --frames 49 --width 720 --height 480

The checkpoint directory is laid out like a diffusers pipeline: `vae/` (AutoencoderKLCogVideoX),
`transformer/` (CogVideoXTransformer3DModel fine-tuned for geometry), `scheduler/` (CogVideoXDDIMScheduler)
and `prompt_embeds.pt`, a float tensor [2, L, D] holding the text-encoder embeddings the model was trained
with for attribute 0 (point map) and attribute 1 (normals). (UniGeo-style models condition the attribute
through the text slot; if yours uses another mechanism, change `UniGeoDenoiser.forward` only.)

Package written (the Java side calls the denoiser and the decoder with both attributes of B clips at once,
2B rows: rows 0..B-1 point maps, rows B..2B-1 normals, the RGB latents repeated):

    vae_encoder.pt   normalised RGB [B, T, 3, H, W] -> unscaled latents [B, t, C, h, w]
    denoiser.pt      (rgb_latents [2B,t,C,h,w], noisy_geometry_latents [2B,t,C,h,w], timestep [2B],
                      attribute [2B] int64: 0 = point map, 1 = normals) -> [2B, t, C, h, w]
                      (what `predictionType` says; velocity for CogVideoX-5B)
    vae_decoder.pt   unscaled latents [2B, t, C, h, w] -> [2B, T, 3, H, W] (the decoded geometry image)
    model.json       written by models/package_json.py

Float inputs arrive in the package precision (the modules cast inside) and the outputs are float32. The Java
side multiplies encoder output by `latentScale` (diffusers' `scaling_factor`) before the denoiser and divides by
it before the decoder. Its single step (sampler "single-step") calls the denoiser once on zero latents at the
last training timestep (trainSteps - 1 = 999) and keeps the x0 estimate; with CogVideoX-5B's zero-terminal-SNR
schedule alphaBar_999 = 0, so x0 = -v there. `--sampler ddim` declares CogVideoX's own DDIM instead.

Precision: fp32 by default. fp16 works on the Java side (CPU and GPU) if this torch's CPU kernels take half for
every op of the model. bf16 is written only on request and with a warning: DJL 0.36 aborts the JVM on bfloat16
tensors, so GeoStream refuses to open such a package.

Tracing happens on the CPU, always. torch.jit.trace records the device of every tensor a module creates inside
forward (diffusers builds position ids, masks and embeddings with `device=x.device`) as a constant, so a module
traced on CUDA creates them on cuda:0 wherever it runs, and the GeoStream build ships the CPU libtorch only. (A
CPU trace, likewise, is a CPU package: running it on a GPU would need a trace on that GPU and a Java-side check
that the package's device matches; neither exists yet.) The saved graphs are checked for CUDA constants.

CogVideoX specifics (written for the CogVideoX 1.0 5B-style transformer with 3-D rotary embeddings; the
script refuses 2B-style sincos embeddings and 1.5-style temporal patches):
* The VAE compresses time by 4 with the first frame encoded alone: T frames -> t = 1 + (T - 1) / 4 latent
  frames (49 -> 13), so T - 1 must be a multiple of 4; space by 8 (480x720 -> 60x90), 16 latent channels.
* The transformer patches 2x2, so h and w must be even; one clip is t * h/2 * w/2 tokens (13*30*45 = 17550
  for 49x480x720).
* UniGeo-style conditioning: the RGB latents and the noisy geometry latents are concatenated along the
  frame axis, so the token sequence is [RGB tokens, geometry tokens], and the geometry tokens get the SAME
  3-D rotary positional encodings as the RGB tokens at the same (frame, row, column): the rotary tables
  are built for t frames and repeated for the second half. The denoiser returns the geometry half.
* The scheduler (CogVideoX-5B: scaled_linear betas 0.00085..0.012, 1000 steps, v_prediction,
  rescale_betas_zero_snr, trailing spacing, snr_shift_scale 1.0) becomes model.json's noiseSchedule with
  rescaleZeroSnr and timestepRounding "half-even" (diffusers rounds the trailing grid with numpy). An
  snr_shift_scale other than 1 (CogVideoX-2B: 3.0) is refused: the Java schedule has no SNR shift.

Limitations of tracing: diffusers turns tensor sizes into Python ints, so a traced module may only take the
traced shapes. The modules are traced at the largest batch (B = --max-batch clips, 2B rows for the denoiser and
the decoder) and then checked at every batch from 1 clip up, T = --frames and H x W = --height x --width; if a
smaller batch fails, export with --max-batch 1 (the default). model.json says what was traced (clipFrames,
maxBatch, inputWidth/inputHeight) and the Java side's open-time dry run checks the largest batch again.
"""
import argparse
import math
import os
import sys

import torch

import package_json


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="diffusers-style directory (vae/, transformer/, scheduler/, prompt_embeds.pt)")
    p.add_argument("--out", required=True, help="package directory to write")
    p.add_argument("--name", default="unigeo-cogvideox")
    p.add_argument("--version", default="0.1.0")
    p.add_argument("--frames", type=int, default=49, help="T; T - 1 must be a multiple of 4")
    p.add_argument("--width", type=int, default=720)
    p.add_argument("--height", type=int, default=480)
    p.add_argument("--max-batch", type=int, default=1,
                   help="the most clips per call; the denoiser and the decoder are traced at 2 x this many rows")
    p.add_argument("--precision", choices=["fp32", "fp16", "bf16"], default="fp32",
                   help="the modules' float type (bf16: written with a warning, GeoStream cannot open it)")
    p.add_argument("--sampler", choices=["single-step", "ddim"], default="single-step",
                   help="the package's sampler: UniGeo's single step, or CogVideoX's DDIM")
    p.add_argument("--steps", type=int, default=50, help="DDIM steps (--sampler ddim)")
    p.add_argument("--confidence", choices=package_json.CONFIDENCES, default="none",
                   help="normal-agreement: GeoStream's stand-in confidence from the two outputs")
    p.add_argument("--point-scale", type=float, default=1.0,
                   help="decoded point channels x this + offset = camera coordinates (the checkpoint's point-map normalisation)")
    p.add_argument("--point-offset", type=float, nargs=3, default=[0.0, 0.0, 0.0], metavar=("X", "Y", "Z"))
    p.add_argument("--tolerance", type=float, default=None,
                   help="max |traced - eager| accepted in the self-check (default 1e-3 for fp32, 5e-2 otherwise)")
    return p.parse_args(argv)


DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


class VaeEncoder(torch.nn.Module):
    """[B,T,3,H,W] normalised to [-1, 1] -> unscaled latent mode [B,t,C,h,w] (deterministic: no sampling)."""

    def __init__(self, vae, dtype):
        super().__init__()
        self.vae = vae
        self.dtype = dtype

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        x = rgb.to(self.dtype).permute(0, 2, 1, 3, 4)              # diffusers wants [B, C, T, H, W]
        latents = self.vae.encode(x).latent_dist.mode()           # [B, C, t, h, w]
        return latents.permute(0, 2, 1, 3, 4).float()


class VaeDecoder(torch.nn.Module):
    """Unscaled latents [N,t,C,h,w] -> decoded image [N,T,3,H,W] (about [-1, 1])."""

    def __init__(self, vae, dtype):
        super().__init__()
        self.vae = vae
        self.dtype = dtype

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        z = latents.to(self.dtype).permute(0, 2, 1, 3, 4)
        image = self.vae.decode(z).sample                          # [N, 3, T, H, W]
        return image.permute(0, 2, 1, 3, 4).float()


class UniGeoDenoiser(torch.nn.Module):
    """(rgb latents, noisy geometry latents, timestep, attribute) -> the transformer's geometry prediction."""

    def __init__(self, transformer, prompt_embeds, rotary_cos, rotary_sin, dtype):
        super().__init__()
        self.transformer = transformer
        self.dtype = dtype
        self.register_buffer("prompt_embeds", prompt_embeds.to(dtype))      # [2, L, D]
        # Rotary tables for t frames, repeated so geometry tokens reuse the RGB tokens' positions.
        self.register_buffer("rotary_cos", torch.cat([rotary_cos, rotary_cos], dim=0))
        self.register_buffer("rotary_sin", torch.cat([rotary_sin, rotary_sin], dim=0))

    def forward(self, rgb_latents: torch.Tensor, noisy_geometry_latents: torch.Tensor, timestep: torch.Tensor,
                attribute: torch.Tensor) -> torch.Tensor:
        t = rgb_latents.shape[1]
        hidden = torch.cat([rgb_latents, noisy_geometry_latents], dim=1).to(self.dtype)   # [N, 2t, C, h, w]
        text = self.prompt_embeds.index_select(0, attribute)                             # [N, L, D]
        # The timestep stays float32, NOT the model dtype: bfloat16 keeps 8 significant bits, so 999 would become
        # 1000 (and 749 -> 748), a timestep the model never saw, outside [0, 999]. The transformer builds its
        # sinusoidal timestep embedding in float32 anyway (diffusers' get_timestep_embedding) and casts the
        # embedding, not the timestep, to its dtype. (fp16 holds every integer up to 2048 exactly, so the Java
        # side may pass it in the package precision.)
        out = self.transformer(hidden_states=hidden, encoder_hidden_states=text, timestep=timestep.to(torch.float32),
                               image_rotary_emb=(self.rotary_cos, self.rotary_sin), return_dict=False)[0]   # [N, 2t, C, h, w]
        return out[:, t:].float()


def rotary_tables(transformer, latent_frames, latent_h, latent_w):
    """The 3-D rotary tables a CogVideoX-5B-style (1.0) transformer uses for t x h x w latents (on the CPU)."""
    cfg = transformer.config
    if not getattr(cfg, "use_rotary_positional_embeddings", False):
        # 2B-style transformers add sincos position embeddings inside patch_embed, computed for the frames it
        # sees, so geometry frames would get positions of their own instead of the RGB tokens' ones.
        raise SystemExit("the transformer has no rotary positional embeddings (CogVideoX-2B style); "
                         "UniGeo-style shared positions need the 5B-style rotary transformer")
    if getattr(cfg, "patch_size_t", None) is not None:
        raise SystemExit("CogVideoX 1.5-style temporal patches (patch_size_t) are not handled by this script")
    from diffusers.models.embeddings import get_3d_rotary_pos_embed
    grid_h = latent_h // cfg.patch_size
    grid_w = latent_w // cfg.patch_size
    base_h = cfg.sample_height // cfg.patch_size
    base_w = cfg.sample_width // cfg.patch_size
    # The pipelines' crop region: the grid resized into the base grid, centred (as CogVideoXPipeline does).
    from diffusers.pipelines.cogvideo.pipeline_cogvideox import get_resize_crop_region_for_grid
    crops = get_resize_crop_region_for_grid((grid_h, grid_w), base_w, base_h)
    cos, sin = get_3d_rotary_pos_embed(embed_dim=cfg.attention_head_dim, crops_coords=crops,
                                       grid_size=(grid_h, grid_w), temporal_size=latent_frames, use_real=True)
    return cos.cpu(), sin.cpu()


def trace_and_check(module, examples, path, tolerance):
    """Traces `module` on examples[-1] (the largest batch), saves it, reloads it on the CPU and compares it with
    the eager module on every example (one per batch size the Java side uses). Returns the eager outputs."""
    eager_outputs = []
    with torch.no_grad():
        traced = torch.jit.trace(module, examples[-1], check_trace=False)
        traced.save(path)
        reloaded = torch.jit.load(path, map_location="cpu")
        graph = str(reloaded.inlined_graph)
        if "cuda" in graph:
            raise SystemExit("%s: the traced graph holds a CUDA device constant; it must be traced on the CPU" % path)
        for example in examples:
            eager = module(*example)
            try:
                again = reloaded(*example)
            except Exception as e:  # noqa: BLE001 - any failure means the trace does not generalise
                raise SystemExit("%s: the module traced at %d rows fails at %d rows (%s); export with --max-batch 1"
                                 % (path, examples[-1][0].shape[0], example[0].shape[0], e))
            if again.shape != eager.shape:
                raise SystemExit("%s: traced output %s, eager %s at %d rows" % (path, tuple(again.shape),
                                                                                tuple(eager.shape), example[0].shape[0]))
            diff = (again - eager).abs().max().item()
            if not math.isfinite(diff) or diff > tolerance:
                raise SystemExit("%s: traced module differs from eager by %g at %d rows (tolerance %g)"
                                 % (path, diff, example[0].shape[0], tolerance))
            print("%s: %d rows -> %s, |traced - eager| max %.3g" % (path, example[0].shape[0], tuple(eager.shape), diff))
            eager_outputs.append(eager)
    return eager_outputs


def main(argv):
    args = parse_args(argv)
    if (args.frames - 1) % 4 != 0:
        raise SystemExit("--frames must be 1 + a multiple of 4 (CogVideoX encodes the first frame alone), got %d" % args.frames)
    if args.width % 16 or args.height % 16:
        raise SystemExit("--width and --height must be multiples of 16 (VAE 8x, patches 2x2)")
    if not 1 <= args.max_batch <= 128:
        raise SystemExit("--max-batch must be in [1, 128]")
    if args.precision == "bf16":
        print("WARNING: " + package_json.BF16_WARNING, file=sys.stderr)
    tolerance = args.tolerance if args.tolerance is not None else (1e-3 if args.precision == "fp32" else 5e-2)
    from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXTransformer3DModel

    # The scheduler first: what the Java sampler cannot reproduce is refused before hours of loading and tracing.
    scheduler = CogVideoXDDIMScheduler.from_pretrained(args.checkpoint, subfolder="scheduler")
    scheduler_config = dict(scheduler.config)
    scheduler_config.setdefault("_class_name", "CogVideoXDDIMScheduler")
    try:
        schedule = package_json.noise_schedule_from_diffusers(scheduler_config, args.sampler)
        prediction = package_json.prediction_from_diffusers(scheduler_config)
    except ValueError as e:
        raise SystemExit(str(e))
    steps = args.steps if args.sampler == "ddim" else 1

    dtype = DTYPES[args.precision]
    cpu = torch.device("cpu")  # see the header: a trace bakes in the device it ran on
    vae = AutoencoderKLCogVideoX.from_pretrained(args.checkpoint, subfolder="vae", torch_dtype=dtype).to(cpu).eval()
    transformer = CogVideoXTransformer3DModel.from_pretrained(args.checkpoint, subfolder="transformer", torch_dtype=dtype).to(cpu).eval()
    prompt_embeds = torch.load(os.path.join(args.checkpoint, "prompt_embeds.pt"), map_location=cpu)
    if prompt_embeds.dim() != 3 or prompt_embeds.shape[0] != 2:
        raise SystemExit("prompt_embeds.pt must be [2, L, D] (attribute 0 = point map, 1 = normals), got %s" % (tuple(prompt_embeds.shape),))
    scale = float(vae.config.scaling_factor)
    temporal = int(vae.config.temporal_compression_ratio)

    os.makedirs(args.out, exist_ok=True)
    T, batches = args.frames, range(1, args.max_batch + 1)
    generator = torch.Generator().manual_seed(0)
    rgb = torch.rand(args.max_batch, T, 3, args.height, args.width, generator=generator) * 2 - 1
    # Examples in the package precision: what the Java side sends (it casts every float input).
    encoder_examples = [(rgb[:b].to(dtype),) for b in batches]
    latents = trace_and_check(VaeEncoder(vae, dtype), encoder_examples, os.path.join(args.out, "vae_encoder.pt"), tolerance)[-1]
    _, t, c, h, w = latents.shape
    if t != 1 + (T - 1) // temporal:
        raise SystemExit("encoder gave %d latent frames for %d frames, expected %d" % (t, T, 1 + (T - 1) // temporal))
    if args.height % h or args.width % w or args.height // h != args.width // w:
        raise SystemExit("encoder gave %dx%d latents for %dx%d frames: no single spatial compression" % (w, h, args.width, args.height))

    cos, sin = rotary_tables(transformer, t, h, w)
    denoiser = UniGeoDenoiser(transformer, prompt_embeds, cos, sin, dtype).to(cpu).eval()
    terminal = float(schedule["trainSteps"] - 1)   # the single step's (and DDIM's first) timestep
    denoiser_examples, decoder_examples = [], []
    for b in batches:
        scaled = (latents[:b] * scale).repeat(2, 1, 1, 1, 1).to(dtype)                   # [2b, t, C, h, w]
        denoiser_examples.append((scaled, torch.zeros_like(scaled), torch.full((2 * b,), terminal).to(dtype),
                                  torch.tensor([0] * b + [1] * b, dtype=torch.int64)))
        decoder_examples.append((latents[:b].repeat(2, 1, 1, 1, 1).to(dtype),))
    trace_and_check(denoiser, denoiser_examples, os.path.join(args.out, "denoiser.pt"), tolerance)
    trace_and_check(VaeDecoder(vae, dtype), decoder_examples, os.path.join(args.out, "vae_decoder.pt"), tolerance)

    descriptor = package_json.decomposed(
        name=args.name, version=args.version, clip_frames=T, input_width=args.width, input_height=args.height,
        # [0, 255] -> [-1, 1], what the CogVideoX VAE was trained on.
        rgb_mean=[0.5, 0.5, 0.5], rgb_std=[0.5, 0.5, 0.5], confidence=args.confidence, max_batch=args.max_batch,
        precision=args.precision, latent_channels=c, spatial_compression=args.height // h,
        temporal_compression=temporal, latent_scale=scale, prediction_type=prediction, noise_schedule=schedule,
        sampler_kind=args.sampler, sampler_steps=steps, point_scale=args.point_scale, point_offset=args.point_offset)
    package_json.write(args.out, descriptor)
    print("wrote", args.out, "- open it with the GeoStream decomposed model to run the Java-side dry run")


if __name__ == "__main__":
    main(sys.argv[1:])
