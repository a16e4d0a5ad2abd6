package io.geostream.loop;

import java.io.Serializable;

/**
 * How a stream's loop closer picks keyframes, finds and checks loop candidates.
 *
 * @param keyframeEvery    every n-th stitched frame of a segment becomes a keyframe (a pose-graph node)
 * @param maxKeyframes     keyframes kept per segment; the oldest are dropped from the search (not from the graph)
 * @param minFrameGap      a candidate lies at least this many frames back (nearer ones are odometry, not loops)
 * @param searchRadius     candidate camera centres within this many median scene depths of the new keyframe's
 *                         estimated centre (generous: the estimate has drifted; appearance decides)
 * @param maxViewAngleDeg  candidate viewing directions within this angle of the new keyframe's
 * @param candidates       how many of the nearest candidates are checked per keyframe
 * @param features         ORB features detected per keyframe
 * @param minInliers       3-D pairs a verified loop needs within the inlier distance
 * @param inlierDistance   inlier distance of the RANSAC Sim(3), in median depths of the old keyframe's features
 * @param ransacIterations RANSAC samples per candidate
 */
public record LoopClosureSettings(int keyframeEvery, int maxKeyframes, int minFrameGap, double searchRadius,
                                  double maxViewAngleDeg, int candidates, int features, int minInliers,
                                  double inlierDistance, int ransacIterations) implements Serializable {

    public LoopClosureSettings {
        if (keyframeEvery < 1 || maxKeyframes < 2 || minFrameGap < 1 || candidates < 1 || features < 8
                || minInliers < 6 || ransacIterations < 1) {
            throw new IllegalArgumentException("need keyframeEvery >= 1, maxKeyframes >= 2, minFrameGap >= 1, candidates >= 1,"
                    + " features >= 8, minInliers >= 6 and ransacIterations >= 1");
        }
        if (!(searchRadius > 0) || !(maxViewAngleDeg > 0 && maxViewAngleDeg <= 180) || !(inlierDistance > 0)) {
            throw new IllegalArgumentException("need searchRadius > 0, maxViewAngleDeg in (0, 180] and inlierDistance > 0");
        }
    }

    /** Defaults for 30 fps streams and clip-local geometry at 160x120 and up. */
    public static LoopClosureSettings defaults() {
        return new LoopClosureSettings(8, 400, 150, 1.5, 45, 3, 500, 25, 0.04, 200);
    }
}
