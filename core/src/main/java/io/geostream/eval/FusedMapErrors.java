package io.geostream.eval;

import io.geostream.geometry.NearestPointGrid;
import io.geostream.geometry.VoxelMap;

/**
 * How a fused map of a segment compares with the fused true surface, Chamfer-style ({@code fused_accuracy},
 * {@code fused_completeness}, {@code fused_completeness_within}): the segment's estimated points (already in the truth
 * frame) and the true points of the same pixels are each fused by {@link VoxelMap}, the confidence-weighted fusion
 * {@code geostream map} runs, with the same weights; then per estimated voxel the distance to the nearest true voxel
 * (accuracy: doubled or smeared surfaces, floaters) and per true voxel the distance to the nearest estimated voxel
 * (completeness: surfaces the estimate misses or moves), through a {@link NearestPointGrid}. Per segment the medians,
 * divided by the median true depth; over segments, their mean weighted by the points each fused.
 */
public final class FusedMapErrors {
    /** The voxel edge as a share of the median true depth. */
    public static final double VOXEL_SHARE = 0.01;
    /** {@code fused_completeness_within}: true voxels within this many voxel edges of the estimate. */
    public static final double WITHIN_VOXELS = 5;
    /** The nearest-neighbour grid's cell edge in voxel edges: near the typical distance, so a query probes few cells. */
    private static final double CELL_VOXELS = 4;

    private final double medianDepth;
    private final double voxelSize;
    private double points;
    private double accuracySum;
    private double completenessSum;
    private double withinSum;

    /**
     * The figures; NaN when no segment was added.
     *
     * @param accuracy           median over estimated voxels of the distance to the nearest true voxel / median depth
     * @param completeness       median over true voxels of the distance to the nearest estimated voxel / median depth
     * @param completenessWithin share of true voxels within {@link #WITHIN_VOXELS} voxel edges of an estimated voxel
     */
    public record Result(double accuracy, double completeness, double completenessWithin) {}

    /** @param medianDepth the sequence's median true depth: the unit of the figures, and 100 voxel edges */
    public FusedMapErrors(double medianDepth) {
        if (!(medianDepth > 0) || !Double.isFinite(medianDepth)) {
            throw new IllegalArgumentException("medianDepth must be positive and finite, got " + medianDepth);
        }
        this.medianDepth = medianDepth;
        this.voxelSize = VOXEL_SHARE * medianDepth;
    }

    public double voxelSize() {
        return voxelSize;
    }

    /**
     * Fuses one segment and adds its figures.
     *
     * @param estimated the segment's estimated points in the truth frame, interleaved (count*3 used)
     * @param truth     their true points, interleaved, same order
     * @param weights   the fusion weight of each point (the model's confidence, 1 without one)
     * @param count     the points to use
     */
    public void addSegment(double[] estimated, float[] truth, float[] weights, int count) {
        VoxelMap est = new VoxelMap(voxelSize, Math.max(1, count));
        VoxelMap tru = new VoxelMap(voxelSize, Math.max(1, count));
        for (int i = 0; i < count; i++) {
            est.add(estimated[3 * i], estimated[3 * i + 1], estimated[3 * i + 2], 0, 0, 0, weights[i]);
            tru.add(truth[3 * i], truth[3 * i + 1], truth[3 * i + 2], 0, 0, 0, weights[i]);
        }
        if (est.size() == 0 || tru.size() == 0) return;
        float[] estVoxels = est.toCloud().xyz(), trueVoxels = tru.toCloud().xyz();
        float[] toTruth = nearestDistances(estVoxels, new NearestPointGrid(trueVoxels, CELL_VOXELS * voxelSize));
        float[] toEstimate = nearestDistances(trueVoxels, new NearestPointGrid(estVoxels, CELL_VOXELS * voxelSize));
        int within = 0;
        for (float d : toEstimate) if (d <= WITHIN_VOXELS * voxelSize) within++;
        double w = est.pointsAdded();
        points += w;
        accuracySum += w * median(toTruth) / medianDepth;
        completenessSum += w * median(toEstimate) / medianDepth;
        withinSum += w * within / toEstimate.length;
    }

    public Result result() {
        if (!(points > 0)) return new Result(Double.NaN, Double.NaN, Double.NaN);
        return new Result(accuracySum / points, completenessSum / points, withinSum / points);
    }

    private static float[] nearestDistances(float[] queries, NearestPointGrid grid) {
        float[] d = new float[queries.length / 3];
        for (int i = 0; i < d.length; i++) d[i] = (float) grid.nearestDistance(queries[3 * i], queries[3 * i + 1], queries[3 * i + 2]);
        return d;
    }

    private static double median(float[] values) {
        FrameConsistency.FloatList l = new FrameConsistency.FloatList();
        for (float v : values) l.add(v);
        return l.median();
    }
}
