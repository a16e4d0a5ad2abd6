package io.geostream.loop;

import io.geostream.geometry.Sim3;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One stream's loop-closing state: the open segment's keyframes, their pose graph and the latest correction. The
 * searchable keyframes' features are in a {@link KeyframeFeatureStore} (in memory unless {@link #useFeatureStore} says
 * otherwise), not in this object: Java serialization leaves them out, and a deserialized state has no store until
 * {@link #useFeatureStore} gives it the one that holds them.
 */
public final class LoopCloserState implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * A keyframe: its published pose (the stitcher's, as a similarity of scale 1), whether its features are still in
     * the store (false once it left the bounded search window) and the graph node that carries its corrected pose.
     */
    record Keyframe(long frameIndex, Sim3 published, boolean searchable, int node) implements Serializable {}

    /** Features of the searchable keyframes, by frame index. */
    transient KeyframeFeatureStore features = KeyframeFeatureStore.inMemory();

    long segmentId = -1;
    long segmentStartMicros = Long.MIN_VALUE;
    final List<Keyframe> keyframes = new ArrayList<>();
    Sim3PoseGraph graph = new Sim3PoseGraph();
    /** The segment's length unit for weights and search radius: the first keyframe's median feature depth. */
    double unit = Double.NaN;
    int version;
    LoopCorrection latest;

    /** Keeps the features in {@code store} from now on (the caller's store holds those of this state's keyframes). */
    public void useFeatureStore(KeyframeFeatureStore store) {
        this.features = java.util.Objects.requireNonNull(store, "store");
    }

    void reset(long segmentId, long segmentStartMicros) {
        features.clear();
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

    /** The open segment's identity, as given with its frames (segment id -1 before the first frame). */
    public long segmentId() {
        return segmentId;
    }

    public long segmentStartMicros() {
        return segmentStartMicros;
    }
}
