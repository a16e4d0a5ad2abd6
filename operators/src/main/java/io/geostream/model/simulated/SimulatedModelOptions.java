package io.geostream.model.simulated;

/**
 * How {@link SimulatedGeometryModel} degrades the synthetic truth, per clip.
 *
 * @param randomScale              draw the clip's gauge scale log-uniformly in [0.5, 2] (else 1)
 * @param gaugeRotationMaxDeg      the clip's gauge rotation angle is uniform in [0, this] about a random
 *                                 axis; 0 keeps the output in a true camera frame
 * @param gaugeTranslationMax      the clip's gauge translation length is uniform in [0, this] (metres,
 *                                 before scaling) in a random direction; 0 keeps the origin at the camera
 * @param depthNoiseRelative       sigma of the Gaussian error along each pixel's ray, as a share of the
 *                                 pixel's depth (0.01 = 1 %)
 * @param outlierShare             share of pixels whose ray distance is multiplied by U(0.5, 2)
 * @param normalTiltRmsDeg         RMS angle of the random tilt applied to each normal
 * @param movingDisplacementMax    pixels on moving objects are shifted by one random vector per clip,
 *                                 of length uniform in [0.5, 1] times this (metres, before scaling)
 * @param frameCacheBytes          memory budget of the rendered-frame cache
 */
public record SimulatedModelOptions(boolean randomScale, double gaugeRotationMaxDeg, double gaugeTranslationMax,
                                    double depthNoiseRelative, double outlierShare, double normalTiltRmsDeg,
                                    double movingDisplacementMax, long frameCacheBytes) {

    public SimulatedModelOptions {
        requireRange(gaugeRotationMaxDeg, 0, 180, "gaugeRotationMaxDeg");
        requireRange(gaugeTranslationMax, 0, 1e3, "gaugeTranslationMax");
        requireRange(depthNoiseRelative, 0, 0.5, "depthNoiseRelative");
        requireRange(outlierShare, 0, 1, "outlierShare");
        requireRange(normalTiltRmsDeg, 0, 45, "normalTiltRmsDeg");
        requireRange(movingDisplacementMax, 0, 10, "movingDisplacementMax");
        if (frameCacheBytes < 0) throw new IllegalArgumentException("frameCacheBytes must be >= 0: " + frameCacheBytes);
    }

    /** Random scale on, no gauge rotation or translation, 1 % depth noise, 2 % outliers, 3 deg normal tilt. */
    public static SimulatedModelOptions defaults() {
        return new SimulatedModelOptions(true, 0, 0, 0.01, 0.02, 3, 0.2, 64L << 20);
    }

    /** The same gauge settings with every per-pixel error switched off (exact geometry up to the gauge). */
    public SimulatedModelOptions withoutNoise() {
        return new SimulatedModelOptions(randomScale, gaugeRotationMaxDeg, gaugeTranslationMax, 0, 0, 0, 0, frameCacheBytes);
    }

    /** A copy with the given gauge rotation and translation bounds. */
    public SimulatedModelOptions withGauge(double rotationMaxDeg, double translationMax) {
        return new SimulatedModelOptions(randomScale, rotationMaxDeg, translationMax, depthNoiseRelative, outlierShare,
                normalTiltRmsDeg, movingDisplacementMax, frameCacheBytes);
    }

    private static void requireRange(double value, double min, double max, String name) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
