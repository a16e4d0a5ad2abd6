"""geo-nano's ablations at this scale (issue 14): each variant's DiT trained from scratch on the SAME frozen VAE,
the same cached encodings, the same steps and seeds; scored on the held-out clips (ORBIT, field of view 55-65 deg).

    /usr/bin/python3 models/geo_nano/ablation.py --data /tmp/geo-nano-data --package models/geo-nano \
        --out /tmp/geo-nano-ablation --steps 400 --seeds 1,2,3

Variants (``--variants``; default all):
  reuse              UniGeo's layout as geo-nano ships it: RGB and geometry tokens at the SAME 3-D RoPE positions,
                     each geometry token's input plus the RGB token's embedding at its place (geo-nano's departure),
                     points and normals trained jointly, targets in the clip's first-frame camera
  reuse_no_residual  position reuse alone (no RGB embedding added to the geometry tokens)
  sequence_residual  geometry tokens continue the time axis after the RGB tokens (time positions t..2t-1; y and x as
                     the RGB tokens': the usual frame concatenation), with the residual: differs from reuse only in
                     the positions
  sequence           the same without the residual: differs from reuse_no_residual only in the positions
  channel            one token per place carrying the RGB and the geometry latents concatenated (the RGB is in the
                     token, as the residual puts it there)
  points_only        as reuse, trained on the point maps alone (no normal rows)
  camera_frame       as reuse, targets in each frame's OWN camera (points and normals) instead of the first frame's

Training (every variant alike): the latent stage of ``train.py`` (MSE to the frozen VAE's encoding of the true
geometry, point and normal rows weighted equally), batch 8, AdamW lr 4e-4, warm-up 50 steps then cosine, on the first
``--clips`` training clips (no mirror images). The VAE is the shipped package's (``--package``), frozen. Each run
decodes the held-out clips at the end and writes ``<variant>-seed<N>.json`` and the DiT's weights (``.pt``); a run
whose json exists is skipped (a cut-off session resumes where it stopped; a run is short enough to restart).

Scores (held-out clips, at 64x48, one prediction per clip):
  absrel, normal_median_deg   train.py's (UniGeo's AbsRel on r = |P| in the first frame's camera with one LSQ scale
                              and shift per clip; normals in the first frame's camera). Only for first-frame
                              variants: camera_frame's output carries no frame-to-frame relation to score that way.
  frame_absrel,               per FRAME: the predicted points mapped onto the frame's true points in its OWN camera by
  frame_normal_median_deg     one Sim(3) (Umeyama), then mean ||P'| - |P|| / |P| (the distance from that camera);
                              normals rotated by that Sim(3)'s rotation. The Sim(3) absorbs the output's frame, so
                              every variant is scored alike: the shape of each frame, not how frames relate.
Logs go to stderr; the last stdout line is key=value.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as nets  # noqa: E402
import train  # noqa: E402

VARIANTS = {
    "reuse": {"position_mode": "reuse", "rgb_residual": True, "normals": True, "frame": "first"},
    "reuse_no_residual": {"position_mode": "reuse", "rgb_residual": False, "normals": True, "frame": "first"},
    "sequence_residual": {"position_mode": "sequence", "rgb_residual": True, "normals": True, "frame": "first"},
    "sequence": {"position_mode": "sequence", "rgb_residual": False, "normals": True, "frame": "first"},
    "channel": {"position_mode": "channel", "rgb_residual": False, "normals": True, "frame": "first"},
    "points_only": {"position_mode": "reuse", "rgb_residual": True, "normals": False, "frame": "first"},
    "camera_frame": {"position_mode": "reuse", "rgb_residual": True, "normals": True, "frame": "camera"},
}


class DataError(Exception):
    pass


def load(folder, limit=None):
    data = train.load(folder, limit)
    poses = []
    for path in sorted(os.listdir(folder)):
        if path.startswith("shard-") and path.endswith(".npz"):
            with np.load(os.path.join(folder, path)) as z:
                if "pose_first" not in z:
                    raise DataError(folder + " was written before poses were stored: write it again")
                poses.append(z["pose_first"])
    data["pose_first"] = np.concatenate(poses)[:len(data["rgb"])]
    return data


def camera_frame(data):
    """The same clips with points and normals in each frame's own camera: p_cam = R^T (p_first - c), n_cam = R^T n."""
    out = dict(data)
    rot = data["pose_first"][:, :, :, :3].astype(np.float32)
    centre = data["pose_first"][:, :, :, 3].astype(np.float32)
    pts = data["points"].astype(np.float32) - centre[:, :, None, None, :]
    out["points"] = np.einsum("btji,btyxj->btyxi", rot, pts).astype(np.float16)
    out["normals"] = np.einsum("btji,btyxj->btyxi", rot, data["normals"].astype(np.float32)).astype(np.float16)
    return out


