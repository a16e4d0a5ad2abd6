#!/usr/bin/env python3
"""How a stitched path's scale changes along it, and what its drift_over_length is made of (numpy only).

Usage: trajectory_scale.py DIR METHOD SEED [SEED ...] [--window 100] [--step 10]   (seed numbers, e.g. 1 2 3 4 5)

DIR is the --out folder of `geostream eval stitching` (METHOD-seedN.tum and truth-seedN.tum, TUM format, matched by
timestamp). Per seed it prints to stderr:
- the windowed scale: for frame steps i -> i+STEP, sum(|dQ| |dP|) / sum(|dP|^2) over each WINDOW of steps (dQ
  estimated, dP true), divided by the median over the windows. A chain whose scale drifts shows a trend; a
  consistent one scatters about 1. Steps of STEP frames keep the per-frame jitter from inflating it.
- drift_over_length as docs/metrics.md defines it (Sim(3) fitted on the first 100 frames' poses: each camera's centre
  and the ends of its three axes at the window's RMS spread; RMSE of the centres over the last 100 / length), then
  drift_positions_over_length (the same fit on the centres alone, the definition before session 29), recomputed with
  that fit's scale replaced by the whole path's (global_scale), with its rotation replaced by the whole path's
  (global_rotation), and with the whole path's fit (global): what-if figures (they do not add up) that show which
  part of the first-100 alignment the centres-only figure depends on.
Last stdout line: trend_scale=<median over seeds of exp(slope x (windows - 1)), the slope of a least-squares line
through the log windowed scales: how much the scale changed from the first window to the last> seeds=N.
"""
import argparse
import sys

import numpy as np


def load(path):
    """{timestamp: (centre, world-from-camera rotation)} from a TUM file (tx ty tz qx qy qz qw)."""
    rows = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        v = line.split()
        q = np.array([float(c) for c in v[4:8]])
        x, y, z, w = q / np.linalg.norm(q)
        r = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                      [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                      [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])
        rows[float(v[0])] = (np.array([float(c) for c in v[1:4]]), r)
    return rows


def pose_anchors(centres, rotations):
    """The centres, then the ends of each camera's x, y and z axes (rotation columns) at the centres' RMS spread."""
    spread = np.sqrt(((centres - centres.mean(0)) ** 2).sum(1).mean())
    if spread ** 2 <= 1e-12 * (centres ** 2).sum(1).mean():
        return None  # a window that never moved: no length of its own, drift undefined (as in the Java code)
    return np.concatenate([centres] + [centres + spread * rotations[:, :, axis] for axis in range(3)])


def umeyama(src, dst, fixed_scale=None):
    """s, R, t minimising sum |dst - (s R src + t)|^2; the scale held at fixed_scale when given."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    xs, xd = src - mu_s, dst - mu_d
    u, d, vt = np.linalg.svd(xd.T @ xs / len(src))
    sign = np.eye(3)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[2, 2] = -1
    r = u @ sign @ vt
    s = np.trace(np.diag(d) @ sign) / ((xs ** 2).sum() / len(src)) if fixed_scale is None else fixed_scale
    return s, r, mu_d - s * r @ mu_s


def end_rmse(q, p, s, r, t, length):
    aligned = (s * (r @ q.T)).T + t
    return np.sqrt((np.linalg.norm(aligned - p, axis=1)[-100:] ** 2).mean()) / length


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("method")
    ap.add_argument("seeds", nargs="+")
    ap.add_argument("--window", type=int, default=100)
    ap.add_argument("--step", type=int, default=10)
    a = ap.parse_args()
    ratios = []
    for seed in a.seeds:
        truth, est = load(f"{a.dir}/truth-seed{seed}.tum"), load(f"{a.dir}/{a.method}-seed{seed}.tum")
        keys = sorted(set(truth) & set(est))
        if len(keys) < 200:
            sys.exit(f"seed {seed}: {len(keys)} matched frames, need at least 200")
        p = np.array([truth[k][0] for k in keys])
        q = np.array([est[k][0] for k in keys])
        rp = np.array([truth[k][1] for k in keys])
        rq = np.array([est[k][1] for k in keys])
        length = np.linalg.norm(np.diff(p, axis=0), axis=1).sum()
        dp, dq = p[a.step:] - p[:-a.step], q[a.step:] - q[:-a.step]
        windows = []
        for start in range(0, len(dp) - a.window + 1, a.window):
            np_, nq = np.linalg.norm(dp[start:start + a.window], axis=1), np.linalg.norm(dq[start:start + a.window], axis=1)
            moved = (np_ * np_).sum()
            estimated = (np_ * nq).sum()
            if moved > 0 and estimated > 0:  # a window where either path stands still says nothing about scale
                windows.append(estimated / moved)
        if len(windows) < 2:
            sys.exit(f"seed {seed}: {len(windows)} usable window(s) of {a.window} steps; need 2 for a trend"
                     f" (at least {2 * a.window + a.step} frames)")
        w = np.array(windows) / np.median(windows)
        slope = np.polyfit(np.arange(len(w)), np.log(w), 1)[0]
        ratios.append(np.exp(slope * (len(w) - 1)))
        print(f"seed {seed} windowed scale: " + " ".join(f"{x:.2f}" for x in w), file=sys.stderr)
        anchors = pose_anchors(q[:100], rq[:100]), pose_anchors(p[:100], rp[:100])
        on_poses = umeyama(*anchors) if anchors[0] is not None and anchors[1] is not None else None
        first = umeyama(q[:100], p[:100])
        whole = umeyama(q, p)
        with_global_scale = umeyama(q[:100], p[:100], fixed_scale=whole[0])
        # The whole path's rotation, then the first-100 fit's scale (rotating the source leaves Umeyama's scale as it
        # was) and the translation that puts the first 100 frames' centroids together.
        qr = (whole[1] @ q.T).T
        s3 = first[0]
        t3 = p[:100].mean(0) - s3 * qr[:100].mean(0)
        drift = end_rmse(q, p, *on_poses, length) if on_poses is not None else float("nan")
        print(f"seed {seed} drift_over_length {drift:.6f}"
              f" | drift_positions_over_length {end_rmse(q, p, *first, length):.6f}"
              f" | global_scale {end_rmse(q, p, *with_global_scale, length):.4f}"
              f" | global_rotation {end_rmse(qr, p, s3, np.eye(3), t3, length):.4f}"
              f" | global {end_rmse(q, p, *whole, length):.4f}"
              f" | first-100 scale {first[0]:.3f} vs whole path {whole[0]:.3f}", file=sys.stderr)
    print(f"trend_scale={np.median(ratios):.3f} seeds={len(ratios)}")


if __name__ == "__main__":
    main()
