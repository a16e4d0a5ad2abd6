package io.geostream.stitch;

import io.geostream.geometry.Selection;

import java.util.Arrays;
import java.util.List;

/**
 * A smooth per-pixel ratio between two predictions of the same frames' depth along each pixel's ray, after the two are
 * aligned by a similarity: what of a model's error is not rigid (a clip-local model's depth errs by a smooth field over
 * the image, about 10 % AbsRel, and two clips err differently). Fitted as the median log ratio per cell of a coarse grid
 * over the image, pooled over the frames both predict, and read back bilinearly between the cell centres.
 *
 * <p>{@link ChainStitcher}'s per-frame mode uses it to spread that difference over the frames of a held clip instead of
 * the few frames both clips predict: frame i of the N held frames moves its depth i/(N+1) of the way towards the next
 * clip's, so consecutive frames before the shared ones differ by 1/(N+1) of the field each rather than the shared frames
 * by 1/(overlap+1). A difference that is not smooth (noise, flying pixels) is left to the blend of the shared frames.
 * Plain Java, no Flink types.
 */
final class DepthRatioField {

    /** Cells of the grid across the image's width and height. */
    static final int CELLS_X = 12;
    static final int CELLS_Y = 9;
    /** A cell with fewer pooled pixels than this takes the median (the upper one of an even count) of the cells that have enough. */
    static final int MIN_CELL_PIXELS = 16;
    /** The log ratio is kept within +-this (a factor of about 1.35): beyond it the two predictions disagree on more than a smooth error. */
    static final double MAX_LOG_RATIO = 0.3;

    private final int width;
    private final int height;
    private final float[] logRatio; // per pixel, row-major

    private DepthRatioField(int width, int height, float[] logRatio) {
        this.width = width;
        this.height = height;
        this.logRatio = logRatio;
    }

    /**
     * Fits the field that takes the {@code from} predictions onto the {@code to} predictions.
     *
     * @param from     world points per frame (xyz interleaved, width x height pixels, non-finite where invalid)
     * @param centres  each frame's camera centre in the world (the rays' origin, both predictions the same)
     * @param to       the other prediction of the same frames, in the same world frame
     * @return the field, or null when no pixel is valid in both
     */
    static DepthRatioField fit(List<float[]> from, List<double[]> centres, List<float[]> to, int width, int height) {
        if (from.size() != to.size() || from.size() != centres.size()) {
            throw new IllegalArgumentException("from, centres and to must list the same frames");
        }
        int cells = CELLS_X * CELLS_Y;
        int n = width * height;
        // Each pixel's cell once, and each cell's array at its final capacity: no per-pixel divisions, no regrowth.
        int[] cellOfPixel = new int[n];
        int[] capacity = new int[cells];
        for (int p = 0; p < n; p++) {
            cellOfPixel[p] = cellOf(p % width, p / width, width, height);
            capacity[cellOfPixel[p]] += from.size();
        }
        float[][] values = new float[cells][];
        for (int i = 0; i < cells; i++) values[i] = new float[capacity[i]];
        int[] counts = new int[cells];
        for (int f = 0; f < from.size(); f++) {
            float[] a = from.get(f), b = to.get(f);
            double[] c = centres.get(f);
            if (a.length != 3 * n || b.length != 3 * n) {
                throw new IllegalArgumentException("frame " + f + " is not " + width + "x" + height);
            }
            for (int p = 0; p < n; p++) {
                double ra = range(a, p, c), rb = range(b, p, c);
                if (!(ra > 0) || !(rb > 0) || !Double.isFinite(ra) || !Double.isFinite(rb)) continue;
                int cell = cellOfPixel[p];
                values[cell][counts[cell]++] = (float) Math.log(rb / ra);
            }
        }
        double[] cellMedian = new double[cells];
        double[] pooled = new double[cells];
        double[] scratch = new double[Arrays.stream(counts).max().orElse(0)];
        int known = 0;
        for (int i = 0; i < cells; i++) {
            if (counts[i] >= MIN_CELL_PIXELS) {
                cellMedian[i] = median(values[i], counts[i], scratch);
                pooled[known++] = cellMedian[i];
            } else {
                cellMedian[i] = Double.NaN;
            }
        }
        if (known == 0) return null;
        Arrays.sort(pooled, 0, known);
        double fill = pooled[known / 2];
        for (int i = 0; i < cells; i++) {
            double v = Double.isNaN(cellMedian[i]) ? fill : cellMedian[i];
            cellMedian[i] = Math.max(-MAX_LOG_RATIO, Math.min(MAX_LOG_RATIO, v));
        }
        return new DepthRatioField(width, height, bilinear(cellMedian, width, height));
    }

