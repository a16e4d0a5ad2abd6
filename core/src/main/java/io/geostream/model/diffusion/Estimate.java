package io.geostream.model.diffusion;

import ai.djl.ndarray.NDArray;

/**
 * The clean latent and the noise implied by one denoiser output at time {@code t}:
 * <pre>
 * beta schedules (a = sqrt(alphaBar_t), s = sqrt(1 - alphaBar_t)):
 *   x0:       x0 = out,                eps = (x - a out) / s
 *   epsilon:  x0 = (x - s out) / a,    eps = out
 *   velocity: x0 = a x - s out,        eps = s x + a out
 *   (zero terminal SNR: a = 0, s = 1 at the last step, so velocity gives x0 = -out, eps = x; x0 gives
 *    eps = x; epsilon is undefined there and refused)
 * flow matching (x_t = (1 - t) x0 + t eps):
 *   velocity: x0 = x - t out,          eps = x + (1 - t) out
 *   x0:       x0 = out,                eps = (x - (1 - t) out) / t
 *   epsilon:  x0 = (x - t out) / (1 - t), eps = out   (undefined at t = 1; packages may not declare it)
 * </pre>
 *
 * @param x0  estimate of the clean latent
 * @param eps estimate of the noise
 */
public record Estimate(NDArray x0, NDArray eps) {

    /** The estimates for denoiser output {@code out} at noisy latent {@code x}, time {@code t}. */
    public static Estimate of(PredictionType prediction, NoiseSchedule schedule, NDArray x, NDArray out, double t) {
        NDArray x0 = x0(prediction, schedule, x, out, t);
        if (schedule.isFlow()) {
            return switch (prediction) {
                case VELOCITY -> new Estimate(x0, x.add(out.mul(1.0 - t)));
                case X0 -> new Estimate(x0, x.sub(out.mul(1.0 - t)).div(t));
                case EPSILON -> new Estimate(x0, out);
            };
        }
        double alphaBar = schedule.alphaBar((int) Math.round(t));
        double a = Math.sqrt(alphaBar), s = Math.sqrt(1.0 - alphaBar);
        return switch (prediction) {
            case VELOCITY -> new Estimate(x0, x.mul(s).add(out.mul(a)));
            case X0 -> new Estimate(x0, x.sub(out.mul(a)).div(s));
            case EPSILON -> new Estimate(x0, out);
        };
    }

    /**
     * The clean-latent estimate alone, for a sampler that needs no noise estimate (the single step: with x0 prediction
     * the denoiser's output itself, no tensor arithmetic).
     */
    public static NDArray x0(PredictionType prediction, NoiseSchedule schedule, NDArray x, NDArray out, double t) {
        if (schedule.isFlow()) {
            return switch (prediction) {
                case VELOCITY -> x.sub(out.mul(t));
                case X0 -> out;
                case EPSILON -> x.sub(out.mul(t)).div(1.0 - t);
            };
        }
        double alphaBar = schedule.alphaBar((int) Math.round(t));
        double a = Math.sqrt(alphaBar), s = Math.sqrt(1.0 - alphaBar);
        if (prediction == PredictionType.EPSILON && a == 0) {
            throw new IllegalArgumentException("epsilon prediction has no x0 estimate at alphaBar = 0 (t = " + t + ")");
        }
        return switch (prediction) {
            case VELOCITY -> x.mul(a).sub(out.mul(s));
            case X0 -> out;
            case EPSILON -> x.sub(out.mul(s)).div(a);
        };
    }
}
