package io.geostream.model.diffusion;

/** What the denoiser predicts; together with the {@link NoiseSchedule} it gives the estimates of x0 and eps. */
public enum PredictionType {
    /** The clean latent x0. */
    X0("x0"),
    /** The noise eps. */
    EPSILON("epsilon"),
    /**
     * The velocity: {@code sqrt(alphaBar) eps - sqrt(1 - alphaBar) x0} for beta schedules (v-prediction),
     * {@code eps - x0} for flow matching.
     */
    VELOCITY("velocity");

    private final String json;

    PredictionType(String json) { this.json = json; }

    /** The name used in model.json. */
    public String json() { return json; }

    /** The type with this model.json name, or null. */
    public static PredictionType ofJson(String name) {
        for (PredictionType p : values()) if (p.json.equals(name)) return p;
        return null;
    }
}
