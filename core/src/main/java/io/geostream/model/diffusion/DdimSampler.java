package io.geostream.model.diffusion;

import ai.djl.ndarray.NDArray;

import java.util.Objects;

/**
 * Deterministic DDIM (eta = 0) on a beta schedule with "trailing" spacing (starts at the last training
 * step, Lin et al. 2024): {@code t_i = round(T - i T / N) - 1}, rounded as the schedule says
 * ({@link NoiseSchedule#trailingTimesteps}). Each step moves to the next time with the current estimates,
 * {@code x <- sqrt(alphaBar') x0_hat + sqrt(1 - alphaBar') eps_hat}; after the last step alphaBar' = 1, so the
 * result is the final x0 estimate. With a zero-terminal-SNR schedule the first step is at alphaBar = 0, where
 * epsilon prediction has no x0 estimate: refused.
 */
public final class DdimSampler implements Sampler {
    private final NoiseSchedule schedule;
    private final PredictionType prediction;
    private final int[] timesteps;
    private final double[] alphaBars;

    public DdimSampler(NoiseSchedule schedule, PredictionType prediction, int steps) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.prediction = Objects.requireNonNull(prediction, "prediction");
        Sampler.checkSteps(steps);
        if (schedule.isFlow()) throw new IllegalArgumentException("ddim needs a beta schedule, got " + schedule.kind().json());
        if (steps > schedule.trainSteps()) {
            throw new IllegalArgumentException("ddim steps (" + steps + ") exceed the schedule's trainSteps (" + schedule.trainSteps() + ")");
        }
        SingleStepSampler.refuseEpsilonAtZeroSnr(schedule, prediction);
        timesteps = schedule.trailingTimesteps(steps);
        alphaBars = new double[steps];
        for (int i = 0; i < steps; i++) alphaBars[i] = schedule.alphaBar(timesteps[i]);
    }

    @Override public String kind() { return DDIM; }
    @Override public NoiseSchedule schedule() { return schedule; }
    @Override public int steps() { return timesteps.length; }
    @Override public boolean usesNoise() { return true; }

    /** The discrete times visited, noisiest first. */
    public int[] timesteps() { return timesteps.clone(); }

    @Override
    public NDArray sample(Denoiser model, NDArray initial) throws Exception {
        NDArray x = initial;
        for (int i = 0; i < timesteps.length; i++) {
            int t = timesteps[i];
            double next = i + 1 < timesteps.length ? alphaBars[i + 1] : 1.0;
            NDArray current = x;
            x = Sampler.scopedStep(current, in -> {
                Estimate e = Estimate.of(prediction, schedule, in, model.predict(in, t), t);
                return e.x0().mul(Math.sqrt(next)).add(e.eps().mul(Math.sqrt(1.0 - next)));
            });
            if (current != initial) current.close();
        }
        return x;
    }
}
