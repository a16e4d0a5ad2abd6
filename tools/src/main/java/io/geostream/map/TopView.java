package io.geostream.map;

import io.geostream.geometry.VoxelMap;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A top view of a fused segment as a PNG: the voxel cloud seen from above, each point in its colour, the higher
 * points drawn over the lower ones, and the camera path on top (red, start marked). "Above" is the segment's first
 * camera's up (its -y: a segment's world is its first camera's frame, +y pointing down), so the picture is the x-z
 * plane with +z (the first camera's viewing direction) pointing up the image. The bounds are the 1st-99th percentile
 * of the points and the whole path, so a few flying pixels do not shrink the map to a dot. A scale bar gives the
 * segment's units (metres for METRIC segments).
 */
public final class TopView {
    public static final int SIZE = 900;
    private static final int MARGIN = 40;

    private TopView() {}

    /** @param cameraCentres the segment's camera centres in frame order (may be empty) */
    public static void write(VoxelMap.Cloud cloud, List<double[]> cameraCentres, String title, Path png) throws IOException {
        int n = cloud.size();
        float[] xyz = cloud.xyz();
        double[] xs = new double[n + cameraCentres.size()], zs = new double[n + cameraCentres.size()];
        for (int i = 0; i < n; i++) {
            xs[i] = xyz[3 * i];
            zs[i] = xyz[3 * i + 2];
        }
        double[] bx = bounds(Arrays.copyOf(xs, n)), bz = bounds(Arrays.copyOf(zs, n));
        for (double[] c : cameraCentres) {
            bx[0] = Math.min(bx[0], c[0]);
            bx[1] = Math.max(bx[1], c[0]);
            bz[0] = Math.min(bz[0], c[2]);
            bz[1] = Math.max(bz[1], c[2]);
        }
        double span = Math.max(Math.max(bx[1] - bx[0], bz[1] - bz[0]), 1e-9);
        double scale = (SIZE - 2 * MARGIN) / span;
        double x0 = (bx[0] + bx[1]) / 2, z0 = (bz[0] + bz[1]) / 2;

        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, SIZE, SIZE);
        // Highest last: sort by y descending (y points down, so larger y is lower).
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(xyz[3 * b + 1], xyz[3 * a + 1]));
        byte[] rgb = cloud.rgb();
        for (int i : order) {
            int u = (int) Math.round(SIZE / 2.0 + (xyz[3 * i] - x0) * scale);
            int v = (int) Math.round(SIZE / 2.0 - (xyz[3 * i + 2] - z0) * scale);
            if (u < 0 || v < 0 || u >= SIZE || v >= SIZE) continue;
            image.setRGB(u, v, ((rgb[3 * i] & 0xff) << 16) | ((rgb[3 * i + 1] & 0xff) << 8) | (rgb[3 * i + 2] & 0xff));
        }
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.RED);
        g.setStroke(new BasicStroke(2f));
        int[] previous = null;
        for (double[] c : cameraCentres) {
            int[] p = {(int) Math.round(SIZE / 2.0 + (c[0] - x0) * scale), (int) Math.round(SIZE / 2.0 - (c[2] - z0) * scale)};
            if (previous != null) g.drawLine(previous[0], previous[1], p[0], p[1]);
            else g.fillOval(p[0] - 5, p[1] - 5, 10, 10);
            previous = p;
        }
        // Scale bar: a round length near a fifth of the picture.
        double bar = Math.pow(10, Math.floor(Math.log10(span / 5)));
        if (span / 5 / bar >= 5) bar *= 5;
        else if (span / 5 / bar >= 2) bar *= 2;
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(3f));
        int barPx = (int) Math.round(bar * scale);
        g.drawLine(MARGIN, SIZE - MARGIN / 2, MARGIN + barPx, SIZE - MARGIN / 2);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(String.format(Locale.ROOT, "%s units", trim(bar)), MARGIN + barPx + 8, SIZE - MARGIN / 2 + 5);
        g.drawString(title + String.format(Locale.ROOT, "  (%d points, %d cameras; top view: x right, z up)", n,
                cameraCentres.size()), MARGIN, MARGIN / 2 + 5);
        g.dispose();
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        if (!ImageIO.write(image, "png", tmp.toFile())) throw new IOException("no PNG writer");
        PlyWriter.moveIntoPlace(tmp, png);
    }

    private static String trim(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", (float) v);
    }

    /** 1st and 99th percentile (the whole range below 100 values); {0, 1} when empty. */
    private static double[] bounds(double[] v) {
        if (v.length == 0) return new double[] {0, 1};
        Arrays.sort(v);
        if (v.length < 100) return new double[] {v[0], v[v.length - 1]};
        return new double[] {v[(int) (0.01 * v.length)], v[(int) (0.99 * v.length)]};
    }
}
