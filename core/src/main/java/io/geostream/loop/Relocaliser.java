package io.geostream.loop;

import io.geostream.avro.SegmentReason;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;


/**
 * Puts a segment that starts after a break back into the world of the segment before. Each segment is stitched in a
 * world of its own (its first camera's frame, its own scale), so without this a camera that lost tracking for a moment
 * leaves a map builder two unrelated maps of the same room.
 *
 * <p>When a segment ends by a break ({@link #keepsAfter}), its newest window keyframes (at most
 * {@link LoopClosureSettings#relocaliseKeyframes}, their features and corrected poses) are kept. Each of the next
 * segment's first {@link LoopClosureSettings#relocaliseTries} keyframes is matched against them: they are ranked by
 * ORB votes ({@link #votes}; the old poses cannot rank them: they are in another world) and the best
 * {@link LoopClosureSettings#candidates} are verified as a loop is ({@link LoopVerifier}: a RANSAC Sim(3) consensus
 * of 3-D pairs, the Sim(3) measured by PnP both ways). Each verified match relates the two worlds by
 * {@code intoWorld = oldPose * oldFromNew * newPose^-1} (old keyframe's corrected pose, the measured camera-to-camera
 * Sim(3), the new keyframe's pose in its segment's corrected world). One match does not decide: a look-alike place
 * verifies too, and the relation is the segment's only tie to the earlier world, for good. The segment is re-localised
 * when a second keyframe's match agrees with an earlier keyframe's ({@link #agree}: rotation, scale and camera
 * placement), by the later of the two; matches that disagree wait (within the tries) for one that agrees with either.
 * Then the kept keyframes are released; so are they after the last try. A pair of agreeing measurements, not a pose
 * graph: a whole stretch of look-alike places, seen from two keyframes, would still agree.
 */
final class Relocaliser {

    /** A re-localisation: the kept keyframe the confirming keyframe matched and the inlier count. */
    record Found(long oldFrame, int inliers) {}

    /** How far two matches' relations may differ and still confirm each other (see {@link #agree}). */
    static final double AGREE_ROTATION_DEG = 5, AGREE_SCALE = 0.05;

    private final LoopClosureSettings settings;
    private final LoopVerifier verifier;

    Relocaliser(LoopClosureSettings settings, LoopVerifier verifier) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    /**
     * Whether a segment that ended for {@code reason} leaves keyframes for the next one. Breaks do: frames go on coming
     * from where the camera was (tracking lost, a clip without geometry, missing frames, a new image size, a producer
     * that crashed and was started again: a mounted camera restarts where it was, and one that moved meanwhile is
     * simply not found again within the tries). The end of
     * the stream does not (the producer said it is over; a camera that comes back later may be anywhere), nor the
     * event-time idle timeout (the stream went quiet: its state shrinks to counters, and frames that come later start a
     * segment as a new stream does, STREAM_START), nor the release of the stream's state (idle TTL, which follows an idle
     * end), nor an unknown reason. So a quiet camera holds no keyframes while it is quiet.
     */
    static boolean keepsAfter(SegmentReason reason) {
        if (reason == null) return false;
        return switch (reason) {
            case TRACKING_LOST, INFERENCE_FAILED, FRAME_GAP, RESOLUTION_CHANGED, PRODUCER_RESTARTED -> true;
            default -> false;
        };
    }

    /**
     * The open segment ended by a break: keeps its newest window keyframes, their poses in the world its corrections
     * map into. A segment without keyframes leaves what was kept before, with its tries left.
     */
    void keep(LoopCloserState s) {
        if (settings.relocaliseKeyframes() == 0 || settings.relocaliseTries() == 0) {
            s.releaseKept();
            return;
        }
        List<LoopCloserState.Keyframe> kfs = s.keyframes;
        if (kfs.isEmpty() || s.suspended) return;
        s.releaseKept();
        List<LoopCloserState.KeptKeyframe> kept = new ArrayList<>();
        for (int i = Math.max(0, kfs.size() - settings.relocaliseKeyframes()); i < kfs.size(); i++) {
            LoopCloserState.Keyframe kf = kfs.get(i);
            KeyframeFeatures f = s.features.get(kf.frameIndex());
            if (f == null) continue;
            s.keptFeatures.put(kf.frameIndex(), f);
            kept.add(new LoopCloserState.KeptKeyframe(kf.frameIndex(),
                    s.intoWorld == null ? kf.corrected() : s.intoWorld.compose(kf.corrected())));
        }
        if (kept.isEmpty()) return;
        s.kept = kept;
        s.keptWorldSegmentId = s.intoWorld == null ? s.segmentId : s.worldSegmentId;
        s.keptWorldSegmentStartMicros = s.intoWorld == null ? s.segmentStartMicros : s.worldSegmentStartMicros;
        s.relocaliseTriesLeft = settings.relocaliseTries();
    }

