package io.geostream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.geostream.eval.ClipGeometryAccuracy;
import io.geostream.eval.ClipGeometryAccuracy.Metric;
import io.geostream.eval.GeometryBaselines;
import io.geostream.eval.ModelEvaluation;
import io.geostream.eval.ModelEvaluation.EvalClip;
import io.geostream.eval.TumSequence;
import io.geostream.model.ClipRequirements;
import io.geostream.model.GeometryModel;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.model.torchscript.GeometryModels;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code geostream eval model}: a model package's accuracy on held-out clips with known geometry, next to baselines
 * scored by the same code (docs/metrics.md, "Model evaluation"). Writes {@code model-eval.json} and
 * {@code model-eval.md}; logs and the table go to stderr, the last stdout line is {@code key=value} pairs.
 */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Score a model package on held-out clips (synthetic ORBIT scenes or a TUM RGB-D sequence) against"
                + " the truth, beside baselines (a fronto-parallel plane, the training set's mean maps, tiny-e2e);"
                + " writes DIR/model-eval.json and DIR/model-eval.md.")
public final class EvalModelCommand implements Callable<Integer> {
    /** The default baseline package, looked for under the working directory and its parents. */
    static final String DEFAULT_BASELINE_PACKAGE = "models/tiny-e2e";
    static final String PLANE = "baseline_plane";
    static final String MEAN = "baseline_mean";
    static final int DEFAULT_SEEDS = 5;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--package", required = true, description = "The model package directory to evaluate.")
    Path packageDir;
    @Option(names = "--seeds", description = "Synthetic data: seeds 1..N (default " + DEFAULT_SEEDS + ").")
    Integer seeds;
    @Option(names = "--clips-per-seed", defaultValue = "2",
            description = "Clips per seed, spread over one lap of the orbit; with --tum: clips spread over the sequence"
                    + " (default ${DEFAULT-VALUE}).")
    int clipsPerSeed;
    @Option(names = "--fps", defaultValue = "10",
            description = "Frame rate of the synthetic scenes, as the demo's cameras (default ${DEFAULT-VALUE}).")
    double fps;
    @Option(names = "--input-scale", defaultValue = "1",
            description = "Synthetic data: render the model's input N times larger in each direction (a camera of more"
                    + " pixels than the model takes; the package resizes it), the truth at the package's size (default"
                    + " ${DEFAULT-VALUE}: at the package's size).")
    int inputScale;
    @Option(names = "--tum", description = "A TUM RGB-D sequence directory (rgb.txt, depth.txt, groundtruth.txt) instead"
            + " of synthetic scenes; needs --fx --fy --cx --cy (of its full-resolution images).")
    Path tum;
    @CommandLine.Mixin
    IntrinsicsFlags k;
    @Option(names = "--baseline-package",
            description = "A second package scored as a baseline (default: " + DEFAULT_BASELINE_PACKAGE + " under the"
                    + " working directory or a parent; left out with a note when not found).")
    Path baselinePackage;
    @Option(names = "--device", description = "Device of both packages: cpu (default) or gpu:N.")
    String device;
    @Option(names = "--out", defaultValue = "geostream-eval-out", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    /** A model or baseline entry of model-eval.json: its per-clip scores at its resolution. */
    record Entry(String role, int width, int height, List<ClipGeometryAccuracy.Scores> clips) {}

    @Override
    public Integer call() throws Exception {
        PrintStream log = System.err;
        if (clipsPerSeed < 1) usage("--clips-per-seed must be >= 1");
        if (!(fps > 0 && fps <= 1000)) usage("--fps must be in (0, 1000]");
        boolean intrinsics;
        try {
            intrinsics = k.given();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (tum != null && seeds != null) usage("give --seeds or --tum, not both");
        if (inputScale < 1 || inputScale > 16) usage("--input-scale must be in [1, 16]");
        if (tum != null && inputScale != 1) usage("--input-scale is for synthetic data (a TUM sequence goes in as recorded)");
        if (tum == null && intrinsics) usage("--fx --fy --cx --cy go with --tum");
        if (tum != null && !intrinsics) usage("--tum needs --fx, --fy, --cx and --cy");
        int seedCount = seeds == null ? DEFAULT_SEEDS : seeds;
        if (seedCount < 1) usage("--seeds must be >= 1");

        GeometryModels.InputSize size;
        ClipRequirements requirements;
        try {
            size = GeometryModels.inputSize(packageDir);
            requirements = GeometryModels.clipRequirements(packageDir);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        int clipFrames = requirements.lengthNear(ModelEvaluation.DEFAULT_CLIP_FRAMES);
        Path baseline = baselinePackage;
        if (baseline == null) {
            baseline = findUpwards(Path.of(DEFAULT_BASELINE_PACKAGE));
            if (baseline == null) log.println("note: " + DEFAULT_BASELINE_PACKAGE + " not found under " + Path.of("").toAbsolutePath()
                    + " or a parent: no package baseline (give --baseline-package)");
        } else if (!Files.isDirectory(baseline)) {
            throw usage("--baseline-package " + baseline + " is not a directory");
        }
        TumSequence sequence = null;
        if (tum != null) {
            try {
                sequence = TumSequence.open(tum, k.fx, k.fy, k.cx, k.cy, 0, 1);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            if (sequence.frames() < clipFrames) {
                throw usage("the TUM sequence has " + sequence.frames() + " associated frames, a clip of the package needs "
                        + clipFrames);
            }
        }
        Files.createDirectories(out);

        ObjectMapper mapper = new ObjectMapper();
        ObjectNode data = mapper.createObjectNode();
        Map<String, Entry> entries = new LinkedHashMap<>();
        String packageName;
        final TumSequence seq = sequence;
        ClipSource clipsAt = (w, h) -> clips(seq, seedCount, w, h, clipFrames);

        List<EvalClip> clips = clipsAt.at(size.width(), size.height());
        describeData(data, sequence, seedCount, clipFrames, size, clips);
        log.printf(Locale.ROOT, "%d clips of %d frames at %dx%d (%s)%n", clips.size(), clipFrames, size.width(), size.height(),
                sequence == null ? "synthetic " + ModelEvaluation.TRAJECTORY + ", seeds 1.." + seedCount : "TUM " + tum);

        // The mean maps first: a file of another size fails the run before any model runs.
        GeometryBaselines.MeanMaps mean = GeometryBaselines.MeanMaps.read(packageDir);
        if (mean == null) {
            log.println("note: " + packageDir.resolve(GeometryBaselines.MEAN_DIR) + " has no " + GeometryBaselines.MEAN_DEPTH
                    + " / " + GeometryBaselines.MEAN_NORMALS + ": no " + MEAN + " entry");
        } else if (mean.width() != size.width() || mean.height() != size.height()) {
            throw new IllegalArgumentException(packageDir.resolve(GeometryBaselines.MEAN_DIR) + ": the mean maps are "
                    + mean.width() + "x" + mean.height() + " but the package's output is " + size.width() + "x" + size.height());
        }
        try (GeometryModel model = open(packageDir)) {
            packageName = model.info().id();
            log.println("evaluating " + model.info().qualifiedName() + " (" + packageDir + ")");
            entries.put(packageName, new Entry("package", size.width(), size.height(), run(model, clips, log)));
        }
        List<ClipGeometryAccuracy.Scores> plane = new ArrayList<>();
        for (EvalClip c : clips) plane.add(ModelEvaluation.score(c, GeometryBaselines.plane(c.intrinsics())));
        entries.put(PLANE, new Entry("baseline", size.width(), size.height(), plane));
        if (mean != null) {
            List<ClipGeometryAccuracy.Scores> scores = new ArrayList<>();
            for (EvalClip c : clips) scores.add(ModelEvaluation.score(c, mean.prediction(c.intrinsics())));
            entries.put(MEAN, new Entry("baseline", size.width(), size.height(), scores));
        }
        if (baseline != null) addPackageBaseline(baseline, clipFrames, requirements, clipsAt, entries, log);

        String bestBaseline = null;
        double bestAbsRel = Double.POSITIVE_INFINITY;
        Map<String, Map<Metric, ClipGeometryAccuracy.Figure>> summaries = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Map<Metric, ClipGeometryAccuracy.Figure> s = ClipGeometryAccuracy.summarize(e.getValue().clips());
            summaries.put(e.getKey(), s);
            double absRel = s.get(Metric.ABSREL).mean();
            if (e.getValue().role().equals("baseline") && absRel < bestAbsRel) {
                bestAbsRel = absRel;
                bestBaseline = e.getKey();
            }
        }
        Path json = out.resolve("model-eval.json");
        Files.writeString(json, json(mapper, packageName, data, entries, summaries));
        String table = table(packageName, data, entries, summaries);
        Files.writeString(out.resolve("model-eval.md"), table);
        log.print(table);
        log.println("wrote " + json + " and " + out.resolve("model-eval.md"));
        Map<Metric, ClipGeometryAccuracy.Figure> p = summaries.get(packageName);
        StringBuilder line = new StringBuilder("result=ok package=").append(packageName);
        for (Metric m : List.of(Metric.ABSREL, Metric.ABSREL_Z, Metric.DELTA1, Metric.POINTS_REL, Metric.NORMAL_MEAN_DEG,
                Metric.NORMAL_MEDIAN_DEG)) {
            line.append(' ').append(m.key()).append('=').append(asInJson(p.get(m).mean()));
        }
        line.append(" clips=").append(entries.get(packageName).clips().size());
        line.append(" best_baseline=").append(bestBaseline).append(" best_baseline_absrel=").append(asInJson(bestAbsRel));
        line.append(" out=").append(json);
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The evaluation clips at a model's size (the same views at every size). */
    @FunctionalInterface
    interface ClipSource {
        List<EvalClip> at(int width, int height) throws IOException;
    }

    private List<EvalClip> clips(TumSequence sequence, int seedCount, int width, int height, int clipFrames) {
        if (sequence != null) return ModelEvaluation.tum(sequence, width, height, clipFrames, clipsPerSeed);
        List<EvalClip> clips = new ArrayList<>();
        for (long s = 1; s <= seedCount; s++) {
            clips.addAll(ModelEvaluation.synthetic(s, width, height, clipFrames, clipsPerSeed, fps, inputScale));
        }
        return clips;
    }

    private void describeData(ObjectNode data, TumSequence sequence, int seedCount, int clipFrames,
                              GeometryModels.InputSize size, List<EvalClip> clips) {
        if (sequence == null) {
            data.put("kind", "synthetic");
            data.put("trajectory", ModelEvaluation.TRAJECTORY.name());
            data.put("horizontal_fov_deg", SyntheticScene.HORIZONTAL_FOV_DEG);
            data.put("fps", fps);
            data.put("input_scale", inputScale);
            var seedArray = data.putArray("seeds");
            for (long s = 1; s <= seedCount; s++) seedArray.add(s);
            data.put("clips_per_seed", clipsPerSeed);
            var starts = data.putArray("clip_starts");
            ModelEvaluation.syntheticStarts(clipFrames, clipsPerSeed, fps).forEach(starts::add);
        } else {
            data.put("kind", "tum");
            data.put("sequence", tum.toAbsolutePath().normalize().toString());
            data.put("sequence_frames", sequence.frames());
            var kk = data.putObject("intrinsics");
            kk.put("fx", k.fx);
            kk.put("fy", k.fy);
            kk.put("cx", k.cx);
            kk.put("cy", k.cy);
            var starts = data.putArray("clip_starts");
            clips.forEach(c -> starts.add(c.firstFrame()));
        }
        data.put("clips", clips.size());
        data.put("frames", clipFrames);
        var resolution = data.putObject("resolution");
        resolution.put("width", size.width());
        resolution.put("height", size.height());
    }

    private GeometryModel open(Path dir) {
        try {
            return GeometryModels.open(dir, device);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** Runs the model on every clip and scores it; its output must be at the truth's size. */
    private static List<ClipGeometryAccuracy.Scores> run(GeometryModel model, List<EvalClip> clips, PrintStream log)
            throws Exception {
        List<ClipGeometryAccuracy.Scores> scores = new ArrayList<>();
        long t0 = System.nanoTime();
        for (EvalClip c : clips) {
            ClipGeometryAccuracy.Scores s = ModelEvaluation.score(c, model.predict(c.input()));
            log.printf(Locale.ROOT, "  %-16s %-14s absrel %.4f absrel_z %.4f delta1 %.3f points %.4f normals %.1f/%.1f deg%n",
                    model.info().id(), c.id(), s.absRel(), s.absRelZ(), s.delta1(), s.pointsRel(), s.normalMeanDeg(),
                    s.normalMedianDeg());
            scores.add(s);
        }
        log.printf(Locale.ROOT, "  %s: %.1f ms per clip%n", model.info().id(), (System.nanoTime() - t0) / 1e6 / clips.size());
        return scores;
    }

    /** The second package, at its own size (the same views rendered there), when it takes the clip length. */
    private void addPackageBaseline(Path dir, int clipFrames, ClipRequirements evaluated, ClipSource clipsAt,
                                    Map<String, Entry> entries, PrintStream log) throws Exception {
        if (dir.toRealPath().equals(packageDir.toRealPath())) {
            log.println("note: the baseline package is the evaluated package: not scored twice");
            return;
        }
        GeometryModels.InputSize size;
        ClipRequirements requirements;
        try {
            size = GeometryModels.inputSize(dir);
            requirements = GeometryModels.clipRequirements(dir);
        } catch (IllegalArgumentException e) {
            throw usage("--baseline-package: " + e.getMessage());
        }
        if (!requirements.accepts(clipFrames)) {
            log.println("note: baseline package " + dir + " takes " + requirements.describe() + ", not " + clipFrames
                    + " (the evaluated package's " + evaluated.describe() + "): left out");
            return;
        }
        try (GeometryModel model = open(dir)) {
            String name = model.info().id();
            if (entries.containsKey(name)) name = name + "-baseline";
            log.println("baseline " + model.info().qualifiedName() + " (" + dir + ") at " + size.width() + "x" + size.height());
            entries.put(name, new Entry("baseline", size.width(), size.height(),
                    run(model, clipsAt.at(size.width(), size.height()), log)));
        }
    }

    static String json(ObjectMapper mapper, String packageName, ObjectNode data, Map<String, Entry> entries,
                       Map<String, Map<Metric, ClipGeometryAccuracy.Figure>> summaries) throws IOException {
        ObjectNode root = mapper.createObjectNode();
        root.put("package", packageName);
        root.set("data", data);
        ObjectNode models = root.putObject("models");
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            ObjectNode m = models.putObject(e.getKey());
            m.put("role", e.getValue().role());
            Map<Metric, ClipGeometryAccuracy.Figure> s = summaries.get(e.getKey());
            for (Metric metric : Metric.values()) putFinite(m, metric.key(), s.get(metric).mean());
            for (Metric metric : Metric.values()) {
                putFinite(m, metric.key() + "_median_clip", s.get(metric).median());
                putFinite(m, metric.key() + "_worst_clip", s.get(metric).worst());
            }
            m.put("clips", e.getValue().clips().size());
            ObjectNode resolution = m.putObject("resolution");
            resolution.put("width", e.getValue().width());
            resolution.put("height", e.getValue().height());
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    /** A Markdown table: one row per model, the means over clips and the worst clip's AbsRel. */
    static String table(String packageName, ObjectNode data, Map<String, Entry> entries,
                        Map<String, Map<Metric, ClipGeometryAccuracy.Figure>> summaries) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Model evaluation of %s: %s data, %d clips of %d frames (means over clips;"
                        + " docs/metrics.md)%n%n", packageName, data.get("kind").asText(), data.get("clips").asInt(),
                data.get("frames").asInt()));
        b.append("| model | size | absrel | absrel worst clip | absrel_z | delta1 | points_rel | normal mean deg"
                + " | normal median deg | within 11.25 | within 22.5 | within 30 |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Map<Metric, ClipGeometryAccuracy.Figure> s = summaries.get(e.getKey());
            b.append(String.format(Locale.ROOT, "| %s | %dx%d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    e.getKey(), e.getValue().width(), e.getValue().height(), format(s.get(Metric.ABSREL).mean()),
                    format(s.get(Metric.ABSREL).worst()), format(s.get(Metric.ABSREL_Z).mean()),
                    format(s.get(Metric.DELTA1).mean()), format(s.get(Metric.POINTS_REL).mean()),
                    format(s.get(Metric.NORMAL_MEAN_DEG).mean()), format(s.get(Metric.NORMAL_MEDIAN_DEG).mean()),
                    format(s.get(Metric.NORMAL_WITHIN_11).mean()), format(s.get(Metric.NORMAL_WITHIN_22).mean()),
                    format(s.get(Metric.NORMAL_WITHIN_30).mean())));
        }
        return b.toString();
    }

    private static String format(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "nan";
    }

    private static void putFinite(ObjectNode node, String name, double value) {
        if (Double.isFinite(value)) node.put(name, rounded(value));
        else node.putNull(name);
    }

    /** Six significant digits, as model-eval.json holds the figures. */
    private static double rounded(double value) {
        return Double.parseDouble(String.format(Locale.ROOT, "%.6g", value));
    }

    /** The figure as model-eval.json has it, or {@code nan}. */
    private static String asInJson(double value) {
        return Double.isFinite(value) ? Double.toString(rounded(value)) : "nan";
    }

    /** {@code relative} under the working directory or the nearest parent that has it, else null. */
    static Path findUpwards(Path relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate.resolve("model.json"))) return candidate;
        }
        return null;
    }

    private CommandLine.ParameterException usage(String message) {
        throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
