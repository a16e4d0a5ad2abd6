#!/usr/bin/env python3
"""Collapsed stacks (async-profiler's ``collapsed`` output) -> a static SVG flame graph, and shares by frame.

    scripts/flamegraph.py PROFILE.collapsed --out graph.svg [--threads REGEX] [--title T] [--share NAME=REGEX ...]

async-profiler writes an interactive HTML flame graph itself, but HTML does not render inside the docs; Debian packages
no flame graph renderer, so this draws the same picture as SVG (one rectangle per frame, width = samples, tooltips).
With ``threads`` in the profiler's options each stack starts with the thread's name, which ``--threads`` filters on.
``--share NAME=REGEX`` prints the share of the kept samples whose stack contains a frame matching REGEX (a sample counts
once per NAME; names are checked in the order given and each sample goes to the FIRST that matches, so the shares add
up). Last stdout line: ``samples=.. kept=.. <name>=<share> ...``.
"""

import argparse
import html
import re
import sys
import zlib


def read(path, thread_filter):
    stacks = []
    total = 0
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        frames[0] = re.sub(r" tid=\d+", "", frames[0])  # one tower per thread name, not per thread instance
        if thread_filter and not re.search(thread_filter, frames[0]):
            continue
        stacks.append((frames, n))
    return stacks, total


def tree(stacks):
    root = {"name": "all", "n": 0, "kids": {}}
    for frames, n in stacks:
        root["n"] += n
        node = root
        for f in frames:
            node = node["kids"].setdefault(f, {"name": f, "n": 0, "kids": {}})
            node["n"] += n
    return root


def colour(name):
    h = zlib.crc32(name.encode())
    if name.endswith("_[j]") or "/" in name or "." in name and name[:1].islower():
        return "rgb(%d,%d,%d)" % (80 + h % 60, 170 + h % 70, 80 + (h >> 8) % 50)  # Java
    return "rgb(%d,%d,%d)" % (220 + h % 35, 110 + (h >> 8) % 90, 40 + (h >> 16) % 40)  # native / kernel


def svg(root, title, width=1400, row=16, min_px=1.0):
    rects = []
    depth = [0]

    def walk(node, x, level):
        w = node["n"] / root["n"] * (width - 20)
        if w < min_px:
            return
        depth[0] = max(depth[0], level)
        rects.append((x, level, w, node["name"], node["n"]))
        cx = x
        for kid in sorted(node["kids"].values(), key=lambda k: k["name"]):
            walk(kid, cx, level + 1)
            cx += kid["n"] / root["n"] * (width - 20)

    walk(root, 10, 0)
    height = (depth[0] + 1) * row + 50
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="monospace" font-size="11">'
           % (width, height), '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="20" font-size="14">%s</text>' % html.escape(title)]
    for x, level, w, name, n in rects:
        y = height - 10 - (level + 1) * row
        label = name if w > 7 * len(name) else name[: max(0, int(w / 7) - 2)] + ".." if w > 30 else ""
        out.append('<g><title>%s (%d samples, %.1f%%)</title><rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>'
                   '<text x="%.1f" y="%d">%s</text></g>' % (html.escape(name), n, 100.0 * n / root["n"], x, y, w,
                                                           row - 1, colour(name), x + 2, y + row - 4, html.escape(label)))
    out.append("</svg>")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("profile")
    p.add_argument("--out", help="SVG to write")
    p.add_argument("--threads", default="", help="keep only stacks whose thread name matches this regex")
    p.add_argument("--title", default="")
    p.add_argument("--share", action="append", default=[], help="NAME=REGEX (repeatable)")
    args = p.parse_args()
    stacks, total = read(args.profile, args.threads)
    kept = sum(n for _, n in stacks)
    if kept == 0:
        print("error: no samples kept (threads filter %r)" % args.threads, file=sys.stderr)
        print("result=failed samples=%d kept=0" % total)
        sys.exit(1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(svg(tree(stacks), args.title or "%s (%d samples)" % (args.profile, kept)))
    rules = [(s.split("=", 1)[0], re.compile(s.split("=", 1)[1])) for s in args.share]
    shares = {name: 0 for name, _ in rules}
    for frames, n in stacks:
        for name, rx in rules:
            if any(rx.search(f) for f in frames):
                shares[name] += n
                break
    for name, n in shares.items():
        print("%-28s %6.1f %%" % (name, 100.0 * n / kept), file=sys.stderr)
    print("samples=%d kept=%d " % (total, kept) + " ".join("%s=%.3f" % (k, v / kept) for k, v in shares.items()))


if __name__ == "__main__":
    main()
