#!/usr/bin/python3
"""Tests of package_json.py (no torch, no numpy): /usr/bin/python3 models/test_package_json.py

Run by the Java test PackageJsonTest too (skipped there without /usr/bin/python3, except under CI). Whether Java
accepts the writer's output is PackageJsonTest's part: it reads the committed CogVideoX-5B example with
DecomposedPackage and checks that this directory's writer still produces it byte for byte.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import package_json as pj  # noqa: E402


def cogvideox_config(**changes):
    config = dict(pj.COGVIDEOX_5B_SCHEDULER)
    config.update(changes)
    return config


class NoiseScheduleFromDiffusers(unittest.TestCase):

    def test_cogvideox_5b_maps_to_java_spellings(self):
        s = pj.noise_schedule_from_diffusers(pj.COGVIDEOX_5B_SCHEDULER, "ddim")
        self.assertEqual(s, {"kind": "scaled-linear", "betaStart": 0.00085, "betaEnd": 0.012, "trainSteps": 1000,
                             "rescaleZeroSnr": True, "timestepRounding": "half-even"})
        self.assertEqual(pj.prediction_from_diffusers(pj.COGVIDEOX_5B_SCHEDULER), "velocity")

    def test_what_java_would_compute_differently_is_refused(self):
        refused = [
            (cogvideox_config(snr_shift_scale=3.0), "single-step", "snr_shift_scale"),       # CogVideoX-2B
            ({k: v for k, v in pj.COGVIDEOX_5B_SCHEDULER.items() if k != "snr_shift_scale"}, "single-step",
             "snr_shift_scale"),                                                              # class default 3.0
            (cogvideox_config(beta_schedule="squaredcos_cap_v2"), "single-step", "beta_schedule"),
            (cogvideox_config(trained_betas=[0.1, 0.2]), "single-step", "trained_betas"),
            (cogvideox_config(timestep_spacing="leading"), "ddim", "timestep_spacing"),
            (cogvideox_config(set_alpha_to_one=False), "ddim", "set_alpha_to_one"),
        ]
        for config, sampler, word in refused:
            with self.assertRaises(ValueError) as caught:
                pj.noise_schedule_from_diffusers(config, sampler)
            self.assertIn(word, str(caught.exception))
        # A single step does not depend on the spacing.
        pj.noise_schedule_from_diffusers(cogvideox_config(timestep_spacing="leading"), "single-step")

    def test_options_are_written_only_when_given(self):
        self.assertEqual(pj.noise_schedule("scaled-linear", 1000, 0.00085, 0.012),
                         {"kind": "scaled-linear", "betaStart": 0.00085, "betaEnd": 0.012, "trainSteps": 1000})
        self.assertEqual(pj.noise_schedule("flow-matching", 1000), {"kind": "flow-matching", "trainSteps": 1000})


class Validate(unittest.TestCase):

    def test_the_example_is_valid_and_fp32(self):
        d = pj.cogvideox_example()
        self.assertEqual(d["precision"], "fp32")
        self.assertEqual(pj.dumps(d), pj.dumps(pj.validate(d)))

    def test_bad_fields_are_named_as_java_names_them(self):
        def broken(change):
            d = pj.cogvideox_example()
            change(d)
            return d

        cases = [
            (lambda d: d["noiseSchedule"].update(kind="scaled_linear"), "noiseSchedule.kind"),
            (lambda d: d["noiseSchedule"].pop("trainSteps"), "noiseSchedule.trainSteps"),
            (lambda d: d["noiseSchedule"].update(rescaleZeroSnr="yes"), "noiseSchedule.rescaleZeroSnr"),
            (lambda d: d["noiseSchedule"].update(timestepRounding="bankers"), "noiseSchedule.timestepRounding"),
            (lambda d: d.update(predictionType="epsilon"), "predictionType"),          # epsilon at alphaBar = 0
            (lambda d: d.pop("latentChannels"), "latentChannels"),
            (lambda d: d.update(spatialCompression=7), "spatialCompression"),
            (lambda d: d.update(clipFrames=48), "temporalCompression"),
            (lambda d: d.update(precision="int8"), "precision"),
            (lambda d: d.update(confidence="made-up"), "confidence"),
            (lambda d: d.update(hasConfidence=True), "hasConfidence"),
            (lambda d: d.update(maxBatch=200), "maxBatch"),
            (lambda d: d["sampler"].update(steps=2), "sampler"),
            (lambda d: d["sampler"].update(kind="flow-euler"), "sampler"),
            (lambda d: d.pop("output"), "output"),
            (lambda d: d.update(name="bad name"), "name"),
        ]
        for change, field in cases:
            with self.assertRaises(pj.FieldError) as caught:
                pj.validate(broken(change))
            self.assertEqual(caught.exception.field, field)

    def test_flow_matching_takes_no_rescale(self):
        d = pj.cogvideox_example()
        d["noiseSchedule"] = {"kind": "flow-matching", "trainSteps": 1000, "rescaleZeroSnr": True}
        with self.assertRaises(pj.FieldError) as caught:
            pj.validate(d)
        self.assertEqual(caught.exception.field, "noiseSchedule.rescaleZeroSnr")


if __name__ == "__main__":
    unittest.main()
