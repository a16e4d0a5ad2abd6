package io.geostream.demo;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.PayloadRefs;
import io.geostream.storage.NpyArray;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.PayloadCodecs;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Small PNG pictures of one frame's committed payloads, read back from the object store as a consumer reads them: the
 * RGB the model saw, depth and confidence in a colour map (viridis; near and less trusted dark) over the frame's own
 * range, and the normals as their PNG stores them (x, y, z as red, green, blue).
 */
final class PayloadThumbnails {
    /** Wider payloads are scaled down to this width, so that a page of thumbnails stays small. */
    static final int MAX_WIDTH = 240;
    /** Viridis at 0, 0.25, 0.5, 0.75, 1. */
    private static final int[][] VIRIDIS = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};

    /** One picture: what it shows, PNG bytes, and the range its colours span (empty when not a colour map). */
    record Thumbnail(String kind, byte[] png, String range) {}

    private PayloadThumbnails() {}

    /** RGB, depth, normals and confidence (when the model gives one) of {@code g}. */
    static List<Thumbnail> of(GeometryFrame g, ObjectStore store) throws IOException {
        PayloadRefs p = g.getPayloads();
        int w = p.getWidth(), h = p.getHeight();
        String unit = g.getScaleStatus() == io.geostream.avro.ScaleStatus.METRIC ? "m" : "units";
        List<Thumbnail> out = new ArrayList<>();
        out.add(new Thumbnail("rgb", png(read(store, p.getRgbUri())), ""));
        int[] counts = PayloadCodecs.readPng16(get(store, p.getDepthUri()));
        float[] depth = new float[counts.length];
        double scale = p.getDepthUnit() * (g.getScaleStatus() == io.geostream.avro.ScaleStatus.METRIC ? g.getScaleFactor() : 1);
        for (int i = 0; i < counts.length; i++) depth[i] = counts[i] == 0 ? Float.NaN : (float) (counts[i] * scale);
        out.add(colourMap("depth", depth, w, h, unit));
        out.add(new Thumbnail("normals", png(read(store, p.getNormalsUri())), ""));
        if (p.getConfidenceUri() != null) {
            NpyArray confidence = PayloadCodecs.readNpyFloat32(get(store, p.getConfidenceUri()));
            out.add(colourMap("confidence", confidence.data(), w, h, ""));
        }
        return out;
    }

    private static Thumbnail colourMap(String kind, float[] values, int w, int h, String unit) throws IOException {
        float[] finite = new float[values.length];
        int n = 0;
        for (float v : values) if (Float.isFinite(v)) finite[n++] = v;
        Arrays.sort(finite, 0, n);
        // 1st to 99th percentile: a few extreme pixels do not wash out the picture.
        double lo = n == 0 ? 0 : finite[(int) (0.01 * (n - 1))], hi = n == 0 ? 1 : finite[(int) (0.99 * (n - 1))];
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < w * h && i < values.length; i++) {
            float v = values[i];
            image.setRGB(i % w, i / w, Float.isFinite(v) ? viridis(hi > lo ? (v - lo) / (hi - lo) : 0.5) : 0x808080);
        }
        String range = n == 0 ? "no valid pixel" : String.format(Locale.ROOT, "%.3g to %.3g%s (grey: invalid)", lo, hi,
                unit.isEmpty() ? "" : " " + unit);
        return new Thumbnail(kind, png(image), range);
    }

    private static int viridis(double t) {
        double x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
        int i = Math.min((int) x, VIRIDIS.length - 2);
        double f = x - i;
        int rgb = 0;
        for (int c = 0; c < 3; c++) rgb = (rgb << 8) | (int) Math.round(VIRIDIS[i][c] + f * (VIRIDIS[i + 1][c] - VIRIDIS[i][c]));
        return rgb;
    }

    private static byte[] get(ObjectStore store, String uri) throws IOException {
        String key = store.keyOf(uri).orElseThrow(() -> new IOException("payload URI not in the mirrored store: " + uri));
        return store.get(key);
    }

    private static BufferedImage read(ObjectStore store, String uri) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(get(store, uri)));
        if (image == null) throw new IOException("not an image: " + uri);
        return image;
    }

    /** PNG bytes, scaled down to {@link #MAX_WIDTH} when wider. */
    private static byte[] png(BufferedImage image) throws IOException {
        if (image.getWidth() > MAX_WIDTH) {
            int h = Math.max(1, image.getHeight() * MAX_WIDTH / image.getWidth());
            BufferedImage small = new BufferedImage(MAX_WIDTH, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = small.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, MAX_WIDTH, h, null);
            g.dispose();
            image = small;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer");
        return out.toByteArray();
    }
}
