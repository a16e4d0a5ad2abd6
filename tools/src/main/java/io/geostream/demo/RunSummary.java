package io.geostream.demo;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.GeometryFrame;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.TrajectoryMetrics;
import io.geostream.map.SegmentCorrections;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of a run, overall and per stream, written as {@code summary.json}. Trajectory error is
 * measured against the synthetic truth: ATE = RMSE after one Sim(3) (Umeyama) fit per segment of the
 * estimated camera centres onto the true ones. With the simulated model these figures measure the
 * stitching and the pipeline, NOT the accuracy of any real model.
 */
public final class RunSummary {

    /** Per-stream figures. */
    public record StreamFigures(String streamId, long framesIn, long framesOut, long deadLetters, long segments,
                                Double ateRmseM, Double trajectoryLengthM) {}

    private final long framesIn;
    private final long framesRejected;
    private final long framesOut;
    private final long deadLetters;
    private final Double ateRmseM;
    private final Double trajectoryLengthM;
    private final double wallS;
    private final String model;
    private final List<StreamFigures> streams;
    /** Loop-closure correction records read, the segments they correct, and the ATE after them (null: no truth or none). */
    private long correctionRecords;
    private long segmentsCorrected;
    private Double ateCorrectedM;
    /** Cross-frame consistency of the output, or null when not measured. */
    private OutputConsistency.Figures consistency;

    private RunSummary(long framesIn, long framesRejected, long framesOut, long deadLetters, Double ate, Double length,
                       double wallS, String model, List<StreamFigures> streams) {
        this.framesIn = framesIn;
        this.framesRejected = framesRejected;
        this.framesOut = framesOut;
        this.deadLetters = deadLetters;
        this.ateRmseM = ate;
        this.trajectoryLengthM = length;
        this.wallS = wallS;
        this.model = model;
        this.streams = streams;
    }

    /**
     * @param published    valid frames published per stream
     * @param specs        the synthetic scene of each stream, or an empty map when there is no truth
     * @param rejectedIn   malformed records published on purpose (they must all be dead-lettered)
     */
    public static RunSummary of(Map<String, Long> published, Map<String, SceneSpec> specs, long rejectedIn,
                                CommittedOutput out, double wallS, String model) {
        Map<String, List<GeometryFrame>> byStream = new TreeMap<>();
        for (GeometryFrame g : out.frames()) byStream.computeIfAbsent(g.getStreamId(), k -> new ArrayList<>()).add(g);
        Map<String, Long> deadByStream = new TreeMap<>();
        for (DeadLetter d : out.deadLetters()) {
            if (d.getStreamId() != null) deadByStream.merge(d.getStreamId(), 1L, Long::sum);
        }
        List<StreamFigures> streams = new ArrayList<>();
        double sqSum = 0;
        long sqCount = 0;
        double lengthSum = 0;
        boolean anyTruth = false;
        for (Map.Entry<String, Long> e : new TreeMap<>(published).entrySet()) {
            String id = e.getKey();
            List<GeometryFrame> frames = byStream.getOrDefault(id, List.of());
            SceneSpec spec = specs.get(id);
            Double ate = null, length = null;
            long segments = frames.stream().map(RunSummary::segmentIdentity).distinct().count();
            if (spec != null && !frames.isEmpty()) {
                SyntheticScene scene = new SyntheticScene(spec);
                double[] perStream = ate(frames, scene);
                ate = perStream[0] >= 0 ? Math.sqrt(perStream[0] / perStream[1]) : null;
                if (ate != null) {
                    sqSum += perStream[0];
                    sqCount += (long) perStream[1];
                }
                length = pathLength(scene, spec.frames());
                lengthSum += length;
                anyTruth = true;
            }
            streams.add(new StreamFigures(id, e.getValue(), frames.size(), deadByStream.getOrDefault(id, 0L), segments, ate, length));
        }
        long in = published.values().stream().mapToLong(Long::longValue).sum();
        Double ate = anyTruth && sqCount > 0 ? Math.sqrt(sqSum / sqCount) : null;
        RunSummary summary = new RunSummary(in, rejectedIn, out.frames().size(), out.deadLetters().size(), ate,
                anyTruth ? lengthSum : null, wallS, model, streams);
        SegmentCorrections corrections = new SegmentCorrections(null);
        out.corrections().forEach(corrections::accept);
        summary.correctionRecords = out.corrections().size();
        summary.segmentsCorrected = out.frames().stream().filter(g -> corrections.version(g.getStreamId(), g.getSegmentStartMicros(),
                g.getSegmentId()) > 0).map(g -> g.getStreamId() + "/" + segmentIdentity(g)).distinct().count();
        if (summary.segmentsCorrected > 0 && ate != null) {
            double csq = 0;
            long cn = 0;
            for (Map.Entry<String, List<GeometryFrame>> e : byStream.entrySet()) {
                SceneSpec spec = specs.get(e.getKey());
                if (spec == null) continue;
                double[] perStream = ate(e.getValue(), new SyntheticScene(spec), corrections);
                if (perStream[0] >= 0) {
                    csq += perStream[0];
                    cn += (long) perStream[1];
                }
            }
            summary.ateCorrectedM = cn > 0 ? Math.sqrt(csq / cn) : null;
        }
        return summary;
    }

