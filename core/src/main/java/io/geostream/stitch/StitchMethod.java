package io.geostream.stitch;

import java.util.Locale;

/** The stitching methods, by the names the configuration, the evaluation and its reports use. */
public enum StitchMethod {
    /** One unweighted Sim(3) per clip on the overlap: the v1 baseline. */
    NAIVE,
    /** Confidence-weighted Cauchy-IRLS Sim(3) per clip on the overlap. */
    ROBUST,
    /** {@link #ROBUST}, also fitted to the segment's keyframes (needs a clip cutter that places keyframes). */
    ROBUST_KEYFRAMES,
    /**
     * {@link #ROBUST_KEYFRAMES}, and each frame corrected from the clips on both sides of it (per-frame Sim(3)
     * corrections interpolated between a clip's overlaps; frames wait one clip stride): one consistent world instead
     * of a stack of clips.
     */
    PER_FRAME;

    /** The configuration spelling: naive, robust, robust_keyframes (Flink's enum options match it, ignoring case). */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The method a name selects, case-insensitive, '-' or '_'. */
    public static StitchMethod parse(String name) {
        String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (StitchMethod m : values()) {
            if (m.name().equals(n)) return m;
        }
        throw new IllegalArgumentException("unknown stitching method '" + name + "' (naive, robust, robust_keyframes, per_frame)");
    }
}