    /**
     * Moves each valid point along its ray from {@code centre} by the share {@code fraction} of the field: its distance
     * from the centre times ratio^fraction. The points stay on their rays, so a camera fitted to them stays valid.
     */
    void warp(float[] points, double[] centre, double fraction) {
        if (points.length != 3 * width * height) {
            throw new IllegalArgumentException("points are not " + width + "x" + height);
        }
        if (fraction == 0) return;
        for (int p = 0; p < width * height; p++) {
            float x = points[3 * p], y = points[3 * p + 1], z = points[3 * p + 2];
            if (!Float.isFinite(x) || !Float.isFinite(y) || !Float.isFinite(z)) continue;
            double k = Math.exp(fraction * logRatio[p]);
            points[3 * p] = (float) (centre[0] + (x - centre[0]) * k);
            points[3 * p + 1] = (float) (centre[1] + (y - centre[1]) * k);
            points[3 * p + 2] = (float) (centre[2] + (z - centre[2]) * k);
        }
    }

    /** The field's log ratio at a pixel. */
    double logRatioAt(int x, int y) {
        return logRatio[y * width + x];
    }

    private static double range(float[] xyz, int p, double[] c) {
        double dx = xyz[3 * p] - c[0], dy = xyz[3 * p + 1] - c[1], dz = xyz[3 * p + 2] - c[2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }

    private static int cellOf(int x, int y, int width, int height) {
        int cx = Math.min(CELLS_X - 1, x * CELLS_X / width);
        int cy = Math.min(CELLS_Y - 1, y * CELLS_Y / height);
        return cy * CELLS_X + cx;
    }

    /**
     * The median of the first {@code count} values (the mean of the middle two, summed in float, for an even count: the
     * figure the sort this replaced gave), by quickselect on a copy in {@code scratch}: sorting each cell's values was
     * most of the fit's time (a cell holds hundreds to thousands of values a clip). The values are gathered in float arrays
     * and copied here: gathering them in double arrays made the gathering loop about three times slower (measured at
     * 512 x 384), which cost more than the selection saved.
     */
    private static double median(float[] v, int count, double[] scratch) {
        for (int i = 0; i < count; i++) scratch[i] = v[i];
        double upper = Selection.kth(scratch, count, count / 2);
        if (count % 2 == 1) return upper;
        double lower = scratch[0]; // after the selection, scratch[0 .. count/2) holds the smaller half: its largest is the lower middle
        for (int i = 1; i < count / 2; i++) lower = Math.max(lower, scratch[i]);
        return 0.5 * ((float) lower + (float) upper);
    }

    /** The cell values read bilinearly between the cell centres (constant beyond the outer centres). */
    private static float[] bilinear(double[] cell, int width, int height) {
        float[] out = new float[width * height];
        double cellW = (double) width / CELLS_X, cellH = (double) height / CELLS_Y;
        for (int y = 0; y < height; y++) {
            double gy = Math.max(0, Math.min(CELLS_Y - 1, (y + 0.5) / cellH - 0.5));
            int y0 = Math.min(CELLS_Y - 2, (int) gy);
            double ty = gy - y0;
            for (int x = 0; x < width; x++) {
                double gx = Math.max(0, Math.min(CELLS_X - 1, (x + 0.5) / cellW - 0.5));
                int x0 = Math.min(CELLS_X - 2, (int) gx);
                double tx = gx - x0;
                double top = (1 - tx) * cell[y0 * CELLS_X + x0] + tx * cell[y0 * CELLS_X + x0 + 1];
                double bottom = (1 - tx) * cell[(y0 + 1) * CELLS_X + x0] + tx * cell[(y0 + 1) * CELLS_X + x0 + 1];
                out[y * width + x] = (float) ((1 - ty) * top + ty * bottom);
            }
        }
        return out;
    }
}