def frozen_vae(package):
    enc = nets.VaeEncoder(8, 32)
    dec = nets.VaeDecoder(8, 32)
    enc.load_state_dict(torch.jit.load(os.path.join(package, "vae_encoder.pt")).state_dict())
    dec.load_state_dict(torch.jit.load(os.path.join(package, "vae_decoder.pt")).state_dict())
    with open(os.path.join(package, "model.json")) as f:
        scale = json.load(f)["latentScale"]
    for m in (enc, dec):
        m.eval()
        for p in m.parameters():
            p.requires_grad_(False)
    return enc, dec, scale


def encode(enc, scale, data, frame_data):
    parts = {k: [] for k in ("rgb", "points", "normals", "points_cam", "normals_cam")}
    with torch.no_grad():
        for start in range(0, len(data["rgb"]), 32):
            index = np.arange(start, min(start + 32, len(data["rgb"])))
            rgb, pts, nrm, _ = train.to_tensors(data, index)
            _, pts_cam, nrm_cam, _ = train.to_tensors(frame_data, index)
            parts["rgb"].append(enc(rgb) * scale)
            parts["points"].append(enc(pts - train.POINT_OFFSET) * scale)
            parts["normals"].append(enc(nrm) * scale)
            parts["points_cam"].append(enc(pts_cam - train.POINT_OFFSET) * scale)
            parts["normals_cam"].append(enc(nrm_cam) * scale)
            print("encoded %d/%d" % (index[-1] + 1, len(data["rgb"])), file=sys.stderr, flush=True)
    return {k: torch.cat(v) for k, v in parts.items()}


def umeyama(x, y):
    """Sim(3) (s, R, t) with s R x + t ~ y, x and y [n, 3] float64."""
    mx, my = x.mean(0), y.mean(0)
    xc, yc = x - mx, y - my
    cov = yc.T @ xc / x.shape[0]
    u, sv, vt = torch.linalg.svd(cov)
    d = torch.ones(3, dtype=x.dtype)
    if torch.det(u) * torch.det(vt) < 0:
        d[2] = -1
    rot = u @ torch.diag(d) @ vt
    var = (xc ** 2).sum(1).mean()
    s = (sv * d).sum() / var.clamp_min(1e-12)
    return s, rot, my - s * rot @ mx


def frame_scores(pred_pts, true_pts, pred_nrm, true_nrm, mask):
    """Per frame of one clip ([T,3,H,W], mask [T,1,H,W]): AbsRel of the distance from the frame's camera after one
    Sim(3), and the normals' angular errors after its rotation. Returns (absrels, angle errors in deg)."""
    absrels, angles = [], []
    for t in range(pred_pts.shape[0]):
        m = mask[t, 0]
        if int(m.sum()) < 16:
            continue
        x = pred_pts[t].permute(1, 2, 0)[m].double()
        y = true_pts[t].permute(1, 2, 0)[m].double()
        s, rot, tr = umeyama(x, y)
        mapped = s * x @ rot.T + tr
        absrels.append(((mapped.norm(dim=1) - y.norm(dim=1)).abs() / y.norm(dim=1).clamp_min(1e-9)).mean().item())
        if pred_nrm is not None:
            n = pred_nrm[t].permute(1, 2, 0)[m].double() @ rot.T
            cos = F.cosine_similarity(n, true_nrm[t].permute(1, 2, 0)[m].double(), dim=1).clamp(-1, 1)
            angles.append(torch.rad2deg(torch.acos(cos)))
    return absrels, (torch.cat(angles) if angles else None)