    /**
     * A new keyframe of the open segment (already in the window): one try against the kept keyframes, while any are
     * waiting and tries are left. Each verified match implies a relation between the two worlds; the segment is
     * re-localised when one of this keyframe's agrees ({@link #agree}) with one of an earlier keyframe's, by this
     * keyframe's relation (the one of them with the most inliers). A lone match, or matches that disagree, publish nothing.
     *
     * @param k        the new keyframe's intrinsics
     * @return the confirming match when the segment was re-localised by it ({@link LoopCloserState#intoWorld} is set),
     * else null
     */
    Found tryKeyframe(LoopCloserState s, LoopCloserState.Keyframe added, KeyframeFeatures features, CameraIntrinsics k) {
        List<LoopCloserState.KeptKeyframe> kept = s.kept;
        if (kept == null || kept.isEmpty() || s.intoWorld != null) return null;
        if (s.relocaliseTriesLeft <= 0) {
            s.releaseKept();
            return null;
        }
        s.relocaliseTriesLeft--;
        // Rank by votes: a cheap look at every kept keyframe at once, RANSAC only for the most alike.
        List<KeyframeFeatures> olds = new ArrayList<>(kept.size());
        for (LoopCloserState.KeptKeyframe kf : kept) olds.add(s.keptFeatures.get(kf.frameIndex()));
        int[] votes = votes(olds, features);
        List<long[]> ranked = new ArrayList<>();
        for (int i = 0; i < kept.size(); i++) if (votes[i] >= settings.minInliers()) ranked.add(new long[] {votes[i], i});
        ranked.sort((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(b[1], a[1]));
        List<LoopCloserState.RelocaliseEstimate> found = new ArrayList<>();
        for (int c = 0; c < Math.min(settings.candidates(), ranked.size()); c++) {
            int i = (int) ranked.get(c)[1];
            LoopCloserState.KeptKeyframe old = kept.get(i);
            LoopVerifier.Match m = verifier.verify(olds.get(i), features, k, added.frameIndex() * 31 + old.frameIndex());
            if (m == null) continue;
            found.add(new LoopCloserState.RelocaliseEstimate(added.frameIndex(), old.frameIndex(), m.inliers(),
                    old.worldPose().compose(m.oldFromNew()).compose(added.corrected().inverse()),
                    settings.inlierDistance() * LoopCloser.medianZ(olds.get(i))));
        }
        List<LoopCloserState.RelocaliseEstimate> earlier =
                s.relocaliseEstimates == null ? List.of() : s.relocaliseEstimates;
        double[] here = added.corrected().translation();
        LoopCloserState.RelocaliseEstimate confirmed = null;
        for (LoopCloserState.RelocaliseEstimate e : found) {
            if (confirmed != null && e.inliers() <= confirmed.inliers()) continue;
            for (LoopCloserState.RelocaliseEstimate p : earlier) {
                if (agree(e, p, here)) {
                    confirmed = e;
                    break;
                }
            }
        }
        if (confirmed != null) {
            s.intoWorld = confirmed.intoWorld();
            s.worldSegmentId = s.keptWorldSegmentId;
            s.worldSegmentStartMicros = s.keptWorldSegmentStartMicros;
            s.releaseKept();
            return new Found(confirmed.oldFrame(), confirmed.inliers());
        }
        if (s.relocaliseTriesLeft == 0) {
            s.releaseKept();
        } else if (!found.isEmpty()) {
            List<LoopCloserState.RelocaliseEstimate> waiting = new ArrayList<>(earlier);
            waiting.addAll(found);
            s.relocaliseEstimates = waiting;
        }
        return null;
    }

    /**
     * Whether two matches of different keyframes of the open segment put it in the earlier world the same way: their
     * relations differ by at most {@value #AGREE_ROTATION_DEG} degrees of rotation and {@value #AGREE_SCALE} of scale
     * (relative), and map the newer keyframe's camera centre {@code at} (in the open segment's corrected world) within
     * the newer match's inlier distance of each other (in the earlier world's units).
     *
     * <p>Why these: a verified match holds at least {@link LoopClosureSettings#minInliers} 3-D pairs that each lie within
     * the inlier distance ({@link LoopClosureSettings#inlierDistance}, 0.04 of the median depth by default) of their
     * partner under one Sim(3). A rotation error of θ radians moves a point at the median depth by θ of that depth, and
     * a scale error ε by ε of it, so that consensus is off by less than about 0.04 rad (2.3°) and 4 %; the match's own
     * Sim(3), measured by PnP on the pixels ({@link LoopPoseMeasurement}), is closer still. Two right ones then differ by
     * less than about 5° and 8 %, and far less in practice (before the PnP, {@code RelocaliserTest}'s neighbouring
     * keyframes differed by 0.03-0.54°, scale 0.1-0.9 %, camera 0.01-0.04 m against an inlier distance of 0.16-0.17 m).
     * Scale is held to 5 %, under that bound but above the new segment's stitched scale drift over a keyframe step or two
     * (a clip-local model: up to 2-3 % per clip), which the two also differ by. The camera
     * centre is compared with the verifier's own inlier distance: a camera placed farther off than a feature may lie
     * from its partner is a different placement. A match against a look-alike place is off by the distance between the
     * two places and their turn (the test's: 2.5 m and 83°), not centimetres and a degree.
     */
    static boolean agree(LoopCloserState.RelocaliseEstimate newer, LoopCloserState.RelocaliseEstimate earlier, double[] at) {
        if (newer.newFrame() == earlier.newFrame()) return false; // two kept neighbours of one keyframe confirm nothing
        Sim3 a = newer.intoWorld(), b = earlier.intoWorld();
        double[] p = a.apply(at), q = b.apply(at);
        double dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
        if (Rotations.angleBetweenDeg(a.rotation(), b.rotation()) > AGREE_ROTATION_DEG) return false;
        if (Math.abs(Math.log(a.scale() / b.scale())) > Math.log1p(AGREE_SCALE)) return false;
        return Math.sqrt(dx * dx + dy * dy + dz * dz) <= newer.inlierDistance();
    }

    /**
     * Per keyframe of {@code olds} (null: none), how many of the new keyframe's descriptors have their nearest
     * neighbour over ALL of them in that keyframe, within {@link LoopVerifier#MAX_HAMMING}. One brute-force match over
     * the concatenated descriptors ({@link HammingMatcher#nearest}, OpenCV's nearest neighbours).
     */
    static int[] votes(List<KeyframeFeatures> olds, KeyframeFeatures query) {
        int[] votes = new int[olds.size()];
        int total = 0;
        for (KeyframeFeatures f : olds) if (f != null) total += f.count();
        if (total == 0 || query.count() == 0) return votes;
        byte[] train = new byte[total * KeyframeFeatures.DESCRIPTOR_BYTES];
        int[] owner = new int[total];
        int row = 0;
        for (int i = 0; i < olds.size(); i++) {
            KeyframeFeatures f = olds.get(i);
            if (f == null) continue;
            System.arraycopy(f.descriptors(), 0, train, row * KeyframeFeatures.DESCRIPTOR_BYTES, f.descriptors().length);
            java.util.Arrays.fill(owner, row, row + f.count(), i);
            row += f.count();
        }
        int[] distances = new int[query.count()];
        int[] nearest = HammingMatcher.nearest(query.descriptors(), train, distances);
        for (int i = 0; i < nearest.length; i++) {
            if (nearest[i] >= 0 && distances[i] <= LoopVerifier.MAX_HAMMING) votes[owner[nearest[i]]]++;
        }
        return votes;
    }
}
