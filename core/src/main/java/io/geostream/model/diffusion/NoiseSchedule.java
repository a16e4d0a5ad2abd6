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
 * <p>
 * Two options of beta schedules, both used by CogVideoX-5B's scheduler (diffusers' CogVideoXDDIMScheduler):
 * <ul>
 *   <li>{@code rescaleZeroSnr} (diffusers {@code rescale_betas_zero_snr}; Lin et al. 2024, "Common Diffusion Noise
 *       Schedules and Sample Steps are Flawed", Algorithm 1): {@code sqrt(alphaBar)} is shifted so that its last value
 *       is 0 and scaled so that its first is unchanged, {@code sqrt(alphaBar'_t) = (sqrt(alphaBar_t) - sqrt(alphaBar_{T-1}))
 *       * (sqrt(alphaBar_0) / (sqrt(alphaBar_0) - sqrt(alphaBar_{T-1})))}. The terminal time then has alphaBar = 0
 *       exactly (pure noise), where epsilon prediction has no x0 estimate: the samplers refuse that combination.</li>
 *   <li>{@code timestepRounding}: how DDIM's "trailing" grid is rounded to integers ({@link #trailingTimesteps}).</li>
 * </ul>
 *
 * @param kind             which process
 * @param betaStart        first beta (beta schedules only; 0 for flow matching)
 * @param betaEnd          last beta (beta schedules only; 0 for flow matching)
 * @param trainSteps       number of training time steps (2 .. 100000)
 * @param rescaleZeroSnr   whether alphaBar is rescaled to zero terminal SNR (beta schedules only)
 * @param timestepRounding how the DDIM trailing grid is rounded (only the ddim sampler uses it)
 */
public record NoiseSchedule(Kind kind, double betaStart, double betaEnd, int trainSteps, boolean rescaleZeroSnr,
                            TimestepRounding timestepRounding) {

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

    /** How the DDIM "trailing" grid {@code T - i T / N} (then minus 1) becomes integer timesteps. */
    public enum TimestepRounding {
        /** {@code Math.round(T - i * T / N)}: halves round up (the default, and all this build did before the option). */
        HALF_UP("half-up"),
        /**
         * diffusers' {@code np.round(np.arange(T, 0, -T / N))}: numpy's arange arithmetic ({@code T + i d} with
         * {@code d = (T - T / N) - T} in double) and halves rounded to even ({@link Math#rint}).
         */
        HALF_EVEN("half-even");

        private final String json;

        TimestepRounding(String json) { this.json = json; }

        /** The name used in model.json. */
        public String json() { return json; }

        /** The rounding with this model.json name, or null. */
        public static TimestepRounding ofJson(String name) {
            for (TimestepRounding r : values()) if (r.json.equals(name)) return r;
            return null;
        }
    }

    public NoiseSchedule {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(timestepRounding, "timestepRounding");
        if (trainSteps < 2 || trainSteps > 100_000) throw new IllegalArgumentException("trainSteps must be in [2, 100000], got " + trainSteps);
        if (kind != Kind.FLOW_MATCHING) {
            if (!(betaStart > 0) || !(betaEnd >= betaStart) || !(betaEnd < 1)) {
                throw new IllegalArgumentException("betas need 0 < betaStart <= betaEnd < 1, got " + betaStart + ", " + betaEnd);
            }
        } else if (rescaleZeroSnr) {
            throw new IllegalArgumentException("rescaleZeroSnr applies to beta schedules, not to flow matching");
        }
    }

    /** A schedule without the options (no zero-SNR rescale, half-up rounding). */
    public NoiseSchedule(Kind kind, double betaStart, double betaEnd, int trainSteps) {
        this(kind, betaStart, betaEnd, trainSteps, false, TimestepRounding.HALF_UP);
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

    /** This schedule with alphaBar rescaled to zero terminal SNR (or not). */
    public NoiseSchedule withRescaleZeroSnr(boolean rescale) {
        return new NoiseSchedule(kind, betaStart, betaEnd, trainSteps, rescale, timestepRounding);
    }

    /** This schedule with another rounding of the DDIM trailing grid. */
    public NoiseSchedule withTimestepRounding(TimestepRounding rounding) {
        return new NoiseSchedule(kind, betaStart, betaEnd, trainSteps, rescaleZeroSnr, rounding);
    }

    public boolean isFlow() { return kind == Kind.FLOW_MATCHING; }

    /** The noisiest time: {@code trainSteps - 1} for beta schedules, 1 for flow matching. */
    public double terminalTime() { return isFlow() ? 1.0 : trainSteps - 1; }

    /** The denoiser's timestep input for time {@code t}: the index itself, or {@code t * trainSteps} for flow matching. */
    public float modelTimestep(double t) { return (float) (isFlow() ? t * trainSteps : t); }

    /**
     * alphaBar at discrete time {@code t} (beta schedules only), computed in double; with {@link #rescaleZeroSnr}
     * the rescaled value, exactly 0 at {@code t = trainSteps - 1}.
     */
    public double alphaBar(int t) {
        if (isFlow()) throw new IllegalStateException("flow matching has no alphaBar");
        if (t < 0 || t >= trainSteps) throw new IllegalArgumentException("t must be in [0, " + trainSteps + "), got " + t);
        if (!rescaleZeroSnr) return cumulativeProduct(t);
        // Algorithm 1 of Lin et al. 2024 in the operation order of diffusers' rescale_zero_terminal_snr (float64).
        double first = Math.sqrt(cumulativeProduct(0)), last = Math.sqrt(cumulativeProduct(trainSteps - 1));
        double shifted = Math.sqrt(cumulativeProduct(t)) - last;   // exactly 0 at the last step
        double rescaled = shifted * (first / (first - last));
        return rescaled * rescaled;
    }

    /** {@code prod_{i<=t} (1 - beta_i)}, the schedule's own alphaBar before any rescaling. */
    private double cumulativeProduct(int t) {
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

    /**
     * DDIM's "trailing" timesteps for {@code steps} steps (Lin et al. 2024, Table 2: starts at the last training
     * step), noisiest first: {@code round(T - i T / N) - 1} for {@code i = 0 .. N-1}, rounded as
     * {@link #timestepRounding} says. For T = 1000, N = 4: 999, 749, 499, 249; N = 16 differs at i = 3, 7, 11, 15
     * (round(812.5) - 1: 812 half-up, 811 half-even).
     */
    public int[] trailingTimesteps(int steps) {
        if (isFlow()) throw new IllegalStateException("flow matching has no discrete timesteps");
        if (steps < 1 || steps > trainSteps) {
            throw new IllegalArgumentException("steps must be in [1, trainSteps = " + trainSteps + "], got " + steps);
        }
        int n = trainSteps;
        int[] out = new int[steps];
        if (timestepRounding == TimestepRounding.HALF_UP) {
            for (int i = 0; i < steps; i++) out[i] = (int) Math.round(n - (double) i * n / steps) - 1;
            return out;
        }
        // numpy's arange(T, 0, -r) with r = T / N: element 0 is T, element 1 is T + (-r) and every later one
        // T + i * ((T + (-r)) - T) (numpy's fill); np.round rounds halves to even. numpy may append one more
        // element (timestep -1) for some N (T = 1000: N = 61, 103, ...); only the first N are visited.
        double start = n, second = start + (-((double) n / steps)), delta = second - start;
        for (int i = 0; i < steps; i++) {
            double v = i == 0 ? start : i == 1 ? second : start + i * delta;
            out[i] = (int) Math.rint(v) - 1;
        }
        return out;
    }
}
