package io.geostream.model.simulated;

import java.util.Locale;

/** How much the simulated model's confidence tells about its error. */
public enum ConfidenceMode {
    /** Confidence follows the per-pixel error closely (outliers are confident half the time): the mild model's. */
    INFORMATIVE,
    /** Mostly noise, a little signal: a real model's confidence head is a weak predictor of its error. */
    WEAK,
    /** No confidence at all (null), as UniGeo predicts none: the stitcher weighs every pixel alike. */
    NONE;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode a name selects, case-insensitive. */
    public static ConfidenceMode parse(String name) {
        String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
        for (ConfidenceMode m : values()) {
            if (m.name().equals(n)) return m;
        }
        throw new IllegalArgumentException("unknown confidence mode '" + name + "' (informative, weak, none)");
    }
}
