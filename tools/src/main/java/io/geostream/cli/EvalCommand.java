package io.geostream.cli;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.clip.KeyframePolicy;
import io.geostream.eval.StitchingEvaluation;
import io.geostream.eval.TrajectoryPlots;
import io.geostream.eval.TumSequence;
import io.geostream.eval.TumTrajectory;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.stitch.OverlapPolicy;
import io.geostream.stitch.StitcherSettings;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

/** {@code geostream eval ...}: offline evaluations against synthetic truth (no Kafka, no Flink). */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Offline evaluations against synthetic truth.",
        subcommands = {EvalCommand.Stitching.class})
public final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (stitching)");
    }

    /** Runs the stitching methods on the same simulated model outputs and writes stitching.json. */
    @Command(name = "stitching", mixinStandardHelpOptions = true,
            description = "Compare stitching methods on simulated model outputs; writes DIR/stitching.json, TUM trajectories"
                    + " and PNG plots of the first seed (top view, error over frames).")
    public static final class Stitching implements Callable<Integer> {
        static final List<String> METHODS = List.of("naive", "robust", "robust_keyframes");

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--frames", defaultValue = "300", description = "Frames per sequence (default ${DEFAULT-VALUE}).")
        int frames;
        @Option(names = "--seed", defaultValue = "1", description = "First seed (default ${DEFAULT-VALUE}).")
        long seed;
        @Option(names = "--seeds", defaultValue = "5", description = "Number of seeds from --seed (default ${DEFAULT-VALUE}).")
        int seeds;
        @Option(names = "--dynamic-share", defaultValue = "0", description = "Share of moving objects (default ${DEFAULT-VALUE}).")
        double dynamicShare;
        @Option(names = "--width", defaultValue = "160", description = "Width (default ${DEFAULT-VALUE}).")
        int width;
        @Option(names = "--height", defaultValue = "120", description = "Height (default ${DEFAULT-VALUE}).")
        int height;
        @Option(names = "--trajectory", defaultValue = "HANDHELD", description = "ORBIT, WALK or HANDHELD (default ${DEFAULT-VALUE}).")
        TrajectoryKind trajectory;
        @Option(names = "--clip-length", defaultValue = "16", description = "Frames per clip (default ${DEFAULT-VALUE}).")
        int clipLength;
        @Option(names = "--clip-stride", defaultValue = "12", description = "Frames between clip starts (default ${DEFAULT-VALUE}).")
        int clipStride;
        @Option(names = "--keyframes", defaultValue = "1",
                description = "Keyframe slots per clip, K in [0, 8] (default ${DEFAULT-VALUE}); all methods see the same clips.")
        int keyframes;
        @Option(names = "--keyframe-policy", defaultValue = "first-only",
                description = "Which frames become keyframes: first-only or refresh (default ${DEFAULT-VALUE}).")
        String keyframePolicy;
        @Option(names = "--keyframe-interval", defaultValue = "4",
                description = "With refresh: every N-th clip promotes a keyframe (default ${DEFAULT-VALUE}).")
        int keyframeInterval;
        @Option(names = "--view-error", defaultValue = "0",
                description = "Simulated model's view-change error share (default ${DEFAULT-VALUE}: a keyframe far from the"
                        + " clip's view is predicted as well as its neighbours; 0.1 = 10 % of the view change).")
        double viewError;
        @Option(names = "--overlap-policy", defaultValue = "first",
                description = "Which prediction of a frame two clips hold is emitted: first or blended (default ${DEFAULT-VALUE}).")
        String overlapPolicy;
        @Option(names = "--withhold-intrinsics", description = "Estimate intrinsics instead of giving them.")
        boolean withholdIntrinsics;
        @Option(names = "--tum", description = "A TUM RGB-D sequence directory (rgb.txt, depth.txt, groundtruth.txt) as the"
                + " truth instead of synthetic scenes; needs --fx --fy --cx --cy; each seed draws other model errors.")
        Path tum;
        /** Of the TUM images. */
        @CommandLine.Mixin
        IntrinsicsFlags k;

        /** All four intrinsics given; one to three of them is a usage error. */
        private boolean intrinsicsGiven() {
            try {
                return k.given();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        @Option(names = "--tum-downsample", defaultValue = "4",
                description = "Keep every k-th TUM pixel in each direction (default ${DEFAULT-VALUE}: 640x480 -> 160x120).")
        int tumDownsample;
        @Option(names = "--out", defaultValue = "geostream-eval-out", description = "Output directory (default ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (frames < 3 || seeds < 1 || width < 16 || height < 16 || !(dynamicShare >= 0 && dynamicShare <= 1)) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "need --frames >= 3, --seeds >= 1, --width/--height >= 16 and --dynamic-share in [0, 1]");
            }
            ClipCutterSettings clips;
            StitcherSettings stitcherConfig;
            SimulatedModelSettings modelOptions;
            try {
                clips = new ClipCutterSettings(clipLength, clipStride, 4, 10_000, keyframes)
                        .withKeyframePolicy(KeyframePolicy.parse(keyframePolicy), keyframeInterval);
                modelOptions = SimulatedModelSettings.defaults().withViewError(viewError);
                stitcherConfig = StitcherSettings.defaults().withOverlapPolicy(OverlapPolicy.parse(overlapPolicy));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            TumSequence sequence = null;
            if (tum != null) {
                if (!intrinsicsGiven()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--tum needs --fx, --fy, --cx and --cy");
                }
                try {
                    sequence = TumSequence.open(tum, k.fx, k.fy, k.cx, k.cy, frames, tumDownsample);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                }
                frames = sequence.frames();
            }
            Files.createDirectories(out);
            Map<String, List<StitchingEvaluation.Scores>> byMethod = new LinkedHashMap<>();
            List<Long> seedList = new ArrayList<>();
            PrintWriter console = spec.commandLine().getOut();
            for (int k = 0; k < seeds; k++) {
                long s = seed + k;
                seedList.add(s);
                Map<String, StitchingEvaluation.Scores> scores;
                if (sequence != null) {
                    scores = StitchingEvaluation.run(sequence, "tum-seed" + s, modelOptions, clips,
                            stitcherConfig, !withholdIntrinsics, METHODS);
                } else {
                    SceneSpec scene = new SceneSpec(s, width, height, frames, trajectory, dynamicShare, 30);
                    scores = StitchingEvaluation.run(scene, modelOptions, clips, stitcherConfig,
                            !withholdIntrinsics, METHODS);
                }
                if (k == 0) {
                    // Plots of the first seed (same truth for every method: one estimate per frame, in order).
                    System.setProperty("java.awt.headless", "true");
                    Map<String, double[][]> estimates = new LinkedHashMap<>();
                    double[][] truth = null;
                    for (StitchingEvaluation.Scores sc : scores.values()) {
                        if (sc.frames() != frames) continue; // a method that lost frames cannot share the plot
                        estimates.put(sc.method(), sc.estimatedPositions());
                        truth = sc.truePositions();
                    }
                    if (truth != null) {
                        TrajectoryPlots.write(estimates, truth, out.resolve("topview-seed" + s + ".png"),
                                out.resolve("errors-seed" + s + ".png"));
                    }
                }
                for (StitchingEvaluation.Scores sc : scores.values()) {
                    byMethod.computeIfAbsent(sc.method(), m -> new ArrayList<>()).add(sc);
                    try (Writer w = Files.newBufferedWriter(out.resolve(sc.method() + "-seed" + s + ".tum"))) {
                        TumTrajectory.write(w, sc.timestampsSeconds(), sc.estimatedPoses());
                    }
                    console.printf(Locale.ROOT, "seed %d %-7s ATE %.4f (%.4f of length) drift %.4f absrel %.4f breaks %d%n",
                            s, sc.method(), sc.ateRmse(), sc.ateOverLength(), sc.driftOverLength(), sc.absrelGlobal(),
                            sc.segmentBreaks());
                }
            }
            String json = json(frames, seedList, byMethod);
            Files.writeString(out.resolve("stitching.json"), json);
            console.printf(Locale.ROOT, "clips T=%d S=%d, %d keyframe slot(s), policy %s (interval %d), view error %.2f%n",
                    clips.clipLength(), clips.stride(), clips.keyframes(), clips.keyframePolicy().id(), clips.keyframeInterval(),
                    modelOptions.viewErrorShare());
            console.printf(Locale.ROOT, "%-8s %10s %10s %10s %10s %10s %8s %8s %8s%n", "method", "ate_rmse", "ate/len",
                    "drift/len", "absrel_g", "absrel_c", "normal°", "breaks", "ms/frame");
            for (Map.Entry<String, List<StitchingEvaluation.Scores>> e : byMethod.entrySet()) {
                List<StitchingEvaluation.Scores> l = e.getValue();
                console.printf(Locale.ROOT, "%-8s %10.4f %10.5f %10.5f %10.4f %10.4f %8.2f %8.0f %8.2f%n", e.getKey(),
                        median(l, StitchingEvaluation.Scores::ateRmse), median(l, StitchingEvaluation.Scores::ateOverLength),
                        median(l, StitchingEvaluation.Scores::driftOverLength), median(l, StitchingEvaluation.Scores::absrelGlobal),
                        median(l, StitchingEvaluation.Scores::absrelClip), median(l, StitchingEvaluation.Scores::normalMeanDeg),
                        median(l, StitchingEvaluation.Scores::segmentBreaks), median(l, StitchingEvaluation.Scores::msPerFrame));
            }
            console.println("wrote " + out.resolve("stitching.json"));
            return 0;
        }

        /** {"frames": N, "seeds": [...], "methods": {name: {medians..., worst_ate_over_length}}}. */
        static String json(int frames, List<Long> seeds, Map<String, List<StitchingEvaluation.Scores>> byMethod) {
            StringBuilder b = new StringBuilder();
            b.append("{\"frames\": ").append(frames).append(", \"seeds\": ").append(seeds).append(", \"methods\": {");
            boolean first = true;
            for (Map.Entry<String, List<StitchingEvaluation.Scores>> e : byMethod.entrySet()) {
                List<StitchingEvaluation.Scores> l = e.getValue();
                if (!first) b.append(", ");
                first = false;
                b.append('"').append(e.getKey()).append("\": {");
                field(b, "ate_rmse", median(l, StitchingEvaluation.Scores::ateRmse), true);
                field(b, "ate_over_length", median(l, StitchingEvaluation.Scores::ateOverLength), false);
                field(b, "drift_over_length", median(l, StitchingEvaluation.Scores::driftOverLength), false);
                field(b, "absrel_global", median(l, StitchingEvaluation.Scores::absrelGlobal), false);
                field(b, "absrel_clip", median(l, StitchingEvaluation.Scores::absrelClip), false);
                field(b, "delta1_global", median(l, StitchingEvaluation.Scores::delta1Global), false);
                field(b, "normal_mean_deg", median(l, StitchingEvaluation.Scores::normalMeanDeg), false);
                field(b, "segment_breaks", median(l, StitchingEvaluation.Scores::segmentBreaks), false);
                field(b, "ms_per_frame", median(l, StitchingEvaluation.Scores::msPerFrame), false);
                field(b, "worst_ate_over_length", l.stream().mapToDouble(StitchingEvaluation.Scores::ateOverLength).max().orElse(Double.NaN), false);
                b.append('}');
            }
            return b.append("}}\n").toString();
        }

        private static void field(StringBuilder b, String name, double value, boolean first) {
            if (!first) b.append(", ");
            b.append('"').append(name).append("\": ").append(Double.isFinite(value) ? String.format(Locale.ROOT, "%.6g", value) : "null");
        }

        static double median(List<StitchingEvaluation.Scores> l, ToDoubleFunction<StitchingEvaluation.Scores> f) {
            double[] v = l.stream().mapToDouble(f).toArray();
            Arrays.sort(v);
            int n = v.length;
            return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        }
    }
}
