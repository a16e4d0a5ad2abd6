#!/usr/bin/python3
"""Writes the `model.json` of a DECOMPOSED model package (docs/model-contract.md), without torch or numpy.

Both export scripts build their descriptor here (`export_tiny_decomposed.py`, `export_cogvideox_unigeo.py`),
so the field names, spellings and ranges that the Java reader (io.geostream.model.torchscript.DecomposedPackage)
demands live in one place, and `validate` refuses a descriptor that Java would refuse, naming the field the
way Java does (`noiseSchedule.kind`, `sampler.steps`, ...).

    /usr/bin/python3 models/package_json.py --example cogvideox-5b    # prints the CogVideoX-5B example

The example is what `export_cogvideox_unigeo.py` writes for a CogVideoX-5B checkpoint with the default options
(its scheduler config and VAE numbers are spelled out below, as published with CogVideoX-5B); it is committed
as core/src/test/resources/package-json/cogvideox-5b/model.json, which `PackageJsonTest` reads with
DecomposedPackage and compares with this script's output. After changing this file, regenerate it:

    /usr/bin/python3 models/package_json.py --example cogvideox-5b \
        > core/src/test/resources/package-json/cogvideox-5b/model.json
"""
import json
import os
import re
import sys

MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PRECISIONS = ("fp32", "fp16", "bf16")
CONFIDENCES = ("none", "normal-agreement")
PREDICTION_TYPES = ("x0", "epsilon", "velocity")
SCHEDULE_KINDS = ("linear-beta", "scaled-linear", "flow-matching")
TIMESTEP_ROUNDINGS = ("half-up", "half-even")
SAMPLER_KINDS = ("single-step", "flow-euler", "ddim")
MAX_STEPS = 1000

# diffusers' names -> model.json's
DIFFUSERS_PREDICTION = {"v_prediction": "velocity", "epsilon": "epsilon", "sample": "x0"}
DIFFUSERS_BETA_SCHEDULE = {"scaled_linear": "scaled-linear", "linear": "linear-beta"}

BF16_WARNING = ("precision bf16: the package is written, but GeoStream cannot open it: DJL 0.36 aborts the JVM on "
                "any bfloat16 tensor, so DecomposedGeometryModel refuses bf16 packages (use fp32 or fp16)")


def noise_schedule(kind, train_steps, beta_start=None, beta_end=None, rescale_zero_snr=None, timestep_rounding=None):
    """model.json's noiseSchedule. The two options are written only when given (absent = false / "half-up")."""
    out = {"kind": kind}
    if kind != "flow-matching":
        out["betaStart"] = float(beta_start)
        out["betaEnd"] = float(beta_end)
    out["trainSteps"] = int(train_steps)
    if rescale_zero_snr is not None:
        out["rescaleZeroSnr"] = bool(rescale_zero_snr)
    if timestep_rounding is not None:
        out["timestepRounding"] = timestep_rounding
    return out


