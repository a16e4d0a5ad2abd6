package io.geostream.model.diffusion;

import java.util.Objects;

/**
 * The forward (noising) process a denoiser was trained with; {@code docs/model-contract.md} gives the formulas.
 * <ul>
 *   <li>{@link Kind#LINEAR_BETA} / {@link Kind#SCALED_LINEAR}: DDPM, discrete times {@code t = 0 .. trainSteps-1},
 *       {@code x_t = sqrt(alphaBar_t) x0 + sqrt(1 - alphaBar_t) eps}, {@code alphaBar_t = prod_{i<=t} (1 - beta_i)},
 *       betas linear from betaStart to betaEnd, or linear in sqrt(beta) (scaled-linear, Stable Diffusion / CogVideoX).</li>
 *   <li>{@link Kind#FLOW_MATCHING}: rectified flow, continuous {@code t} in [0, 1],
 *       {@code x_t = (1 - t) x0 + t eps}.</li>
 * </ul>
 * The denoiser's timestep input is the discrete index, or {@code t * trainSteps} for flow matching (the
 * diffusers convention).
 *
 * @param kind       which process
 * @param betaStart  first beta (beta schedules only; 0 for flow matching)
 * @param betaEnd    last beta (beta schedules only; 0 for flow matching)
 * @param trainSteps number of training time steps (1 .. 100000)
 */
public record NoiseSchedule(Kind kind, double betaStart, double betaEnd, int trainSteps) {

    /** The supported processes with their model.json names. */
    public enum Kind {
        LINEAR_BETA("linear-beta"), SCALED_LINEAR("scaled-linear"), FLOW_MATCHING("flow-matching");

        private final String json;

        Kind(String json) { this.json = json; }

        /** The name used in model.json. */
        public String json() { return json; }

        /** The kind with this model.json name, or null. */
        public static Kind ofJson(String name) {
            for (Kind k : values()) if (k.json.equals(name)) return k;
            return null;
        }
    }

    public NoiseSchedule {
        Objects.requireNonNull(kind, "kind");
        if (trainSteps < 2 || trainSteps > 100_000) throw new IllegalArgumentException("trainSteps must be in [2, 100000], got " + trainSteps);
        if (kind != Kind.FLOW_MATCHING) {
            if (!(betaStart > 0) || !(betaEnd >= betaStart) || !(betaEnd < 1)) {
                throw new IllegalArgumentException("betas need 0 < betaStart <= betaEnd < 1, got " + betaStart + ", " + betaEnd);
            }
        }
    }

    public static NoiseSchedule linearBeta(double betaStart, double betaEnd, int trainSteps) {
        return new NoiseSchedule(Kind.LINEAR_BETA, betaStart, betaEnd, trainSteps);
    }

    public static NoiseSchedule scaledLinear(double betaStart, double betaEnd, int trainSteps) {
        return new NoiseSchedule(Kind.SCALED_LINEAR, betaStart, betaEnd, trainSteps);
    }

    public static NoiseSchedule flowMatching(int trainSteps) {
        return new NoiseSchedule(Kind.FLOW_MATCHING, 0, 0, trainSteps);
    }

    public boolean isFlow() { return kind == Kind.FLOW_MATCHING; }

    /** The noisiest time: {@code trainSteps - 1} for beta schedules, 1 for flow matching. */
    public double terminalTime() { return isFlow() ? 1.0 : trainSteps - 1; }

    /** The denoiser's timestep input for time {@code t}: the index itself, or {@code t * trainSteps} for flow matching. */
    public float modelTimestep(double t) { return (float) (isFlow() ? t * trainSteps : t); }

    /** alphaBar at discrete time {@code t} (beta schedules only), computed in double. */
    public double alphaBar(int t) {
        if (isFlow()) throw new IllegalStateException("flow matching has no alphaBar");
        if (t < 0 || t >= trainSteps) throw new IllegalArgumentException("t must be in [0, " + trainSteps + "), got " + t);
        double product = 1.0;
        double a = kind == Kind.SCALED_LINEAR ? Math.sqrt(betaStart) : betaStart;
        double b = kind == Kind.SCALED_LINEAR ? Math.sqrt(betaEnd) : betaEnd;
        for (int i = 0; i <= t; i++) {
            double beta = a + (b - a) * i / (trainSteps - 1);
            if (kind == Kind.SCALED_LINEAR) beta *= beta;
            product *= 1.0 - beta;
        }
        return product;
    }
}
