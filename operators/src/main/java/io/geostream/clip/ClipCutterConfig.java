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
 * @param keyframes       K, 0 or 1: every clip after a segment's first one holds the segment's first frame
 *                        (the keyframe) in slot 0, ahead of T - K stream frames, so that each clip shares a
 *                        frame with a fixed reference (slot 0, which a clip-local model predicts in its own
 *                        frame, with the least drift); the overlap of those clips is T - K - S
 */
public record ClipCutterConfig(int clipLength, int stride, int reorderWindow, long idleTimeoutMillis, int keyframes)
        implements Serializable {

    /** Clips without keyframe slots. */
    public ClipCutterConfig(int clipLength, int stride, int reorderWindow, long idleTimeoutMillis) {
        this(clipLength, stride, reorderWindow, idleTimeoutMillis, 0);
    }

    public ClipCutterConfig {
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
        if (keyframes < 0 || keyframes > 1) {
            throw new IllegalArgumentException("keyframes must be 0 or 1, got " + keyframes);
        }
        if (clipLength - keyframes - stride < 1) {
            throw new IllegalArgumentException("with " + keyframes + " keyframe slot(s) the overlap T - K - S must be at least 1, got "
                    + (clipLength - keyframes - stride));
        }
    }

    /** A copy with K keyframe slots. */
    public ClipCutterConfig withKeyframes(int k) {
        return new ClipCutterConfig(clipLength, stride, reorderWindow, idleTimeoutMillis, k);
    }

    /** T - S: frames shared by consecutive clips. */
    public int overlap() {
        return clipLength - stride;
    }
}
