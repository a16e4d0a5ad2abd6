package io.geostream.model;

import java.util.List;
import java.util.Objects;

/**
 * A model's output for one clip: per slot (same order as {@link ClipInput#frames()}) a point map,
 * normals and optional confidence, at {@code width x height}, in the clip's first-frame camera frame.
 */
public record ClipGeometry(int width, int height, List<FrameGeometry> frames) {

    public ClipGeometry {
        Objects.requireNonNull(frames, "frames");
        frames = List.copyOf(frames);
        int n = width * height;
        for (FrameGeometry f : frames) {
            if (f.pointMap().length != 3 * n || f.normals().length != 3 * n
                    || (f.confidence() != null && f.confidence().length != n)) {
                throw new IllegalArgumentException("frame geometry does not match " + width + "x" + height);
            }
        }
    }

    /**
     * One frame's geometry; arrays are row-major, channels interleaved (x,y,z per pixel).
     *
     * @param pointMap   3*W*H floats: the 3-D point seen at each pixel, clip-first-frame camera coordinates
     * @param normals    3*W*H floats: unit surface normals in the same frame
     * @param confidence W*H floats, larger is more trusted, or null when the model has none
     */
    public record FrameGeometry(float[] pointMap, float[] normals, float[] confidence) {
        public FrameGeometry {
            Objects.requireNonNull(pointMap, "pointMap");
            Objects.requireNonNull(normals, "normals");
        }
    }
}