def run_one(job):
    variant, seed, a = job
    path = os.path.join(a["out"], "%s-seed%d.json" % (variant, seed))
    if os.path.exists(path):
        return path, None
    v = VARIANTS[variant]
    torch.set_num_threads(a["threads"])
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    enc, dec, scale = frozen_vae(a["package"])
    cache = torch.load(os.path.join(a["out"], "latents.pt"))
    den = nets.Denoiser(8, 128, 4, 4, 2, v["position_mode"], v["rgb_residual"])
    opt = torch.optim.AdamW(den.parameters(), lr=a["lr"], weight_decay=0.01)
    points_key, normals_key = ("points_cam", "normals_cam") if v["frame"] == "camera" else ("points", "normals")
    start = time.time()
    losses = []
    for step in range(a["steps"]):
        index = torch.from_numpy(np.sort(rng.choice(cache["rgb"].shape[0], size=a["batch"], replace=False)))
        lat = cache["rgb"][index]
        b = lat.shape[0]
        if v["normals"]:
            rows = torch.cat([lat, lat])
            attribute = torch.cat([torch.zeros(b, dtype=torch.long), torch.ones(b, dtype=torch.long)])
            target = torch.cat([cache[points_key][index], cache[normals_key][index]])
        else:
            rows, attribute, target = lat, torch.zeros(b, dtype=torch.long), cache[points_key][index]
        out = den(rows, torch.zeros_like(rows), torch.full((rows.shape[0],), train.TERMINAL, dtype=torch.long),
                  attribute)
        loss = F.mse_loss(out, target)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(den.parameters(), 1.0)
        for g in opt.param_groups:
            g["lr"] = a["lr"] * train.lr_factor(step, a["steps"], a["warmup"])
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 50 == 0:
            print("%s seed %d step %d loss %.4f (%.0f s)" % (variant, seed, step + 1, np.mean(losses[-50:]),
                  time.time() - start), file=sys.stderr, flush=True)
    train_seconds = time.time() - start
    result = {"variant": variant, "seed": seed, "steps": a["steps"], "clips": int(cache["rgb"].shape[0]),
              "heldout_clips_arg": a["heldout_clips"], "package": a["package"],
              "train_seconds": round(train_seconds, 1), "final_loss": float(np.mean(losses[-50:]))}
    result.update(evaluate(den, enc, dec, scale, a, v))
    # the DiT's weights beside the figures, so a run worth shipping can be exported with the frozen VAE
    torch.save({"den": den.state_dict(), "variant": v, "seed": seed, "steps": a["steps"]},
               os.path.join(a["out"], "%s-seed%d.pt" % (variant, seed)))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, path)
    return path, result


def score_heldout(a, predict, first_frame):
    """Scores ``predict(index, rgb, pts, nrm, pts_own, nrm_own) -> (points, normals or None)`` on the held-out clips
    (first-frame truth ``pts``/``nrm``, each frame's own-camera truth ``pts_own``/``nrm_own``, all normalised as the
    model's targets): the clip figures when its output is in the first frame's camera, the frame figures always."""
    heldout = load(os.path.join(a["data"], "heldout"))
    if a["heldout_clips"]:
        heldout = {k: x[:a["heldout_clips"]] for k, x in heldout.items()}
    own = camera_frame(heldout)
    clip_abs, clip_ang, frame_abs, frame_ang = [], [], [], []
    with torch.no_grad():
        for start in range(0, len(heldout["rgb"]), 16):
            index = np.arange(start, min(start + 16, len(heldout["rgb"])))
            rgb, pts, nrm, mask = train.to_tensors(heldout, index)
            _, pts_own, nrm_own, _ = train.to_tensors(own, index)
            pred_pts, pred_nrm = predict(index, rgb, pts, nrm, pts_own, nrm_own)
            if first_frame:
                clip_abs.append(train.absrel(pred_pts, pts, mask) * len(index))
                if pred_nrm is not None:
                    cos = F.cosine_similarity(pred_nrm, nrm, dim=2, eps=1e-6).clamp(-1, 1)
                    clip_ang.append(torch.rad2deg(torch.acos(cos[mask[:, :, 0]])))
            for i in range(len(index)):
                fa, ang = frame_scores(pred_pts[i], pts_own[i], None if pred_nrm is None else pred_nrm[i],
                                       nrm_own[i], mask[i])
                frame_abs.extend(fa)
                if ang is not None:
                    frame_ang.append(ang)
    n = len(heldout["rgb"])
    return {
        "heldout_clips": n,
        "absrel": sum(clip_abs) / n if clip_abs else None,
        "normal_median_deg": float(torch.cat(clip_ang).median()) if clip_ang else None,
        "frame_absrel": float(np.mean(frame_abs)),
        "frame_normal_median_deg": float(torch.cat(frame_ang).median()) if frame_ang else None,
    }


