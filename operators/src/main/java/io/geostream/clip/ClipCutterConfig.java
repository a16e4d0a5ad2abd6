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
 */
public record ClipCutterConfig(int clipLength, int stride, int reorderWindow, long idleTimeoutMillis) implements Serializable {

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
    }

    /** T - S: frames shared by consecutive clips. */
    public int overlap() {
        return clipLength - stride;
    }
}
