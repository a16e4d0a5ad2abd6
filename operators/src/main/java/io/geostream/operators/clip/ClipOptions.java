package io.geostream.operators.clip;

import io.geostream.clip.KeyframePolicy;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/** Settings of the clip stage: clip length, stride, keyframes, reordering, idle ends and state release. Keys under {@code geostream.}; the job reads them in {@code GeometryJob}. */
public final class ClipOptions {
    private ClipOptions() {}

    public static final ConfigOption<Integer> LENGTH = ConfigOptions.key("geostream.clip.length")
            .intType().defaultValue(16).withDescription("Frames per clip (T). Unset: the length nearest 16 that the model "
                    + "package takes (model.json clipFrames, or 1 + k x temporalCompression); a set length the package cannot "
                    + "take fails the job at start.");

    public static final ConfigOption<Integer> STRIDE = ConfigOptions.key("geostream.clip.stride")
            .intType().defaultValue(12).withDescription("Frames between clip starts (S); overlap = T - S >= 1. Unset: T - 4.");

    public static final ConfigOption<Integer> KEYFRAMES = ConfigOptions.key("geostream.clip.keyframes")
            .intType().defaultValue(1).withDescription("Keyframe slots per clip, K in [0, 8] (unset: 1, or 0 when T - 1 - S < 1 "
                    + "or S = 1 leave no room): every clip after a segment's "
                    + "first holds K keyframes of the segment (already stitched frames: its first frame and, with the refresh "
                    + "policy, later ones) ahead of T - K stream frames, the most recent keyframe in slot 0 (the clip's "
                    + "reference frame) and the first frame last, so the 'per_frame' and 'robust_keyframes' stitchers fit each clip to fixed "
                    + "references; needs T - K - S >= 1 and S > K.");

    public static final ConfigOption<KeyframePolicy> KEYFRAME_POLICY = ConfigOptions.key("geostream.clip.keyframe-policy")
            .enumType(KeyframePolicy.class).noDefaultValue().withDescription("Which frames become keyframes: 'first-only' (the "
                    + "segment's first frame) or 'refresh' (also, every geostream.clip.keyframe-interval clips, the clip's newest "
                    + "frame that the next clip does not hold). Unset: 'refresh' with a model package (a real model predicts an "
                    + "old keyframe poorly once the view has moved on), 'first-only' with the simulated model (which predicts "
                    + "the segment's first frame from any view; the job runs its mild preset); the demo applies the same rule, and eval "
                    + "stitching too, with 'refresh' also under its realistic and geo-nano presets, which err with the view change "
                    + "as a real model does. "
                    + "Chosen from the data only (replays cut the same clips); a view-based choice would need the stitcher's "
                    + "geometry, which the clip operator does not have.");

    /**
     * The keyframe policy the job runs: {@link #KEYFRAME_POLICY} when set, else {@link KeyframePolicy#defaultFor}: 'refresh'
     * with a model package, 'first-only' with the simulated model (the job runs its mild preset).
     */
    public static KeyframePolicy keyframePolicy(org.apache.flink.configuration.Configuration config, boolean simulatedModel) {
        return config.getOptional(KEYFRAME_POLICY).orElse(KeyframePolicy.defaultFor(!simulatedModel));
    }

    public static final ConfigOption<Integer> KEYFRAME_INTERVAL = ConfigOptions.key("geostream.clip.keyframe-interval")
            .intType().defaultValue(4).withDescription("With the 'refresh' keyframe policy: every N-th clip of a segment "
                    + "promotes a keyframe.");

    public static final ConfigOption<Integer> REORDER_WINDOW = ConfigOptions.key("geostream.clip.reorder-window")
            .intType().defaultValue(8).withDescription("Frames that may wait for a missing predecessor before a gap is declared.");

    public static final ConfigOption<Duration> IDLE_TIMEOUT = ConfigOptions.key("geostream.clip.idle-timeout")
            .durationType().defaultValue(Duration.ofSeconds(30))
            .withDescription("Event time without frames after which a stream's segment ends and its last clip is flushed. "
                    + "Event time is the job's watermark (the slowest partition), so cameras whose clocks run more than "
                    + "this far apart, or a stream replayed long after the others, see early idle ends.");

    public static final ConfigOption<Duration> STATE_IDLE_TTL = ConfigOptions.key("geostream.state.idle-ttl")
            .durationType().defaultValue(ClipCutterFunction.DEFAULT_IDLE_TTL)
            .withDescription("Processing time without a frame after which a stream's keyed state (clip cutter, stitcher) "
                    + "is released, after flushing its open segment as the idle timeout would; 0 = never. Processing "
                    + "time, because the watermark stops when all input is quiet. An end-of-stream marker releases the "
                    + "state at once. A released stream that comes back starts over (task and segment numbers from 0).");

    public static final ConfigOption<Duration> MAX_OUT_OF_ORDERNESS = ConfigOptions.key("geostream.clip.max-out-of-orderness")
            .durationType().defaultValue(Duration.ofSeconds(2)).withDescription("Watermark lag behind the largest capture time.");
}
