package io.geostream.model.simulated;

import java.util.Locale;

/** The simulated model's error presets, by the names {@code --error-model} takes. */
public enum ErrorModel {
    /** {@link SimulatedModelSettings#defaults()}: the instrument before the realistic terms (kind: ~2 % AbsRel, 3 deg normals). */
    MILD,
    /** {@link SimulatedModelSettings#realistic()}: calibrated to UniGeo's published errors (~10 % AbsRel, 18 deg normals). */
    REALISTIC,
    /**
     * {@link SimulatedModelSettings#geoNano()}: fitted to geo-nano 0.2.0's per-clip point error (points_clip_rel 0.18)
     * and normals (~40 deg); its AbsRel is not matched, nor its stitched path (docs/benchmarks.md).
     */
    GEO_NANO;

    /** The preset's settings. */
    public SimulatedModelSettings settings() {
        return switch (this) {
            case MILD -> SimulatedModelSettings.defaults();
            case REALISTIC -> SimulatedModelSettings.realistic();
            case GEO_NANO -> SimulatedModelSettings.geoNano();
        };
    }

    /** The name {@code --error-model} takes: mild, realistic, geo-nano. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The preset a name selects, case-insensitive. */
    public static ErrorModel parse(String name) {
        String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (ErrorModel m : values()) {
            if (m.name().equals(n)) return m;
        }
        throw new IllegalArgumentException("unknown error model '" + name + "' (mild, realistic, geo-nano)");
    }
}
