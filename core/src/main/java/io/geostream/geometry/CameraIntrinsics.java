package io.geostream.geometry;

import java.io.Serializable;

/**
 * Pinhole intrinsics in pixels for an image of {@code width x height}. Pixel (u, v) is column u, row v
 * with its centre at integer coordinates (the OpenCV convention), so it sees the ray K^-1 [u, v, 1].
 */
public record CameraIntrinsics(double fx, double fy, double cx, double cy, int width, int height) implements Serializable {

    public CameraIntrinsics {
        if (!(fx > 0) || !(fy > 0) || !Double.isFinite(fx) || !Double.isFinite(fy)
                || !Double.isFinite(cx) || !Double.isFinite(cy)) {
            throw new IllegalArgumentException("intrinsics must be finite with positive focal lengths: "
                    + fx + "," + fy + "," + cx + "," + cy);
        }
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("bad size " + width + "x" + height);
    }

    /**
     * The same camera seen at another resolution (the whole image stretched, no crop). Pixel centres sit
     * at integer coordinates, so the principal point maps as (c + 0.5) * s - 0.5, as in a half-pixel
     * resize ({@code ImageResize.resizeRgb}: area-averaged or bilinear, the same pixel geometry).
     */
    public CameraIntrinsics scaledTo(int newWidth, int newHeight) {
        double sx = (double) newWidth / width, sy = (double) newHeight / height;
        return new CameraIntrinsics(fx * sx, fy * sy, (cx + 0.5) * sx - 0.5, (cy + 0.5) * sy - 0.5, newWidth, newHeight);
    }
}
