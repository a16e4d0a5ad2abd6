#!/usr/bin/env python3
"""Independent ATE check (numpy only): one Sim(3) Umeyama fit of the estimated positions to the truth.

Usage: check_ate.py ESTIMATE.tum TRUTH.tum
Both files are TUM trajectories (timestamp tx ty tz qx qy qz qw), matched line by line (same length).
Prints "rmse path_length rmse_over_length scale". Cross-checks io.geostream.eval.TrajectoryErrors.ate;
the same number as `evo_ape tum TRUTH ESTIMATE -as` gives.
"""
import sys

import numpy as np


def positions(path):
    rows = [line.split() for line in open(path) if line.strip() and not line.startswith("#")]
    return np.array([[float(r[1]), float(r[2]), float(r[3])] for r in rows])


def umeyama(src, dst):
    """s, R, t minimising sum |dst - (s R src + t)|^2 (Umeyama 1991, reflection-safe)."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    xs, xd = src - mu_s, dst - mu_d
    cov = xd.T @ xs / len(src)
    u, d, vt = np.linalg.svd(cov)
    sign = np.eye(3)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[2, 2] = -1
    r = u @ sign @ vt
    var_s = (xs ** 2).sum() / len(src)
    s = np.trace(np.diag(d) @ sign) / var_s
    t = mu_d - s * r @ mu_s
    return s, r, t


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    est, truth = positions(sys.argv[1]), positions(sys.argv[2])
    if est.shape != truth.shape:
        print("trajectories differ in length", file=sys.stderr)
        return 1
    s, r, t = umeyama(est, truth)
    residual = truth - (s * (r @ est.T).T + t)
    rmse = float(np.sqrt((residual ** 2).sum(1).mean()))
    path = float(np.linalg.norm(np.diff(truth, axis=0), axis=1).sum())
    print(f"{rmse:.12g} {path:.12g} {rmse / path:.12g} {s:.12g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
