package io.geostream.stitch;

import io.geostream.geometry.Sim3;
import io.geostream.records.ClipResult;

import java.util.List;

/** Fits the world-from-clip similarity of a new clip on the anchor frames it shares with the previous clip. */
interface OverlapAligner {

    /**
     * @param sim         world from clip
     * @param count       correspondences used
     * @param residual    RMS residual relative to the median anchor depth
     * @param inlierShare share of correspondences within the inlier threshold
     */
    record Fit(Sim3 sim, int count, double residual, double inlierShare) {}

    /** The fit, or null when there is no usable overlap. */
    Fit fit(List<AnchorFrame> anchors, ClipResult result, ChainStitcher.Grid grid);

    /** The clip slot holding the frame, or -1. */
    static int slotOf(ClipResult r, long frameIndex) {
        for (int i = 0; i < r.task.realSlots(); i++) {
            if (r.task.frames[i].frameIndex == frameIndex) return i;
        }
        return -1;
    }
}
