package io.geostream.ingest;

import java.io.Serializable;

/**
 * An 8-bit RGB image: interleaved R, G, B bytes, row-major, no padding ({@code rgb.length == width * height * 3}).
 * The array is not copied; treat it as immutable once wrapped.
 */
public record RgbImage(int width, int height, byte[] rgb) implements Serializable {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        if (rgb == null) {
            throw new IllegalArgumentException("rgb must not be null");
        }
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("rgb has " + rgb.length + " bytes, expected " + width + "*" + height + "*3");
        }
    }

    /** Red, green, blue of pixel (x, y) as 0..255 values. */
    public int[] pixel(int x, int y) {
        if (x < 0 || x >= width || y < 0 || y >= height) {
            throw new IllegalArgumentException("pixel (" + x + "," + y + ") outside " + width + "x" + height);
        }
        int i = (y * width + x) * 3;
        return new int[]{rgb[i] & 0xff, rgb[i + 1] & 0xff, rgb[i + 2] & 0xff};
    }
}
