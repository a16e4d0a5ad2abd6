package io.geostream.model.diffusion;

import ai.djl.ndarray.NDArray;

import java.util.Objects;

/**
 * Euler integration of the flow-matching ODE {@code dx/dt = v = eps - x0} from t = 1 (noise) to t = 0 on
 * the uniform grid {@code t_i = 1 - i / N}: {@code x <- x + (t_{i+1} - t_i) (eps_hat - x0_hat)}.
 */
public final class FlowEulerSampler implements Sampler {
    private final NoiseSchedule schedule;
    private final PredictionType prediction;
    private final int steps;

    public FlowEulerSampler(NoiseSchedule schedule, PredictionType prediction, int steps) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.prediction = Objects.requireNonNull(prediction, "prediction");
        Sampler.checkSteps(steps);
        if (!schedule.isFlow()) throw new IllegalArgumentException("flow-euler needs a flow-matching schedule, got " + schedule.kind().json());
        if (prediction == PredictionType.EPSILON) {
            throw new IllegalArgumentException("flow-euler with epsilon prediction is undefined at t = 1 (use velocity or x0)");
        }
        this.steps = steps;
    }

    @Override public String kind() { return FLOW_EULER; }
    @Override public NoiseSchedule schedule() { return schedule; }
    @Override public int steps() { return steps; }
    @Override public boolean usesNoise() { return true; }

    /** Time of grid point {@code i}. */
    public double time(int i) { return 1.0 - (double) i / steps; }

    @Override
    public NDArray sample(Denoiser model, NDArray initial) throws Exception {
        NDArray x = initial;
        for (int i = 0; i < steps; i++) {
            double t = time(i), next = time(i + 1);
            NDArray current = x;
            x = Sampler.scopedStep(current, in -> {
                Estimate e = Estimate.of(prediction, schedule, in, model.predict(in, t), t);
                return in.add(e.eps().sub(e.x0()).mul(next - t));
            });
            if (current != initial) current.close();
        }
        return x;
    }
}
