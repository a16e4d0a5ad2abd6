package io.geostream.stitch;

import java.util.Locale;

/**
 * Which prediction of a frame that two consecutive clips hold is emitted. Either way each frame is
 * emitted exactly once.
 */
public enum OverlapPolicy {
    /** Lowest latency: the first clip that holds the frame emits it as soon as that clip is stitched. */
    FIRST,
    /**
     * The frames a clip shares with the next clip are held until the next clip is stitched, then emitted
     * once as the per-pixel confidence-weighted average of both predictions in the segment's world frame
     * (latency of one more clip stride; held frames are flushed unblended when the segment ends first).
     */
    BLENDED;

    /** The policy a name selects, case-insensitive: "first" or "blended". */
    public static OverlapPolicy parse(String name) {
        String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
        for (OverlapPolicy p : values()) {
            if (p.name().equals(n)) return p;
        }
        throw new IllegalArgumentException("unknown overlap policy '" + name + "' (first, blended)");
    }

    /** The configuration spelling: first or blended (Flink's enum options match it, ignoring case). */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
