package io.geostream.operators.stitch;

import io.geostream.stitch.OverlapPolicy;
import io.geostream.stitch.StitchMethod;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Settings of the stitch stage. Keys under {@code geostream.}; the job reads them in {@code GeometryJob}. */
public final class StitchOptions {
    private StitchOptions() {}

    public static final ConfigOption<Integer> GRID_STEP = ConfigOptions.key("geostream.stitch.grid-step")
            .intType().defaultValue(0).withDescription("Pixel step of the stitching sample grid; 0 = about 1000 points per frame.");

    public static final ConfigOption<StitchMethod> METHOD = ConfigOptions.key("geostream.stitch.method")
            .enumType(StitchMethod.class).defaultValue(StitchMethod.ROBUST)
            .withDescription("Stitching method: 'robust' (confidence-weighted IRLS Sim(3), the default), 'robust_keyframes' "
                    + "(also fitted to the segment's keyframe; use with geostream.clip.keyframes = 1) or 'naive' (v1 baseline).");

    public static final ConfigOption<OverlapPolicy> OVERLAP_POLICY = ConfigOptions.key("geostream.stitch.overlap-policy")
            .enumType(OverlapPolicy.class).defaultValue(OverlapPolicy.FIRST).withDescription("Which prediction of a frame two clips hold is emitted (once): "
                    + "'first' (the first clip's, lowest latency) or 'blended' (held until the next clip, then the per-pixel "
                    + "confidence-weighted average of both; one clip stride more latency, T - S frames of geometry in state).");
}
