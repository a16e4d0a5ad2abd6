package io.geostream.loop;

import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.Sim3Interpolation;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What a closed loop changes in a segment's world: a world-to-world similarity per keyframe, to be applied to
 * the poses (and points) the stitcher published. Each correction is ABSOLUTE (from the published geometry, not
 * from the previous correction), so applying a correction twice, or only the latest of several, gives the same
 * world; {@code version} grows with every loop closed in the segment.
 *
 * <p>A frame between two keyframes gets the two corrections blended by frame index about its camera centre
 * ({@link Sim3Interpolation}); before the first keyframe the first one's, after the last the last one's.
 *
 * <p>A segment re-localised against the segment before it ({@link Relocaliser}) is corrected into that segment's
 * corrected world: {@code worldSegmentId} / {@code worldSegmentStartMicros} name the segment whose world it is (the
 * first of a run of re-localised segments), and {@code loopOldFrame} is then a keyframe of the segment before.
 *
 * @param keyframes increasing keyframe frame indices
 * @param worldCorrections one per keyframe: corrected world from published world
 * @param worldSegmentId the segment whose corrected world this one is corrected into; -1: its own
 * @param worldSegmentStartMicros that segment's start (-1 also when unknown)
 */
public record LoopCorrection(long segmentId, long segmentStartMicros, int version, long loopNewFrame, long loopOldFrame,
                             int loopInliers, long[] keyframes, List<Sim3> worldCorrections, long worldSegmentId,
                             long worldSegmentStartMicros) implements Serializable {

    /** A correction within the segment's own world. */
    public LoopCorrection(long segmentId, long segmentStartMicros, int version, long loopNewFrame, long loopOldFrame,
                          int loopInliers, long[] keyframes, List<Sim3> worldCorrections) {
        this(segmentId, segmentStartMicros, version, loopNewFrame, loopOldFrame, loopInliers, keyframes, worldCorrections, -1, -1);
    }

    public LoopCorrection {
        Objects.requireNonNull(keyframes, "keyframes");
        worldCorrections = List.copyOf(worldCorrections);
        if (keyframes.length == 0 || keyframes.length != worldCorrections.size()) {
            throw new IllegalArgumentException("need one correction per keyframe, at least one");
        }
        for (int i = 1; i < keyframes.length; i++) {
            if (keyframes[i] <= keyframes[i - 1]) throw new IllegalArgumentException("keyframes must increase");
        }
        keyframes = keyframes.clone();
    }

    /** True when the segment is corrected into an earlier segment's world ({@link #worldSegmentId}). */
    public boolean relocalised() {
        return worldSegmentId >= 0;
    }

    public long[] keyframes() {
        return keyframes.clone();
    }

    /** The correction of one frame, blended between its surrounding keyframes about its camera centre. */
    public Sim3 forFrame(long frameIndex, double[] cameraCentre) {
        int n = keyframes.length;
        if (frameIndex <= keyframes[0]) return worldCorrections.get(0);
        if (frameIndex >= keyframes[n - 1]) return worldCorrections.get(n - 1);
        int hi = java.util.Arrays.binarySearch(keyframes, frameIndex);
        if (hi >= 0) return worldCorrections.get(hi);
        hi = -hi - 1;
        int lo = hi - 1;
        double w = (double) (frameIndex - keyframes[lo]) / (keyframes[hi] - keyframes[lo]);
        return Sim3Interpolation.blend(worldCorrections.get(lo), worldCorrections.get(hi), w, cameraCentre);
    }

    /** A published camera pose after the correction (the camera stays rigid; its world moves). */
    public RigidTransform correctPose(long frameIndex, RigidTransform published) {
        return forFrame(frameIndex, published.center()).transformPose(published);
    }
}
