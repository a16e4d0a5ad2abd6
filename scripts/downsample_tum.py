#!/usr/bin/python3
"""Writes a downsampled copy of a TUM RGB-D sequence directory, in TUM layout.

Usage: scripts/downsample_tum.py SRC DST [--factor 4] [--frames N]

Pixel (u, v) of the copy is pixel (k*u, k*v) of the source (k = --factor), no averaging, exactly as
io.geostream.eval.TumSequence keeps every k-th pixel at `downsample k`, so that
TumSequence.open(DST, fx/k, fy/k, cx/k, cy/k, n, 1) reads what TumSequence.open(SRC, fx, fy, cx, cy, n, k) reads.
Depth stays 16-bit at the source's units (TUM: 5000 per metre, 0 = no measurement); colour stays 8-bit RGB.
PNGs are written at zlib level 9 with PIL's optimize pass.

rgb.txt keeps its header and the first --frames rows (default: all); depth.txt and groundtruth.txt keep their
headers and the rows whose files exist in SRC (depth) or all rows (ground truth, a few kB). Every depth image
listed in the source's depth.txt is copied, so the nearest-timestamp association is unchanged.

Needs only Debian's python3-numpy and python3-pil. Prints one key=value result line on stdout; logs on stderr.
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image


def rows(path):
    """(header lines, data rows as (line, fields)) of a TUM index file."""
    header, data = [], []
    with open(path) as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith('#'):
                header.append(line)
            else:
                data.append((line, s.split()))
    return header, data


def keep_every(a, k):
    """Pixel (u, v) <- (k*u, k*v) over floor(W/k) x floor(H/k) pixels, as TumSequence does."""
    h, w = a.shape[0] // k, a.shape[1] // k
    return np.ascontiguousarray(a[0:h * k:k, 0:w * k:k])


def write_png(array, path, mode=None):
    Image.fromarray(array, mode).save(path, format='PNG', optimize=True, compress_level=9)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src')
    p.add_argument('dst')
    p.add_argument('--factor', type=int, default=4)
    p.add_argument('--frames', type=int, default=0, help='keep the first N rgb.txt rows (0 = all)')
    args = p.parse_args()
    k = args.factor
    if k < 1:
        print('--factor must be >= 1', file=sys.stderr)
        return 2
    if os.path.exists(args.dst) and os.listdir(args.dst):
        print(f'{args.dst} exists and is not empty', file=sys.stderr)
        return 2
    os.makedirs(os.path.join(args.dst, 'rgb'), exist_ok=True)
    os.makedirs(os.path.join(args.dst, 'depth'), exist_ok=True)

    rgb_header, rgb_rows = rows(os.path.join(args.src, 'rgb.txt'))
    if args.frames > 0:
        rgb_rows = rgb_rows[:args.frames]
    depth_header, depth_rows = rows(os.path.join(args.src, 'depth.txt'))
    depth_rows = [r for r in depth_rows if os.path.isfile(os.path.join(args.src, r[1][1]))]
    if args.frames > 0 and rgb_rows:
        # Depth images more than 0.05 s outside the kept colour frames can pair with none of them.
        t0, t1 = float(rgb_rows[0][1][0]) - 0.05, float(rgb_rows[-1][1][0]) + 0.05
        depth_rows = [r for r in depth_rows if t0 <= float(r[1][0]) <= t1]

    size = None
    for _, (_, name, *_) in rgb_rows:
        img = np.asarray(Image.open(os.path.join(args.src, name)).convert('RGB'))
        small = keep_every(img, k)
        size = size or (small.shape[1], small.shape[0])
        write_png(small, os.path.join(args.dst, name))
    for _, (_, name, *_) in depth_rows:
        im = Image.open(os.path.join(args.src, name))
        if im.mode not in ('I;16', 'I'):
            print(f'{name}: depth PNG mode {im.mode}, expected 16-bit grey', file=sys.stderr)
            return 1
        d = np.asarray(im)
        if d.min() < 0 or d.max() > 65535:
            print(f'{name}: depth values out of 16-bit range', file=sys.stderr)
            return 1
        write_png(keep_every(d.astype(np.uint16), k), os.path.join(args.dst, name), 'I;16')

    for fname, header, data in (('rgb.txt', rgb_header, rgb_rows), ('depth.txt', depth_header, depth_rows)):
        with open(os.path.join(args.dst, fname), 'w') as f:
            f.writelines(header)
            f.writelines(l for l, _ in data)
    gt_header, gt_rows = rows(os.path.join(args.src, 'groundtruth.txt'))
    with open(os.path.join(args.dst, 'groundtruth.txt'), 'w') as f:
        f.writelines(gt_header)
        f.writelines(l for l, _ in gt_rows)

    total = 0
    for root, _, files in os.walk(args.dst):
        total += sum(os.path.getsize(os.path.join(root, n)) for n in files)
    print(f'{len(rgb_rows)} colour and {len(depth_rows)} depth images at {size[0]}x{size[1]}, {total / 1e6:.2f} MB',
          file=sys.stderr)
    print(f'result=ok frames={len(rgb_rows)} depth_images={len(depth_rows)} width={size[0]} height={size[1]}'
          f' bytes={total} out={args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
