package io.geostream.demo;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.ScaleStatus;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.TrajectoryMetrics;
import io.geostream.synthetic.SyntheticScene;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One stream's committed camera path as PNG charts (XChart) with axes, units and a legend. Against the synthetic truth
 * (metres, world z up): a top view (x, y) of the true path and of each segment's estimate after the same Sim(3)
 * (Umeyama) fit onto the truth as the summary's ATE, and the position error over the frames. Without truth (a real
 * video): the estimated path alone, top view (x, z) of each segment's own frame (its first camera: x right, y down,
 * z forward), in the segment's units.
 */
final class TrajectoryCharts {
    static final int WIDTH = 620, HEIGHT = 520;
    /** More segments than this are left out of the charts (each is a series; the page says how many). */
    static final int MAX_SEGMENTS = 8;
    private static final Color[] COLORS = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C),
            new Color(0x9467BD), new Color(0xFF7F0E), new Color(0x8C564B), new Color(0xE377C2), new Color(0x17BECF)};

    /** A chart as PNG bytes and what it shows, for the image's alt text and caption. */
    record Chart(String title, byte[] png) {}

    private TrajectoryCharts() {}

    /** The stream's frames by segment identity, each in frame order, in order of their first frame. */
    static List<List<GeometryFrame>> segments(List<GeometryFrame> streamFrames) {
        Map<String, List<GeometryFrame>> bySegment = new LinkedHashMap<>();
        streamFrames.stream().sorted(Comparator.comparingLong(GeometryFrame::getFrameIndex)).forEach(g ->
                bySegment.computeIfAbsent(g.getSegmentStartMicros() + "/" + g.getSegmentId(), k -> new ArrayList<>()).add(g));
        return new ArrayList<>(bySegment.values());
    }

    /** Top view and error over frames against the truth; segments of fewer than 3 frames cannot be aligned and are left out. */
    static List<Chart> againstTruth(String streamId, List<List<GeometryFrame>> segments, SyntheticScene truth) throws IOException {
        XYChart top = chart("camera path, top view: truth and estimate (Sim(3)-aligned per segment)", "x (m)", "y (m)");
        XYChart error = chart("position error after the alignment", "frame", "error (m)");
        int frames = truth.frames();
        double[] tx = new double[frames], ty = new double[frames];
        for (int i = 0; i < frames; i++) {
            double[] c = truth.worldFromCamera(i).center();
            tx[i] = c[0];
            ty[i] = c[1];
        }
        line(top.addSeries("truth", tx, ty), Color.BLACK);
        double[] box = {min(tx), max(tx), min(ty), max(ty)};
        int k = 0;
        for (List<GeometryFrame> seg : segments) {
            if (seg.size() < 3 || k == MAX_SEGMENTS) continue;
            double[][] est = new double[seg.size()][];
            double[][] ref = new double[seg.size()][];
            for (int i = 0; i < seg.size(); i++) {
                est[i] = centre(seg.get(i));
                ref[i] = truth.worldFromCamera((int) seg.get(i).getFrameIndex()).center();
            }
            Sim3 alignment = TrajectoryMetrics.ate(est, ref).alignment();
            double[] ex = new double[seg.size()], ey = new double[seg.size()], frame = new double[seg.size()], err = new double[seg.size()];
            for (int i = 0; i < seg.size(); i++) {
                double[] p = alignment.apply(est[i]);
                ex[i] = p[0];
                ey[i] = p[1];
                frame[i] = seg.get(i).getFrameIndex();
                err[i] = Math.sqrt(sq(p[0] - ref[i][0]) + sq(p[1] - ref[i][1]) + sq(p[2] - ref[i][2]));
            }
            String name = segments.size() == 1 ? "estimate" : "estimate, segment " + seg.get(0).getSegmentId();
            line(top.addSeries(name, ex, ey), COLORS[k % COLORS.length]);
            line(error.addSeries(segments.size() == 1 ? "error" : "segment " + seg.get(0).getSegmentId(), frame, err),
                    COLORS[k % COLORS.length]);
            box = new double[] {Math.min(box[0], min(ex)), Math.max(box[1], max(ex)), Math.min(box[2], min(ey)), Math.max(box[3], max(ey))};
            k++;
        }
        equalScales(top, box);
        List<Chart> charts = new ArrayList<>();
        charts.add(new Chart(streamId + ": " + top.getTitle(), BitmapEncoder.getBitmapBytes(top, BitmapEncoder.BitmapFormat.PNG)));
        if (k > 0) charts.add(new Chart(streamId + ": " + error.getTitle(), BitmapEncoder.getBitmapBytes(error, BitmapEncoder.BitmapFormat.PNG)));
        return charts;
    }

    /** The estimated path alone, each segment in its own frame and units: there is no truth to align it to. */
    static Chart estimateOnly(String streamId, List<List<GeometryFrame>> segments) throws IOException {
        boolean metric = segments.stream().allMatch(s -> s.get(0).getScaleStatus() == ScaleStatus.METRIC);
        String unit = metric ? "m" : "segment units";
        XYChart top = chart("estimated camera path, top view (no truth)", "x (" + unit + ")", "z (" + unit + ")");
        double[] box = {Double.MAX_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE};
        int k = 0;
        for (List<GeometryFrame> seg : segments) {
            if (k == MAX_SEGMENTS) break;
            double scale = metric ? seg.get(0).getScaleFactor() : 1;
            double[] x = new double[seg.size()], z = new double[seg.size()];
            for (int i = 0; i < seg.size(); i++) {
                double[] c = centre(seg.get(i));
                x[i] = c[0] * scale;
                z[i] = c[2] * scale;
            }
            String name = segments.size() == 1 ? "estimate" : "estimate, segment " + seg.get(0).getSegmentId();
            line(top.addSeries(name, x, z), COLORS[k % COLORS.length]);
            box = new double[] {Math.min(box[0], min(x)), Math.max(box[1], max(x)), Math.min(box[2], min(z)), Math.max(box[3], max(z))};
            k++;
        }
        equalScales(top, box);
        return new Chart(streamId + ": " + top.getTitle(), BitmapEncoder.getBitmapBytes(top, BitmapEncoder.BitmapFormat.PNG));
    }

    private static XYChart chart(String title, String xAxis, String yAxis) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xAxis).yAxisTitle(yAxis).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS).setChartBackgroundColor(Color.WHITE)
                .setPlotBackgroundColor(Color.WHITE).setMarkerSize(0);
        return c;
    }

    private static void line(XYSeries s, Color color) {
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
    }

    /** The same length per unit on both axes (the plot area is about square): a path is not stretched. */
    private static void equalScales(XYChart chart, double[] box) {
        double span = Math.max(box[1] - box[0], box[3] - box[2]);
        span = span > 1e-12 ? span * 1.08 : 1; // a camera that did not move: one unit around it
        double cx = (box[0] + box[1]) / 2, cy = (box[2] + box[3]) / 2;
        chart.getStyler().setXAxisMin(cx - span / 2).setXAxisMax(cx + span / 2).setYAxisMin(cy - span / 2).setYAxisMax(cy + span / 2);
    }

    private static double[] centre(GeometryFrame g) {
        return new double[] {g.getWorldFromCamera().getTx(), g.getWorldFromCamera().getTy(), g.getWorldFromCamera().getTz()};
    }

    private static double min(double[] v) {
        double m = Double.MAX_VALUE;
        for (double x : v) m = Math.min(m, x);
        return m;
    }

    private static double max(double[] v) {
        double m = -Double.MAX_VALUE;
        for (double x : v) m = Math.max(m, x);
        return m;
    }

    private static double sq(double v) {
        return v * v;
    }
}
