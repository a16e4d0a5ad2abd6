package io.geostream.eval;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;

import java.util.Arrays;

/**
 * Cross-frame consistency of stitched geometry, the way an independent reader checks a committed output:
 * frame i's depth is back-projected with its intrinsics and pose into the world and projected into frame
 * i+1; on the pixels that land inside frame i+1 where both depths are valid, the relative disagreement
 * |z_projected - z_(i+1)| / z_(i+1). Pairs are pooled by kind: both frames emitted by the same clip
 * ("within") or by different clips ("boundary"); pairs across segments are skipped. The figures are the
 * medians over the pooled pixels. Frames are added in emission order; source pixels every
 * {@link #PIXEL_STEP}-th in each direction.
 */
public final class FrameConsistency {
    /** Source pixel step in each direction. */
    public static final int PIXEL_STEP = 4;

    private final FloatList boundary = new FloatList();
    private final FloatList within = new FloatList();
    private long previousSegment = Long.MIN_VALUE, previousClip;
    private RigidTransform previousPose;
    private CameraIntrinsics previousK;
    private float[] previousDepth;
    private int previousWidth, previousHeight;
    private int boundaryPairs, withinPairs;

    /**
     * @param boundary median relative disagreement over pairs that cross a clip boundary (NaN without such pairs)
     * @param within   the same over pairs inside one clip
     */
    public record Result(double boundary, double within, int boundaryPairs, int withinPairs) {
        /** boundary / within: 1 when clip boundaries are as consistent as the inside of a clip. */
        public double ratio() {
            return boundary / within;
        }
    }

    /** Adds the next frame of the output (camera-frame z-depth, NaN where invalid). */
    public void add(long segmentId, long clipId, RigidTransform worldFromCamera, CameraIntrinsics k, int width, int height,
                    float[] depth) {
        if (previousDepth != null && previousSegment == segmentId) {
            boolean sameClip = previousClip == clipId;
            int before = sameClip ? within.size : boundary.size;
            pair(worldFromCamera, k, width, height, depth, sameClip ? within : boundary);
            int added = (sameClip ? within.size : boundary.size) - before;
            if (added > 0) {
                if (sameClip) withinPairs++;
                else boundaryPairs++;
            }
        }
        previousSegment = segmentId;
        previousClip = clipId;
        previousPose = worldFromCamera;
        previousK = k;
        previousDepth = depth;
        previousWidth = width;
        previousHeight = height;
    }

    /** Ends a sequence (e.g. a stream): the next frame added is not paired with the last one. */
    public void endSequence() {
        previousDepth = null;
    }

    public Result result() {
        return new Result(boundary.median(), within.median(), boundaryPairs, withinPairs);
    }

    private void pair(RigidTransform pose, CameraIntrinsics k, int width, int height, float[] depth, FloatList into) {
        // target camera from source camera: (world from target)^-1 (world from source)
        RigidTransform targetFromSource = pose.inverse().compose(previousPose);
        double[] r = targetFromSource.rotation(), t = targetFromSource.translation();
        CameraIntrinsics ks = previousK;
        for (int v = 0; v < previousHeight; v += PIXEL_STEP) {
            for (int u = 0; u < previousWidth; u += PIXEL_STEP) {
                double zs = previousDepth[v * previousWidth + u];
                if (!(zs > 0) || !Double.isFinite(zs)) continue;
                double xs = (u - ks.cx()) / ks.fx() * zs, ys = (v - ks.cy()) / ks.fy() * zs;
                double x = r[0] * xs + r[1] * ys + r[2] * zs + t[0];
                double y = r[3] * xs + r[4] * ys + r[5] * zs + t[1];
                double z = r[6] * xs + r[7] * ys + r[8] * zs + t[2];
                if (!(z > 0)) continue;
                int ut = (int) Math.round(k.fx() * x / z + k.cx()), vt = (int) Math.round(k.fy() * y / z + k.cy());
                if (ut < 0 || vt < 0 || ut >= width || vt >= height) continue;
                double zt = depth[vt * width + ut];
                if (!(zt > 0) || !Double.isFinite(zt)) continue;
                into.add((float) (Math.abs(z - zt) / zt));
            }
        }
    }

    /** A growable float array with a median. */
    static final class FloatList {
        float[] values = new float[4096];
        int size;

        void add(float v) {
            if (size == values.length) values = Arrays.copyOf(values, 2 * size);
            values[size++] = v;
        }

        double median() {
            if (size == 0) return Double.NaN;
            float[] sorted = Arrays.copyOf(values, size);
            Arrays.sort(sorted);
            return size % 2 == 1 ? sorted[size / 2] : (sorted[size / 2 - 1] + sorted[size / 2]) / 2.0;
        }
    }
}
