#!/usr/bin/env python3
"""Exports a CogVideoX-based, UniGeo-style video geometry checkpoint as a DECOMPOSED model package.

    NOT RUN. This script cannot run in the GeoStream build environment: there are no UniGeo/CogVideoX
    weights, no `diffusers` package and no network there. It was written against the public diffusers API
    (AutoencoderKLCogVideoX, CogVideoXTransformer3DModel, CogVideoXDDIMScheduler) and has never been
    executed. Treat it as a worked, reviewable starting point; expect to fix details when a checkpoint and
    diffusers are at hand. It checks its own output (each traced module is reloaded and compared with the
    eager module) so that a wrong export fails loudly instead of writing a bad package.

Usage (on a machine with torch >= 2.1, diffusers >= 0.30 and the checkpoint):

    python3 models/export_cogvideox_unigeo.py --checkpoint /path/to/unigeo-cogvideox \
        --out models/unigeo-cogvideox --frames 49 --width 720 --height 480 --precision bf16

The checkpoint directory is laid out like a diffusers pipeline: `vae/` (AutoencoderKLCogVideoX),
`transformer/` (CogVideoXTransformer3DModel fine-tuned for geometry), `scheduler/` (CogVideoXDDIMScheduler)
and `prompt_embeds.pt`, a float tensor [2, L, D] holding the text-encoder embeddings the model was trained
with for attribute 0 (point map) and attribute 1 (normals). (UniGeo-style models condition the attribute
through the text slot; if yours uses another mechanism, change `UniGeoDenoiser.forward` only.)

Package written (decomposed form; its contract is docs/model-contract.md once the decomposed section lands):

    vae_encoder.pt   normalised RGB [B, T, 3, H, W] float32 -> latents [B, t, C, h, w] float32
    denoiser.pt      (rgb_latents [B,t,C,h,w] f32, noisy_geometry_latents [B,t,C,h,w] f32, timestep [B] f32,
                      attribute [B] int64: 0 = point map, 1 = normals) -> [B, t, C, h, w] f32
                     (what `predictionType` says: x0, epsilon or velocity)
    vae_decoder.pt   latents [B, t, C, h, w] float32 -> [B, T, 3, H, W] float32 (the decoded geometry image)
    model.json       descriptor (see `model_json` below)

Latents crossing the module boundary are UNSCALED VAE latents; the caller multiplies encoder output by
`latentScale` before the denoiser and divides by it before the decoder (diffusers' `scaling_factor`).
The modules take and return float32 whatever `precision` is; they cast inside.

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
* One deterministic step (sampler kind "single-step"): the caller feeds fixed input (see
  `--noisy-input`) at `--timestep`; no noise is drawn.

Limitations of tracing: diffusers turns tensor sizes into Python ints, so a traced module only takes the
traced shapes. The exported modules take exactly B = --max-batch (default 1), T = --frames and H x W =
--height x --width; model.json says so (clipFrames, maxBatch, inputWidth/inputHeight) and the Java side's
open-time dry run proves it. Export again for another size.
"""
import argparse
import json
import math
import os
import sys

import torch

PACKAGE_FORMAT_NOTE = "decomposed form, written by models/export_cogvideox_unigeo.py"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="diffusers-style directory (vae/, transformer/, scheduler/, prompt_embeds.pt)")
    p.add_argument("--out", required=True, help="package directory to write")
    p.add_argument("--name", default="unigeo-cogvideox")
    p.add_argument("--version", default="0.1.0")
    p.add_argument("--frames", type=int, default=49, help="T; T - 1 must be a multiple of 4")
    p.add_argument("--width", type=int, default=720)
    p.add_argument("--height", type=int, default=480)
    p.add_argument("--max-batch", type=int, default=1, help="the traced batch size (the modules take only it)")
    p.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="bf16")
    p.add_argument("--timestep", type=float, default=999.0, help="the single step's timestep")
    p.add_argument("--noisy-input", choices=["zeros", "rgb"], default="zeros",
                   help="what the caller puts in the noisy geometry slot for the single step (recorded in model.json)")
    p.add_argument("--device", default="cuda", help="device to trace on (the modules are saved for the CPU map location)")
    p.add_argument("--tolerance", type=float, default=5e-2, help="max |traced - eager| accepted in the self-check")
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
    """Unscaled latents [B,t,C,h,w] -> decoded image [B,T,3,H,W] (about [-1, 1])."""

    def __init__(self, vae, dtype):
        super().__init__()
        self.vae = vae
        self.dtype = dtype

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        z = latents.to(self.dtype).permute(0, 2, 1, 3, 4)
        image = self.vae.decode(z).sample                          # [B, 3, T, H, W]
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
        hidden = torch.cat([rgb_latents, noisy_geometry_latents], dim=1).to(self.dtype)   # [B, 2t, C, h, w]
        text = self.prompt_embeds.index_select(0, attribute)                             # [B, L, D]
        out = self.transformer(hidden_states=hidden, encoder_hidden_states=text, timestep=timestep.to(self.dtype),
                               image_rotary_emb=(self.rotary_cos, self.rotary_sin), return_dict=False)[0]             # [B, 2t, C, h, w]
        return out[:, t:].float()


def rotary_tables(transformer, latent_frames, latent_h, latent_w, device):
    """The 3-D rotary tables a CogVideoX-5B-style (1.0) transformer uses for t x h x w latents."""
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
    return cos.to(device), sin.to(device)


