package io.geostream.stitch;

import io.geostream.geometry.HalfFloats;

/**
 * A {@link CompactHeldFrame} that also holds its world points in half precision, as offsets from its camera centre,
 * until they are first read. The points were the largest part of a held frame (12 of its 23 bytes a pixel, with the
 * half normals and confidence and the RGB; 17 now), and the {@link StitchMethod#PER_FRAME} method keeps a whole clip of
 * them per camera in keyed state, written to the state backend at each checkpoint. An offset from the camera is about
 * the point's distance from it, and a half rounds it to within 1 part in 2,048 (0.05 %), where a model's depth error is
 * several per cent; a world coordinate itself would not do (100 units from the segment's origin, halves are 0.06 apart).
 *
 * <p>The first {@link #points()} turns the halves back into floats for good (the stitcher then moves, warps and blends
 * them in place), so a frame reads the same values whether or not it went through the state backend in between. A
 * subclass rather than new fields of {@link CompactHeldFrame}: state written by earlier versions holds that class in
 * the shape it was written in.
 */
public class HalfPointsHeldFrame extends CompactHeldFrame {
    /** The world points less {@link #pointsOrigin}, half precision; null once read ({@link #points()}) or replaced. */
    public short[] pointsHalf;
    /** What {@link #pointsHalf} are offsets from (the frame's camera centre); null with them. */
    public double[] pointsOrigin;

    public HalfPointsHeldFrame() {}

    /**
     * The frame with its normals and confidence as {@link CompactHeldFrame#of} holds them (or as they are, when already
     * compact) and its points as half offsets from {@code origin}; points a half cannot hold that way (an offset of 65,520
     * or more) stay 32-bit. A {@code full} frame that itself holds half points has them read ({@link #points()}) first.
     */
    public static HalfPointsHeldFrame of(HeldFrame full, double[] origin) {
        float[] points = full.points();
        HalfPointsHeldFrame h = new HalfPointsHeldFrame();
        (full instanceof CompactHeldFrame compact ? compact : CompactHeldFrame.of(full)).copyCompactInto(h);
        h.worldPoints = points;
        short[] half = points == null ? null : offsetsAsHalves(points, origin);
        if (half != null) {
            h.pointsHalf = half;
            h.pointsOrigin = origin.clone();
            h.worldPoints = null;
        }
        return h;
    }

    /** The points less {@code origin} as halves, in one pass; null when an offset is too large for a half. */
    private static short[] offsetsAsHalves(float[] points, double[] origin) {
        short[] half = new short[points.length];
        double x = origin[0], y = origin[1], z = origin[2];
        for (int i = 0; i + 2 < points.length; i += 3) {
            float dx = (float) (points[i] - x), dy = (float) (points[i + 1] - y), dz = (float) (points[i + 2] - z);
            // 65,520 and up round to a half's infinity (NaN, an unknown point, stays NaN)
            if (Math.abs(dx) >= 65520f || Math.abs(dy) >= 65520f || Math.abs(dz) >= 65520f) return null;
            half[i] = HalfFloats.fromFloat(dx);
            half[i + 1] = HalfFloats.fromFloat(dy);
            half[i + 2] = HalfFloats.fromFloat(dz);
        }
        return half;
    }

    @Override
    public float[] points() {
        if (pointsHalf != null) {
            float[] points = new float[pointsHalf.length];
            double x = pointsOrigin[0], y = pointsOrigin[1], z = pointsOrigin[2];
            for (int i = 0; i + 2 < points.length; i += 3) {
                points[i] = (float) (x + HalfFloats.toFloat(pointsHalf[i]));
                points[i + 1] = (float) (y + HalfFloats.toFloat(pointsHalf[i + 1]));
                points[i + 2] = (float) (z + HalfFloats.toFloat(pointsHalf[i + 2]));
            }
            worldPoints = points;
            pointsHalf = null;
            pointsOrigin = null;
        }
        return worldPoints;
    }

    @Override
    public void setPoints(float[] points) {
        super.setPoints(points);
        pointsHalf = null;
        pointsOrigin = null;
    }
}