    /** A segment's identity within its stream (ids start over when a released stream comes back). */
    private static String segmentIdentity(GeometryFrame g) {
        return g.getSegmentStartMicros() + "/" + g.getSegmentId();
    }

    /** Sum of squared ATE residuals over the stream's segments and their count ({-1, 0} when not computable). */
    private static double[] ate(List<GeometryFrame> frames, SyntheticScene scene) {
        return ate(frames, scene, null);
    }

    /** As {@link #ate(List, SyntheticScene)}, on the camera centres after each segment's latest correction (when any). */
    private static double[] ate(List<GeometryFrame> frames, SyntheticScene scene, SegmentCorrections corrections) {
        Map<String, List<GeometryFrame>> bySegment = new TreeMap<>();
        for (GeometryFrame g : frames) bySegment.computeIfAbsent(segmentIdentity(g), k -> new ArrayList<>()).add(g);
        double sq = 0;
        long n = 0;
        for (List<GeometryFrame> seg : bySegment.values()) {
            if (seg.size() < 3) continue;
            seg.sort(Comparator.comparingLong(GeometryFrame::getFrameIndex));
            double[][] est = new double[seg.size()][];
            double[][] truth = new double[seg.size()][];
            for (int i = 0; i < seg.size(); i++) {
                GeometryFrame g = seg.get(i);
                est[i] = new double[] {g.getWorldFromCamera().getTx(), g.getWorldFromCamera().getTy(), g.getWorldFromCamera().getTz()};
                io.geostream.geometry.Sim3 c = corrections == null ? null : corrections.forFrame(g);
                if (c != null) est[i] = c.apply(est[i]);
                RigidTransform t = scene.worldFromCamera((int) g.getFrameIndex());
                truth[i] = t.center();
            }
            TrajectoryMetrics.AteResult r = TrajectoryMetrics.ate(est, truth);
            sq += r.rmse() * r.rmse() * seg.size();
            n += seg.size();
        }
        return n == 0 ? new double[] {-1, 0} : new double[] {sq, n};
    }

    private static double pathLength(SyntheticScene scene, int frames) {
        double len = 0;
        double[] prev = null;
        for (int i = 0; i < frames; i++) {
            double[] c = scene.worldFromCamera(i).center();
            if (prev != null) len += Math.sqrt(sq(c[0] - prev[0]) + sq(c[1] - prev[1]) + sq(c[2] - prev[2]));
            prev = c;
        }
        return len;
    }

    /** Output segments beyond the first of a stream that produced frames (0 expected on a synthetic stream). */
    private static long segmentBreaks(StreamFigures s) {
        return Math.max(0, s.segments() - 1);
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null || !(b > 0) ? null : a / b;
    }

    private static double sq(double v) {
        return v * v;
    }

    public long framesIn() { return framesIn; }
    public long framesRejected() { return framesRejected; }
    public long framesOut() { return framesOut; }
    public long deadLetters() { return deadLetters; }
    public Double ateRmseM() { return ateRmseM; }
    public Double trajectoryLengthM() { return trajectoryLengthM; }
    public List<StreamFigures> streams() { return streams; }
    public OutputConsistency.Figures consistency() { return consistency; }

    /** Adds the output's cross-frame consistency ({@link OutputConsistency}) to the summary. */
    public RunSummary withConsistency(OutputConsistency.Figures figures) {
        this.consistency = figures;
        return this;
    }

