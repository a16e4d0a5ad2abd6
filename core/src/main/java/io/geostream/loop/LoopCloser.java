package io.geostream.loop;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Sim3;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Closes loops in a stream's stitched output. Every {@code keyframeEvery}-th frame of a segment becomes a keyframe,
 * chained to the previous one by the stitched relative pose. When a keyframe comes back to a place an older keyframe of
 * the window saw (near it in the corrected estimate, looking the same way, verified by ORB matches and a RANSAC
 * Sim(3) on their 3-D points, and measured by PnP both ways, {@link LoopPoseMeasurement}), the chain between the two is
 * re-optimised as a Sim(3) pose graph closed by the measured loop, and a {@link LoopCorrection} for the whole segment
 * comes out. Published frames are never rewritten: consumers
 * apply the correction.
 *
 * <p>Bounded cost and state, however long a segment runs (a fixed camera may keep one for weeks and close a loop at
 * every keyframe):
 * <ul>
 *   <li>A loop re-solves the window from its older end to the newest keyframe, with the older end (and everything
 *       before it) held: the residuals are relative, so those keyframes have no reason to move. The graph holds the
 *       stitched steps between neighbours and the verified loops that end in that span, at most
 *       {@value #MAX_LOOP_EDGES} of them (a loop whose older end lies before the span ties to it as a fixed anchor), so
 *       a later loop cannot undo an earlier one: solved one at a time from the chain's latest shape, the third lap of a
 *       patrol bent what the first had fixed (whole-segment error 0.30 of the published one instead of 0.04, {@code
 *       LoopCloserTest}; {@code eval stitching}, realistic, 2,000 frames: ATE/length median 0.0247 instead of 0.0135).</li>
 *   <li>Only the window's keyframes ({@link LoopClosureSettings#maxKeyframes}) are searchable and movable; an older one
 *       settles with its final correction (a loop from it stays, anchored at that pose, until its newer keyframe
 *       settles too), and the settled keyframes are thinned past
 *       {@link LoopClosureSettings#maxSettledKeyframes}, which bounds each correction record.</li>
 *   <li>After a loop, no other is searched for during {@link LoopClosureSettings#loopCooldown} keyframes, or during
 *       {@link #STILL_COOLDOWN} while the camera stands where that loop closed.</li>
 * </ul>
 *
 * <p>After a break ({@link #segmentEnded}), the next segment's first keyframes are matched against the ended
 * segment's newest ones ({@link Relocaliser}); once two of them match and agree, every correction of the new segment maps it into the
 * earlier segment's corrected world: {@code intoWorld * own}, where {@code own} is what the segment's own loops make of
 * its published world (they go on as in any segment, in its own world and units, and only the output is composed, so
 * the loop solving is the same with or without re-localisation). A later loop that re-solves keyframes of the new
 * segment moves them in its own world, and the composed correction carries them along: the tie to the earlier world
 * is the confirmed measured Sim(3), held wherever the loops hold the keyframe it was measured at.
 *
 * <p>Pure logic over a {@link LoopCloserState}; frames must arrive in stream order.
 */
public final class LoopCloser {

    /**
     * Chain edges: standard deviations per keyframe step (radians, segment units, log scale). The scale term is
     * loose on purpose: a clip-local model's stitched chain drifts in scale systematically (under the realistic
     * instrument 2-3 % per clip before the clip scale's weights were made symmetric, 7x over one 900-frame lap; since,
     * 0.81-1.07 of its scale over 2,000 frames), and only loops can pull it back.
     */
    static final double ODOMETRY_ROTATION = 0.01, ODOMETRY_TRANSLATION = 0.02, ODOMETRY_SCALE = 0.02;
    /**
     * Loop edges: standard deviations of a verified loop's Sim(3). Its scale is the least certain part: the two frames'
     * matched features often lie at similar depths, where a scale about the camera and a shift along its axis explain
     * the pairs almost equally well. On TUM fr1_desk (realistic instrument, seed 3) a verified loop between frames 128
     * and 296 measured a relative scale of 1.51 where the stitched chain's own scale was the same at both ends (1.13 and
     * 1.12 of the path's); with 0.03 it bent the path (ATE/length 0.0288 without loops -> 0.0375), with 0.1 it bends it
     * less (0.0311), and with the loops that follow it once the cooldown is 1 keyframe (312 -> 128 at a scale of 1.09,
     * 504 -> 72) the path ends better than without loops (0.0164); on synthetic laps many loops still pull the scale
     * back (docs/benchmarks.md, session 13). Since session 15 that 1.51 loop (|ln| 0.41) is refused by the loop scale
     * gate ({@link LoopClosureSettings#loopScaleGate}) and the loop's scale is its inliers' spread ratio.
     */
    static final double LOOP_ROTATION = 0.02, LOOP_TRANSLATION = 0.03, LOOP_SCALE = 0.1;
    private static final int ITERATIONS = 20;
    /**
     * A camera within {@link #STILL_DISTANCE} (in the scene's median depths) and {@link #STILL_ANGLE_DEG} of where the
     * last loop closed waits this many keyframes for the next loop, as every camera did before the cooldown became 1
     * keyframe: a fixed camera publishes a correction every 11 keyframes, not every 2.
     */
    static final int STILL_COOLDOWN = 10;
    static final double STILL_DISTANCE = 0.05, STILL_ANGLE_DEG = 5;
    /** Verified loops kept in the window's graph (the oldest leaves first), which bounds each solve's edges. */
    static final int MAX_LOOP_EDGES = 64;

    private final LoopClosureSettings settings;
    /** Verified loops this instance left out by the scale gate (a statistic for the dashboard, not state). */
    private long loopsRefusedByScale;
    private final LoopVerifier verifier;
    private final Relocaliser relocaliser;

    public LoopCloser(LoopClosureSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.verifier = new LoopVerifier(settings);
        this.relocaliser = new Relocaliser(settings, verifier);
    }

    public LoopClosureSettings settings() {
        return settings;
    }

    /** Verified loops left out by the scale gate ({@link LoopClosureSettings#loopScaleGate}) since this instance began. */
    public long loopsRefusedByScale() {
        return loopsRefusedByScale;
    }

    /**
     * One stitched frame.
     *
     * @param depth camera-frame z at the intrinsics' resolution
     * @param rgb   the frame's RGB at the same resolution
     * @return a new correction of the frame's segment when this frame closed a loop, else null
     */
    public LoopCorrection accept(LoopCloserState s, long segmentId, long segmentStartMicros, long frameIndex,
                                 RigidTransform worldFromCamera, CameraIntrinsics k, float[] depth, byte[] rgb) {
        Objects.requireNonNull(s, "state");
        if (segmentId != s.segmentId || segmentStartMicros != s.segmentStartMicros) s.reset(segmentId, segmentStartMicros);
        if (s.suspended) return null;
        List<LoopCloserState.Keyframe> kfs = s.keyframes;
        if (!kfs.isEmpty() && frameIndex - kfs.get(kfs.size() - 1).frameIndex() < settings.keyframeEvery()) return null;
        KeyframeFeatures features = KeyframeFeatures.detect(rgb, depth, k, settings.features());
        if (Double.isNaN(s.unit)) {
            s.unit = medianZ(features);
            if (!(s.unit > 0)) {
                s.unit = Double.NaN;
                return null; // nothing to measure this keyframe's scene by: wait for the next one
            }
        }
        Sim3 published = Sim3.of(worldFromCamera);
        Sim3 corrected = published;
        if (!kfs.isEmpty()) {
            LoopCloserState.Keyframe prev = kfs.get(kfs.size() - 1);
            // The new keyframe continues the chain from its predecessor's corrected pose by the stitched step.
            corrected = prev.corrected().compose(prev.published().inverse().compose(published));
        }
        LoopCloserState.Keyframe added = new LoopCloserState.Keyframe(frameIndex, published, corrected);
        kfs.add(added);
        s.keyframesTaken++;
        s.features.put(frameIndex, features);
        while (kfs.size() > settings.maxKeyframes()) {
            LoopCloserState.Keyframe old = kfs.remove(0);
            s.features.remove(old.frameIndex());
            s.settle(old.frameIndex(), old.correction(), settings.maxSettledKeyframes());
            // A loop whose newer keyframe is still movable stays, anchored at its older keyframe's final pose: dropped,
            // the next loop spanning its newer end would re-solve that stretch from the stitched steps alone.
            s.loopEdges().removeIf(e -> e.newFrame() <= old.frameIndex());
            s.loopEdges().replaceAll(e -> e.oldFrame() == old.frameIndex() ? e.settledAt(old.corrected()) : e);
        }
        Relocaliser.Found relocalised = relocaliser.tryKeyframe(s, added, features, k);
        if (relocalised != null) {
            s.version++;
            s.latest = correction(s, frameIndex, relocalised.oldFrame(), relocalised.inliers());
            return s.latest;
        }
        if (s.keyframesAtLastLoop >= 0) {
            long since = s.keyframesTaken - s.keyframesAtLastLoop;
            if (since <= settings.loopCooldown()) return null;
            if (since <= STILL_COOLDOWN && stillWhereTheLastLoopClosed(s, added)) return null;
        }
        int matched = -1;
        LoopVerifier.Match best = null;
        for (int candidate : candidates(s, added)) {
            LoopVerifier.Match m = verifier.verify(s.features.get(kfs.get(candidate).frameIndex()), features, k,
                    frameIndex * 31 + kfs.get(candidate).frameIndex());
            if (m != null && (best == null || m.inliers() > best.inliers())) {
                best = m;
                matched = candidate;
            }
        }
        if (best == null) return null;
        // A loop whose scale disagrees with the chain's by more than the gate is most likely one keyframe's depth-field
        // scale error, not the chain's drift: left out (LoopClosureSettings.DEFAULT_LOOP_SCALE_GATE).
        Sim3 chain = kfs.get(matched).corrected().inverse().compose(added.corrected());
        if (Math.abs(Math.log(best.oldFromNew().scale() / chain.scale())) > settings.loopScaleGate()) {
            loopsRefusedByScale++;
            return null;
        }
        closeLoop(s, matched, best.oldFromNew());
        s.keyframesAtLastLoop = s.keyframesTaken;
        s.version++;
        s.latest = correction(s, frameIndex, kfs.get(matched).frameIndex(), best.inliers());
        return s.latest;
    }

    /**
     * The open segment ended. After a break ({@link Relocaliser#keepsAfter}) its newest keyframes wait for the next
     * segment to re-localise against; otherwise (end of stream, unknown) the state forgets everything. Either way the
     * segment's window is released.
     */
    public void segmentEnded(LoopCloserState s, io.geostream.avro.SegmentReason reason) {
        Objects.requireNonNull(s, "state");
        if (Relocaliser.keepsAfter(reason)) relocaliser.keep(s);
        else s.releaseKept();
        s.reset(-1, Long.MIN_VALUE);
    }

    /** The segment's correction as it stands: settled keyframes, then the window's, into its world. */
    private static LoopCorrection correction(LoopCloserState s, long newFrame, long oldFrame, int inliers) {
        List<LoopCloserState.Keyframe> kfs = s.keyframes;
        int settled = s.settledSize();
        long[] indices = new long[settled + kfs.size()];
        List<Sim3> corrections = new ArrayList<>(indices.length);
        for (int i = 0; i < settled; i++) {
            indices[i] = s.settledFrame(i);
            corrections.add(s.settledCorrection(i));
        }
        for (int i = 0; i < kfs.size(); i++) {
            indices[settled + i] = kfs.get(i).frameIndex();
            corrections.add(kfs.get(i).correction());
        }
        if (s.intoWorld != null) corrections.replaceAll(s.intoWorld::compose);
        return s.intoWorld == null
                ? new LoopCorrection(s.segmentId, s.segmentStartMicros, s.version, newFrame, oldFrame, inliers, indices, corrections)
                : new LoopCorrection(s.segmentId, s.segmentStartMicros, s.version, newFrame, oldFrame, inliers, indices, corrections,
                s.worldSegmentId, s.worldSegmentStartMicros);
    }

    /**
     * Solves the window from keyframe {@code from} (held, as every keyframe before it) to the newest: the stitched
     * steps between neighbours (the odometry), the new loop and every kept loop that ends in that span (one whose older
     * end lies before {@code from} ties to it as a fixed anchor). The result replaces those keyframes' corrected poses;
     * the new loop is kept for the loops after it.
     */
    private void closeLoop(LoopCloserState s, int from, Sim3 oldFromNew) {
        List<LoopCloserState.Keyframe> kfs = s.keyframes;
        List<LoopCloserState.LoopEdge> loops = s.loopEdges();
        loops.add(new LoopCloserState.LoopEdge(kfs.get(from).frameIndex(), kfs.get(kfs.size() - 1).frameIndex(), oldFromNew));
        while (loops.size() > MAX_LOOP_EDGES) loops.remove(0);
        Sim3PoseGraph graph = new Sim3PoseGraph();
        double[] chain = weights(ODOMETRY_ROTATION, ODOMETRY_TRANSLATION, ODOMETRY_SCALE, s.unit);
        double[] loop = weights(LOOP_ROTATION, LOOP_TRANSLATION, LOOP_SCALE, s.unit);
        java.util.Map<Long, Integer> node = new java.util.HashMap<>();
        for (int i = from; i < kfs.size(); i++) {
            LoopCloserState.Keyframe kf = kfs.get(i);
            int n = graph.addNode(kf.corrected());
            node.put(kf.frameIndex(), n);
            if (n > 0) {
                LoopCloserState.Keyframe prev = kfs.get(i - 1);
                // The measurement is the stitcher's own step; the corrected poses are only the starting point.
                graph.addEdge(new Sim3PoseGraph.Edge(n - 1, n, prev.published().inverse().compose(kf.published()), chain));
            }
        }
        for (LoopCloserState.LoopEdge e : loops) {
            Integer j = node.get(e.newFrame());
            if (j == null) continue; // ends before the span: its keyframes are not moved now
            Integer i = node.get(e.oldFrame());
            if (i == null) {
                int anchor = indexOf(kfs, e.oldFrame());
                Sim3 held = anchor >= 0 ? kfs.get(anchor).corrected() : e.settledOldPose();
                if (held == null) continue;
                i = graph.addFixedNode(held);
                node.put(e.oldFrame(), i);
            }
            graph.addEdge(new Sim3PoseGraph.Edge(i, j, e.oldFromNew(), loop));
        }
        graph.optimize(ITERATIONS);
        for (int i = from + 1; i < kfs.size(); i++) {
            LoopCloserState.Keyframe kf = kfs.get(i);
            kfs.set(i, new LoopCloserState.Keyframe(kf.frameIndex(), kf.published(), graph.node(i - from)));
        }
    }

    /**
     * The newest keyframe stands where the last loop's newer keyframe stood (within {@link #STILL_DISTANCE} scene units
     * and {@link #STILL_ANGLE_DEG}): a camera that does not move would close the same loop again at every keyframe the
     * short cooldown allows, each time publishing a correction that changes nothing it can see.
     */
    private boolean stillWhereTheLastLoopClosed(LoopCloserState s, LoopCloserState.Keyframe added) {
        List<LoopCloserState.LoopEdge> loops = s.loopEdges();
        if (loops.isEmpty()) return false;
        int at = indexOf(s.keyframes, loops.get(loops.size() - 1).newFrame());
        if (at < 0) return false;
        Sim3 there = s.keyframes.get(at).corrected(), here = added.corrected();
        return distance(here.translation(), there.translation()) < STILL_DISTANCE * s.unit
                && cosAxes(here.rotation(), there.rotation()) > Math.cos(Math.toRadians(STILL_ANGLE_DEG));
    }

    /** Window index of the keyframe of {@code frameIndex}, or -1. */
    private static int indexOf(List<LoopCloserState.Keyframe> kfs, long frameIndex) {
        for (int i = 0; i < kfs.size(); i++) if (kfs.get(i).frameIndex() == frameIndex) return i;
        return -1;
    }

    /**
     * The lowest frame index of the state's open segment that {@link #accept} would take as a keyframe: the frames
     * before it leave the state as it is (a caller holding the state in a store may skip them without reading it).
     * {@link Long#MIN_VALUE} while the segment has no keyframe; any frame of another segment is taken;
     * {@link Long#MAX_VALUE} for a suspended segment (none).
     */
    public long nextKeyframeIndex(LoopCloserState s) {
        if (s.suspended) return Long.MAX_VALUE;
        List<LoopCloserState.Keyframe> kfs = s.keyframes;
        return kfs.isEmpty() ? Long.MIN_VALUE : kfs.get(kfs.size() - 1).frameIndex() + settings.keyframeEvery();
    }

    /** Window indices of older keyframes near the new one's corrected camera and looking the same way, nearest first. */
    private List<Integer> candidates(LoopCloserState s, LoopCloserState.Keyframe added) {
        Sim3 here = added.corrected();
        double radius = settings.searchRadius() * s.unit;
        double cosMax = Math.cos(Math.toRadians(settings.maxViewAngleDeg()));
        List<double[]> scored = new ArrayList<>();
        List<LoopCloserState.Keyframe> kfs = s.keyframes;
        for (int i = 0; i < kfs.size() - 1; i++) {
            LoopCloserState.Keyframe kf = kfs.get(i);
            if (added.frameIndex() - kf.frameIndex() < settings.minFrameGap()) continue;
            Sim3 there = kf.corrected();
            double d = distance(here.translation(), there.translation());
            if (d > radius || cosAxes(here.rotation(), there.rotation()) < cosMax) continue;
            scored.add(new double[] {d, i});
        }
        scored.sort(Comparator.comparingDouble(a -> a[0]));
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < Math.min(settings.candidates(), scored.size()); i++) out.add((int) scored.get(i)[1]);
        return out;
    }

    private static double[] weights(double rotation, double translation, double scale, double unit) {
        return new double[] {1 / rotation, 1 / (translation * unit), 1 / scale};
    }

    /** Cosine between the two cameras' optical axes (third columns of world-from-camera rotations). */
    private static double cosAxes(double[] a, double[] b) {
        return a[2] * b[2] + a[5] * b[5] + a[8] * b[8];
    }

    private static double distance(double[] a, double[] b) {
        double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }

    /** Median camera-frame depth of a keyframe's features (NaN without features): the scene's length unit there. */
    static double medianZ(KeyframeFeatures f) {
        int n = f.count();
        if (n == 0) return Double.NaN;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) z[i] = f.cameraPoints()[3 * i + 2];
        java.util.Arrays.sort(z);
        return z[n / 2];
    }
}
