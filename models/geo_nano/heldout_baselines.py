"""The training renderer's held-out set scored for the two simple baselines, by train.py's own metrics (absrel,
normal_median_deg), to set beside the last line of train.py:

    /usr/bin/python3 models/geo_nano/heldout_baselines.py --data /tmp/geo-nano-data [--mean-from 400]

baseline_mean: the mean point map and mean normal map of the first N training clips (each clip's points normalised by
its median distance, as the model's targets are). Last stdout line: ``mean_map_absrel=.. mean_map_normal_median_deg=..
clips=..``. (The plane with the true intrinsics is scored by write_dataset.py's own report.)
"""

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="/tmp/geo-nano-data")
    p.add_argument("--mean-from", type=int, default=400, help="training clips averaged into the mean maps")
    a = p.parse_args()
    torch.set_num_threads(1)
    held = T.load(os.path.join(a.data, "heldout"))
    train = T.load(os.path.join(a.data, "train"), a.mean_from)
    _, pts, nrm, mask = T.to_tensors(train, np.arange(len(train["rgb"])))
    m = mask.float()
    mean_pts = (pts * m).sum(0, keepdim=True) / m.sum(0, keepdim=True).clamp_min(1)
    mean_nrm = (nrm * m).sum(0, keepdim=True) / m.sum(0, keepdim=True).clamp_min(1)
    absrel, normals = [], []
    count = len(held["rgb"])
    for start in range(0, count, 20):
        index = np.arange(start, min(start + 20, count))
        _, pts, nrm, mask = T.to_tensors(held, index)
        absrel.append(T.absrel(mean_pts.expand_as(pts), pts, mask))
        normals.append(T.normal_median_deg(mean_nrm.expand_as(nrm), nrm, mask))
    print("mean_map_absrel=%.4f mean_map_normal_median_deg=%.2f clips=%d" % (np.mean(absrel), np.mean(normals), count))


if __name__ == "__main__":
    main()
