package io.geostream.cli;

import io.geostream.bench.BatcherBenchmark;
import io.geostream.inference.ModelSettings;
import io.geostream.bench.DecomposedBenchmark;
import io.geostream.model.torchscript.DecomposedPackage;
import io.geostream.bench.ModelBenchmark;
import io.geostream.model.torchscript.ModelPackage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code geostream bench ...}: documented benchmark commands; the final line of each is key=value pairs. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (final line: key=value pairs).",
        subcommands = {BenchCommand.Model.class, BenchCommand.Pipeline.class, BenchCommand.Pose.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (model, pipeline, pose)");
    }

    /** Raw TorchScript forward vs the full engine path, and optionally the batcher curve, on the CPU. */
    @Command(name = "model", mixinStandardHelpOptions = true,
            description = "In one JVM with intra-op 2 / inter-op 1 threads: median of --runs after --warmups of the raw "
                    + "TorchScript forward on a prepared NDArray and of the full engine path (Java arrays in -> "
                    + "preprocessing -> forward -> postprocessing -> Java arrays out). With --batch-curve, clips/s and "
                    + "p50/p99 latency of the batcher for max batch 1..N. Final line: forward_ms=.. engine_ms=.. engine_over_forward=..")
    public static final class Model implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--package", required = true, description = "Model package directory (end-to-end or decomposed form).")
        Path packageDir;
        @Option(names = "--frames", defaultValue = "0", description = "Clip length; 0 = the package's clipFrames, or 4 when any.")
        int frames;
        @Option(names = "--warmups", defaultValue = "10", description = "Unmeasured runs first (default ${DEFAULT-VALUE}).")
        int warmups;
        @Option(names = "--runs", defaultValue = "50", description = "Measured runs (default ${DEFAULT-VALUE}).")
        int runs;
        @Option(names = "--intra-op-threads", defaultValue = "2", description = "libtorch intra-op threads (default ${DEFAULT-VALUE}).")
        int intraOp;
        @Option(names = "--inter-op-threads", defaultValue = "1", description = "libtorch inter-op threads (default ${DEFAULT-VALUE}).")
        int interOp;
        @Option(names = "--batch-curve", defaultValue = "0",
                description = "Also measure the batcher for max batch 1..N (0 = skip; capped by the package's maxBatch).")
        int batchCurve;
        @Option(names = "--batch-seconds", defaultValue = "4", description = "Measured seconds per batch size (default ${DEFAULT-VALUE}).")
        int batchSeconds;
        @Option(names = "--python", defaultValue = "/usr/bin/python3",
                description = "Python with torch to time the same file for information; 'none' to skip.")
        String python;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (!Files.isRegularFile(packageDir.resolve("model.json"))) {
                throw new CommandLine.ParameterException(spec.commandLine(), "not a model package (no model.json): " + packageDir);
            }
            // DJL reads these once, when the PyTorch engine starts: before anything below touches it.
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOp));
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(interOp));
            if (ModelPackage.FORM_DECOMPOSED.equals(DecomposedPackage.form(packageDir))) {
                return decomposed(out);
            }
            ModelPackage pkg = ModelPackage.read(packageDir);

            ModelBenchmark.Result r = ModelBenchmark.run(packageDir, frames, warmups, runs);
            out.printf(Locale.ROOT, "model %s, clip [1,%d,3,%d,%d], threads intra-op %d / inter-op %d, median of %d after %d warm-ups%n",
                    r.model(), r.frames(), r.height(), r.width(), intraOp, interOp, runs, warmups);
            out.printf(Locale.ROOT, "predictor on a prepared float[] (forward + DJL tensor copies in/out, no Java pre/post): %.3f ms%n", r.copyMs());
            out.flush();

            batchCurve(out, pkg.maxBatch(), r.frames(), r.width(), r.height());
            if (!"none".equals(python) && Files.isExecutable(Path.of(python))) {
                pythonTime(out, r.frames());
            }
            out.printf(Locale.ROOT, "forward_ms=%.3f engine_ms=%.3f engine_over_forward=%.3f forward_cpu_ms=%.3f engine_cpu_ms=%.3f engine_over_forward_cpu=%.3f%n",
                    r.forwardMs(), r.engineMs(), r.engineOverForward(), r.forwardCpuMs(), r.engineCpuMs(), r.engineOverForwardCpu());
            out.flush();
            return 0;
        }

        /** A decomposed package: the engine path per clip against the three modules' raw forward chained on NDArrays. */
        private Integer decomposed(PrintWriter out) throws Exception {
            DecomposedBenchmark.Result r = DecomposedBenchmark.run(packageDir, frames, warmups, runs);
            out.printf(Locale.ROOT, "model %s (decomposed), clip [1,%d,3,%d,%d], sampler %s x %d, threads intra-op %d / inter-op %d, median of %d after %d warm-ups%n",
                    r.model(), r.frames(), r.height(), r.width(), r.sampler(), r.steps(), intraOp, interOp, runs, warmups);
            out.flush();
            batchCurve(out, DecomposedPackage.read(packageDir).maxBatch(), r.frames(), r.width(), r.height());
            out.printf(Locale.ROOT, "forward_ms=%.3f engine_ms=%.3f engine_over_forward=%.3f forward_cpu_ms=%.3f engine_cpu_ms=%.3f "
                    + "engine_over_forward_cpu=%.3f sampler=%s steps=%d%n", r.forwardMs(), r.engineMs(), r.engineOverForward(),
                    r.forwardCpuMs(), r.engineCpuMs(), r.engineOverForwardCpu(), r.sampler(), r.steps());
            out.flush();
            return 0;
        }

        private void batchCurve(PrintWriter out, int packageMaxBatch, int clipFrames, int width, int height) throws Exception {
            if (batchCurve > 0) {
                int maxB = Math.min(batchCurve, packageMaxBatch);
                out.printf(Locale.ROOT, "batcher (1 worker, max delay 5 ms, closed loop with 2 x max batch clients, %d s each):%n", batchSeconds);
                for (int b = 1; b <= maxB; b++) {
                    BatcherBenchmark.Point p = BatcherBenchmark.run(ModelSettings.of(packageDir.toString(), "cpu"),
                            io.geostream.model.ClipInput.random(clipFrames, width, height), b, 1, Duration.ofMillis(5),
                            Duration.ofSeconds(1), Duration.ofSeconds(batchSeconds));
                    out.printf(Locale.ROOT, "  max_batch=%d clients=%d clips=%d clips_per_s=%.2f p50_ms=%.1f p99_ms=%.1f mean_batch=%.2f%n",
                            p.maxBatch(), p.clients(), p.clips(), p.clipsPerSecond(), p.p50Ms(), p.p99Ms(), p.meanBatch());
                    out.flush();
                }
            }
        }

        /** Debian's python3-torch on the same file (another libtorch version: information, not a gate). */
        private void pythonTime(PrintWriter out, int t) {
            Path script = locateScript();
            if (script == null) {
                out.println("python: scripts/bench_torchscript_forward.py not found; skipped");
                return;
            }
            try {
                Process p = new ProcessBuilder(python, script.toString(), packageDir.toString(), "--frames", Integer.toString(t),
                        "--warmups", Integer.toString(warmups), "--runs", Integer.toString(runs))
                        .redirectErrorStream(true).start();
                StringBuilder text = new StringBuilder();
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) text.append(line).append('\n');
                }
                if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly();
                String[] lines = text.toString().strip().split("\n");
                out.println("python (information only): " + String.join("; ", lines));
            } catch (Exception e) {
                out.println("python: skipped (" + e + ")");
            }
        }

        private static Path locateScript() {
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path s = dir.resolve("scripts").resolve("bench_torchscript_forward.py");
                if (Files.isRegularFile(s)) return s;
            }
            return null;
        }
    }

    /** The whole job with a zero-cost model against an I/O-only job on the same broker, S3 server and sinks. */
    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = "On one embedded Kafka broker and S3 server: (a) the whole job with a zero-cost model (precomputed "
                    + "geometry) and (b) an I/O-only job that reads the same frames and writes payloads of the same sizes to "
                    + "the same sinks; an uncounted warm-up round of both, then --runs rounds alternating the two on fresh topics; throughput over --seconds after --warmup, median. "
                    + "Final line: job_fps=.. io_only_fps=.. ratio=.. min_ratio=.. result=ok|missed reasons=..; exits 1 when "
                    + "either job committed nothing or the ratio is below --min-ratio.")
    public static final class Pipeline implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        SyntheticLoadFlags load;

        @Option(names = "--seconds", defaultValue = "20", description = "Measured seconds per run (default ${DEFAULT-VALUE}).")
        int seconds;
        @Option(names = "--warmup", defaultValue = "10", description = "Seconds after the first committed frame before measuring (default ${DEFAULT-VALUE}).")
        int warmup;
        @Option(names = "--runs", defaultValue = "3", description = "Runs of each job; the median counts (default ${DEFAULT-VALUE}).")
        int runs;
        @Option(names = "--window", defaultValue = "160",
                description = "Frames per stream published but not yet committed (closed loop; default ${DEFAULT-VALUE}).")
        int window;
        @Option(names = "--checkpoint-interval", defaultValue = "1 s", description = "Checkpoint interval = commit interval (default ${DEFAULT-VALUE}).")
        String checkpointInterval;
        @Option(names = "--state-backend", defaultValue = "rocksdb",
                description = "Keyed state backend of both jobs: rocksdb (the job's default, incremental checkpoints) or hashmap "
                        + "(default ${DEFAULT-VALUE}).")
        String stateBackend;
        @Option(names = "--warmup-round", defaultValue = "180",
                description = "Most seconds each job runs in the uncounted warm-up round, which ends once JIT compilation used "
                        + "less than 5 %% of a core over 5 s (default ${DEFAULT-VALUE}).")
        int warmupRound;
        @Option(names = "--min-ratio", defaultValue = "0.5",
                description = "Least job_fps / io_only_fps that passes (default ${DEFAULT-VALUE}: what the job's stitching is held to).")
        double minRatio;
        @Option(names = "--profile", paramLabel = "DIR",
                description = "Sample the whole JVM's CPU during each measured run (async-profiler, itimer) and write "
                        + "DIR/<job>-<run>.collapsed; prints cpu_ms_per_frame per run (scripts/flamegraph.py attributes them).")
        java.nio.file.Path profile;
        @Option(names = "-D", paramLabel = "key=value", description = "Option override of both jobs, repeatable: a key starting "
                + "with geostream. is a job option, any other key a Flink setting "
                + "(-D state.backend.rocksdb.compression.per.level=NO_COMPRESSION); what a flag or the bench's own broker, S3 "
                + "server and precomputed clips set is refused.")
        java.util.List<String> overrides = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            java.util.Map<String, String> options;
            try {
                options = io.geostream.jobs.JobConfigs.parseOverrides(overrides);
                io.geostream.jobs.JobConfigs.toConfiguration(options); // unknown geostream.* keys and bad values are usage errors
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            for (String key : options.keySet()) {
                String refusal = io.geostream.load.PipelineBench.refusal(key);
                if (refusal != null) throw usage("-D " + key + ": " + refusal);
            }
            if (!stateBackend.equals("rocksdb") && !stateBackend.equals("hashmap")) throw usage("--state-backend must be rocksdb or hashmap");
            load.validate(spec, 256);
            if (seconds < 1 || warmup < 0 || runs < 1 || warmupRound < 0) throw usage("--seconds >= 1, --warmup >= 0, --runs >= 1, --warmup-round >= 0");
            if (!(minRatio >= 0)) throw usage("--min-ratio >= 0");
            if (load.parallelism < 1 || window < 16) throw usage("--parallelism >= 1, --window >= 16");
            var s = new io.geostream.load.PipelineBench.Settings(load.streams, seconds, warmup, runs, load.width, load.height,
                    load.parallelism, window, checkpointInterval, load.seed, stateBackend, warmupRound, profile, options);
            double[] fps = new io.geostream.load.PipelineBench(s, spec.commandLine().getOut()).run();
            var verdict = io.geostream.load.PipelineBenchVerdict.of(fps[0], fps[1], minRatio);
            spec.commandLine().getOut().println(verdict.resultLine());
            spec.commandLine().getOut().flush();
            return verdict.passed() ? 0 : 1;
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** The hand-written PnP solver against OpenCV's on the same correspondences. */
    @Command(name = "pose", mixinStandardHelpOptions = true,
            description = "PoseEstimator (hand-written) against OpenCV's solvePnPRansac (SQPnP) + solvePnPRefineLM on the grid"
                    + " points of simulated clip predictions, as the stitcher calls them, timed alternately in one thread."
                    + " Final line: handwritten_ms=.. opencv_ms=.. opencv_over_handwritten=.. centre_diff=..")
    public static final class Pose implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--error-model", defaultValue = "realistic", description = "Simulated model preset (default ${DEFAULT-VALUE}).")
        String errorModel;
        @Option(names = "--width", defaultValue = "512", description = "Width (default ${DEFAULT-VALUE}).")
        int width;
        @Option(names = "--height", defaultValue = "384", description = "Height (default ${DEFAULT-VALUE}).")
        int height;
        @Option(names = "--frames", defaultValue = "16", description = "Frames (one clip; default ${DEFAULT-VALUE}).")
        int frames;
        @Option(names = "--rounds", defaultValue = "20", description = "Passes over the frames (default ${DEFAULT-VALUE}).")
        int rounds;

        @Override
        public Integer call() throws Exception {
            io.geostream.model.simulated.ErrorModel preset;
            try {
                preset = io.geostream.model.simulated.ErrorModel.parse(errorModel);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (frames < 2 || rounds < 1 || width < 16 || height < 16) {
                throw new CommandLine.ParameterException(spec.commandLine(), "need --frames >= 2, --rounds >= 1, --width/--height >= 16");
            }
            io.geostream.bench.PoseBenchmark.Result r = io.geostream.bench.PoseBenchmark.run(preset, width, height, frames, rounds);
            System.err.printf(Locale.ROOT, "%d calls each, %d correspondences per frame, %dx%d, %s preset%n", r.calls(), r.points(),
                    width, height, preset);
            spec.commandLine().getOut().printf(Locale.ROOT, "handwritten_ms=%.3f opencv_ms=%.3f opencv_over_handwritten=%.2f centre_diff=%.2e%n",
                    r.handwrittenMs(), r.opencvMs(), r.opencvMs() / r.handwrittenMs(), r.centreDiff());
            return 0;
        }
    }
}
