package io.geostream.model;

import java.util.Objects;

/**
 * Deterministic image resizing for model inputs. Pure Java, so the same bytes come out on every machine
 * (a replayed clip must produce identical geometry).
 */
public final class ImageResize {

    private ImageResize() {}

    /**
     * Bilinear resize of an interleaved RGB8 image, row-major, {@code w*h*3} bytes. Pixel centres sit at
     * integer coordinates and the two images share their outer edges (the "half-pixel" convention of
     * OpenCV's {@code INTER_LINEAR} and PyTorch's {@code align_corners=False}): destination pixel x samples
     * source {@code (x + 0.5) * w / newW - 0.5}, clamped to the image. No anti-aliasing on downscaling.
     *
     * @return a new array of {@code newW*newH*3} bytes; a copy of the input when the size is unchanged
     */
    public static byte[] bilinearRgb(byte[] rgb, int w, int h, int newW, int newH) {
        Objects.requireNonNull(rgb, "rgb");
        if (w <= 0 || h <= 0) throw new IllegalArgumentException("bad source size " + w + "x" + h);
        if (newW <= 0 || newH <= 0) throw new IllegalArgumentException("bad target size " + newW + "x" + newH);
        if ((long) w * h * 3 != rgb.length) {
            throw new IllegalArgumentException("rgb has " + rgb.length + " bytes, expected " + ((long) w * h * 3)
                    + " for " + w + "x" + h);
        }
        if ((long) newW * newH * 3 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("target size too large: " + newW + "x" + newH);
        }
        if (w == newW && h == newH) return rgb.clone();

        // Per-column and per-row source indices and weights, computed once.
        int[] x0 = new int[newW], x1 = new int[newW];
        float[] fxw = new float[newW];
        sampling(w, newW, x0, x1, fxw);
        int[] y0 = new int[newH], y1 = new int[newH];
        float[] fyw = new float[newH];
        sampling(h, newH, y0, y1, fyw);

        byte[] out = new byte[newW * newH * 3];
        int o = 0;
        for (int y = 0; y < newH; y++) {
            int r0 = y0[y] * w * 3, r1 = y1[y] * w * 3;
            float wy = fyw[y];
            for (int x = 0; x < newW; x++) {
                int a = r0 + x0[x] * 3, b = r0 + x1[x] * 3, c = r1 + x0[x] * 3, d = r1 + x1[x] * 3;
                float wx = fxw[x];
                for (int ch = 0; ch < 3; ch++) {
                    float top = (rgb[a + ch] & 0xFF) + wx * ((rgb[b + ch] & 0xFF) - (rgb[a + ch] & 0xFF));
                    float bottom = (rgb[c + ch] & 0xFF) + wx * ((rgb[d + ch] & 0xFF) - (rgb[c + ch] & 0xFF));
                    int v = Math.round(top + wy * (bottom - top));
                    out[o++] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return out;
    }

    private static void sampling(int src, int dst, int[] i0, int[] i1, float[] frac) {
        double scale = (double) src / dst;
        for (int i = 0; i < dst; i++) {
            double s = (i + 0.5) * scale - 0.5;
            if (s < 0) s = 0;
            if (s > src - 1) s = src - 1;
            int lo = (int) Math.floor(s);
            i0[i] = lo;
            i1[i] = Math.min(lo + 1, src - 1);
            frac[i] = (float) (s - lo);
        }
    }
}
