#!/usr/bin/python3
"""Writes the tiny end-to-end geometry model packages used by the Java tests.

Run with Debian's python3-torch (torch 1.13), from the repository root:

    /usr/bin/python3 models/export_tiny.py                 # models/tiny-e2e/ (+ expected/ outputs)
    /usr/bin/python3 models/export_tiny.py --broken-batch  # models/tiny-e2e-batch1/
    /usr/bin/python3 models/export_tiny.py --medium        # models/medium-e2e/

The model is deliberately tiny (two 3x3 convolutions) but geometrically sensible, so code downstream of
it (stitching, writers) sees a plausible scene rather than noise:

* depth      = 1.5 + softplus(conv3x3(rgb))                 (always > 1.5)
* point map  = depth * K^-1 [u, v, 1]^T, K from the input size: fx = fy = 0.9 * W, cx = (W-1)/2,
               cy = (H-1)/2 (pixel centres at integer coordinates)
* normals    = normalised cross product of the point map's central differences, facing the camera
* confidence = sigmoid(conv3x3(rgb))

Every frame of a clip is seen from the same (first-frame) camera, so the points of frame t are already in
the clip's first-frame coordinates. The module is scripted (not traced), so it accepts any B, T, H, W.

medium-e2e is the same geometry head on a trunk of 3x3 convolutions (8 layers of 16 channels, 256x192
input, ~60 KB of weights): a forward pass heavy enough (~100 ms per 4-frame clip on one CPU thread) that
the engine's fixed costs can be compared with it, as they would be with a real model.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20240611
HERE = os.path.dirname(os.path.abspath(__file__))
INPUT_WIDTH, INPUT_HEIGHT = 64, 48
MEDIUM_WIDTH, MEDIUM_HEIGHT = 256, 192
MEDIUM_LAYERS, MEDIUM_CHANNELS = 8, 16
MAX_BATCH = 8
RGB_MEAN = [0.485, 0.456, 0.406]
RGB_STD = [0.229, 0.224, 0.225]


class TinyGeometry(torch.nn.Module):
    """RGB clip [B,T,3,H,W] -> (points [B,T,3,H,W], normals [B,T,3,H,W], confidence [B,T,1,H,W])."""

    def __init__(self):
        super().__init__()
        self.depth_conv = torch.nn.Conv2d(3, 1, kernel_size=3, padding=1)
        self.conf_conv = torch.nn.Conv2d(3, 1, kernel_size=3, padding=1)

    def forward(self, clip: torch.Tensor):
        b, t, c, h, w = clip.shape
        frames = clip.reshape(b * t, c, h, w)
        return self.geometry(frames, b, t, h, w)

    def features(self, frames: torch.Tensor):
        return frames

    def geometry(self, frames: torch.Tensor, b: int, t: int, h: int, w: int):
        features = self.features(frames)
        depth = 1.5 + F.softplus(self.depth_conv(features))               # [BT,1,H,W]
        fx = 0.9 * float(w)
        fy = 0.9 * float(w)
        cx = (float(w) - 1.0) / 2.0
        cy = (float(h) - 1.0) / 2.0
        u = torch.arange(w, dtype=frames.dtype, device=frames.device)
        v = torch.arange(h, dtype=frames.dtype, device=frames.device)
        rx = ((u - cx) / fx).reshape(1, w).expand(h, w)
        ry = ((v - cy) / fy).reshape(h, 1).expand(h, w)
        rays = torch.stack([rx, ry, torch.ones_like(rx)], dim=0).unsqueeze(0)  # [1,3,H,W]
        points = depth * rays                                              # [BT,3,H,W]

        padded = F.pad(points, (1, 1, 1, 1), mode="replicate")
        du = padded[:, :, 1:-1, 2:] - padded[:, :, 1:-1, :-2]              # along +u (image right)
        dv = padded[:, :, 2:, 1:-1] - padded[:, :, :-2, 1:-1]              # along +v (image down)
        # dv x du points towards the camera (-z) for a fronto-parallel surface; the tiny -z bias keeps a
        # unit vector even where the differences are degenerate.
        n = torch.cross(dv, du, dim=1)
        bias = torch.zeros_like(n)
        bias[:, 2] = -1e-9
        normals = F.normalize(n + bias, p=2.0, dim=1, eps=1e-12)

        confidence = torch.sigmoid(self.conf_conv(features))              # [BT,1,H,W]
        return (points.reshape(b, t, 3, h, w),
                normals.reshape(b, t, 3, h, w),
                confidence.reshape(b, t, 1, h, w))


class TinyGeometryBatch1(TinyGeometry):
    """The same model, but its reshape hard-codes a batch of 1: it fails for any other batch size."""

    def forward(self, clip: torch.Tensor):
        t = clip.shape[1]
        h = clip.shape[3]
        w = clip.shape[4]
        frames = clip.reshape(t, 3, h, w)
        return self.geometry(frames, 1, t, h, w)


class ConvStackGeometry(TinyGeometry):
    """The tiny geometry head on a trunk of MEDIUM_LAYERS - 1 3x3 convolutions with ReLU (plus the heads)."""

    def __init__(self):
        super().__init__()
        layers = []
        channels = 3
        for _ in range(MEDIUM_LAYERS - 1):
            layers += [torch.nn.Conv2d(channels, MEDIUM_CHANNELS, kernel_size=3, padding=1), torch.nn.ReLU()]
            channels = MEDIUM_CHANNELS
        self.trunk = torch.nn.Sequential(*layers)
        self.depth_conv = torch.nn.Conv2d(channels, 1, kernel_size=3, padding=1)
        self.conf_conv = torch.nn.Conv2d(channels, 1, kernel_size=3, padding=1)

    def features(self, frames: torch.Tensor):
        return self.trunk(frames)


def build(cls):
    torch.manual_seed(SEED)
    module = cls()
    with torch.no_grad():
        # Small weights keep depth in a plausible indoor range (about 1.5 .. 4 m).
        module.depth_conv.weight.mul_(0.5)
        module.depth_conv.bias.fill_(0.3)
        module.conf_conv.bias.fill_(0.5)
    module.eval()
    return torch.jit.script(module)


def model_json(name, width, height, max_batch):
    return {
        "name": name,
        "version": "1.0.0",
        "form": "end-to-end",
        "clipFrames": 0,
        "inputWidth": width,
        "inputHeight": height,
        "resize": "stretch",
        "rgbNormalization": {"mean": RGB_MEAN, "std": RGB_STD},
        "hasConfidence": True,
        "maxBatch": max_batch,
        "precision": "fp32",
    }


def write_package(directory, name, cls, width=INPUT_WIDTH, height=INPUT_HEIGHT, max_batch=MAX_BATCH):
    os.makedirs(directory, exist_ok=True)
    scripted = build(cls)
    path = os.path.join(directory, "geometry.pt")
    scripted.save(path)
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump(model_json(name, width, height, max_batch), f, indent=2)
        f.write("\n")
    return path


def write_expected(directory, module_path):
    expected = os.path.join(directory, "expected")
    os.makedirs(expected, exist_ok=True)
    generator = torch.Generator().manual_seed(SEED + 1)
    clip = torch.randn(1, 4, 3, INPUT_HEIGHT, INPUT_WIDTH, generator=generator, dtype=torch.float32)
    # Outputs come from the SAVED module, exactly what Java loads.
    module = torch.jit.load(module_path)
    with torch.no_grad():
        points, normals, confidence = module(clip)
    for name, tensor in (("input", clip), ("points", points), ("normals", normals), ("confidence", confidence)):
        np.save(os.path.join(expected, name + ".npy"), tensor.numpy().astype("<f4"), allow_pickle=False)
    z = points[:, :, 2]
    print("depth range %.3f .. %.3f, confidence %.3f .. %.3f, mean normal z %.3f"
          % (z.min(), z.max(), confidence.min(), confidence.max(), normals[:, :, 2].mean()))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--broken-batch", action="store_true",
                       help="write models/tiny-e2e-batch1/ (batch hard-coded to 1, model.json says maxBatch 4)")
    which.add_argument("--medium", action="store_true",
                       help="write models/medium-e2e/ (8 conv layers, 256x192; no expected/ outputs)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.broken_batch:
        directory = os.path.join(HERE, "tiny-e2e-batch1")
        write_package(directory, "tiny-e2e-batch1", TinyGeometryBatch1, max_batch=4)
    elif args.medium:
        directory = os.path.join(HERE, "medium-e2e")
        write_package(directory, "medium-e2e", ConvStackGeometry, MEDIUM_WIDTH, MEDIUM_HEIGHT)
    else:
        directory = os.path.join(HERE, "tiny-e2e")
        write_expected(directory, write_package(directory, "tiny-e2e", TinyGeometry))
    print("wrote", directory)


if __name__ == "__main__":
    main(sys.argv[1:])
