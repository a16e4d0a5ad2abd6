package io.geostream.model.simulated;

import java.util.Locale;

/** The simulated model's error presets, by the names {@code --error-model} takes. */
public enum ErrorModel {
    /** {@link SimulatedModelSettings#defaults()}: the instrument before the realistic terms (kind: ~2 % AbsRel, 3 deg normals). */
    MILD,
    /** {@link SimulatedModelSettings#realistic()}: calibrated to UniGeo's published errors (~10 % AbsRel, 18 deg normals). */
    REALISTIC;

    /** The preset's settings. */
    public SimulatedModelSettings settings() {
        return this == MILD ? SimulatedModelSettings.defaults() : SimulatedModelSettings.realistic();
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The preset a name selects, case-insensitive. */
    public static ErrorModel parse(String name) {
        String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
        for (ErrorModel m : values()) {
            if (m.name().equals(n)) return m;
        }
        throw new IllegalArgumentException("unknown error model '" + name + "' (mild, realistic)");
    }
}