def noise_schedule_from_diffusers(config, sampler_kind):
    """model.json's noiseSchedule for a diffusers DDIM-style scheduler config (a plain dict, e.g. the parsed
    scheduler_config.json or `dict(scheduler.config)`), refusing what the Java sampler would compute differently."""
    def get(key, default):
        value = config.get(key, default)
        return default if value is None else value

    if config.get("trained_betas") is not None:
        raise ValueError("scheduler: trained_betas are not supported (model.json describes betas by beta_start/beta_end)")
    kind = DIFFUSERS_BETA_SCHEDULE.get(get("beta_schedule", "linear"))
    if kind is None:
        raise ValueError("scheduler: beta_schedule %r is not supported (scaled_linear or linear)" % config.get("beta_schedule"))
    # CogVideoXDDIMScheduler divides alphas_cumprod by (s + (1 - s) alphas_cumprod) with snr_shift_scale s, default 3.0
    # when the config omits it (CogVideoX-2B uses 3.0, CogVideoX-5B 1.0). The Java schedule has no SNR shift.
    if "CogVideoX" in str(config.get("_class_name", "")) or "snr_shift_scale" in config:
        shift = float(get("snr_shift_scale", 3.0))
        if shift != 1.0:
            raise ValueError("scheduler: snr_shift_scale %g is not supported (only 1.0, as CogVideoX-5B)" % shift)
    spacing = get("timestep_spacing", "leading")
    if sampler_kind == "ddim":
        if spacing != "trailing":
            raise ValueError("scheduler: timestep_spacing %r is not supported by the ddim sampler (trailing only)" % spacing)
        if not get("set_alpha_to_one", True):
            raise ValueError("scheduler: set_alpha_to_one false is not supported (the last DDIM step goes to alphaBar = 1)")
    return noise_schedule(kind, int(get("num_train_timesteps", 1000)), float(get("beta_start", 0.0001)),
                          float(get("beta_end", 0.02)), rescale_zero_snr=bool(get("rescale_betas_zero_snr", False)),
                          # diffusers rounds the trailing grid with numpy (half to even); written whatever the
                          # spacing, so a later DDIM override of a single-step package rounds as diffusers would.
                          timestep_rounding="half-even")


def prediction_from_diffusers(config):
    prediction = DIFFUSERS_PREDICTION.get(config.get("prediction_type", "epsilon"))
    if prediction is None:
        raise ValueError("scheduler: unknown prediction_type %r" % config.get("prediction_type"))
    return prediction


def decomposed(name, version, clip_frames, input_width, input_height, rgb_mean, rgb_std, confidence, max_batch,
               precision, latent_channels, spatial_compression, temporal_compression, latent_scale, prediction_type,
               noise_schedule, sampler_kind, sampler_steps, point_scale, point_offset):
    """A validated decomposed-form descriptor, fields in the contract's order."""
    descriptor = {
        "name": name,
        "version": version,
        "form": "decomposed",
        "clipFrames": int(clip_frames),
        "inputWidth": int(input_width),
        "inputHeight": int(input_height),
        "resize": "stretch",
        "rgbNormalization": {"mean": [float(v) for v in rgb_mean], "std": [float(v) for v in rgb_std]},
        "hasConfidence": False,
        "confidence": confidence,
        "maxBatch": int(max_batch),
        "precision": precision,
        "latentChannels": int(latent_channels),
        "spatialCompression": int(spatial_compression),
        "temporalCompression": int(temporal_compression),
        "latentScale": float(latent_scale),
        "predictionType": prediction_type,
        "noiseSchedule": dict(noise_schedule),
        "sampler": {"kind": sampler_kind, "steps": int(sampler_steps)},
        "output": {"pointScale": float(point_scale), "pointOffset": [float(v) for v in point_offset]},
    }
    validate(descriptor)
    return descriptor


class FieldError(ValueError):
    def __init__(self, field, why):
        super().__init__("field '%s': %s" % (field, why))
        self.field = field


def _int(d, field, lo, hi, prefix=""):
    v = d.get(field)
    if not isinstance(v, int) or isinstance(v, bool):
        raise FieldError(prefix + field, "must be an integer, got %r" % (v,))
    if not lo <= v <= hi:
        raise FieldError(prefix + field, "must be in [%d, %d], got %d" % (lo, hi, v))
    return v


def _number(d, field, lo, hi, prefix=""):
    v = d.get(field)
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise FieldError(prefix + field, "must be a number, got %r" % (v,))
    if not lo <= v <= hi:
        raise FieldError(prefix + field, "must be in [%g, %g], got %r" % (lo, hi, v))
    return float(v)


def _one_of(d, field, allowed, prefix=""):
    v = d.get(field)
    if v not in allowed:
        raise FieldError(prefix + field, "must be one of %s, got %r" % (", ".join(allowed), v))
    return v


