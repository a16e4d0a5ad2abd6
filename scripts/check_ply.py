#!/usr/bin/env python3
"""Independent check of a map-builder PLY (numpy parses the binary body; Open3D reads it too when installed).

Usage: check_ply.py SEGMENT.ply POSES.csv [--require-open3d]
POSES.csv: one line per frame of the segment, "est_x est_y est_z est_qx est_qy est_qz est_qw true_x true_y
true_z true_qx true_qy true_qz true_qw" (world-from-camera poses in the segment's world frame and in the
synthetic scene's world frame). A Sim(3) maps the cloud into the scene: the rotation is the mean of
R_true R_est^T over the frames (projected back onto a rotation), scale and translation are the least-squares
fit of the camera centres given that rotation (a short arc of centres alone leaves the rotation
ill-conditioned). The room spans x in [-4, 4], y in [-3, 3], z in [0, 3] metres; a point within 0.5 m of the room counts as inside. EXTENT spans the 1st to 99th
percentile per axis, in metres. Prints
"points=N coloured=K inside_room=SHARE extent=EX,EY,EZ trajectory_rms=M open3d=yes|no".
Exits 1 if the file does not parse or Open3D disagrees with the numpy parse.
"""
import sys

import numpy as np

EXPECTED_PROPERTIES = [b"property float x", b"property float y", b"property float z",
                       b"property uchar red", b"property uchar green", b"property uchar blue"]


def read_ply(path):
    data = open(path, "rb").read()
    end = data.index(b"end_header\n") + len(b"end_header\n")
    lines = data[:end].split(b"\n")
    if lines[0] != b"ply" or lines[1] != b"format binary_little_endian 1.0":
        sys.exit("not a binary little-endian PLY: %r" % lines[:2])
    n = int([l for l in lines if l.startswith(b"element vertex ")][0].split()[2])
    props = [l for l in lines if l.startswith(b"property ")]
    if props != EXPECTED_PROPERTIES:
        sys.exit("unexpected properties %r" % props)
    dtype = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("r", "u1"), ("g", "u1"), ("b", "u1")])
    if len(data) - end != n * dtype.itemsize:
        sys.exit("body has %d bytes, expected %d" % (len(data) - end, n * dtype.itemsize))
    v = np.frombuffer(data, dtype=dtype, count=n, offset=end)
    return np.stack([v["x"], v["y"], v["z"]], 1).astype(np.float64), np.stack([v["r"], v["g"], v["b"]], 1)


def rotation(q):
    x, y, z, w = q / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def align(rows):
    est_c, true_c = rows[:, 0:3], rows[:, 7:10]
    m = sum(rotation(r[10:14]) @ rotation(r[3:7]).T for r in rows)
    u, _, vt = np.linalg.svd(m)
    r = u @ np.diag([1, 1, np.linalg.det(u @ vt)]) @ vt
    mu_e, mu_t = est_c.mean(0), true_c.mean(0)
    xe = (est_c - mu_e) @ r.T
    s = (xe * (true_c - mu_t)).sum() / max((xe ** 2).sum(), 1e-300)
    t = mu_t - s * r @ mu_e
    rms = np.sqrt((((s * est_c @ r.T + t) - true_c) ** 2).sum(1).mean())
    return s, r, t, rms


def main():
    ply, poses = sys.argv[1], sys.argv[2]
    require_open3d = "--require-open3d" in sys.argv[3:]
    xyz, rgb = read_ply(ply)
    opened = "no"
    try:
        import open3d as o3d
    except ImportError:
        if require_open3d:
            sys.exit("open3d is required (python3-open3d) but not importable")
    else:
        pc = o3d.io.read_point_cloud(ply)
        pts, cols = np.asarray(pc.points), np.asarray(pc.colors)
        if len(pts) != len(xyz) or not pc.has_colors():
            sys.exit("open3d read %d points (colours: %s), numpy %d" % (len(pts), pc.has_colors(), len(xyz)))
        if not np.allclose(pts, xyz, atol=1e-6) or not np.allclose(cols * 255, rgb, atol=0.5):
            sys.exit("open3d and numpy disagree on the content")
        opened = "yes"
    s, r, t, rms = align(np.loadtxt(poses, ndmin=2))
    world = s * xyz @ r.T + t
    tol = 0.5  # metres: the alignment from a short trajectory is good to a few cm at the cameras, ~0.1-0.3 m at the walls
    inside = ((np.abs(world[:, 0]) <= 4 + tol) & (np.abs(world[:, 1]) <= 3 + tol)
              & (world[:, 2] >= -tol) & (world[:, 2] <= 3 + tol))
    extent = np.percentile(world, 99, axis=0) - np.percentile(world, 1, axis=0) if len(world) else np.zeros(3)
    coloured = int((rgb.sum(1) > 0).sum())
    print("points=%d coloured=%d inside_room=%.4f extent=%.3f,%.3f,%.3f trajectory_rms=%.4f open3d=%s"
          % (len(xyz), coloured, inside.mean() if len(world) else 0.0, extent[0], extent[1], extent[2], rms, opened))


if __name__ == "__main__":
    main()