def evaluate(den, enc, dec, scale, a, v):
    den.eval()

    def predict(index, rgb, pts, nrm, pts_own, nrm_own):
        lat = enc(rgb) * scale
        b = lat.shape[0]
        if v["normals"]:
            rows = torch.cat([lat, lat])
            attribute = torch.cat([torch.zeros(b, dtype=torch.long), torch.ones(b, dtype=torch.long)])
        else:
            rows, attribute = lat, torch.zeros(b, dtype=torch.long)
        out = den(rows, torch.zeros_like(rows), torch.full((rows.shape[0],), train.TERMINAL, dtype=torch.long),
                  attribute)
        img = dec(out / scale)
        return img[:b] + train.POINT_OFFSET, (img[b:] if v["normals"] else None)

    return score_heldout(a, predict, v["frame"] == "first")


def references(a):
    """Rows every variant is read against, scored by the same code on the same held-out clips:
    baseline_plane     a fronto-parallel plane at constant depth through each frame's pixels with the TRUE intrinsics,
                       every frame alike (no motion); normals facing the camera
    baseline_mean      the mean point map and normal map of the first 400 training clips (targets normalised as the
                       model's are)
    vae_floor_first    the frozen VAE's own error: the first-frame truth encoded and decoded (no DiT does better)
    vae_floor_camera   the same for the camera-frame truth (the VAE never saw camera-frame targets in its training)"""
    path = os.path.join(a["out"], "references.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    enc, dec, _ = frozen_vae(a["package"])
    folder = os.path.join(a["data"], "heldout")
    intrinsics = np.concatenate([np.load(os.path.join(folder, f))["K"] for f in sorted(os.listdir(folder))
                                 if f.startswith("shard-") and f.endswith(".npz")])
    train_set = load(os.path.join(a["data"], "train"), 400)
    _, tp, tn, tm = train.to_tensors(train_set, np.arange(len(train_set["rgb"])))
    weight = tm.float()
    mean_pts = (tp * weight).sum(0, keepdim=True) / weight.sum(0, keepdim=True).clamp_min(1)
    mean_nrm = (tn * weight).sum(0, keepdim=True) / weight.sum(0, keepdim=True).clamp_min(1)

    def plane(index, shape):
        b, t, _, h, w = shape
        ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32),
                                indexing="ij")
        out = torch.empty(shape)
        for i, clip in enumerate(index):
            k = intrinsics[clip]
            ray = torch.stack([(xs - float(k[0, 2])) / float(k[0, 0]), (ys - float(k[1, 2])) / float(k[1, 1]),
                               torch.ones_like(xs)])
            out[i] = ray.unsqueeze(0).expand(t, 3, h, w)
        return out

    def predictor(name):
        def predict(index, rgb, pts, nrm, pts_own, nrm_own):
            if name == "baseline_plane":
                return plane(index, pts.shape), torch.tensor([0.0, 0.0, -1.0]).view(1, 1, 3, 1, 1).expand_as(pts)
            if name == "baseline_mean":
                return mean_pts.expand_as(pts), mean_nrm.expand_as(nrm)
            src_pts, src_nrm = (pts, nrm) if name == "vae_floor_first" else (pts_own, nrm_own)
            return dec(enc(src_pts - train.POINT_OFFSET)) + train.POINT_OFFSET, dec(enc(src_nrm))
        return predict

    rows = {}
    for name in ("baseline_plane", "baseline_mean", "vae_floor_first", "vae_floor_camera"):
        rows[name] = score_heldout(a, predictor(name), name != "vae_floor_camera")
        print("%s: %s" % (name, json.dumps(rows[name])), file=sys.stderr, flush=True)
    with open(path, "w") as f:
        json.dump(rows, f, indent=1)
    return rows