def validate(d):
    """Raises FieldError for what DecomposedPackage.read would refuse (the same checks, the same field names)."""
    for field in ("name", "version"):
        if not isinstance(d.get(field), str) or not MODEL_ID.fullmatch(d[field]):
            raise FieldError(field, "must match %s, got %r" % (MODEL_ID.pattern, d.get(field)))
    _one_of(d, "form", ("decomposed",))
    clip_frames = _int(d, "clipFrames", 0, 1024)
    width = _int(d, "inputWidth", 1, 8192)
    height = _int(d, "inputHeight", 1, 8192)
    _one_of(d, "resize", ("stretch",))
    norm = d.get("rgbNormalization")
    if not isinstance(norm, dict):
        raise FieldError("rgbNormalization", "must be an object")
    for key in ("mean", "std"):
        values = norm.get(key)
        if not isinstance(values, list) or len(values) != 3 or not all(isinstance(v, (int, float)) for v in values):
            raise FieldError("rgbNormalization." + key, "must be an array of 3 numbers")
        if key == "std" and not all(v > 0 for v in values):
            raise FieldError("rgbNormalization.std", "must hold positive numbers")
    if d.get("hasConfidence") is not False:
        raise FieldError("hasConfidence", "must be false (the decomposed modules return no confidence)")
    _one_of(d, "confidence", CONFIDENCES)
    _int(d, "maxBatch", 1, 128)
    _one_of(d, "precision", PRECISIONS)
    _int(d, "latentChannels", 1, 1024)
    spatial = _int(d, "spatialCompression", 1, 64)
    if width % spatial or height % spatial:
        raise FieldError("spatialCompression", "%d does not divide the input size %dx%d" % (spatial, width, height))
    temporal = _int(d, "temporalCompression", 1, 64)
    if clip_frames != 0 and (clip_frames - 1) % temporal:
        raise FieldError("temporalCompression", "clipFrames %d is not 1 + k x %d" % (clip_frames, temporal))
    _number(d, "latentScale", 1e-6, 1e6)
    prediction = _one_of(d, "predictionType", PREDICTION_TYPES)

    s = d.get("noiseSchedule")
    if not isinstance(s, dict):
        raise FieldError("noiseSchedule", "must be an object")
    kind = _one_of(s, "kind", SCHEDULE_KINDS, "noiseSchedule.")
    train_steps = _int(s, "trainSteps", 2, 100000, "noiseSchedule.")
    if kind != "flow-matching":
        start = _number(s, "betaStart", 1e-12, 0.999999, "noiseSchedule.")
        end = _number(s, "betaEnd", 1e-12, 0.999999, "noiseSchedule.")
        if end < start:
            raise FieldError("noiseSchedule.betaEnd", "must be >= betaStart")
    rescale = s.get("rescaleZeroSnr", False)
    if not isinstance(rescale, bool):
        raise FieldError("noiseSchedule.rescaleZeroSnr", "must be true or false, got %r" % (rescale,))
    if rescale and kind == "flow-matching":
        raise FieldError("noiseSchedule.rescaleZeroSnr", "applies to beta schedules only")
    if "timestepRounding" in s:
        _one_of(s, "timestepRounding", TIMESTEP_ROUNDINGS, "noiseSchedule.")
    if prediction == "epsilon" and kind == "flow-matching":
        raise FieldError("predictionType", "epsilon is undefined at t = 1 under flow matching (use velocity or x0)")
    if prediction == "epsilon" and rescale:
        raise FieldError("predictionType", "epsilon is undefined at alphaBar = 0 (rescaleZeroSnr): use velocity or x0")

    sampler = d.get("sampler")
    if not isinstance(sampler, dict):
        raise FieldError("sampler", "must be an object")
    sampler_kind = sampler.get("kind")
    steps = _int(sampler, "steps", 1, MAX_STEPS, "sampler.")
    if sampler_kind not in SAMPLER_KINDS:
        raise FieldError("sampler", "unknown sampler %r" % (sampler_kind,))
    if sampler_kind == "single-step" and steps != 1:
        raise FieldError("sampler", "single-step takes exactly 1 step")
    if sampler_kind == "flow-euler" and kind != "flow-matching":
        raise FieldError("sampler", "flow-euler needs a flow-matching schedule")
    if sampler_kind == "ddim" and (kind == "flow-matching" or steps > train_steps):
        raise FieldError("sampler", "ddim needs a beta schedule and at most trainSteps steps")

    out = d.get("output")
    if not isinstance(out, dict):
        raise FieldError("output", "must be an object")
    _number(out, "pointScale", 1e-9, 1e9, "output.")
    offset = out.get("pointOffset")
    if not isinstance(offset, list) or len(offset) != 3 or not all(isinstance(v, (int, float)) for v in offset):
        raise FieldError("output.pointOffset", "must be an array of 3 numbers")
    return d


