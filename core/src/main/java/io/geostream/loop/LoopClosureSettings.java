package io.geostream.loop;

import java.io.Serializable;

/**
 * How a stream's loop closer picks keyframes, finds and checks loop candidates, and bounds what it keeps.
 *
 * @param keyframeEvery       every n-th stitched frame of a segment becomes a keyframe
 * @param maxKeyframes        keyframes of the open window: searchable (their features kept) and moved by a loop; an older
 *                            keyframe settles (its correction final) and leaves the search
 * @param minFrameGap         a candidate lies at least this many frames back (nearer ones are odometry, not loops)
 * @param searchRadius        candidate camera centres within this many median scene depths of the new keyframe's
 *                            estimated centre (generous: the estimate has drifted; appearance decides)
 * @param maxViewAngleDeg     candidate viewing directions within this angle of the new keyframe's
 * @param candidates          how many of the nearest candidates are checked per keyframe
 * @param features            ORB features detected per keyframe
 * @param minInliers          3-D pairs a verified loop needs within the inlier distance (and reprojection inliers each
 *                            direction of its PnP measurement needs, {@link LoopPoseMeasurement})
 * @param inlierDistance      inlier distance of the RANSAC Sim(3), in median depths of the old keyframe's features
 * @param ransacIterations    RANSAC samples per candidate
 * @param loopCooldown        keyframes after a closed loop in which no other is searched for, so the next loop comes
 *                            at least loopCooldown + 1 keyframes later (a camera that stays in
 *                            one place would otherwise close a loop, and publish a correction, at every keyframe)
 * @param maxSettledKeyframes settled keyframes whose corrections a segment keeps (and each correction record carries);
 *                            past it the oldest half is thinned to every other keyframe, so a record stays bounded
 *                            however long the segment runs
 * @param relocaliseKeyframes the newest window keyframes a segment that ends by a break leaves for the next segment to
 *                            re-localise against ({@link Relocaliser}); 0: no re-localisation
 * @param relocaliseTries     the next segment's first keyframes that are matched against them, two of which must agree
 *                            (then, or after the last, they are released)
 * @param loopScaleGate       largest |ln| of a verified loop's scale over the stitched chain's between its two keyframes
 *                            that closes a loop; a loop beyond it is left out ({@link #DEFAULT_LOOP_SCALE_GATE})
 */
