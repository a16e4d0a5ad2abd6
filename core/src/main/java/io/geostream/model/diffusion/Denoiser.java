package io.geostream.model.diffusion;

import ai.djl.ndarray.NDArray;

/** One denoiser evaluation, everything but the noisy latent and the time already bound (condition, attribute). */
@FunctionalInterface
public interface Denoiser {
    /**
     * @param x the noisy latents
     * @param t the time in the schedule's units (discrete index, or [0, 1] for flow matching)
     * @return the model output, same shape as {@code x}
     */
    NDArray predict(NDArray x, double t) throws Exception;
}
