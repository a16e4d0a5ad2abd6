"""A picture of a few committed frames: the model's input (rgb.jpg) beside its depth and normals payloads.

    /usr/bin/python3 models/geo_nano/frame_sheet.py --objects OUT/objects --frames 6 --out sheet.png

Reads only the payload files the job wrote (any model, any stream): rgb.jpg, depth.png (16-bit, shown with its
own 2-98 % range per frame, near = bright) and normals.png. Needs Pillow (Debian python3-pil) and numpy.
"""

import argparse
import glob
import os

import numpy as np
from PIL import Image


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--objects", required=True)
    p.add_argument("--frames", type=int, default=6)
    p.add_argument("--scale", type=int, default=3)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    dirs = sorted({os.path.dirname(f) for f in glob.glob(os.path.join(a.objects, "**", "depth.png"), recursive=True)},
                  key=lambda d: int(d.split("frame-")[-1].split("-")[0]))
    if not dirs:
        raise SystemExit("no depth.png under " + a.objects)
    pick = [dirs[int(i)] for i in np.linspace(0, len(dirs) - 1, min(a.frames, len(dirs)))]
    rows = []
    for d in pick:
        depth = np.asarray(Image.open(os.path.join(d, "depth.png"))).astype(np.float64)
        valid = depth > 0
        lo, hi = np.percentile(depth[valid], [2, 98]) if valid.any() else (0, 1)
        shade = (255 * (1 - np.clip((depth - lo) / max(hi - lo, 1e-9), 0, 1))).astype(np.uint8)
        shade[~valid] = 0
        h, w = depth.shape
        rgb = np.asarray(Image.open(os.path.join(d, "rgb.jpg")).convert("RGB").resize((w, h), Image.BILINEAR))
        normals = np.asarray(Image.open(os.path.join(d, "normals.png")).convert("RGB").resize((w, h), Image.NEAREST))
        rows.append(np.concatenate([rgb, np.stack([shade] * 3, axis=-1), normals], axis=1))
    sheet = Image.fromarray(np.concatenate(rows, axis=0))
    sheet = sheet.resize((sheet.width * a.scale, sheet.height * a.scale), Image.NEAREST)
    sheet.save(a.out)
    print("result=ok frames=%d out=%s" % (len(pick), a.out))


if __name__ == "__main__":
    main()