    /** summary.json: units in the key names; null where there is no truth. */
    public String toJson() {
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"model\": ").append(str(model)).append(",\n");
        b.append("  \"frames_in\": ").append(framesIn).append(",\n");
        b.append("  \"frames_rejected\": ").append(framesRejected).append(",\n");
        b.append("  \"frames_out\": ").append(framesOut).append(",\n");
        b.append("  \"dead_letters\": ").append(deadLetters).append(",\n");
        b.append("  \"ate_rmse_m\": ").append(num(ateRmseM)).append(",\n");
        b.append("  \"trajectory_length_m\": ").append(num(trajectoryLengthM)).append(",\n");
        b.append("  \"ate_over_length\": ").append(num(ratio(ateRmseM, trajectoryLengthM))).append(",\n");
        b.append("  \"segment_breaks\": ").append(streams.stream().mapToLong(RunSummary::segmentBreaks).sum()).append(",\n");
        b.append("  \"corrections\": ").append(correctionRecords).append(",\n");
        b.append("  \"segments_corrected\": ").append(segmentsCorrected).append(",\n");
        b.append("  \"ate_over_length_corrected\": ").append(num(ratio(ateCorrectedM, trajectoryLengthM))).append(",\n");
        if (consistency != null) {
            io.geostream.eval.FrameConsistency.Result c = consistency.overall();
            b.append("  \"boundary_consistency\": ").append(num(c.boundary())).append(",\n");
            b.append("  \"within_consistency\": ").append(num(c.within())).append(",\n");
            b.append("  \"consistency_ratio\": ").append(num(c.ratio())).append(",\n");
        }
        b.append("  \"wall_s\": ").append(num(wallS)).append(",\n");
        b.append("  \"streams\": {");
        for (int i = 0; i < streams.size(); i++) {
            StreamFigures s = streams.get(i);
            Map<String, String> f = new LinkedHashMap<>();
            f.put("frames_in", String.valueOf(s.framesIn()));
            f.put("frames_out", String.valueOf(s.framesOut()));
            f.put("dead_letters", String.valueOf(s.deadLetters()));
            f.put("segments", String.valueOf(s.segments()));
            f.put("ate_rmse_m", num(s.ateRmseM()));
            f.put("trajectory_length_m", num(s.trajectoryLengthM()));
            f.put("ate_over_length", num(ratio(s.ateRmseM(), s.trajectoryLengthM())));
            f.put("segment_breaks", String.valueOf(segmentBreaks(s)));
            io.geostream.eval.FrameConsistency.Result c = consistency == null ? null : consistency.byStream().get(s.streamId());
            if (c != null) {
                f.put("boundary_consistency", num(c.boundary()));
                f.put("within_consistency", num(c.within()));
            }
            b.append(i == 0 ? "\n" : ",\n").append("    ").append(str(s.streamId())).append(": {");
            int j = 0;
            for (Map.Entry<String, String> e : f.entrySet()) {
                b.append(j++ == 0 ? "" : ", ").append(str(e.getKey())).append(": ").append(e.getValue());
            }
            b.append("}");
        }
        b.append(streams.isEmpty() ? "}\n" : "\n  }\n").append("}\n");
        return b.toString();
    }

    /** A few human lines; {@code simulated} adds the reminder that the figures are not model accuracy. */
    public String toHuman(boolean simulated) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "frames in %d, out %d, rejected inputs %d, dead letters %d, wall %.1f s%n",
                framesIn, framesOut, framesRejected, deadLetters, wallS));
        if (ateRmseM != null) {
            b.append(String.format(Locale.ROOT, "trajectory error (ATE, Sim(3)-aligned per segment) %.4f m over %.2f m of path (%.2f %%)%n",
                    ateRmseM, trajectoryLengthM, 100 * ateRmseM / trajectoryLengthM));
            if (simulated) {
                b.append("  (measured with the SIMULATED model: a stitching/pipeline figure, not model accuracy)\n");
            }
        }
        if (segmentsCorrected > 0) {
            b.append(String.format(Locale.ROOT, "loop closure: %d correction record(s) for %d segment(s)%s%n", correctionRecords,
                    segmentsCorrected, ateCorrectedM == null ? "" : String.format(Locale.ROOT, "; ATE after them %.4f m", ateCorrectedM)));
        }
        if (consistency != null) {
            io.geostream.eval.FrameConsistency.Result c = consistency.overall();
            b.append(String.format(Locale.ROOT, "depth consistency between neighbouring frames (median relative disagreement):"
                    + " %.4f across clip boundaries, %.4f inside clips (ratio %.2f)%n", c.boundary(), c.within(), c.ratio()));
        }
        for (StreamFigures s : streams) {
            b.append(String.format(Locale.ROOT, "  %s: %d/%d frames, %d segment(s)%s%n", s.streamId(), s.framesOut(), s.framesIn(),
                    s.segments(), s.ateRmseM() == null ? "" : String.format(Locale.ROOT, ", ATE %.4f m", s.ateRmseM())));
        }
        return b.toString();
    }

    private static String num(Double v) {
        return v == null || !Double.isFinite(v) ? "null" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
