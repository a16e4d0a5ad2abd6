package io.geostream.loop;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Sim3;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Closes loops in a stream's stitched output. Every {@code keyframeEvery}-th frame of a segment becomes a keyframe:
 * a node of a Sim(3) pose graph joined to the previous keyframe by the stitched relative pose. When a keyframe comes
 * back to a place an older keyframe saw (near it in the drifted estimate, looking the same way, and verified by ORB
 * matches and a RANSAC Sim(3) on their 3-D points), the measured Sim(3) joins the two, the graph is re-optimised, and
 * a {@link LoopCorrection} for the whole segment comes out. Published frames are never rewritten: consumers apply the
 * correction.
 *
 * <p>Pure logic over a {@link LoopCloserState}; frames must arrive in stream order.
 */
public final class LoopCloser {

    /** Odometry edges: standard deviations per keyframe step (radians, segment units, log scale). */
    /**
     * Odometry edges: standard deviations per keyframe step (radians, segment units, log scale). The scale term is
     * loose on purpose: a clip-local model's stitched chain drifts in scale systematically (under the realistic
     * instrument about 2-3 % per clip, 7x over one 900-frame lap), and only loops can pull it back.
     */
    static final double ODOMETRY_ROTATION = 0.01, ODOMETRY_TRANSLATION = 0.02, ODOMETRY_SCALE = 0.02;
    /** Loop edges: standard deviations of a verified loop's Sim(3). */
    static final double LOOP_ROTATION = 0.02, LOOP_TRANSLATION = 0.03, LOOP_SCALE = 0.03;
    private static final int ITERATIONS = 20;

    private final LoopClosureSettings settings;
    private final LoopVerifier verifier;

    public LoopCloser(LoopClosureSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.verifier = new LoopVerifier(settings);
    }

    public LoopClosureSettings settings() {
        return settings;
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
        int node;
        if (kfs.isEmpty()) {
            node = s.graph.addNode(published);
        } else {
            LoopCloserState.Keyframe prev = kfs.get(kfs.size() - 1);
            Sim3 prevToNew = prev.published().inverse().compose(published);
            node = s.graph.addNode(s.graph.node(prev.node()).compose(prevToNew));
            s.graph.addEdge(new Sim3PoseGraph.Edge(prev.node(), node, prevToNew,
                    weights(ODOMETRY_ROTATION, ODOMETRY_TRANSLATION, ODOMETRY_SCALE, s.unit)));
        }
        LoopCloserState.Keyframe added = new LoopCloserState.Keyframe(frameIndex, published, true, node);
        kfs.add(added);
        s.features.put(frameIndex, features);
        dropOldFeatures(s);
        LoopCloserState.Keyframe matchedKeyframe = null;
        LoopVerifier.Match best = null;
        for (LoopCloserState.Keyframe candidate : candidates(s, added)) {
            LoopVerifier.Match m = verifier.verify(s.features.get(candidate.frameIndex()), features,
                    frameIndex * 31 + candidate.frameIndex());
            if (m != null && (best == null || m.inliers() > best.inliers())) {
                best = m;
                matchedKeyframe = candidate;
            }
        }
        if (best == null) return null;
        s.graph.addEdge(new Sim3PoseGraph.Edge(matchedKeyframe.node(), node, best.oldFromNew(),
                weights(LOOP_ROTATION, LOOP_TRANSLATION, LOOP_SCALE, s.unit)));
        s.graph.optimize(ITERATIONS);
        s.version++;
        long[] indices = new long[kfs.size()];
        List<Sim3> corrections = new ArrayList<>(kfs.size());
        for (int i = 0; i < kfs.size(); i++) {
            LoopCloserState.Keyframe kf = kfs.get(i);
            indices[i] = kf.frameIndex();
            corrections.add(s.graph.node(kf.node()).compose(kf.published().inverse()));
        }
        s.latest = new LoopCorrection(segmentId, segmentStartMicros, s.version, frameIndex, matchedKeyframe.frameIndex(),
                best.inliers(), indices, corrections);
        return s.latest;
    }

    /**
     * The lowest frame index of the state's open segment that {@link #accept} would take as a keyframe: the frames
     * before it leave the state as it is (a caller holding the state in a store may skip them without reading it).
     * {@link Long#MIN_VALUE} while the segment has no keyframe; any frame of another segment is taken.
     */
    public long nextKeyframeIndex(LoopCloserState s) {
        List<LoopCloserState.Keyframe> kfs = s.keyframes;
        return kfs.isEmpty() ? Long.MIN_VALUE : kfs.get(kfs.size() - 1).frameIndex() + settings.keyframeEvery();
    }

    /** Older keyframes near the new one's estimated camera and looking the same way, nearest first. */
    private List<LoopCloserState.Keyframe> candidates(LoopCloserState s, LoopCloserState.Keyframe added) {
        Sim3 here = s.graph.node(added.node());
        double radius = settings.searchRadius() * s.unit;
        double cosMax = Math.cos(Math.toRadians(settings.maxViewAngleDeg()));
        List<double[]> scored = new ArrayList<>();
        List<LoopCloserState.Keyframe> kfs = s.keyframes;
        for (int i = 0; i < kfs.size() - 1; i++) {
            LoopCloserState.Keyframe kf = kfs.get(i);
            if (!kf.searchable() || added.frameIndex() - kf.frameIndex() < settings.minFrameGap()) continue;
            Sim3 there = s.graph.node(kf.node());
            double d = distance(here.translation(), there.translation());
            if (d > radius || cosAxes(here.rotation(), there.rotation()) < cosMax) continue;
            scored.add(new double[] {d, i});
        }
        scored.sort(Comparator.comparingDouble(a -> a[0]));
        List<LoopCloserState.Keyframe> out = new ArrayList<>();
        for (int i = 0; i < Math.min(settings.candidates(), scored.size()); i++) out.add(kfs.get((int) scored.get(i)[1]));
        return out;
    }

    private void dropOldFeatures(LoopCloserState s) {
        List<LoopCloserState.Keyframe> kfs = s.keyframes;
        int withFeatures = 0;
        for (int i = kfs.size() - 1; i >= 0; i--) {
            LoopCloserState.Keyframe kf = kfs.get(i);
            if (!kf.searchable()) break;
            if (++withFeatures > settings.maxKeyframes()) {
                kfs.set(i, new LoopCloserState.Keyframe(kf.frameIndex(), kf.published(), false, kf.node()));
                s.features.remove(kf.frameIndex());
            }
        }
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

    private static double medianZ(KeyframeFeatures f) {
        int n = f.count();
        if (n == 0) return Double.NaN;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) z[i] = f.cameraPoints()[3 * i + 2];
        java.util.Arrays.sort(z);
        return z[n / 2];
    }
}
