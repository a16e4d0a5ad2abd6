package io.geostream.operators.stitch;

import io.geostream.stitch.OverlapPolicy;
import io.geostream.stitch.StitchMethod;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/** Settings of the stitch stage. Keys under {@code geostream.}; the job reads them in {@code GeometryJob}. */
public final class StitchOptions {
    private StitchOptions() {}

    public static final ConfigOption<Integer> GRID_STEP = ConfigOptions.key("geostream.stitch.grid-step")
            .intType().defaultValue(0).withDescription("Pixel step of the stitching sample grid; 0 = about 1000 points per frame.");

    public static final ConfigOption<StitchMethod> METHOD = ConfigOptions.key("geostream.stitch.method")
            .enumType(StitchMethod.class).defaultValue(StitchMethod.PER_FRAME)
            .withDescription("Stitching method: 'per_frame' (the default: each clip fitted to the segment's keyframe, then "
                    + "every frame corrected from the clips on both sides of it, one consistent world; frames wait one clip "
                    + "stride), 'robust_keyframes' (one confidence-weighted IRLS Sim(3) per clip, fitted to the keyframe), "
                    + "'robust' (the same without keyframes) or 'naive' (v1 baseline). The keyframe methods use "
                    + "geostream.clip.keyframes (1 unless set).");

    public static final ConfigOption<OverlapPolicy> OVERLAP_POLICY = ConfigOptions.key("geostream.stitch.overlap-policy")
            .enumType(OverlapPolicy.class).defaultValue(OverlapPolicy.FIRST).withDescription("Which prediction of a frame two clips hold is emitted (once): "
                    + "'first' (the first clip's, lowest latency) or 'blended' (held until the next clip, then the per-pixel "
                    + "confidence-weighted average of both; one clip stride more latency, T - S frames of geometry in state).");

    public static final ConfigOption<MemorySize> STATE_CACHE = ConfigOptions.key("geostream.stitch.state-cache")
            .memoryType().defaultValue(MemorySize.parse("256 mb"))
            .withDescription("Heap per stitch subtask for the streams' stitcher state between checkpoints (each camera's "
                    + "held clip: about 4 MB at 160x120 with per_frame): cached values reach the state backend once per "
                    + "checkpoint instead of once per clip. Streams past it are written through at every clip; 0 turns the "
                    + "cache off. Counted in the task heap (taskmanager.memory.task.heap.size).");
}
