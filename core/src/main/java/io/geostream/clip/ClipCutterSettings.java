package io.geostream.clip;

import java.io.Serializable;

/**
 * How a stream is cut into overlapping clips.
 *
 * @param clipLength      T, frames per clip (the model's clip length)
 * @param stride          S, frames between clip starts; the overlap T - S must be at least 1 because
 *                        stitching fits each clip to the frames it shares with the previous one
 * @param reorderWindow   how many frames may wait for a missing predecessor before the missing ones
 *                        are declared a gap (and the segment ends)
 * @param idleTimeoutMillis event time without a new frame after which the stream's segment ends and its
 *                        pending frames are flushed (also fires at the end of a bounded input)
 * @param keyframes       K in [0, 8]: every clip after a segment's first one holds K keyframes of the segment
 *                        (frames already stitched) in slots 0..K-1, ahead of T - K stream frames, so that each
 *                        clip shares frames with fixed references; slot 0 holds the most recent keyframe (the
 *                        clip's reference frame, closest in view to the clip's stream frames), then older ones,
 *                        the segment's first frame last; while fewer keyframes exist, the first frame fills the
 *                        remaining slots. The overlap of those clips is T - K - S
 * @param keyframePolicy  which frames become keyframes ({@link KeyframePolicy})
 * @param keyframeInterval N for {@link KeyframePolicy#REFRESH}: every N-th clip of a segment promotes a frame
 */
public record ClipCutterSettings(int clipLength, int stride, int reorderWindow, long idleTimeoutMillis, int keyframes,
                               KeyframePolicy keyframePolicy, int keyframeInterval)
        implements Serializable {

    /** Clips without keyframe slots. */
    public ClipCutterSettings(int clipLength, int stride, int reorderWindow, long idleTimeoutMillis) {
        this(clipLength, stride, reorderWindow, idleTimeoutMillis, 0);
    }

    /** K keyframe slots holding the segment's first frame only ({@link KeyframePolicy#FIRST_ONLY}). */
    public ClipCutterSettings(int clipLength, int stride, int reorderWindow, long idleTimeoutMillis, int keyframes) {
        this(clipLength, stride, reorderWindow, idleTimeoutMillis, keyframes, KeyframePolicy.FIRST_ONLY, 1);
    }

    public ClipCutterSettings {
        if (clipLength < 2 || clipLength > 1024) {
            throw new IllegalArgumentException("clipLength must be in [2, 1024], got " + clipLength);
        }
        if (stride < 1 || stride >= clipLength) {
            throw new IllegalArgumentException("stride must be in [1, clipLength - 1] so that clips overlap, got "
                    + stride + " for clipLength " + clipLength);
        }
        if (reorderWindow < 0 || reorderWindow > 10_000) {
            throw new IllegalArgumentException("reorderWindow must be in [0, 10000], got " + reorderWindow);
        }
        if (idleTimeoutMillis <= 0) {
            throw new IllegalArgumentException("idleTimeoutMillis must be > 0, got " + idleTimeoutMillis);
        }
        if (keyframes < 0 || keyframes > 8) {
            throw new IllegalArgumentException("keyframes must be in [0, 8], got " + keyframes);
        }
        if (keyframePolicy == null) {
            throw new IllegalArgumentException("keyframePolicy must not be null");
        }
        if (keyframeInterval < 1 || keyframeInterval > 1_000_000) {
            throw new IllegalArgumentException("keyframeInterval must be in [1, 1000000] clips, got " + keyframeInterval);
        }
        if (keyframes > 0 && stride <= keyframes) {
            // Clip 1 gains the K keyframe slots, so it holds S - K new frames: it must hold at least one.
            throw new IllegalArgumentException("with " + keyframes + " keyframe slot(s) the stride must exceed K, got " + stride);
        }
        if (clipLength - keyframes - stride < 1) {
            throw new IllegalArgumentException("with " + keyframes + " keyframe slot(s) the overlap T - K - S must be at least 1, got "
                    + (clipLength - keyframes - stride));
        }
    }

    /** A copy with K keyframe slots. */
    public ClipCutterSettings withKeyframes(int k) {
        return new ClipCutterSettings(clipLength, stride, reorderWindow, idleTimeoutMillis, k, keyframePolicy, keyframeInterval);
    }

    /** A copy with the given keyframe policy and refresh interval (clips). */
    public ClipCutterSettings withKeyframePolicy(KeyframePolicy policy, int interval) {
        return new ClipCutterSettings(clipLength, stride, reorderWindow, idleTimeoutMillis, keyframes, policy, interval);
    }

    /** T - S: frames shared by consecutive clips. */
    public int overlap() {
        return clipLength - stride;
    }
}
