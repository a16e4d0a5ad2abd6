package io.geostream.geometry;

/**
 * Blends of similarity transforms about a pivot point p: a Sim(3) x -> s R (x - p) + p + t is described by
 * (log s, R, t), and two of them blend as log-linear scale, slerped rotation and linear t. About the pivot
 * (for corrections of a frame's geometry, its camera centre) a small correction's fraction is the same
 * correction, smaller: rotating half-way about the camera is not rotating half-way about the world origin.
 */
public final class Sim3Interpolation {
    private Sim3Interpolation() {}

    /** (1 - w) a + w b, about the pivot (w = 0 gives a, w = 1 gives b). */
    public static Sim3 blend(Sim3 a, Sim3 b, double w, double[] pivot) {
        double logScale = (1 - w) * Math.log(a.scale()) + w * Math.log(b.scale());
        double[] relative = Rotations.toRotationVector(Rotations.multiply(Rotations.transpose(a.rotation()), b.rotation()));
        for (int i = 0; i < 3; i++) relative[i] *= w;
        double[] rotation = Rotations.multiply(a.rotation(), Rotations.fromRotationVector(relative));
        double[] ta = pivotShift(a, pivot), tb = pivotShift(b, pivot);
        double scale = Math.exp(logScale);
        double[] rp = {rotation[0] * pivot[0] + rotation[1] * pivot[1] + rotation[2] * pivot[2],
                rotation[3] * pivot[0] + rotation[4] * pivot[1] + rotation[5] * pivot[2],
                rotation[6] * pivot[0] + rotation[7] * pivot[1] + rotation[8] * pivot[2]};
        double[] translation = new double[3];
        for (int i = 0; i < 3; i++) {
            double t = (1 - w) * ta[i] + w * tb[i];
            translation[i] = t + pivot[i] - scale * rp[i];
        }
        return new Sim3(scale, rotation, translation);
    }

    /** The fraction w of a correction about the pivot: blend(identity, e, w). */
    public static Sim3 power(Sim3 e, double w, double[] pivot) {
        return blend(Sim3.identity(), e, w, pivot);
    }

    /** Where the transform moves the pivot: e(p) - p. */
    private static double[] pivotShift(Sim3 e, double[] pivot) {
        double[] moved = e.apply(pivot);
        return new double[] {moved[0] - pivot[0], moved[1] - pivot[1], moved[2] - pivot[2]};
    }
}
