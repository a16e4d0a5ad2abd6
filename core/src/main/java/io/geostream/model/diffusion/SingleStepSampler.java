package io.geostream.model.diffusion;

import ai.djl.ndarray.NDArray;

import java.util.Objects;

/**
 * UniGeo's deterministic single step: one denoiser call at the terminal time on zero latents, the result
 * is its x0 estimate ({@link Estimate}). No noise is involved, so the output depends on the clip only.
 */
public final class SingleStepSampler implements Sampler {
    private final NoiseSchedule schedule;
    private final PredictionType prediction;

    public SingleStepSampler(NoiseSchedule schedule, PredictionType prediction) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.prediction = Objects.requireNonNull(prediction, "prediction");
        if (schedule.isFlow() && prediction == PredictionType.EPSILON) {
            throw new IllegalArgumentException("flow matching with epsilon prediction has no x0 estimate at t = 1");
        }
        refuseEpsilonAtZeroSnr(schedule, prediction);
    }

    /**
     * Zero terminal SNR puts the terminal time at alphaBar = 0, where {@code x0 = (x - s eps) / a} divides by
     * {@code a = 0}: the input is pure noise and an epsilon prediction says nothing about x0. Velocity
     * ({@code x0 = -v}) and x0 prediction are defined there.
     */
    static void refuseEpsilonAtZeroSnr(NoiseSchedule schedule, PredictionType prediction) {
        if (schedule.rescaleZeroSnr() && prediction == PredictionType.EPSILON) {
            throw new IllegalArgumentException("epsilon prediction has no x0 estimate at alphaBar = 0 (rescaleZeroSnr):"
                    + " zero terminal SNR needs velocity or x0 prediction");
        }
    }

    @Override public String kind() { return SINGLE_STEP; }
    @Override public NoiseSchedule schedule() { return schedule; }
    @Override public int steps() { return 1; }
    @Override public boolean usesNoise() { return false; }

    @Override
    public NDArray sample(Denoiser model, NDArray initial) throws Exception {
        double t = schedule.terminalTime();
        return Sampler.scopedStep(initial, x -> Estimate.x0(prediction, schedule, x, model.predict(x, t), t));
    }
}