def dumps(descriptor):
    """The file's text: indented by 2, one trailing newline (the committed packages' layout)."""
    return json.dumps(validate(descriptor), indent=2) + "\n"


def write(directory, descriptor):
    """Validates the descriptor and writes directory/model.json."""
    text = dumps(descriptor)
    if descriptor["precision"] == "bf16":
        print("WARNING: " + BF16_WARNING, file=sys.stderr)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "model.json"), "w") as f:
        f.write(text)


# ---- the CogVideoX-5B example ------------------------------------------------------------------------------

# THUDM/CogVideoX-5b scheduler/scheduler_config.json (diffusers CogVideoXDDIMScheduler), as published.
COGVIDEOX_5B_SCHEDULER = {
    "_class_name": "CogVideoXDDIMScheduler",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "clip_sample_range": 1.0,
    "num_train_timesteps": 1000,
    "prediction_type": "v_prediction",
    "rescale_betas_zero_snr": True,
    "sample_max_value": 1.0,
    "set_alpha_to_one": True,
    "snr_shift_scale": 1.0,
    "steps_offset": 0,
    "timestep_spacing": "trailing",
    "trained_betas": None,
}
# Its VAE (AutoencoderKLCogVideoX): 16 latent channels, 8x spatial, 4x temporal, scaling_factor 0.7.
COGVIDEOX_5B_VAE = {"latent_channels": 16, "spatial": 8, "temporal": 4, "scaling_factor": 0.7}


def cogvideox_example():
    """What export_cogvideox_unigeo.py writes for CogVideoX-5B with its defaults (49 x 480 x 720, fp32, maxBatch 1,
    single-step, no confidence, identity point output)."""
    vae = COGVIDEOX_5B_VAE
    return decomposed(
        name="unigeo-cogvideox", version="0.1.0", clip_frames=49, input_width=720, input_height=480,
        rgb_mean=[0.5, 0.5, 0.5], rgb_std=[0.5, 0.5, 0.5], confidence="none", max_batch=1, precision="fp32",
        latent_channels=vae["latent_channels"], spatial_compression=vae["spatial"],
        temporal_compression=vae["temporal"], latent_scale=vae["scaling_factor"],
        prediction_type=prediction_from_diffusers(COGVIDEOX_5B_SCHEDULER),
        noise_schedule=noise_schedule_from_diffusers(COGVIDEOX_5B_SCHEDULER, "single-step"),
        sampler_kind="single-step", sampler_steps=1, point_scale=1.0, point_offset=[0.0, 0.0, 0.0])


EXAMPLES = {"cogvideox-5b": cogvideox_example}


def main(argv):
    if len(argv) != 2 or argv[0] != "--example" or argv[1] not in EXAMPLES:
        print("usage: package_json.py --example {%s}" % ",".join(EXAMPLES), file=sys.stderr)
        return 2
    sys.stdout.write(dumps(EXAMPLES[argv[1]]()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