public record LoopClosureSettings(int keyframeEvery, int maxKeyframes, int minFrameGap, double searchRadius,
                                  double maxViewAngleDeg, int candidates, int features, int minInliers,
                                  double inlierDistance, int ransacIterations, int loopCooldown,
                                  int maxSettledKeyframes, int relocaliseKeyframes, int relocaliseTries,
                                  double loopScaleGate) implements Serializable {

    /** Kept keyframes and tries of re-localisation by default (see {@link #defaults}). */
    public static final int DEFAULT_RELOCALISE_KEYFRAMES = 50, DEFAULT_RELOCALISE_TRIES = 10;
    /**
     * The loop scale gate by default: a factor e^0.3 = 1.35. Under the realistic instrument loops a few keyframes apart
     * at one place measured log scales up to 0.77 apart: each keyframe's depth carries its clip's smooth depth error, most
     * of it common to the frame, which a loop between two single frames reads as scale. Since the stitched chain no
     * longer shrinks clip by clip its true scale change between two visits stays well inside the gate (trend over 2,000
     * frames 0.81-1.07), and leaving out the loops beyond it took the worst seed's ATE/length from 0.0305 to 0.0090
     * (docs/benchmarks.md, sessions 14 and 15). The price: a chain whose scale truly drifts by more than the gate between
     * two visits of a place is not pulled back by that loop; a model that drifts so much needs a wider gate.
     */
    public static final double DEFAULT_LOOP_SCALE_GATE = 0.3;

    public LoopClosureSettings {
        if (keyframeEvery < 1 || maxKeyframes < 2 || minFrameGap < 1 || candidates < 1 || features < 8
                || minInliers < 6 || ransacIterations < 1 || loopCooldown < 0 || maxSettledKeyframes < 2
                || relocaliseKeyframes < 0 || relocaliseTries < 0 || !(loopScaleGate > 0)) {
            throw new IllegalArgumentException("need keyframeEvery >= 1, maxKeyframes >= 2, minFrameGap >= 1, candidates >= 1,"
                    + " features >= 8, minInliers >= 6, ransacIterations >= 1, loopCooldown >= 0, maxSettledKeyframes >= 2,"
                    + " relocaliseKeyframes >= 0, relocaliseTries >= 0 and loopScaleGate > 0");
        }
        if ((long) (maxKeyframes - 1) * keyframeEvery < minFrameGap) {
            throw new IllegalArgumentException("a window of " + maxKeyframes + " keyframes every " + keyframeEvery
                    + " frames never reaches " + minFrameGap + " frames back: no loop could close (raise maxKeyframes)");
        }
        if (!(searchRadius > 0) || !(maxViewAngleDeg > 0 && maxViewAngleDeg <= 180) || !(inlierDistance > 0)) {
            throw new IllegalArgumentException("need searchRadius > 0, maxViewAngleDeg in (0, 180] and inlierDistance > 0");
        }
    }

    /** The loop-closing settings with re-localisation's defaults. */
    public LoopClosureSettings(int keyframeEvery, int maxKeyframes, int minFrameGap, double searchRadius,
                               double maxViewAngleDeg, int candidates, int features, int minInliers,
                               double inlierDistance, int ransacIterations, int loopCooldown, int maxSettledKeyframes) {
        this(keyframeEvery, maxKeyframes, minFrameGap, searchRadius, maxViewAngleDeg, candidates, features, minInliers,
                inlierDistance, ransacIterations, loopCooldown, maxSettledKeyframes, DEFAULT_RELOCALISE_KEYFRAMES,
                DEFAULT_RELOCALISE_TRIES, DEFAULT_LOOP_SCALE_GATE);
    }

    /**
     * Defaults for 30 fps streams and clip-local geometry at 160x120 and up. A loop cooldown of 1 keyframe: the stitched
     * world of a clip-local model drifts in scale within a lap, and each kept loop pins it down where it closes, so a
     * camera that revisits should close a loop at every other keyframe it can (realistic instrument, 2,000 frames,
     * seeds 1-5, with {@link LoopCloser}'s loop scale deviation of 0.1: points_global_rel over points_clip_rel 1.35 ->
     * 1.21, worst seed 1.50 -> 1.40, ATE/length 0.0101 -> 0.0108, no spikes; cooldown 3 at the old deviation of 0.03:
     * 1.26; cooldown 2 at 0.1: 1.19 with a worst seed of 2.19; docs/benchmarks.md, session 13; ORB-SLAM's 10, the
     * default before, left most revisits unused). The price: a moving camera that keeps revisiting publishes a
     * correction up to every 2 keyframes (README, Upgrading); one standing still waits as before
     * ({@link LoopCloser#STILL_COOLDOWN}). 1,024 settled keyframes and the 400 of the window keep a correction
     * record under (400 + 1,024) x 67 bytes, about 95 KB (Kafka's default limit is 1 MB). After a break, the newest 50
     * keyframes (400 frames, about 13 s at 30 fps; 1.1 MB of features) wait for the next segment's first 10 keyframes.
     */
    public static LoopClosureSettings defaults() {
        return new LoopClosureSettings(8, 400, 150, 1.5, 45, 3, 500, 25, 0.04, 200, 1, 1024);
    }

    public LoopClosureSettings withMaxKeyframes(int n) {
        return new LoopClosureSettings(keyframeEvery, n, minFrameGap, searchRadius, maxViewAngleDeg, candidates, features,
                minInliers, inlierDistance, ransacIterations, loopCooldown, maxSettledKeyframes, relocaliseKeyframes,
                relocaliseTries, loopScaleGate);
    }

    public LoopClosureSettings withMinFrameGap(int n) {
        return new LoopClosureSettings(keyframeEvery, maxKeyframes, n, searchRadius, maxViewAngleDeg, candidates, features,
                minInliers, inlierDistance, ransacIterations, loopCooldown, maxSettledKeyframes, relocaliseKeyframes,
                relocaliseTries, loopScaleGate);
    }

    public LoopClosureSettings withMaxSettledKeyframes(int n) {
        return new LoopClosureSettings(keyframeEvery, maxKeyframes, minFrameGap, searchRadius, maxViewAngleDeg, candidates,
                features, minInliers, inlierDistance, ransacIterations, loopCooldown, n, relocaliseKeyframes, relocaliseTries,
                loopScaleGate);
    }

    /** @param keyframes kept after a break (0: no re-localisation); @param tries the next segment's keyframes tried */
    public LoopClosureSettings withRelocalisation(int keyframes, int tries) {
        return new LoopClosureSettings(keyframeEvery, maxKeyframes, minFrameGap, searchRadius, maxViewAngleDeg, candidates,
                features, minInliers, inlierDistance, ransacIterations, loopCooldown, maxSettledKeyframes, keyframes, tries,
                loopScaleGate);
    }

    /** @param gate largest |ln| of a loop's scale over the stitched chain's that closes a loop */
    public LoopClosureSettings withLoopScaleGate(double gate) {
        return new LoopClosureSettings(keyframeEvery, maxKeyframes, minFrameGap, searchRadius, maxViewAngleDeg, candidates,
                features, minInliers, inlierDistance, ransacIterations, loopCooldown, maxSettledKeyframes, relocaliseKeyframes,
                relocaliseTries, gate);
    }
}
