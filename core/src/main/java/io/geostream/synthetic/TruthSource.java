package io.geostream.synthetic;

import io.geostream.geometry.RigidTransform;

/**
 * A sequence of frames with known geometry that the simulated model degrades and the evaluation scores
 * against: a {@link SyntheticScene}, or a recorded sequence with ground truth such as
 * {@link io.geostream.eval.TumSequence}.
 */
public interface TruthSource {

    /** Frames in the sequence, indexed 0..frames()-1. */
    int frames();

    int width();

    int height();

    /** Capture time of a frame, microseconds since the epoch. */
    long captureTimeMicros(int frameIndex);

    /** Camera pose of a frame (optical frame: +x right, +y down, +z forward). */
    RigidTransform worldFromCamera(int frameIndex);

    /**
     * The frame with its geometry. Pixels without truth (e.g. holes of a depth sensor) have depth NaN and
     * world points NaN.
     */
    FrameTruth render(int frameIndex);

    /**
     * The frame's geometry alone, for a consumer that never reads its pixels (the simulated model): {@link #render} with
     * {@link FrameTruth#rgb()} possibly null. Sources whose pixels cost nothing extra return {@link #render}.
     */
    default FrameTruth renderGeometry(int frameIndex) {
        return render(frameIndex);
    }

    /** An id that tells sequences apart (cache key). */
    String id();
}