def summarise(out, variants, seeds, steps=None, refs=None):
    rows = {}
    for variant in variants:
        runs = []
        for seed in seeds:
            path = os.path.join(out, "%s-seed%d.json" % (variant, seed))
            if os.path.exists(path):
                with open(path) as f:
                    r = json.load(f)
                if steps is not None and r["steps"] != steps:
                    raise SystemExit("%s was trained for %d steps, not %d: move it away or pass --steps %d"
                                     % (path, r["steps"], steps, r["steps"]))
                runs.append(r)
        if not runs:
            continue
        row = {"runs": len(runs)}
        for key in ("absrel", "normal_median_deg", "frame_absrel", "frame_normal_median_deg", "final_loss",
                    "train_seconds"):
            values = [r[key] for r in runs if r.get(key) is not None]
            if values:
                row[key] = {"mean": float(np.mean(values)), "std": float(np.std(values, ddof=1)) if len(values) > 1
                            else 0.0, "values": values}
        rows[variant] = row
    with open(os.path.join(out, "ablation.json"), "w") as f:
        json.dump({"variants": rows, "references": refs}, f, indent=1)
    lines = ["| variant | runs | absrel | normal median deg | frame absrel | frame normal median deg | latent loss |",
             "|---|---|---|---|---|---|---|"]

    def cell(row, key, digits):
        if key not in row:
            return "n/a"
        return ("%." + str(digits) + "f +- %." + str(digits) + "f") % (row[key]["mean"], row[key]["std"])

    for variant, row in rows.items():
        lines.append("| %s | %d | %s | %s | %s | %s | %s |" % (
            variant, row["runs"], cell(row, "absrel", 3), cell(row, "normal_median_deg", 1),
            cell(row, "frame_absrel", 3), cell(row, "frame_normal_median_deg", 1), cell(row, "final_loss", 4)))
    for name, ref in (refs or {}).items():
        lines.append("| %s | - | %s | %s | %.3f | %.1f | - |" % (
            name, "n/a" if ref["absrel"] is None else "%.3f" % ref["absrel"],
            "n/a" if ref["normal_median_deg"] is None else "%.1f" % ref["normal_median_deg"], ref["frame_absrel"],
            ref["frame_normal_median_deg"]))
    table = "\n".join(lines)
    with open(os.path.join(out, "ablation.md"), "w") as f:
        f.write(table + "\n")
    print(table, file=sys.stderr)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="/tmp/geo-nano-data")
    p.add_argument("--package", default="models/geo-nano", help="the frozen VAE and its latent scale")
    p.add_argument("--out", default="/tmp/geo-nano-ablation")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=4e-4)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--clips", type=int, default=1000, help="training clips encoded and trained on")
    p.add_argument("--heldout-clips", type=int, default=0, help="score only the first N held-out clips (0: all)")
    p.add_argument("--parallel", type=int, default=2, help="runs at once (each on --threads threads)")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    variants = [v for v in a.variants.split(",") if v]
    for v in variants:
        if v not in VARIANTS:
            raise SystemExit("unknown variant %s (known: %s)" % (v, ", ".join(VARIANTS)))
    seeds = [int(s) for s in a.seeds.split(",")]
    os.makedirs(a.out, exist_ok=True)
    load(os.path.join(a.data, "heldout"))  # fails here, not in a worker after training, on data without poses
    cache_path = os.path.join(a.out, "latents.pt")
    if not os.path.exists(cache_path):
        torch.set_num_threads(a.parallel * a.threads)
        enc, _, scale = frozen_vae(a.package)
        data = load(os.path.join(a.data, "train"), a.clips)
        cache = encode(enc, scale, data, camera_frame(data))
        torch.save(cache, cache_path + ".tmp")
        os.replace(cache_path + ".tmp", cache_path)
    args = {"out": a.out, "package": a.package, "data": a.data, "steps": a.steps, "batch": a.batch, "lr": a.lr,
            "warmup": a.warmup, "threads": a.threads, "heldout_clips": a.heldout_clips}
    # seeds outermost: a session cut short still has every variant at its first seeds
    jobs = [(variant, seed, args) for seed in seeds for variant in variants]
    with multiprocessing.get_context("spawn").Pool(a.parallel) as pool:
        for path, result in pool.imap_unordered(run_one, jobs):
            print(("kept " if result is None else "wrote ") + path, file=sys.stderr, flush=True)
    refs = references(args)
    rows = summarise(a.out, variants, seeds, a.steps, refs)
    missing = [v for v in variants if v not in rows or rows[v]["runs"] < len(seeds)]
    print("result=%s variants=%d seeds=%d steps=%d out=%s" % ("ok" if not missing else "incomplete", len(variants),
          len(seeds), a.steps, a.out))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
