package io.geostream.operators.clip;

import io.geostream.model.ClipRequirements;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The clip length T, stride S and keyframe slots K a job runs with: the configured ones, else taken from the model: T
 * the length nearest the default (16) that the model takes, S keeping the default overlap T - S (4), K = 1 where the
 * clip has room for a keyframe. A configured T the model
 * cannot take fails the job build, before any clip is cut, instead of dead-lettering every clip as
 * MODEL_INPUT_REJECTED.
 */
public final class ClipSizing {
    private ClipSizing() {}

    /** Overlap T - S of the default clip (16, 12), kept when T comes from the model. */
    static final int DEFAULT_OVERLAP = ClipOptions.LENGTH.defaultValue() - ClipOptions.STRIDE.defaultValue();

    /**
     * A clip length, stride and keyframe slots.
     *
     * @param keyframes the configured keyframe slots, else 1 where the clip has room for one (T - 1 - S >= 1 and S > 1:
     *                  the default stitcher fits each clip to the segment's keyframe), else 0
     */
    public record Clip(int length, int stride, int keyframes) {}

    /**
     * @param model     what the model takes
     * @param modelName for the message
     * @throws IllegalArgumentException when the configured (or derived) length cannot feed the model
     */
    public static Clip resolve(ReadableConfig config, ClipRequirements model, String modelName) {
        int length = config.getOptional(ClipOptions.LENGTH).orElseGet(() -> model.lengthNear(ClipOptions.LENGTH.defaultValue()));
        int stride = config.getOptional(ClipOptions.STRIDE).orElseGet(() -> Math.max(1, length - DEFAULT_OVERLAP));
        check(length, model, modelName);
        int keyframes = config.getOptional(ClipOptions.KEYFRAMES)
                .orElse(length - 1 - stride >= 1 && stride > 1 ? ClipOptions.KEYFRAMES.defaultValue() : 0);
        return new Clip(length, stride, keyframes);
    }

    /** @throws IllegalArgumentException when clips of {@code length} frames cannot feed the model */
    public static void check(int length, ClipRequirements model, String modelName) {
        if (!model.accepts(length)) {
            throw new IllegalArgumentException(ClipOptions.LENGTH.key() + " = " + length + " cannot feed model " + modelName
                    + ", which takes clips of " + model.describe() + "; set " + ClipOptions.LENGTH.key() + " to "
                    + model.lengthNear(length) + ", or leave it unset to take the length from the model");
        }
    }
}
