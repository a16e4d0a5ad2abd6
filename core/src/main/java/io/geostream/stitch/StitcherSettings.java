package io.geostream.stitch;

import java.io.Serializable;

/**
 * Settings of the stitchers.
 *
 * @param gridStep            pixel step of the fixed subsampling grid used for overlap correspondences
 *                            and pose fits (only these points are kept in state); 0 = about
 *                            {@link #AUTO_GRID_POINTS} points per frame
 * @param inlierThreshold     a correspondence is an inlier when its residual is below this share of the
 *                            median overlap depth
 * @param maxResidual         tracking counts as lost when the relative RMS residual exceeds this
 * @param minInlierShare      tracking counts as lost when fewer correspondences are inliers
 * @param overlapPolicy       which prediction of an overlap frame is emitted (first clip, or blended)
 * @param poseSolver          the PnP solver of each frame's camera and of per_frame's slot cameras
 */
public record StitcherSettings(int gridStep, double inlierThreshold, double maxResidual, double minInlierShare,
                             OverlapPolicy overlapPolicy, PoseSolver poseSolver) implements Serializable {

    public StitcherSettings(int gridStep, double inlierThreshold, double maxResidual, double minInlierShare,
                            OverlapPolicy overlapPolicy) {
        this(gridStep, inlierThreshold, maxResidual, minInlierShare, overlapPolicy, PoseSolver.DEFAULT);
    }

    /** Settings with the lowest-latency overlap policy ({@link OverlapPolicy#FIRST}). */
    public StitcherSettings(int gridStep, double inlierThreshold, double maxResidual, double minInlierShare) {
        this(gridStep, inlierThreshold, maxResidual, minInlierShare, OverlapPolicy.FIRST);
    }

    public StitcherSettings {
        if (overlapPolicy == null) throw new IllegalArgumentException("overlapPolicy must not be null");
        if (poseSolver == null) throw new IllegalArgumentException("poseSolver must not be null");
        if (gridStep < 0 || gridStep > 256) throw new IllegalArgumentException("gridStep must be in [0, 256], got " + gridStep);
        if (!(inlierThreshold > 0)) throw new IllegalArgumentException("inlierThreshold must be > 0, got " + inlierThreshold);
        if (!(maxResidual > 0)) throw new IllegalArgumentException("maxResidual must be > 0, got " + maxResidual);
        if (!(minInlierShare >= 0 && minInlierShare <= 1)) {
            throw new IllegalArgumentException("minInlierShare must be in [0, 1], got " + minInlierShare);
        }
    }

    /**
     * Default inlier threshold, a share of depth: two predictions of a frame by a real model differ by about its AbsRel
     * (~10 %) in smooth patches, so the realistic instrument's overlap residuals have a median near 0.1; at 0.05 most
     * correspondences counted as outliers and tracking was declared lost at nearly every clip (18 breaks in 300
     * frames). 0.25 keeps the inlier share above 0.4 there, while a wrong fit (another scene) puts most residuals
     * above it.
     */
    public static final double DEFAULT_INLIER_THRESHOLD = 0.25;

    public static StitcherSettings defaults() {
        return new StitcherSettings(0, DEFAULT_INLIER_THRESHOLD, 0.5, 0.2);
    }

    /** Samples per frame when the grid step is automatic. */
    public static final int AUTO_GRID_POINTS = 1000;

    /** The grid step for frames of the given size. */
    public int gridStepFor(int width, int height) {
        return gridStep > 0 ? gridStep : stepFor(width, height, AUTO_GRID_POINTS);
    }

    /** The same settings with another grid step. */
    public StitcherSettings withGridStep(int step) {
        return new StitcherSettings(step, inlierThreshold, maxResidual, minInlierShare, overlapPolicy, poseSolver);
    }

    /** The same settings with another overlap policy. */
    public StitcherSettings withOverlapPolicy(OverlapPolicy policy) {
        return new StitcherSettings(gridStep, inlierThreshold, maxResidual, minInlierShare, policy, poseSolver);
    }

    /** The same settings with another pose solver. */
    public StitcherSettings withPoseSolver(PoseSolver solver) {
        return new StitcherSettings(gridStep, inlierThreshold, maxResidual, minInlierShare, overlapPolicy, solver);
    }

    /** A grid step giving roughly {@code targetPoints} samples per frame of the given size. */
    public static int stepFor(int width, int height, int targetPoints) {
        double step = Math.sqrt((double) width * height / Math.max(1, targetPoints));
        return (int) Math.max(1, Math.min(256, Math.round(step)));
    }
}
