"""Where in a clip a package errs: geo-nano's single step on the training renderer's held-out clips, AbsRel per frame
slot (UniGeo's r = |P| from the clip's first camera; ONE least-squares scale and shift per clip over all its frames,
then the mean |dr| / r over each slot's valid pixels), averaged over clips.

    /usr/bin/python3 models/geo_nano/slot_errors.py --package models/geo-nano --data /tmp/geo-nano-data [--clips 200]

The job's stitcher joins consecutive clips on the frames they share, the last T - S slots of one clip and the first of
the next: a slot profile that rises towards the clip's end says the overlap sees the model at its worst.
Last stdout line: key=value (absrel per slot).
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export  # noqa: E402
import train  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--package", default="models/geo-nano")
    p.add_argument("--data", default="/tmp/geo-nano-data")
    p.add_argument("--clips", type=int, default=200)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    enc = torch.jit.load(os.path.join(a.package, "vae_encoder.pt"))
    den = torch.jit.load(os.path.join(a.package, "denoiser.pt"))
    dec = torch.jit.load(os.path.join(a.package, "vae_decoder.pt"))
    with open(os.path.join(a.package, "model.json")) as f:
        scale = json.load(f)["latentScale"]
    held = train.load(os.path.join(a.data, "heldout"), a.clips)
    per_slot = []
    for start in range(0, len(held["rgb"]), 16):
        index = np.arange(start, min(start + 16, len(held["rgb"])))
        rgb, pts, _, mask = train.to_tensors(held, index)
        points, _ = export.single_step(enc, dec, den, rgb, scale)
        for b in range(points.shape[0]):
            m = mask[b, :, 0]
            rp_all = points[b].norm(dim=1).double()
            rt_all = pts[b].norm(dim=1).double()
            rp, rt = rp_all[m], rt_all[m]
            design = torch.stack([rp, torch.ones_like(rp)], dim=1)
            sol = torch.linalg.lstsq(design, rt.unsqueeze(1)).solution.squeeze(1)
            fit = rp_all * sol[0] + sol[1]
            err = (fit - rt_all).abs() / rt_all.clamp_min(1e-9)
            per_slot.append([float(err[t][m[t]].mean()) if m[t].any() else float("nan")
                             for t in range(points.shape[1])])
        print("clips %d" % (index[-1] + 1), file=sys.stderr, flush=True)
    table = np.nanmean(np.array(per_slot), axis=0)
    print(" ".join("slot%d=%.4f" % (t, v) for t, v in enumerate(table)))


if __name__ == "__main__":
    main()
