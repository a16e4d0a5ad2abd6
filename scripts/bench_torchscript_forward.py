#!/usr/bin/env python3
"""Times a model package's geometry.pt forward in Python torch, for comparison with `geostream bench model`.

Same protocol as the Java benchmark: intra-op 2 / inter-op 1 threads, 10 warm-ups, median of 50 runs, on a
prepared float32 tensor [B,T,3,H,W]. Debian's python3-torch is another libtorch version than DJL's, so the
figure is for information, not a gate. Final line: python_forward_ms=..

usage: /usr/bin/python3 scripts/bench_torchscript_forward.py PACKAGE_DIR [--frames T] [--batch B]
"""
import argparse
import json
import os
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("package")
    ap.add_argument("--frames", type=int, default=0, help="clip length; default: model.json clipFrames, or 4 when any")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--warmups", type=int, default=10)
    ap.add_argument("--runs", type=int, default=50)
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.set_num_interop_threads(1)
    with open(os.path.join(a.package, "model.json")) as f:
        meta = json.load(f)
    t = a.frames or meta.get("clipFrames") or 4
    module = torch.jit.load(os.path.join(a.package, "geometry.pt"), map_location="cpu").eval()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(a.batch, t, 3, meta["inputHeight"], meta["inputWidth"], generator=g)
    times = []
    with torch.no_grad():
        for i in range(a.warmups + a.runs):
            t0 = time.perf_counter()
            module(x)
            dt = (time.perf_counter() - t0) * 1000.0
            if i >= a.warmups:
                times.append(dt)
    print(f"torch {torch.__version__}, input {list(x.shape)}")
    print(f"python_forward_ms={statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
