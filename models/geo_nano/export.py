"""Exports a trained geo-nano run as a decomposed model package (docs/model-contract.md).

    /usr/bin/python3 models/geo_nano/export.py --run /tmp/geo-nano-run --data /tmp/geo-nano-data --out models/geo-nano

Writes vae_encoder.pt, denoiser.pt, vae_decoder.pt (torch.jit.script: any batch, any T = 1 + 4k), model.json
(through models/package_json.py, so Java's DecomposedPackage accepts it), expected/ (one held-out clip's
normalised input and the single-step outputs PyTorch computes, for the Java parity test), baseline-mean/ (the
training set's mean z-depth map, normalised per clip by its median, and mean normal map: `eval model`'s
baseline_mean) and training.json (the run's settings, steps, CPU time and latent scale).
"""

import argparse
import glob
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import model as nets  # noqa: E402
import package_json  # noqa: E402
import train  # noqa: E402

MAX_BATCH = 4
SCHEDULE = package_json.noise_schedule("scaled-linear", 1000, beta_start=0.00085, beta_end=0.012)


def build(run_dir):
    state = torch.load(os.path.join(run_dir, "checkpoint.pt"))
    a = state["args"]
    enc = nets.VaeEncoder(a["latent_channels"], a["vae_width"])
    dec = nets.VaeDecoder(a["latent_channels"], a["vae_width"])
    den = nets.Denoiser(a["latent_channels"], a["width"], a["depth"], a["heads"], a["patch"], a["position_mode"],
                        not a.get("no_rgb_residual", False))
    enc.load_state_dict(state["enc"])
    dec.load_state_dict(state["dec"])
    den.load_state_dict(state["den"])
    for m in (enc, dec, den):
        m.eval()
    return state, enc, dec, den


def single_step(enc, dec, den, clip, latent_scale):
    """What the Java single-step sampler computes: zero latent, timestep trainSteps - 1, x0 prediction."""
    with torch.no_grad():
        b = clip.shape[0]
        lat = enc(clip) * latent_scale
        rows = torch.cat([lat, lat])
        x = torch.zeros_like(rows)
        timestep = torch.full((2 * b,), float(SCHEDULE["trainSteps"] - 1), dtype=torch.float32)
        attribute = torch.tensor([0] * b + [1] * b, dtype=torch.int64)
        out = den(rows, x, timestep, attribute)
        img = dec(out / latent_scale)
        points = img[:b] + train.POINT_OFFSET
        raw = img[b:]
        length = raw.norm(dim=2, keepdim=True)
        fallback = torch.tensor([0.0, 0.0, -1.0]).view(1, 1, 3, 1, 1).expand_as(raw)
        normals = torch.where(length > 1e-6, raw / length.clamp_min(1e-6), fallback)
    return points, normals


def save(directory, name, tensor):
    np.save(os.path.join(directory, name + ".npy"), np.ascontiguousarray(tensor, dtype="<f4"), allow_pickle=False)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--run", default="/tmp/geo-nano-run")
    p.add_argument("--data", default="/tmp/geo-nano-data")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "models", "geo-nano"))
    p.add_argument("--version", default="0.1.0")
    args = p.parse_args()
    state, enc, dec, den = build(args.run)
    a = state["args"]
    os.makedirs(args.out, exist_ok=True)
    for name, module in (("vae_encoder", enc), ("denoiser", den), ("vae_decoder", dec)):
        torch.jit.script(module).save(os.path.join(args.out, name + ".pt"))
    heldout = train.load(os.path.join(args.data, "heldout"), 1)
    t, height, width = heldout["rgb"].shape[1:4]
    package_json.write(args.out, package_json.decomposed(
        name="geo-nano", version=args.version, clip_frames=t, input_width=width, input_height=height,
        rgb_mean=[0.485, 0.456, 0.406], rgb_std=[0.229, 0.224, 0.225], confidence="normal-agreement",
        max_batch=MAX_BATCH, precision="fp32", latent_channels=a["latent_channels"], spatial_compression=nets.SPATIAL,
        temporal_compression=nets.TEMPORAL, latent_scale=state["latent_scale"], prediction_type="x0",
        noise_schedule=SCHEDULE, sampler_kind="single-step", sampler_steps=1, point_scale=1.0,
        point_offset=[float(v) for v in train.POINT_OFFSET.flatten()]))
    # parity vectors: one held-out clip, through the scripted modules as saved
    expected = os.path.join(args.out, "expected")
    os.makedirs(expected, exist_ok=True)
    rgb, _, _, _ = train.to_tensors(heldout, np.arange(1))
    loaded = [torch.jit.load(os.path.join(args.out, n + ".pt")) for n in ("vae_encoder", "vae_decoder", "denoiser")]
    points, normals = single_step(loaded[0], loaded[1], loaded[2], rgb, state["latent_scale"])
    save(expected, "input", rgb)
    save(expected, "single_step_points", points)
    save(expected, "single_step_normals", normals)
    # baseline_mean: the training set's mean (per-clip median-normalised) z-depth and mean normal of frame 0
    depth_sum = np.zeros((height, width))
    normal_sum = np.zeros((height, width, 3))
    count = np.zeros((height, width))
    clips = 0
    for path in sorted(glob.glob(os.path.join(args.data, "train", "shard-*.npz"))):
        with np.load(path) as z:
            pts = z["points"][:, 0].astype(np.float64)
            nrm = z["normals"][:, 0].astype(np.float64)
            mask = z["mask"][:, 0]
            clips += len(pts)
        for i in range(len(pts)):
            zmap = pts[i, :, :, 2]
            med = np.median(zmap[mask[i]]) if mask[i].any() else 1.0
            depth_sum += np.where(mask[i], zmap / med, 0)
            normal_sum += np.where(mask[i][..., None], nrm[i], 0)
            count += mask[i]
    mean_dir = os.path.join(args.out, "baseline-mean")
    os.makedirs(mean_dir, exist_ok=True)
    mean_depth = depth_sum / np.maximum(count, 1)
    mean_normal = normal_sum / np.maximum(np.linalg.norm(normal_sum, axis=2, keepdims=True), 1e-12)
    np.save(os.path.join(mean_dir, "depth.npy"), mean_depth.astype("<f4"), allow_pickle=False)
    np.save(os.path.join(mean_dir, "normals.npy"), mean_normal.astype("<f4"), allow_pickle=False)
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump({"args": a, "latent_scale": state["latent_scale"], "cpu_seconds": round(state["elapsed"]),
                   "stage": state["stage"], "torch": torch.__version__,
                   "train_seeds": "0..%d" % (clips - 1), "heldout_seeds": "1000000..1000199"}, f, indent=2)
    size = sum(os.path.getsize(f) for f in glob.glob(os.path.join(args.out, "**", "*"), recursive=True)
               if os.path.isfile(f))
    print("exported to %s (%.1f MB)" % (args.out, size / 1e6), file=sys.stderr)
    print("result=ok package=%s bytes=%d z_min=%.3f z_max=%.3f" % (args.out, size, float(points[:, :, 2].min()),
                                                                 float(points[:, :, 2].max())))


if __name__ == "__main__":
    main()
