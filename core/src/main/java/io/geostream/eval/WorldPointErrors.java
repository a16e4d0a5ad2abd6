package io.geostream.eval;

import io.geostream.geometry.Sim3;
import io.geostream.geometry.Umeyama;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How far estimated 3-D points lie from the true surface once each group of frames is mapped into the truth's
 * frame by ONE Sim(3) (a weighted-free Umeyama fit on all the group's points): per point |mapped - P_true| /
 * |P_true - its true camera centre|, the median pooled over all groups. Grouped by segment it scores a stitched
 * world ({@code points_global_rel}); grouped by clip, a model's raw clip output ({@code points_clip_rel}); their
 * ratio is what the stitching itself costs. The same alignment feeds the fused-map figures ({@link #fused}). Pixels every
 * {@link #PIXEL_STEP}-th in each direction.
 */
public final class WorldPointErrors {
    /** Pixel step in each direction (bounds memory on long sequences). */
    public static final int PIXEL_STEP = 8;

    private final Map<Long, Group> groups = new LinkedHashMap<>();

    /**
     * Adds a frame to a group.
     *
     * @param estimated  the frame's estimated points (interleaved xyz, full resolution) in the group's frame
     * @param truth      its true world points (same size; NaN where unknown)
     * @param trueCentre its true camera centre in the world
     */
    public void add(long group, int width, int height, float[] estimated, float[] truth, double[] trueCentre) {
        add(group, -1, width, height, estimated, truth, trueCentre);
    }

    /** The same, remembering the frame each point came from (for {@link #medianRelative(FrameCorrections)}). */
    public void add(long group, long frameIndex, int width, int height, float[] estimated, float[] truth, double[] trueCentre) {
        add(group, frameIndex, width, height, estimated, truth, trueCentre, null);
    }

    /**
     * The same with the model's per-pixel confidence ({@code width * height}, or null for 1 everywhere): the weights of
     * the fused-map figures ({@link #fused(FrameCorrections)}).
     */
    public void add(long group, long frameIndex, int width, int height, float[] estimated, float[] truth, double[] trueCentre,
                    float[] confidence) {
        if (estimated.length != truth.length || estimated.length != 3 * width * height
                || (confidence != null && confidence.length != width * height)) {
            throw new IllegalArgumentException("point maps differ in size");
        }
        Group g = groups.computeIfAbsent(group, k -> new Group());
        for (int v = 0; v < height; v += PIXEL_STEP) {
            for (int u = 0; u < width; u += PIXEL_STEP) {
                int p = 3 * (v * width + u);
                float ex = estimated[p], ey = estimated[p + 1], ez = estimated[p + 2];
                float tx = truth[p], ty = truth[p + 1], tz = truth[p + 2];
                if (!(Float.isFinite(ex) && Float.isFinite(ey) && Float.isFinite(ez)
                        && Float.isFinite(tx) && Float.isFinite(ty) && Float.isFinite(tz))) continue;
                double d = Math.sqrt(sq(tx - trueCentre[0]) + sq(ty - trueCentre[1]) + sq(tz - trueCentre[2]));
                if (!(d > 0)) continue;
                g.add(ex, ey, ez, tx, ty, tz, (float) d, frameIndex, confidence == null ? 1f : confidence[p / 3]);
            }
        }
    }

    /** A world correction per frame of a group (e.g. a loop closure's), or null to leave the frame's points as they are. */
    @FunctionalInterface
    public interface FrameCorrections {
        Sim3 forFrame(long group, long frameIndex);
    }

    /** The median relative point error over all groups (NaN when no group has enough points for a fit). */
    public double medianRelative() {
        return medianRelative(null);
    }

    /** The same after moving each frame's points by its correction (before the group's Sim(3) fit). */
    public double medianRelative(FrameCorrections correctionsOrNull) {
        FrameConsistency.FloatList all = new FrameConsistency.FloatList();
        forEachAligned(correctionsOrNull, (g, q) -> addRelative(all, g, q));
        return all.median();
    }

    /**
     * {@link #medianRelative(FrameCorrections)} and {@link #fused(FrameCorrections)} of the same points, each group's
     * Sim(3) fitted once for both.
     */
    public Global global(FrameCorrections correctionsOrNull) {
        FrameConsistency.FloatList all = new FrameConsistency.FloatList();
        double depth = medianTrueDepth();
        FusedMapErrors fused = depth > 0 ? new FusedMapErrors(depth) : null;
        forEachAligned(correctionsOrNull, (g, q) -> {
            addRelative(all, g, q);
            if (fused != null) fused.addSegment(q, g.truth, g.confidence, g.size);
        });
        return new Global(all.median(), fused == null ? new FusedMapErrors.Result(Double.NaN, Double.NaN, Double.NaN) : fused.result());
    }

    /** The segment-aligned figures: {@code medianRelative} as {@link #medianRelative}, {@code fused} as {@link #fused}. */
    public record Global(double medianRelative, FusedMapErrors.Result fused) {}

    private static void addRelative(FrameConsistency.FloatList all, Group g, double[] q) {
        float[] dst = g.truth;
        for (int i = 0; i < g.size; i++) {
            double e = Math.sqrt(sq(q[3 * i] - dst[3 * i]) + sq(q[3 * i + 1] - dst[3 * i + 1]) + sq(q[3 * i + 2] - dst[3 * i + 2]));
            all.add((float) (e / g.distance[i]));
        }
    }

    /** Each group that can be fitted, with its points mapped by {@link #aligned}. */
    private void forEachAligned(FrameCorrections correctionsOrNull, java.util.function.BiConsumer<Group, double[]> action) {
        for (Map.Entry<Long, Group> entry : groups.entrySet()) {
            double[] q = aligned(entry.getKey(), entry.getValue(), correctionsOrNull);
            if (q != null) action.accept(entry.getValue(), q);
        }
    }

    /** The median over all points of |P_true - true camera centre|: the unit of the fused-map figures. */
    public double medianTrueDepth() {
        FrameConsistency.FloatList all = new FrameConsistency.FloatList();
        for (Group g : groups.values()) {
            for (int i = 0; i < g.size; i++) all.add(g.distance[i]);
        }
        return all.median();
    }

    /**
     * The fused-map figures ({@link FusedMapErrors}): each group's points mapped by the same Sim(3) as {@link
     * #medianRelative(FrameCorrections)} maps them (after the corrections, if any), fused with the true points of the same
     * pixels, voxel edge {@link FusedMapErrors#VOXEL_SHARE} of {@link #medianTrueDepth()}; NaN figures when no group
     * could be fitted.
     */
    public FusedMapErrors.Result fused(FrameCorrections correctionsOrNull) {
        double depth = medianTrueDepth();
        if (!(depth > 0)) return new FusedMapErrors.Result(Double.NaN, Double.NaN, Double.NaN);
        FusedMapErrors fused = new FusedMapErrors(depth);
        forEachAligned(correctionsOrNull, (g, q) -> fused.addSegment(q, g.truth, g.confidence, g.size));
        return fused.result();
    }

    /**
     * A group's estimated points (after the corrections) mapped into the truth frame by one Sim(3) fitted on all of
     * them, interleaved; null when the group has too few points or they are degenerate.
     */
    private static double[] aligned(long group, Group g, FrameCorrections correctionsOrNull) {
        if (g.size < 6) return null;
        float[] src = Arrays.copyOf(g.estimated, 3 * g.size), dst = Arrays.copyOf(g.truth, 3 * g.size);
        if (correctionsOrNull != null) correct(src, g, group, correctionsOrNull);
        Sim3 fit;
        try {
            fit = Umeyama.fit(src, dst, null, true);
        } catch (IllegalArgumentException degenerate) {
            return null;
        }
        double[] mapped = new double[3 * g.size];
        double[] p = new double[3];
        for (int i = 0; i < g.size; i++) {
            p[0] = src[3 * i];
            p[1] = src[3 * i + 1];
            p[2] = src[3 * i + 2];
            System.arraycopy(fit.apply(p), 0, mapped, 3 * i, 3);
        }
        return mapped;
    }

    private static void correct(float[] points, Group g, long group, FrameCorrections corrections) {
        long frame = Long.MIN_VALUE;
        Sim3 c = null;
        double[] p = new double[3];
        for (int i = 0; i < g.size; i++) {
            if (g.frame[i] != frame) {
                frame = g.frame[i];
                c = corrections.forFrame(group, frame);
            }
            if (c == null) continue;
            p[0] = points[3 * i];
            p[1] = points[3 * i + 1];
            p[2] = points[3 * i + 2];
            double[] q = c.apply(p);
            points[3 * i] = (float) q[0];
            points[3 * i + 1] = (float) q[1];
            points[3 * i + 2] = (float) q[2];
        }
    }

    private static double sq(double v) {
        return v * v;
    }

    private static final class Group {
        float[] estimated = new float[3 * 1024], truth = new float[3 * 1024], distance = new float[1024], confidence = new float[1024];
        long[] frame = new long[1024];
        int size;

        void add(float ex, float ey, float ez, float tx, float ty, float tz, float d, long frameIndex, float weight) {
            if (size == distance.length) {
                estimated = Arrays.copyOf(estimated, 6 * size);
                truth = Arrays.copyOf(truth, 6 * size);
                distance = Arrays.copyOf(distance, 2 * size);
                confidence = Arrays.copyOf(confidence, 2 * size);
                frame = Arrays.copyOf(frame, 2 * size);
            }
            frame[size] = frameIndex;
            confidence[size] = weight;
            estimated[3 * size] = ex;
            estimated[3 * size + 1] = ey;
            estimated[3 * size + 2] = ez;
            truth[3 * size] = tx;
            truth[3 * size + 1] = ty;
            truth[3 * size + 2] = tz;
            distance[size++] = d;
        }
    }
}
