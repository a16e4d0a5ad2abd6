package io.geostream.loop;

import io.geostream.geometry.Sim3;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** One stream's loop-closing state: the open segment's keyframes, their pose graph and the latest correction. */
public final class LoopCloserState implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * A keyframe: its published pose (the stitcher's, as a similarity of scale 1), its features (null once it left
     * the bounded search window) and the graph node that carries its corrected pose.
     */
    record Keyframe(long frameIndex, Sim3 published, KeyframeFeatures features, int node) implements Serializable {}

    long segmentId = -1;
    long segmentStartMicros = Long.MIN_VALUE;
    final List<Keyframe> keyframes = new ArrayList<>();
    Sim3PoseGraph graph = new Sim3PoseGraph();
    /** The segment's length unit for weights and search radius: the first keyframe's median feature depth. */
    double unit = Double.NaN;
    int version;
    LoopCorrection latest;

    void reset(long segmentId, long segmentStartMicros) {
        this.segmentId = segmentId;
        this.segmentStartMicros = segmentStartMicros;
        keyframes.clear();
        graph = new Sim3PoseGraph();
        unit = Double.NaN;
        version = 0;
        latest = null;
    }

    /** The latest correction of the open segment, or null while no loop has closed in it. */
    public LoopCorrection latest() {
        return latest;
    }

    public int keyframeCount() {
        return keyframes.size();
    }
}
