package io.geostream.model.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Objects;

/**
 * Turns initial latents into clean latents by calling a {@link Denoiser}. Samplers are deterministic
 * functions of their initial latents (no randomness inside), so a clip's result depends only on its noise,
 * which the caller derives from the clip's identity. The result belongs to the manager of the initial
 * latents; each step's temporaries (denoiser output, estimates) are freed when the step ends
 * ({@link #scopedStep}), so memory does not grow with the number of steps.
 */
public interface Sampler {

    /** The model.json name of this sampler. */
    String kind();

    /** The noise process the sampler walks back; it also maps times to the denoiser's timestep input. */
    NoiseSchedule schedule();

    /** Denoiser calls per sample. */
    int steps();

    /** Whether the initial latents are Gaussian noise; false: they are zeros (the single deterministic step). */
    boolean usesNoise();

    /**
     * @param model   the denoiser
     * @param initial the initial latents: noise at the terminal time, or zeros when {@link #usesNoise()} is false
     * @return the clean latents (the final x0)
     */
    NDArray sample(Denoiser model, NDArray initial) throws Exception;

    /** model.json sampler kinds. */
    String SINGLE_STEP = "single-step";
    String FLOW_EULER = "flow-euler";
    String DDIM = "ddim";

    /**
     * The sampler a package declares.
     *
     * @throws IllegalArgumentException for an unknown kind, a step count out of range, or a sampler that
     *                                  does not fit the schedule (flow-euler needs flow matching, ddim a beta schedule)
     */
    static Sampler of(String kind, int steps, NoiseSchedule schedule, PredictionType prediction) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(prediction, "prediction");
        return switch (kind) {
            case SINGLE_STEP -> {
                if (steps != 1) throw new IllegalArgumentException("single-step takes exactly 1 step, got " + steps);
                yield new SingleStepSampler(schedule, prediction);
            }
            case FLOW_EULER -> new FlowEulerSampler(schedule, prediction, steps);
            case DDIM -> new DdimSampler(schedule, prediction, steps);
            default -> throw new IllegalArgumentException("unknown sampler '" + kind + "' (known: "
                    + SINGLE_STEP + ", " + FLOW_EULER + ", " + DDIM + ")");
        };
    }

    /** One step's work on the current latents. */
    @FunctionalInterface
    interface Step {
        NDArray apply(NDArray x) throws Exception;
    }

    /**
     * Runs one step in its own manager scope: {@code x} is attached to the scope for the step (so everything
     * computed from it, including a denoiser output created on {@code x.getManager()}, lands there), the result
     * is moved to x's manager and the rest is closed with the scope. {@code x} itself goes back to its manager.
     */
    static NDArray scopedStep(NDArray x, Step step) throws Exception {
        NDManager parent = x.getManager();
        try (NDManager scope = parent.newSubManager()) {
            x.tempAttach(scope);
            NDArray next = step.apply(x);
            next.attach(parent);
            return next;
        }
    }

    /** Upper bound on steps: catches typos before they turn into hours of denoising. */
    int MAX_STEPS = 1000;

    static void checkSteps(int steps) {
        if (steps < 1 || steps > MAX_STEPS) throw new IllegalArgumentException("steps must be in [1, " + MAX_STEPS + "], got " + steps);
    }
}
