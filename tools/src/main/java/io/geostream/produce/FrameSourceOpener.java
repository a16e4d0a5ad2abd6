package io.geostream.produce;

/** Opens a {@link FrameSource} afresh: what a reconnecting or looping source calls each time it needs a new one. */
@FunctionalInterface
public interface FrameSourceOpener {
    FrameSource open() throws FrameSourceException;
}
