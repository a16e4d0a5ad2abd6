package io.geostream.clip;

import java.util.Locale;

/**
 * Which frames of a segment become keyframes, the frames the clip cutter places again in the first K
 * slots of later clips. The choice is made from the data only (clip counts), so a replay cuts the same
 * clips: the clip cutter sees pixels, not geometry, so a view-based rule (promote a frame once the view
 * has moved away from the latest keyframe) would need the stitcher's poses and is not available upstream.
 */
public enum KeyframePolicy {
    /** Only the segment's first frame is a keyframe. */
    FIRST_ONLY,
    /**
     * Every N-th clip of a segment (N = the keyframe interval) promotes one of its frames to keyframe: its
     * newest frame that the next clip does not hold anyway. Later clips carry the most recent keyframes
     * (and, with K >= 2, the segment's first frame in the last keyframe slot).
     */
    REFRESH;

    /**
     * The policy when none is set, one rule for the job, the demo and {@code eval stitching}: {@link #REFRESH} for a model
     * whose prediction of a frame errs with the view change (any real model, i.e. a model package, and the simulated
     * model's realistic and geo-nano presets), since it predicts an old keyframe poorly once the view has moved on;
     * {@link #FIRST_ONLY} for the simulated model's mild preset (the job's), which predicts the segment's first frame
     * from any view, so it stays the better reference (docs/benchmarks.md).
     */
    public static KeyframePolicy defaultFor(boolean modelErrsWithView) {
        return modelErrsWithView ? REFRESH : FIRST_ONLY;
    }

    /** Parses "first-only" or "refresh" (case-insensitive, '_' or '-'). */
    public static KeyframePolicy parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (t) {
            case "first-only", "first" -> FIRST_ONLY;
            case "refresh" -> REFRESH;
            default -> throw new IllegalArgumentException("unknown keyframe policy '" + text + "' (first-only, refresh)");
        };
    }

    /** The configuration spelling: first-only or refresh. */
    public String id() {
        return this == FIRST_ONLY ? "first-only" : "refresh";
    }

    /** The configuration spelling (Flink's enum options match it, ignoring case). */
    @Override
    public String toString() {
        return id();
    }
}