def noise_schedule(scheduler):
    cfg = scheduler.config
    return {
        "kind": cfg.beta_schedule,                                  # "scaled_linear" for CogVideoX
        "betaStart": float(cfg.beta_start),
        "betaEnd": float(cfg.beta_end),
        "trainTimesteps": int(cfg.num_train_timesteps),
        "snrShiftScale": float(getattr(cfg, "snr_shift_scale", 1.0)),
        "rescaleBetasZeroSnr": bool(getattr(cfg, "rescale_betas_zero_snr", False)),
        "timestepSpacing": getattr(cfg, "timestep_spacing", "leading"),
    }


PREDICTION_TYPES = {"v_prediction": "velocity", "epsilon": "epsilon", "sample": "x0"}


def model_json(args, vae, scheduler):
    prediction = PREDICTION_TYPES.get(scheduler.config.prediction_type)
    if prediction is None:
        raise SystemExit("unknown scheduler prediction_type " + repr(scheduler.config.prediction_type))
    return {
        "name": args.name,
        "version": args.version,
        "form": "decomposed",
        "clipFrames": args.frames,
        "inputWidth": args.width,
        "inputHeight": args.height,
        "resize": "stretch",
        # [0, 255] -> [-1, 1], what the CogVideoX VAE was trained on.
        "rgbNormalization": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]},
        "hasConfidence": False,
        "maxBatch": args.max_batch,
        "precision": args.precision,
        "latentScale": float(vae.config.scaling_factor),
        "predictionType": prediction,
        "noiseSchedule": noise_schedule(scheduler),
        "sampler": {"kind": "single-step", "steps": 1, "timestep": args.timestep, "noisyInput": args.noisy_input},
        "temporalCompression": int(vae.config.temporal_compression_ratio),
        "note": PACKAGE_FORMAT_NOTE,
    }


def trace_and_check(module, example, path, tolerance):
    with torch.no_grad():
        eager = module(*example)
        traced = torch.jit.trace(module, example, check_trace=False)
        traced.save(path)
        reloaded = torch.jit.load(path, map_location=example[0].device)
        again = reloaded(*example)
    diff = (again - eager).abs().max().item()
    if not math.isfinite(diff) or diff > tolerance:
        raise SystemExit("%s: traced module differs from eager by %g (tolerance %g)" % (path, diff, tolerance))
    print("wrote %s, output %s, |traced - eager| max %.3g" % (path, tuple(eager.shape), diff))
    return eager


def main(argv):
    args = parse_args(argv)
    if (args.frames - 1) % 4 != 0:
        raise SystemExit("--frames must be 1 + a multiple of 4 (CogVideoX encodes the first frame alone), got %d" % args.frames)
    if args.width % 16 or args.height % 16:
        raise SystemExit("--width and --height must be multiples of 16 (VAE 8x, patches 2x2)")
    from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXTransformer3DModel

    dtype = DTYPES[args.precision]
    device = torch.device(args.device)
    vae = AutoencoderKLCogVideoX.from_pretrained(args.checkpoint, subfolder="vae", torch_dtype=dtype).to(device).eval()
    transformer = CogVideoXTransformer3DModel.from_pretrained(args.checkpoint, subfolder="transformer", torch_dtype=dtype).to(device).eval()
    scheduler = CogVideoXDDIMScheduler.from_pretrained(args.checkpoint, subfolder="scheduler")
    prompt_embeds = torch.load(os.path.join(args.checkpoint, "prompt_embeds.pt"), map_location=device)
    if prompt_embeds.dim() != 3 or prompt_embeds.shape[0] != 2:
        raise SystemExit("prompt_embeds.pt must be [2, L, D] (attribute 0 = point map, 1 = normals), got %s" % (tuple(prompt_embeds.shape),))

    os.makedirs(args.out, exist_ok=True)
    b, T = args.max_batch, args.frames
    rgb = torch.rand(b, T, 3, args.height, args.width, device=device) * 2 - 1
    latents = trace_and_check(VaeEncoder(vae, dtype), (rgb,), os.path.join(args.out, "vae_encoder.pt"), args.tolerance)
    _, t, c, h, w = latents.shape
    expected_t = 1 + (T - 1) // int(vae.config.temporal_compression_ratio)
    if t != expected_t:
        raise SystemExit("encoder gave %d latent frames for %d frames, expected %d" % (t, T, expected_t))

    cos, sin = rotary_tables(transformer, t, h, w, device)
    denoiser = UniGeoDenoiser(transformer, prompt_embeds, cos, sin, dtype).to(device).eval()
    scaled = latents * float(vae.config.scaling_factor)
    example = (scaled, torch.zeros_like(scaled), torch.full((b,), args.timestep, device=device),
               torch.zeros(b, dtype=torch.int64, device=device))
    trace_and_check(denoiser, example, os.path.join(args.out, "denoiser.pt"), args.tolerance)
    trace_and_check(VaeDecoder(vae, dtype), (latents,), os.path.join(args.out, "vae_decoder.pt"), args.tolerance)

    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(model_json(args, vae, scheduler), f, indent=2)
        f.write("\n")
    print("wrote", args.out, "- open it with the GeoStream decomposed model to run the Java-side dry run")


if __name__ == "__main__":
    main(sys.argv[1:])
