package io.geostream.loop;

import io.geostream.geometry.Sim3;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One stream's loop-closing state, bounded however long a segment runs: the open window's keyframes (at most
 * {@link LoopClosureSettings#maxKeyframes}, each with its published and corrected pose), the settled keyframes'
 * final corrections (at most {@link LoopClosureSettings#maxSettledKeyframes}, thinned past it) and the latest
 * correction. The window's features are in a {@link KeyframeFeatureStore} (in memory unless {@link #useFeatureStore}
 * says otherwise), not in this object: Java serialization leaves them out, and a deserialized state has no store until
 * {@link #useFeatureStore} gives it the one that holds them.
 *
 * <p>After a segment ended by a break it also holds what the next segment re-localises against ({@link Relocaliser}):
 * the newest keyframes of the segment before (at most {@link LoopClosureSettings#relocaliseKeyframes}, their poses here
 * and their features in a second store, {@link #useKeptFeatureStore}) and the new segment's verified matches waiting
 * for a confirmation, until the new segment succeeds or has used its {@link LoopClosureSettings#relocaliseTries}; and,
 * once it succeeded, the similarity into the earlier world.
 */
public final class LoopCloserState implements Serializable {

    /** 2: the window of corrected poses and the settled corrections replaced the whole segment's pose graph. */
    private static final long serialVersionUID = 2L;

    /** A keyframe of the window: its published pose (the stitcher's, as a similarity of scale 1) and its corrected one. */
    record Keyframe(long frameIndex, Sim3 published, Sim3 corrected) implements Serializable {
        /** Corrected world from published world at this keyframe. */
        Sim3 correction() {
            return corrected.compose(published.inverse());
        }
    }

    /**
     * A verified loop between two keyframes of the window ({@code oldFromNew} maps the newer keyframe's camera into
     * the older one's), kept so that later loops are solved together with it.
     */
    record LoopEdge(long oldFrame, long newFrame, Sim3 oldFromNew, Sim3 settledOldPose) implements Serializable {
        LoopEdge(long oldFrame, long newFrame, Sim3 oldFromNew) {
            this(oldFrame, newFrame, oldFromNew, null);
        }

        /** The loop once its older keyframe has settled: that keyframe's final corrected pose anchors it from then on. */
        LoopEdge settledAt(Sim3 oldPose) {
            return new LoopEdge(oldFrame, newFrame, oldFromNew, oldPose);
        }
    }

    /**
     * A keyframe kept from the segment before for re-localisation: its camera pose in the corrected world of
     * ({@link #keptWorldSegmentId}, {@link #keptWorldSegmentStartMicros}).
     */
    record KeptKeyframe(long frameIndex, Sim3 worldPose) implements Serializable {}

    /**
     * One verified match of a keyframe of the open segment ({@code newFrame}) against a kept one ({@code oldFrame}):
     * the relation between the two worlds it implies ({@code intoWorld}: the open segment's corrected world into the kept
     * poses' world) and the verifier's inlier distance there, in the kept world's units ({@code inlierDistance}).
     */
    record RelocaliseEstimate(long newFrame, long oldFrame, int inliers, Sim3 intoWorld, double inlierDistance)
            implements Serializable {}

    /** Features of the window's keyframes, by frame index. */
    transient KeyframeFeatureStore features = KeyframeFeatureStore.inMemory();
    /** Features of the kept keyframes, by frame index. */
    transient KeyframeFeatureStore keptFeatures = KeyframeFeatureStore.inMemory();

    long segmentId = -1;
    long segmentStartMicros = Long.MIN_VALUE;
    /** The window, oldest first. */
    final List<Keyframe> keyframes = new ArrayList<>();
    /** Settled keyframes' frame indices, increasing, and their corrections ({@link #SIM3_DOUBLES} doubles each). */
    long[] settledFrames = new long[0];
    double[] settledCorrections = new double[0];
    int settledCount;
    /** Keyframes the open segment has taken (window, settled and thinned ones). */
    long keyframesTaken;
    /** {@link #keyframesTaken} when the last loop closed (cooldown); -1: none yet. */
    long keyframesAtLastLoop = -1;
    /**
     * The window's verified loops, oldest first (at most {@code LoopCloser.MAX_LOOP_EDGES}; when its older keyframe
     * settles a loop keeps that keyframe's final pose as its anchor, and it leaves when its newer keyframe settles). Null
     * in a state written before loops were kept: read as none.
     */
    List<LoopEdge> loopEdges = new ArrayList<>();
    /** The segment's length unit for weights and search radius: the first keyframe's median feature depth. */
    double unit = Double.NaN;
    int version;
    /** Set for a segment whose earlier corrections this state does not know (see {@link #suspendSegment}). */
    boolean suspended;
    /** Kept for in-memory callers (evaluation); never serialized: an operator emits each correction as it comes. */
    transient LoopCorrection latest;

    // Re-localisation. A state written before it existed reads these as null / 0: nothing kept, not re-localised. (A
    // state written before the confirmation also has the kept segment's identity, which nothing read: Java
    // serialization skips a field the class no longer has, under the same serialVersionUID.)
    /** Keyframes kept from the segment before, oldest first; null or empty: none. */
    List<KeptKeyframe> kept;
    /** The segment whose corrected world the kept poses are in (the one before, or the world it was re-localised into). */
    long keptWorldSegmentId, keptWorldSegmentStartMicros;
    /** Keyframes of the open segment that may still be matched against the kept ones. */
    int relocaliseTriesLeft;
    /**
     * The open segment's verified matches against the kept keyframes that no other keyframe of it has confirmed yet
     * (at most {@link LoopClosureSettings#relocaliseTries} x {@link LoopClosureSettings#candidates}); null: none (also
     * in a state written before re-localisation needed a confirmation).
     */
    List<RelocaliseEstimate> relocaliseEstimates;
    /**
     * The open segment's corrected world into the corrected world of ({@link #worldSegmentId},
     * {@link #worldSegmentStartMicros}), once re-localised; null: the segment is in its own world.
     */
    Sim3 intoWorld;
    long worldSegmentId, worldSegmentStartMicros;

    static final int SIM3_DOUBLES = 13;

    /** Keeps the features in {@code store} from now on (the caller's store holds those of this state's keyframes). */
    public void useFeatureStore(KeyframeFeatureStore store) {
        this.features = java.util.Objects.requireNonNull(store, "store");
    }

    /** Keeps the kept keyframes' features in {@code store} from now on (it holds those of {@link #kept}). */
    public void useKeptFeatureStore(KeyframeFeatureStore store) {
        this.keptFeatures = java.util.Objects.requireNonNull(store, "store");
    }

    void reset(long segmentId, long segmentStartMicros) {
        features.clear();
        this.segmentId = segmentId;
        this.segmentStartMicros = segmentStartMicros;
        keyframes.clear();
        loopEdges = new ArrayList<>();
        settledFrames = new long[0];
        settledCorrections = new double[0];
        settledCount = 0;
        keyframesTaken = 0;
        keyframesAtLastLoop = -1;
        unit = Double.NaN;
        version = 0;
        suspended = false;
        latest = null;
        intoWorld = null; // a new segment starts in its own world; what is kept stays for it to re-localise against
        relocaliseEstimates = null; // they relate the ended segment's world
    }

    /** Forgets the kept keyframes (re-localised, out of tries, or the stream ended). */
    void releaseKept() {
        if (kept != null && !kept.isEmpty()) keptFeatures.clear();
        kept = null;
        relocaliseTriesLeft = 0;
        relocaliseEstimates = null;
    }

    /**
     * A state for a segment that may already have corrections out which this state cannot continue (its state was
     * written by an older version and could not be read): the loop closer takes no keyframe and closes no loop until
     * the next segment, so it never publishes a lower version, or a record without the earlier keyframes, under the
     * segment's key.
     */
    public static LoopCloserState suspendedFor(long segmentId, long segmentStartMicros) {
        LoopCloserState s = new LoopCloserState();
        s.reset(segmentId, segmentStartMicros);
        s.suspended = true;
        return s;
    }

    /**
     * Adds a settled keyframe's final correction; past {@code max} the older half of the settled keyframes is thinned
     * to every other one (corrections vary smoothly along a chain, and a frame between two kept keyframes blends them).
     */
    void settle(long frameIndex, Sim3 correction, int max) {
        if (settledCount == settledFrames.length) {
            // never past max + 1: the arrays are serialized whole with every keyframe
            int capacity = Math.min(max + 1, Math.max(16, 2 * settledCount));
            settledFrames = Arrays.copyOf(settledFrames, capacity);
            settledCorrections = Arrays.copyOf(settledCorrections, capacity * SIM3_DOUBLES);
        }
        settledFrames[settledCount] = frameIndex;
        double[] r = correction.rotation(), t = correction.translation();
        int o = settledCount * SIM3_DOUBLES;
        settledCorrections[o] = correction.scale();
        System.arraycopy(r, 0, settledCorrections, o + 1, 9);
        System.arraycopy(t, 0, settledCorrections, o + 10, 3);
        settledCount++;
        if (settledCount > max) thinOlderHalf();
    }

    /**
     * Drops every other settled keyframe of the older half (the oldest itself is kept). Repeated, the oldest keyframes'
     * spacing doubles with each round.
     */
    private void thinOlderHalf() {
        int half = (settledCount + 1) / 2, out = 0;
        for (int i = 0; i < settledCount; i++) {
            if (i < half && i % 2 == 1) continue;
            settledFrames[out] = settledFrames[i];
            System.arraycopy(settledCorrections, i * SIM3_DOUBLES, settledCorrections, out * SIM3_DOUBLES, SIM3_DOUBLES);
            out++;
        }
        settledCount = out;
    }

    /** The kept loops (never null). */
    List<LoopEdge> loopEdges() {
        if (loopEdges == null) loopEdges = new ArrayList<>();
        return loopEdges;
    }

    long settledFrame(int i) {
        return settledFrames[i];
    }

    Sim3 settledCorrection(int i) {
        int o = i * SIM3_DOUBLES;
        return new Sim3(settledCorrections[o], Arrays.copyOfRange(settledCorrections, o + 1, o + 10),
                Arrays.copyOfRange(settledCorrections, o + 10, o + 13));
    }

    /** The latest correction of the open segment, or null while no loop has closed in it. */
    public LoopCorrection latest() {
        return latest;
    }

    /** Keyframes the open segment has taken so far (it grows by one with each keyframe, whatever was settled or thinned). */
    public long keyframeCount() {
        return keyframesTaken;
    }

    /** Keyframes of the open window (at most {@link LoopClosureSettings#maxKeyframes}). */
    public int windowSize() {
        return keyframes.size();
    }

    /** Settled keyframes kept (at most {@link LoopClosureSettings#maxSettledKeyframes}). */
    public int settledSize() {
        return settledCount;
    }

    /** Keyframes kept from the segment before for re-localisation (0 when none are waiting). */
    public int keptSize() {
        return kept == null ? 0 : kept.size();
    }

    /** True when the open segment was re-localised into an earlier segment's world. */
    public boolean relocalised() {
        return intoWorld != null;
    }

    /** The open segment's identity, as given with its frames (segment id -1 before the first frame). */
    public long segmentId() {
        return segmentId;
    }

    public long segmentStartMicros() {
        return segmentStartMicros;
    }
}
