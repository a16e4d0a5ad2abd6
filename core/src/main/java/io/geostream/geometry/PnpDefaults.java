package io.geostream.geometry;

/** What every PnP fit of the project takes by default: how few correspondences it accepts, and what an inlier is. */
public final class PnpDefaults {
    private PnpDefaults() {}

    /** Fewest usable correspondences accepted (a DLT needs 6). */
    public static final int MIN_POINTS = 6;

    /** The reprojection distance within which a correspondence is an inlier: max(2 px, 0.5 % of the image diagonal). */
    public static double inlierThresholdPx(CameraIntrinsics k) {
        double diagonal = Math.sqrt((double) k.width() * k.width() + (double) k.height() * k.height());
        return Math.max(2.0, 0.005 * diagonal);
    }
}
