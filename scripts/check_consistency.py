#!/usr/bin/python3
"""Independent check of cross-frame consistency of a committed output (numpy and python3-avro only).

Reads DIR/geometry-frames.avro (schemas/GeometryFrame.avsc) and each frame's points.npy from DIR/objects/ (the mirror of
the object store: s3://BUCKET/KEY is DIR/objects/KEY). For each stream, frames in index order, each pair of consecutive
frames of the same segment: frame i's world points at every 4th pixel in each direction are moved into frame i+1's
camera (its pose), projected with its intrinsics to the nearest pixel; where that pixel lies inside frame i+1 and both
depths are valid, |z_projected - z_(i+1)| / z_(i+1), z_(i+1) being the z of frame i+1's own world point there in its
camera. Pairs whose frames were emitted by different clips count as "boundary", the others as "within"; the figures
are the medians over all pooled pixels (docs/metrics.md).

Usage: /usr/bin/python3 scripts/check_consistency.py DIR
Last line: boundary_consistency=.. within_consistency=.. consistency_ratio=.. boundary_pairs=.. within_pairs=..
"""
import sys
from urllib.parse import urlparse

import numpy as np
from avro.datafile import DataFileReader
from avro.io import DatumReader

STEP = 4


def rotation(q):
    x, y, z, w = q["qx"], q["qy"], q["qz"], q["qw"]
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def load(directory, rec):
    key = urlparse(rec["payloads"]["pointMapUri"]).path.lstrip("/")
    w, h = rec["payloads"]["width"], rec["payloads"]["height"]
    world = np.load(directory + "/objects/" + key).reshape(h, w, 3).astype(np.float64)
    pose = rec["worldFromCamera"]
    r = rotation(pose)
    t = np.array([pose["tx"], pose["ty"], pose["tz"]])
    cam = (world - t) @ r  # R^T (P - t) for each point, as rows
    k = rec["intrinsics"]
    return {"world": world, "cam": cam, "r": r, "t": t, "k": (k["fx"], k["fy"], k["cx"], k["cy"]), "w": w, "h": h,
            "segment": rec["segmentId"], "clip": rec["clipId"]}


def pair(a, b):
    src = a["world"][::STEP, ::STEP].reshape(-1, 3)
    src_z = a["cam"][::STEP, ::STEP].reshape(-1, 3)[:, 2]
    ok = np.isfinite(src).all(axis=1) & (src_z > 0)
    p = (src[ok] - b["t"]) @ b["r"]
    p = p[p[:, 2] > 0]
    fx, fy, cx, cy = b["k"]
    u = np.rint(fx * p[:, 0] / p[:, 2] + cx).astype(np.int64)
    v = np.rint(fy * p[:, 1] / p[:, 2] + cy).astype(np.int64)
    inside = (u >= 0) & (v >= 0) & (u < b["w"]) & (v < b["h"])
    z = p[inside, 2]
    zt = b["cam"][v[inside], u[inside], 2]
    valid = np.isfinite(zt) & (zt > 0)
    return np.abs(z[valid] - zt[valid]) / zt[valid]


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = argv[1]
    with open(directory + "/geometry-frames.avro", "rb") as f:
        records = list(DataFileReader(f, DatumReader()))
    streams = {}
    for rec in records:
        streams.setdefault(rec["streamId"], []).append(rec)
    boundary, within = [], []
    pairs = {"boundary": 0, "within": 0}
    for stream, recs in sorted(streams.items()):
        recs.sort(key=lambda r: r["frameIndex"])
        previous = None
        for rec in recs:
            current = load(directory, rec)
            if previous is not None and previous["segment"] == current["segment"]:
                same = previous["clip"] == current["clip"]
                d = pair(previous, current)
                if d.size:
                    (within if same else boundary).append(d)
                    pairs["within" if same else "boundary"] += 1
            previous = current
    b = float(np.median(np.concatenate(boundary))) if boundary else float("nan")
    w = float(np.median(np.concatenate(within))) if within else float("nan")
    print("streams=%d frames=%d" % (len(streams), len(records)), file=sys.stderr)
    print("boundary_consistency=%.6g within_consistency=%.6g consistency_ratio=%.4g boundary_pairs=%d within_pairs=%d"
          % (b, w, b / w, pairs["boundary"], pairs["within"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
