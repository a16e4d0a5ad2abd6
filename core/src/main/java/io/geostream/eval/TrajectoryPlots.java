package io.geostream.eval;

import io.geostream.geometry.Sim3;
import io.geostream.geometry.TrajectoryMetrics;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PNG plots of an evaluation with plain Java2D (headless): a top view (x, y) of each method's trajectory,
 * Sim(3)-aligned as for the ATE, against the truth; and each method's position error over the frames.
 */
public final class TrajectoryPlots {
    private static final int W = 900, H = 700, MARGIN = 60;
    private static final Color[] COLORS = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C),
            new Color(0x9467BD), new Color(0xFF7F0E)};

    private TrajectoryPlots() {}

    /** Writes {@code topView} and {@code errors} PNGs for the methods' estimates of one sequence (same truth). */
    public static void write(Map<String, double[][]> estimates, double[][] truth, Path topView, Path errors) throws IOException {
        Map<String, double[][]> aligned = new LinkedHashMap<>();
        Map<String, double[]> errorSeries = new LinkedHashMap<>();
        for (Map.Entry<String, double[][]> e : estimates.entrySet()) {
            Sim3 a = TrajectoryMetrics.ate(e.getValue(), truth).alignment();
            double[][] p = new double[truth.length][];
            double[] err = new double[truth.length];
            for (int i = 0; i < truth.length; i++) {
                p[i] = a.apply(e.getValue()[i]);
                err[i] = TrajectoryErrors.distance(p[i], truth[i]);
            }
            aligned.put(e.getKey(), p);
            errorSeries.put(e.getKey(), err);
        }
        // Top view: equal axis scales.
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (double[] q : truth) {
            minX = Math.min(minX, q[0]); maxX = Math.max(maxX, q[0]);
            minY = Math.min(minY, q[1]); maxY = Math.max(maxY, q[1]);
        }
        for (double[][] p : aligned.values()) {
            for (double[] q : p) {
                minX = Math.min(minX, q[0]); maxX = Math.max(maxX, q[0]);
                minY = Math.min(minY, q[1]); maxY = Math.max(maxY, q[1]);
            }
        }
        double span = Math.max(1e-9, Math.max(maxX - minX, maxY - minY));
        double scale = Math.min(W, H) - 2.0 * MARGIN;
        BufferedImage img = canvas();
        Graphics2D g = graphics(img);
        title(g, "top view (x, y), Sim(3)-aligned; black = truth");
        double fx = minX, fy = minY;
        polyline(g, Color.BLACK, truth, q -> MARGIN + (q[0] - fx) / span * scale, q -> H - MARGIN - (q[1] - fy) / span * scale);
        int c = 0;
        for (Map.Entry<String, double[][]> e : aligned.entrySet()) {
            Color color = COLORS[c % COLORS.length];
            polyline(g, color, e.getValue(), q -> MARGIN + (q[0] - fx) / span * scale, q -> H - MARGIN - (q[1] - fy) / span * scale);
            legend(g, color, e.getKey(), c++);
        }
        g.dispose();
        ImageIO.write(img, "png", topView.toFile());

        // Error over frames.
        double maxErr = 1e-9;
        for (double[] s : errorSeries.values()) for (double v : s) maxErr = Math.max(maxErr, v);
        img = canvas();
        g = graphics(img);
        title(g, String.format(java.util.Locale.ROOT, "position error after the ATE alignment (max %.3f)", maxErr));
        int n = truth.length;
        double top = maxErr;
        c = 0;
        for (Map.Entry<String, double[]> e : errorSeries.entrySet()) {
            Color color = COLORS[c % COLORS.length];
            double[][] pts = new double[n][];
            for (int i = 0; i < n; i++) pts[i] = new double[] {i, e.getValue()[i]};
            polyline(g, color, pts, q -> MARGIN + q[0] / Math.max(1, n - 1) * (W - 2.0 * MARGIN),
                    q -> H - MARGIN - q[1] / top * (H - 2.0 * MARGIN));
            legend(g, color, e.getKey(), c++);
        }
        g.dispose();
        ImageIO.write(img, "png", errors.toFile());
    }

    private static BufferedImage canvas() {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.GRAY);
        g.drawRect(MARGIN, MARGIN, W - 2 * MARGIN, H - 2 * MARGIN);
        g.dispose();
        return img;
    }

    private static Graphics2D graphics(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.setStroke(new BasicStroke(1.5f));
        return g;
    }

    private static void title(Graphics2D g, String text) {
        g.setColor(Color.BLACK);
        g.drawString(text, MARGIN, MARGIN - 20);
    }

    private static void legend(Graphics2D g, Color color, String name, int row) {
        g.setColor(color);
        g.drawString(name, W - MARGIN - 160, MARGIN + 20 + 18 * row);
    }

    private static void polyline(Graphics2D g, Color color, double[][] points,
                                 java.util.function.ToDoubleFunction<double[]> x, java.util.function.ToDoubleFunction<double[]> y) {
        g.setColor(color);
        for (int i = 1; i < points.length; i++) {
            g.drawLine((int) Math.round(x.applyAsDouble(points[i - 1])), (int) Math.round(y.applyAsDouble(points[i - 1])),
                    (int) Math.round(x.applyAsDouble(points[i])), (int) Math.round(y.applyAsDouble(points[i])));
        }
    }
}
