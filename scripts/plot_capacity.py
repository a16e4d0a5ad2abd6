#!/usr/bin/env python3
"""Capacity of one task manager from `geostream soak` logs: checkpoint size, checkpoint duration and end-to-end p99
latency against the camera count (one PNG, three panels).

    scripts/plot_capacity.py --out docs/images/capacity.png SOAK1.err [SOAK2.err ...]

Each file is a soak's stderr (the `soak: N stream(s) ...` line and its `t=..s` samples); its stdout result line, if
saved next to it as the same name with `.out`, marks the run ok or failed. Samples of the first minute (start-up) are
left out. Per run: median and max of the samples' checkpoint_mb and checkpoint_ms, and the samples' p99_ms (max).
Last stdout line: ``runs=.. cameras=..``.
"""

import argparse
import os
import re
import statistics
import sys


def parse(path):
    cameras = None
    samples = []
    for line in open(path, errors="replace"):
        m = re.search(r"soak: (\d+) stream\(s\)", line)
        if m:
            cameras = int(m.group(1))
        if line.startswith("t="):
            kv = dict(re.findall(r"(\w+)=([^\s]+)", line))
            t = float(kv["t"].rstrip("s"))
            if t >= 60:
                samples.append({k: float(v) for k, v in kv.items() if k in ("checkpoint_mb", "checkpoint_ms", "p99_ms")
                                and v not in ("NaN",)})
    out = os.path.splitext(path)[0] + ".out"
    result = "stopped"
    if os.path.exists(out):
        text = open(out).read()
        m = re.search(r"result=(\w+)", text)
        result = m.group(1) if m else "stopped"
    if cameras is None or not samples:
        raise SystemExit("%s: no soak header or no samples after the first minute" % path)
    return cameras, result, samples


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("logs", nargs="+")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    runs = sorted(parse(f) for f in a.logs)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for ax, key, label, scale in ((axes[0], "checkpoint_mb", "checkpoint size (MB)", 1.0),
                                  (axes[1], "checkpoint_ms", "checkpoint duration (s)", 1e-3),
                                  (axes[2], "p99_ms", "end-to-end p99 latency (s)", 1e-3)):
        xs, med, top = [], [], []
        for cameras, result, samples in runs:
            values = [s[key] * scale for s in samples if key in s]
            if not values:
                continue
            xs.append(cameras)
            med.append(statistics.median(values))
            top.append(max(values))
        ax.plot(xs, med, "o-", label="median of samples")
        ax.plot(xs, top, "s--", label="max")
        for (cameras, result, _), y in zip(runs, top):
            if result != "ok":
                ax.annotate(result, (cameras, y), textcoords="offset points", xytext=(-20, 6), fontsize=8, color="red")
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs)
        ax.set_xticklabels([str(x) for x in xs])
        ax.set_xlabel("cameras at 1 fps")
        ax.set_title(label)
        ax.legend(fontsize=8)
    fig.suptitle("geostream soak, one task manager, 2 cores (broker, S3 server and publisher in the same JVM)")
    fig.tight_layout()
    fig.savefig(a.out, dpi=90)
    print("plotted %d runs to %s" % (len(runs), a.out), file=sys.stderr)
    print("runs=%d cameras=%s" % (len(runs), ",".join(str(r[0]) for r in runs)))


if __name__ == "__main__":
    main()
