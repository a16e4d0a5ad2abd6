#!/usr/bin/python3
"""Reference noise schedules and DDIM timestep grids (numpy only, no torch): the specification the Java
classes io.geostream.model.diffusion.NoiseSchedule and DdimSampler are checked against.

`export_tiny_decomposed.py` uses these in its reference sampling loops; the Java test
`ScheduleCrossCheckTest` runs this file (Debian's /usr/bin/python3 with python3-numpy) and compares:

    /usr/bin/python3 models/diffusion_reference.py '<noiseSchedule JSON>' N1 N2 ...
        -> {"alphaBar": [alphaBar_0 .. alphaBar_{T-1}], "timesteps": {"N1": [...], ...}} on stdout

The formulas follow docs/model-contract.md ("Schedules, estimates and samplers") and, for the options that
CogVideoX-5B's scheduler uses, diffusers' CogVideoXDDIMScheduler:

* rescaleZeroSnr (diffusers `rescale_betas_zero_snr`; Lin et al. 2024, "Common Diffusion Noise Schedules and
  Sample Steps are Flawed", Algorithm 1): sqrt(alphaBar) is shifted so its last value is 0 and scaled so its
  first value is unchanged; computed in float64 on alphas_cumprod, as CogVideoXDDIMScheduler does.
* timestepRounding "half-even": diffusers' "trailing" grid verbatim, np.round(np.arange(T, 0, -T/N)) - 1 (numpy's
  arange arithmetic, round half to even), its first N values (numpy's arange gives N + 1 values for some N,
  e.g. T = 1000, N = 61, the extra one being timestep -1; the Java sampler visits N times).
  "half-up" (the default): round(T - i T / N) with halves rounded up, as Java's Math.round.
"""
import json
import math
import sys

import numpy as np

ROUNDINGS = ("half-up", "half-even")


def alphas_cumprod(schedule):
    """alphaBar_t for t = 0 .. trainSteps-1 of a beta schedule (model.json's noiseSchedule as a dict)."""
    n = schedule["trainSteps"]
    if schedule["kind"] == "linear-beta":
        betas = np.linspace(schedule["betaStart"], schedule["betaEnd"], n, dtype=np.float64)
    elif schedule["kind"] == "scaled-linear":
        betas = np.linspace(math.sqrt(schedule["betaStart"]), math.sqrt(schedule["betaEnd"]), n, dtype=np.float64) ** 2
    else:
        raise ValueError(schedule["kind"])
    ac = np.cumprod(1.0 - betas)
    if schedule.get("rescaleZeroSnr", False):
        ac = rescale_zero_terminal_snr(ac)
    return ac


def rescale_zero_terminal_snr(ac):
    """Algorithm 1 of Lin et al. 2024 on alphas_cumprod: alphaBar_{T-1} becomes exactly 0, alphaBar_0 is kept."""
    s = np.sqrt(ac)
    s0, s_last = s[0].copy(), s[-1].copy()
    s = s - s_last                       # the last value is now exactly 0
    s = s * (s0 / (s0 - s_last))         # the first value is back to sqrt(alphaBar_0)
    return s ** 2


def ddim_timesteps(schedule, steps):
    """DDIM 'trailing' spacing (starts at the last training step, Lin et al. 2024), rounded as the schedule says."""
    n = schedule["trainSteps"]
    rounding = schedule.get("timestepRounding", "half-up")
    if rounding == "half-up":
        return [int(math.floor(n - i * n / steps + 0.5)) - 1 for i in range(steps)]  # as Java's Math.round
    if rounding == "half-even":
        # diffusers (DDIMScheduler, CogVideoXDDIMScheduler, timestep_spacing="trailing"), verbatim:
        grid = np.round(np.arange(n, 0, -n / steps)).astype(np.int64) - 1
        return [int(v) for v in grid[:steps]]
    raise ValueError("timestepRounding " + repr(rounding))


def main(argv):
    schedule = json.loads(argv[0])
    out = {"alphaBar": [float(v) for v in alphas_cumprod(schedule)],
           "timesteps": {str(int(n)): ddim_timesteps(schedule, int(n)) for n in argv[1:]}}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
