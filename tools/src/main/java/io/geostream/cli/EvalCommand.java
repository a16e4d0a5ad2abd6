package io.geostream.cli;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.clip.KeyframePolicy;
import io.geostream.eval.StitchingEvaluation;
import io.geostream.eval.TrajectoryPlots;
import io.geostream.eval.TumSequence;
import io.geostream.eval.TumTrajectory;
import io.geostream.model.ClipRequirements;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelInfo;
import io.geostream.model.simulated.ConfidenceMode;
import io.geostream.model.simulated.ErrorModel;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.model.torchscript.GeometryModels;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.clip.ClipSizing;
import io.geostream.stitch.OverlapPolicy;
import io.geostream.stitch.StitcherSettings;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import org.apache.flink.configuration.Configuration;
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
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Offline evaluations against known geometry (synthetic scenes, TUM RGB-D).",
        subcommands = {EvalCommand.Stitching.class, EvalModelCommand.class})
public final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (stitching, model)");
    }

    /** Runs the stitching methods on the same model outputs (simulated, or a model package's) and writes stitching.json. */
    @Command(name = "stitching", mixinStandardHelpOptions = true,
            description = "Compare stitching methods on simulated model outputs, or with --model on a model package's;"
                    + " writes DIR/stitching.json, TUM trajectories and PNG plots of the first seed (top view, error over"
                    + " frames).")
    public static final class Stitching implements Callable<Integer> {
        static final List<String> METHODS = List.of("naive", "robust", "robust_keyframes", "per_frame",
                "per_frame" + StitchingEvaluation.LOOPS_SUFFIX);
        /** The method the job, the demo and the deploy files use by default. */
        static final io.geostream.stitch.StitchMethod JOB_METHOD = io.geostream.operators.stitch.StitchOptions.METHOD.defaultValue();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--methods", split = ",", paramLabel = "M[,M...]",
                description = "Methods to compare (default: all: naive, robust, robust_keyframes, per_frame and per_frame+loops,"
                        + " the job's method with loop closure, scored on the poses after its corrections).")
        List<String> methods;
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
        @Option(names = "--clip-length", defaultValue = "16",
                description = "Frames per clip (default ${DEFAULT-VALUE}; with --model: the package's length, as the job takes it).")
        int clipLength;
        @Option(names = "--clip-stride", defaultValue = "12",
                description = "Frames between clip starts (default ${DEFAULT-VALUE}; with --model: the length minus the job's"
                        + " default overlap of 4).")
        int clipStride;
        @Option(names = "--keyframes", defaultValue = "1",
                description = "Keyframe slots per clip, K in [0, 8] (default ${DEFAULT-VALUE}; with --model: as the job takes"
                        + " it from the clip); all methods see the same clips.")
        int keyframes;
        @Option(names = "--keyframe-policy",
                description = "Which frames become keyframes: first-only or refresh (default: as the demo chooses, refresh"
                        + " for a model that errs with the view change (the realistic and geo-nano presets, a model"
                        + " package), first-only for the mild one).")
        String keyframePolicy;
        @Option(names = "--model", paramLabel = "DIR",
                description = "A model package (e.g. models/geo-nano) whose outputs are stitched instead of the simulated"
                        + " model's, loaded as the job loads it; the scene is rendered at the package's output size and cut"
                        + " into clips of its length.")
        Path model;
        @Option(names = "--keyframe-interval", defaultValue = "4",
                description = "With refresh: every N-th clip promotes a keyframe (default ${DEFAULT-VALUE}).")
        int keyframeInterval;
        @Option(names = "--error-model", defaultValue = "realistic",
                description = "Simulated model's error preset: mild (the instrument before issue 13: ~2 %% AbsRel, 3 deg"
                        + " normals), realistic (calibrated to UniGeo's published errors: ~10 %% AbsRel, 18 deg mean"
                        + " normal error; default ${DEFAULT-VALUE}) or geo-nano (geo-nano 0.2.0's per-clip errors at"
                        + " 64x48: 40 deg normals).")
        String errorModel;
        @Option(names = "--view-error",
                description = "Override the preset's view-change error share (mild 0, realistic and geo-nano 0.1; 0.1 = 10 %% of the"
                        + " view change to the clip's nearest other frame).")
        Double viewError;
        @Option(names = "--reference-error", defaultValue = "0", paramLabel = "DEG",
                description = "The realistic and geo-nano presets' reference error, off by default: a slot's pose errs against"
                        + " the clip's reference frame by (1 - o)^2 times DEG degrees and times DEG/50 of the depth, times a per-clip"
                        + " factor in [0.5, 1.5], o the share of its view the reference shows (15: a slot sharing half the view"
                        + " is off by 1.9-5.6 deg and 3.8-11 %% of the depth, one sharing nothing by 7.5-22.5 deg and 15-45 %%;"
                        + " default ${DEFAULT-VALUE}).")
        double referenceError;
        @Option(names = "--confidence", paramLabel = "MODE",
                description = "Override the realistic and geo-nano presets' confidence: informative (follows the per-pixel error),"
                        + " weak (the presets' own: mostly noise, as a real model's confidence head) or none (no confidence at"
                        + " all, as UniGeo predicts none: every pixel weighs alike).")
        String confidence;
        @Option(names = "--overlap-policy", defaultValue = "first",
                description = "Which prediction of a frame two clips hold is emitted: first or blended (default ${DEFAULT-VALUE}).")
        String overlapPolicy;
        @Option(names = "--pose-solver", defaultValue = "opencv",
                description = "PnP solver of each frame's camera: handwritten (PoseEstimator) or opencv (solvePnPRansac SQPnP +"
                        + " solvePnPRefineLM) (default ${DEFAULT-VALUE}).")
        String poseSolver;
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
            ModelPackageClips packaged = model == null ? null : packageClips();
            ClipCutterSettings clips;
            StitcherSettings stitcherConfig;
            SimulatedModelSettings modelOptions;
            try {
                ErrorModel preset = ErrorModel.parse(errorModel);
                KeyframePolicy policy = keyframePolicy != null ? KeyframePolicy.parse(keyframePolicy)
                        : KeyframePolicy.defaultFor(packaged != null || preset != ErrorModel.MILD);
                ClipSizing.Clip clip = packaged == null ? new ClipSizing.Clip(clipLength, clipStride, keyframes) : packaged.clip();
                clips = new ClipCutterSettings(clip.length(), clip.stride(), 4, 10_000, clip.keyframes())
                        .withKeyframePolicy(policy, keyframeInterval);
                modelOptions = preset.settings();
                if (viewError != null) modelOptions = modelOptions.withViewError(viewError);
                if (referenceError != 0) {
                    if (!modelOptions.realism().any()) {
                        throw new IllegalArgumentException("--reference-error needs the realistic or geo-nano preset");
                    }
                    modelOptions = modelOptions.withRealism(modelOptions.realism().withReferenceError(referenceError,
                            referenceError / 50));
                }
                if (confidence != null) {
                    if (!modelOptions.realism().any()) {
                        throw new IllegalArgumentException("--confidence needs the realistic or geo-nano preset");
                    }
                    modelOptions = modelOptions.withRealism(modelOptions.realism().withConfidence(ConfidenceMode.parse(confidence)));
                }
                stitcherConfig = StitcherSettings.defaults().withOverlapPolicy(OverlapPolicy.parse(overlapPolicy))
                        .withPoseSolver(io.geostream.stitch.PoseSolver.parse(poseSolver));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        packaged == null ? e.getMessage() : "clips for model package " + model + ": " + e.getMessage());
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
                if (packaged != null && (sequence.width() != packaged.size().width() || sequence.height() != packaged.size().height())) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--tum-downsample " + tumDownsample + " gives "
                            + sequence.width() + "x" + sequence.height() + " frames but model package " + model + " outputs "
                            + packaged.size().width() + "x" + packaged.size().height()
                            + ": pick the downsampling that gives the package's size");
                }
                frames = sequence.frames();
            }
            Files.createDirectories(out);
            Map<String, List<StitchingEvaluation.Scores>> byMethod = new LinkedHashMap<>();
            List<Long> seedList = new ArrayList<>();
            // The per-seed lines and the table are for people (stderr); stdout gets the one result line.
            PrintWriter console = spec.commandLine().getErr();
            List<String> chosen = methods == null || methods.isEmpty() ? METHODS : methods;
            for (String m : chosen) {
                if (!METHODS.contains(m)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "unknown method '" + m + "'; known: " + METHODS);
                }
            }
            // A package is opened once, as the job opens it (the class its model.json form names), for every seed.
            GeometryModel geometryModel = packaged == null ? null : open(model);
            ModelInfo modelInfo = geometryModel == null ? SimulatedGeometryModel.INFO : geometryModel.info();
            if (geometryModel != null) console.println("model " + modelInfo.qualifiedName() + " (" + model + ") at "
                    + width + "x" + height + ", clips of " + clips.clipLength() + " frames");
            try (geometryModel) {
                for (int k = 0; k < seeds; k++) {
                    long s = seed + k;
                    seedList.add(s);
                    Map<String, StitchingEvaluation.Scores> scores;
                    long t0 = System.nanoTime();
                    if (sequence != null) {
                        scores = geometryModel != null
                                ? StitchingEvaluation.run(sequence, "tum-seed" + s, geometryModel, clips, stitcherConfig,
                                        !withholdIntrinsics, chosen)
                                : StitchingEvaluation.run(sequence, "tum-seed" + s, modelOptions, clips,
                                        stitcherConfig, !withholdIntrinsics, chosen);
                    } else {
                        SceneSpec scene = new SceneSpec(s, width, height, frames, trajectory, dynamicShare, 30);
                        scores = geometryModel != null
                                ? StitchingEvaluation.run(scene, geometryModel, clips, stitcherConfig, !withholdIntrinsics, chosen)
                                : StitchingEvaluation.run(scene, modelOptions, clips, stitcherConfig,
                                        !withholdIntrinsics, chosen);
                    }
                    if (geometryModel != null) {
                        console.printf(Locale.ROOT, "seed %d: %.1f s (model, stitching and scoring)%n", s, (System.nanoTime() - t0) / 1e9);
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
                    // The truth of the frames scored (of the method that kept the most), for evo and other readers.
                    StitchingEvaluation.Scores fullest = scores.values().stream()
                            .max(java.util.Comparator.comparingInt(StitchingEvaluation.Scores::frames)).orElseThrow();
                    try (Writer w = Files.newBufferedWriter(out.resolve("truth-seed" + s + ".tum"))) {
                        TumTrajectory.write(w, fullest.timestampsSeconds(), fullest.truePoses());
                    }
                    for (StitchingEvaluation.Scores sc : scores.values()) {
                        byMethod.computeIfAbsent(sc.method(), m -> new ArrayList<>()).add(sc);
                        try (Writer w = Files.newBufferedWriter(out.resolve(sc.method() + "-seed" + s + ".tum"))) {
                            TumTrajectory.write(w, sc.timestampsSeconds(), sc.estimatedPoses());
                        }
                        console.printf(Locale.ROOT, "seed %d %-16s ATE %.4f (%.4f of length) drift %.4f points %.4f/%.4f"
                                        + " consistency %.4f/%.4f fused %.4f/%.4f spikes %.4f breaks %d%n",
                                s, sc.method(), sc.ateRmse(), sc.ateOverLength(), sc.driftOverLength(), sc.pointsGlobalRel(),
                                sc.pointsClipRel(), sc.boundaryConsistency(), sc.withinConsistency(), sc.fusedAccuracy(),
                                sc.fusedCompleteness(), sc.spikeShare(), sc.segmentBreaks());
                    }
                }
            }
            Files.writeString(out.resolve("stitching.json"), json(frames, seedList, packaged == null ? errorModel : null,
                    packaged == null ? modelOptions.realism().referenceErrorDeg() : Double.NaN,
                    packaged == null ? modelOptions.realism().confidence() : null,
                    modelInfo, model, byMethod));
            if (packaged == null) {
                console.printf(Locale.ROOT, "error model %s; clips T=%d S=%d, %d keyframe slot(s), policy %s (interval %d), view error %.2f, reference error %.1f deg, confidence %s%n",
                        ErrorModel.parse(errorModel), clips.clipLength(), clips.stride(), clips.keyframes(),
                        clips.keyframePolicy().id(), clips.keyframeInterval(), modelOptions.viewErrorShare(),
                        modelOptions.realism().referenceErrorDeg(),
                        modelOptions.realism().confidence());
            } else {
                console.printf(Locale.ROOT, "model %s (%s, %dx%d); clips T=%d S=%d, %d keyframe slot(s), policy %s (interval %d)%n",
                        modelInfo.qualifiedName(), model, width, height, clips.clipLength(), clips.stride(), clips.keyframes(),
                        clips.keyframePolicy().id(), clips.keyframeInterval());
            }
            console.printf(Locale.ROOT, "%-16s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %6s %8s%n", "method", "ate/len",
                    "drift/len", "rpe1", "spikes", "pts_glob", "pts_clip", "boundary", "within", "fused_acc", "fused_cmp",
                    "absrel_g", "breaks", "ms/frame");
            for (Map.Entry<String, List<StitchingEvaluation.Scores>> e : byMethod.entrySet()) {
                List<StitchingEvaluation.Scores> l = e.getValue();
                console.printf(Locale.ROOT, "%-16s %9.5f %9.5f %9.5f %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %6.0f %8.2f%n",
                        e.getKey(), median(l, StitchingEvaluation.Scores::ateOverLength),
                        median(l, StitchingEvaluation.Scores::driftOverLength),
                        median(l, StitchingEvaluation.Scores::rpeTranslation), median(l, StitchingEvaluation.Scores::spikeShare),
                        median(l, StitchingEvaluation.Scores::pointsGlobalRel), median(l, StitchingEvaluation.Scores::pointsClipRel),
                        median(l, StitchingEvaluation.Scores::boundaryConsistency),
                        median(l, StitchingEvaluation.Scores::withinConsistency),
                        median(l, StitchingEvaluation.Scores::fusedAccuracy), median(l, StitchingEvaluation.Scores::fusedCompleteness),
                        median(l, StitchingEvaluation.Scores::absrelGlobal),
                        median(l, StitchingEvaluation.Scores::segmentBreaks), median(l, StitchingEvaluation.Scores::msPerFrame));
            }
            console.println("wrote " + out.resolve("stitching.json"));
            console.flush();
            List<StitchingEvaluation.Scores> job = byMethod.get(JOB_METHOD.toString());
            if (job == null) {
                spec.commandLine().getOut().printf(Locale.ROOT, "result=ok job_method=%s job_method_run=false model=%s out=%s%n",
                        JOB_METHOD, modelInfo.qualifiedName(), out.resolve("stitching.json"));
                spec.commandLine().getOut().flush();
                return 0;
            }
            spec.commandLine().getOut().printf(Locale.ROOT, "job_method=%s ate_over_length=%.5f consistency_ratio=%.3f points_ratio=%.3f"
                            + " spike_share=%.4f segment_breaks=%.0f model=%s out=%s%n", JOB_METHOD,
                    median(job, StitchingEvaluation.Scores::ateOverLength), median(job, StitchingEvaluation.Scores::consistencyRatio),
                    median(job, StitchingEvaluation.Scores::pointsRatio), median(job, StitchingEvaluation.Scores::spikeShare),
                    median(job, StitchingEvaluation.Scores::segmentBreaks), modelInfo.qualifiedName(), out.resolve("stitching.json"));
            spec.commandLine().getOut().flush();
            return 0;
        }

        /** A model package's output size and the clips the job would cut for it. */
        record ModelPackageClips(GeometryModels.InputSize size, ClipSizing.Clip clip) {}

        /**
         * The package's output size (the scene is rendered at it: truth and prediction pixel for pixel) and its clips:
         * length, stride and keyframe slots as the job takes them from the package ({@link ClipSizing}), the flags given
         * overriding them. Usage errors: an unreadable package, --width/--height other than its size, a clip length it
         * does not take, the simulated model's flags.
         */
        private ModelPackageClips packageClips() {
            CommandLine.ParseResult given = spec.commandLine().getParseResult();
            for (String flag : List.of("--error-model", "--view-error", "--reference-error", "--confidence")) {
                if (given.hasMatchedOption(flag)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), flag + " sets the simulated model's errors;"
                            + " it does not apply with --model");
                }
            }
            try {
                return packageClips(given, GeometryModels.inputSize(model), GeometryModels.clipRequirements(model));
            } catch (IllegalArgumentException e) { // the package's model.json
                throw new CommandLine.ParameterException(spec.commandLine(), "--model " + model + ": " + e.getMessage());
            }
        }

        private ModelPackageClips packageClips(CommandLine.ParseResult given, GeometryModels.InputSize size,
                                               ClipRequirements takes) {
            if ((given.hasMatchedOption("--width") && width != size.width())
                    || (given.hasMatchedOption("--height") && height != size.height())) {
                throw new CommandLine.ParameterException(spec.commandLine(), "model package " + model + " outputs "
                        + size.width() + "x" + size.height() + " geometry; the scene is rendered at that size so that truth and"
                        + " prediction match pixel for pixel: leave out --width/--height or give " + size.width() + "x"
                        + size.height());
            }
            width = size.width();
            height = size.height();
            if (given.hasMatchedOption("--clip-length") && !takes.accepts(clipLength)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--clip-length " + clipLength
                        + " cannot feed model package " + model + ", which takes clips of " + takes.describe()
                        + ": give --clip-length " + takes.lengthNear(clipLength) + " or leave it out");
            }
            Configuration options = new Configuration();
            if (given.hasMatchedOption("--clip-length")) options.set(ClipOptions.LENGTH, clipLength);
            if (given.hasMatchedOption("--clip-stride")) options.set(ClipOptions.STRIDE, clipStride);
            if (given.hasMatchedOption("--keyframes")) options.set(ClipOptions.KEYFRAMES, keyframes);
            return new ModelPackageClips(size, ClipSizing.resolve(options, takes, model.toString()));
        }

        private GeometryModel open(Path dir) {
            try {
                return GeometryModels.open(dir, null);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--model " + dir + ": " + e.getMessage());
            }
        }

        /** The figures per method in stitching.json, in this order: median over seeds, and some worst seeds. */
        private static final Map<String, ToDoubleFunction<StitchingEvaluation.Scores>> FIGURES = figures();

        private static Map<String, ToDoubleFunction<StitchingEvaluation.Scores>> figures() {
            Map<String, ToDoubleFunction<StitchingEvaluation.Scores>> f = new LinkedHashMap<>();
            f.put("ate_rmse", StitchingEvaluation.Scores::ateRmse);
            f.put("ate_over_length", StitchingEvaluation.Scores::ateOverLength);
            f.put("drift_over_length", StitchingEvaluation.Scores::driftOverLength);
            f.put("drift_positions_over_length", StitchingEvaluation.Scores::driftPositionsOverLength);
            f.put("rpe1", StitchingEvaluation.Scores::rpeTranslation);
            f.put("rpe1_rot_deg", StitchingEvaluation.Scores::rpeRotationDeg);
            f.put("spike_share", StitchingEvaluation.Scores::spikeShare);
            f.put("points_global_rel", StitchingEvaluation.Scores::pointsGlobalRel);
            f.put("points_clip_rel", StitchingEvaluation.Scores::pointsClipRel);
            f.put("points_ratio", StitchingEvaluation.Scores::pointsRatio);
            f.put("boundary_consistency", StitchingEvaluation.Scores::boundaryConsistency);
            f.put("within_consistency", StitchingEvaluation.Scores::withinConsistency);
            f.put("consistency_ratio", StitchingEvaluation.Scores::consistencyRatio);
            f.put("fused_accuracy", StitchingEvaluation.Scores::fusedAccuracy);
            f.put("fused_completeness", StitchingEvaluation.Scores::fusedCompleteness);
            f.put("fused_completeness_within", StitchingEvaluation.Scores::fusedCompletenessWithin);
            f.put("absrel_global", StitchingEvaluation.Scores::absrelGlobal);
            f.put("absrel_clip", StitchingEvaluation.Scores::absrelClip);
            f.put("delta1_global", StitchingEvaluation.Scores::delta1Global);
            f.put("normal_mean_deg", StitchingEvaluation.Scores::normalMeanDeg);
            f.put("segment_breaks", StitchingEvaluation.Scores::segmentBreaks);
            f.put("ms_per_frame", StitchingEvaluation.Scores::msPerFrame);
            return f;
        }

        /**
         * {"frames": N, "seeds": [...], "error_model": "...", "model": {"name", "version", "package"}, "job_method": "...",
         * "methods": {name: {"model", medians..., worst_*}}}: the model whose outputs were stitched (error_model null and
         * package its directory for a model package; package null for the simulated model), the medians over seeds of
         * every figure, and the worst seed of ATE/length and of both ratios.
         *
         * @param errorModel the simulated model's preset, or null for a model package
         * @param referenceErrorDeg the simulated model's reference error (0: off), or NaN for a model package
         * @param packageDir the model package, or null for the simulated model
         */
        static String json(int frames, List<Long> seeds, String errorModel, double referenceErrorDeg, ConfidenceMode confidence,
                           ModelInfo model,
                           Path packageDir, Map<String, List<StitchingEvaluation.Scores>> byMethod) throws java.io.IOException {
            com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode root = mapper.createObjectNode();
            root.put("frames", frames);
            seeds.forEach(root.putArray("seeds")::add);
            root.put("error_model", errorModel == null ? null : ErrorModel.parse(errorModel).toString());
            if (Double.isNaN(referenceErrorDeg)) root.putNull("reference_error_deg");
            else root.put("reference_error_deg", referenceErrorDeg);
            root.put("confidence", confidence == null ? null : confidence.toString());
            com.fasterxml.jackson.databind.node.ObjectNode modelNode = root.putObject("model");
            modelNode.put("name", model.id());
            modelNode.put("version", model.version());
            modelNode.put("package", packageDir == null ? null : packageDir.toString());
            root.put("job_method", JOB_METHOD.toString());
            com.fasterxml.jackson.databind.node.ObjectNode methods = root.putObject("methods");
            for (Map.Entry<String, List<StitchingEvaluation.Scores>> e : byMethod.entrySet()) {
                List<StitchingEvaluation.Scores> l = e.getValue();
                com.fasterxml.jackson.databind.node.ObjectNode m = methods.putObject(e.getKey());
                m.put("model", model.qualifiedName());
                FIGURES.forEach((name, f) -> putFinite(m, name, median(l, f)));
                putFinite(m, "worst_ate_over_length", worst(l, StitchingEvaluation.Scores::ateOverLength));
                putFinite(m, "worst_points_ratio", worst(l, StitchingEvaluation.Scores::pointsRatio));
                putFinite(m, "worst_consistency_ratio", worst(l, StitchingEvaluation.Scores::consistencyRatio));
            }
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        }

        private static double worst(List<StitchingEvaluation.Scores> l, ToDoubleFunction<StitchingEvaluation.Scores> f) {
            return l.stream().mapToDouble(f).max().orElse(Double.NaN);
        }

        private static void putFinite(com.fasterxml.jackson.databind.node.ObjectNode node, String name, double value) {
            if (Double.isFinite(value)) node.put(name, Double.parseDouble(String.format(Locale.ROOT, "%.6g", value)));
            else node.putNull(name);
        }

        static double median(List<StitchingEvaluation.Scores> l, ToDoubleFunction<StitchingEvaluation.Scores> f) {
            double[] v = l.stream().mapToDouble(f).toArray();
            Arrays.sort(v);
            int n = v.length;
            return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        }
    }
}
