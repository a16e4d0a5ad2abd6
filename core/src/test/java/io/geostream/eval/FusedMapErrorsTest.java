package io.geostream.eval;

import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The fused-map figures on a floor whose answer is known. */
class FusedMapErrorsTest {
    private static final int W = 80, H = 60;
    /** True point spacing between neighbouring pixels (8 pixels = the sampled grid's 0.02, about one voxel edge). */
    private static final float PIXEL = 0.0025f;
    private static final int TILES_X = 20, TILES_Y = 26;

    /** A frame seeing a tile of the floor z = 0 from 2 above it: true points and the camera centre. */
    private static float[] floorTile(int tx, int ty) {
        float[] truth = new float[3 * W * H];
        for (int p = 0; p < W * H; p++) {
            truth[3 * p] = tx * W * PIXEL + (p % W) * PIXEL;
            truth[3 * p + 1] = ty * H * PIXEL + (p / W) * PIXEL;
        }
        return truth;
    }

    private static double[] centreAbove(int tx, int ty) {
        return new double[] {(tx + 0.5) * W * PIXEL, (ty + 0.5) * H * PIXEL, 2};
    }

    /**
     * The floor seen twice (two passes over its tiles): the estimate is the truth moved by {@code gauge}, and in the
     * second pass also raised by {@code offset}: a doubled floor.
     */
    private static WorldPointErrors doubledFloor(Sim3 gauge, float offset, float[] confidence) {
        WorldPointErrors errors = new WorldPointErrors();
        long frame = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int tx = 0; tx < TILES_X; tx++) {
                for (int ty = 0; ty < TILES_Y; ty++) {
                    float[] truth = floorTile(tx, ty), estimated = truth.clone();
                    if (pass == 1) for (int p = 0; p < W * H; p++) estimated[3 * p + 2] += offset;
                    errors.add(3, frame++, W, H, gauge.applyToPoints(estimated), truth, centreAbove(tx, ty), confidence);
                }
            }
        }
        return errors;
    }

    @Test
    void theTruthItselfScoresZeroWhateverSimilarityItIsIn() {
        Sim3 gauge = new Sim3(0.4, Rotations.axisAngle(new double[] {1, 2, 3}, 0.7), new double[] {5, -1, 2});
        float[] confidence = new float[W * H];
        for (int p = 0; p < confidence.length; p++) confidence[p] = 0.2f + (p % 13) / 13f;
        FusedMapErrors.Result r = doubledFloor(gauge, 0, confidence).fused(null);
        assertThat(r.accuracy()).isLessThan(1e-4);
        assertThat(r.completeness()).isLessThan(1e-4);
        assertThat(r.completenessWithin()).isEqualTo(1.0);
    }

    @Test
    void aDoubledFloorScoresHalfItsGapOnBothSides() {
        float gap = 0.3f;
        WorldPointErrors errors = doubledFloor(Sim3.identity(), gap, null);
        double depth = errors.medianTrueDepth();
        assertThat(depth).isBetween(2.0, 2.1);
        FusedMapErrors.Result r = errors.fused(null);
        // One Sim(3) puts the truth halfway between the two floors: every fused voxel of either lies gap / 2 from it.
        assertThat(r.accuracy() * depth).isCloseTo(gap / 2, within(0.05 * gap / 2));
        assertThat(r.completeness() * depth).isCloseTo(gap / 2, within(0.05 * gap / 2));
        // gap / 2 is about 7 voxel edges: no true voxel lies within 5 of the estimate.
        assertThat(r.completenessWithin()).isLessThan(0.05);
        // The per-point figure sees the same error.
        assertThat(errors.medianRelative() * depth).isCloseTo(gap / 2, within(0.1 * gap / 2));
    }

    @Test
    void loopCorrectionsApplyBeforeTheFusion() {
        float gap = 0.3f;
        WorldPointErrors errors = doubledFloor(Sim3.identity(), gap, null);
        long firstOfSecondPass = (long) TILES_X * TILES_Y;
        Sim3 lower = new Sim3(1, Rotations.axisAngle(new double[] {0, 0, 1}, 0), new double[] {0, 0, -gap});
        FusedMapErrors.Result r = errors.fused((group, frame) -> frame >= firstOfSecondPass ? lower : null);
        assertThat(r.accuracy()).isLessThan(1e-4);
        assertThat(r.completeness()).isLessThan(1e-4);
    }
}
