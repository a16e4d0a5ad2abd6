"""Writes geo-nano's training / validation clips as shards of 100 clips (numpy .npz), resumable.

    /usr/bin/python3 models/geo_nano/write_dataset.py --out /tmp/geo-nano-data/train --first-seed 0 --clips 3000
    /usr/bin/python3 models/geo_nano/write_dataset.py --out /tmp/geo-nano-data/heldout --first-seed 1000000 \
        --clips 200 --heldout

Clip i has seed first_seed + i, so a shard is the same bytes on every machine (numpy's PCG64). Shards that
exist are skipped (a cut-off run resumes). Generated data stays out of git. Seeds used for the committed
model: train 0..2999, held-out 1000000..1000199 (unseen field of view 55-65 deg and the ORBIT trajectory).
Logs go to stderr; the last stdout line is key=value.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402

SHARD = 100


def write_shard(job):
    out, first, count, args = job
    path = os.path.join(out, "shard-%08d.npz" % first)
    if os.path.exists(path):
        return path, 0.0
    start = time.time()
    clips = [render.make_clip(first + i, frames=args["frames"], width=args["width"], height=args["height"],
                              heldout=args["heldout"]) for i in range(count)]
    arrays = {key: np.stack([c[key] for c in clips]) for key in ("rgb", "mask", "K", "pose_first")}
    arrays["points"] = np.stack([c["points"] for c in clips]).astype(np.float16)
    arrays["normals"] = np.stack([c["normals"] for c in clips]).astype(np.float16)
    arrays["seeds"] = np.arange(first, first + count, dtype=np.int64)
    arrays["params"] = np.array([json.dumps(c["params"]) for c in clips])
    tmp = path + ".tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return path, time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--clips", type=int, default=3000)
    parser.add_argument("--frames", type=int, default=9)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--height", type=int, default=48)
    parser.add_argument("--heldout", action="store_true", help="unseen field of view and the ORBIT trajectory")
    parser.add_argument("--workers", type=int, default=2)
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    args = {"frames": a.frames, "width": a.width, "height": a.height, "heldout": a.heldout}
    jobs = [(a.out, a.first_seed + s, min(SHARD, a.clips - s), args) for s in range(0, a.clips, SHARD)]
    done = 0
    with multiprocessing.Pool(a.workers) as pool:
        for path, seconds in pool.imap_unordered(write_shard, jobs):
            done += 1
            print("%s %s (%.0f s) %d/%d" % ("wrote" if seconds else "kept", path, seconds, done, len(jobs)),
                  file=sys.stderr, flush=True)
    print("result=ok shards=%d clips=%d out=%s" % (len(jobs), a.clips, a.out))


if __name__ == "__main__":
    main()
