package io.geostream.cli;

import io.geostream.demo.DemoRunner;
import io.geostream.demo.RunSummary;
import io.geostream.inference.ModelSettings;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.clip.ClipSizing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code geostream demo}: the whole pipeline on the embedded default (see {@link DemoRunner}). */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker, S3 server and Flink (with dashboard), publish synthetic camera "
                + "streams (or a real video with --source and a model package), run the job until every stream has ended, and write summary.json, geometry-frames.avro, "
                + "objects/ and report/index.html (a self-contained page: trajectory charts, sampled payloads, the map's top view, the figures) under --out. "
                + "Progress and logs go to stderr; stdout gets one key=value result line.")
public final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--streams", defaultValue = "2", description = "Synthetic camera streams (default ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--frames", defaultValue = "150", description = "Frames per stream (default ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--width", defaultValue = "160", description = "Frame width in pixels (default ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--height", defaultValue = "120", description = "Frame height in pixels (default ${DEFAULT-VALUE}).")
    int height;

    @Option(names = "--out", defaultValue = "geostream-demo-out", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--model",
            description = "'simulated' (a measuring instrument that re-renders the synthetic truth) or a TorchScript model "
                    + "package directory. Default: 'simulated' for synthetic streams, the learned package models/geo-nano "
                    + "with --source.")
    String model;

    @Option(names = "--ui-port", defaultValue = "8081", description = "Flink dashboard port (default ${DEFAULT-VALUE}).")
    int uiPort;

    @Option(names = "--parallelism", defaultValue = "2", description = "Flink parallelism (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--clip-length", description = "Frames per clip T (default: from the model package, the length nearest "
            + "16 it takes; 16 for the simulated model).")
    Integer clipLength;

    @Option(names = "--clip-stride", description = "Frames between clip starts S (default: T - 4; 12 for T = 16).")
    Integer clipStride;

    @Option(names = "--withhold-intrinsics", description = "Do not send intrinsics; the job estimates them.")
    boolean withholdIntrinsics;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic scenes (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--keep-running", description = "Keep the job (unbounded), its dashboard and metrics, Kafka and S3 up after "
            + "every stream came out; print the addresses. Ctrl-C to stop.")
    boolean keepRunning;

    @Option(names = "--source", description = "Run on this real video (file, image folder, /dev/videoN or URL) through the "
            + "camera producer instead of synthetic streams; needs --model <package dir> (a real video has no truth).")
    String source;

    @Option(names = "--stream", defaultValue = "video", description = "Stream id of the --source video (default ${DEFAULT-VALUE}).")
    String sourceStream;

    @Option(names = "--max-frames", defaultValue = "0", description = "Publish at most N frames of --source (default: all).")
    long maxFrames;

    @Option(names = "--resize", description = "Publish --source frames at WxH pixels (default: the video's size).")
    String resize;

    @Option(names = "--config", description = "Job options file (YAML, nested blocks are dotted keys; geostream.* keys (README Configuration), e.g. geostream.clip.reorder-window: 4).")
    Path config;

    @Option(names = "-D", paramLabel = "key=value", description = "Option override, repeatable: a geostream.* key is a job "
            + "option (-D geostream.inference.workers=2), any other key a Flink setting (-D execution.checkpointing.interval=5s); "
            + "--ui-port and --parallelism win over rest.port and parallelism.default.")
    java.util.List<String> overrides = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (streams < 1 || streams > 64) throw usage("--streams must be in [1, 64]");
        if (frames < 2 || frames > 100_000) throw usage("--frames must be in [2, 100000]");
        if (width < 16 || height < 16 || width > 2048 || height > 2048) throw usage("--width/--height must be in [16, 2048]");
        if (clipLength != null && clipLength < 2) throw usage("--clip-length must be >= 2");
        if (clipStride != null && (clipStride < 1 || (clipLength != null && clipStride >= clipLength))) {
            throw usage("--clip-stride must be in [1, --clip-length - 1]");
        }
        if (uiPort < 0 || uiPort > 65535) throw usage("--ui-port must be a port number");
        if (model == null) model = defaultModel(source);
        try {
            ModelSettings.of(model, null);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        DemoRunner.VideoInput video = null;
        if (source != null) {
            if (ModelSettings.SIMULATED.equals(model)) {
                throw usage("--source needs --model <package dir>: a real video has no truth for the simulated model to re-render");
            }
            if (maxFrames < 0) throw usage("--max-frames must not be negative");
            int[] size = resize == null ? new int[] {0, 0} : parseResize();
            if (!io.geostream.records.StreamIds.isValid(sourceStream)) {
                throw usage("--stream must be 1-128 of [A-Za-z0-9._-], starting with a letter or digit: " + sourceStream);
            }
            video = new DemoRunner.VideoInput(source, sourceStream, maxFrames, size[0], size[1]);
        } else if (resize != null || maxFrames != 0) {
            throw usage("--resize and --max-frames apply to --source only (synthetic streams: --width --height --frames)");
        }
        org.apache.flink.configuration.Configuration jobOptions;
        try {
            jobOptions = io.geostream.jobs.JobConfigs.toConfiguration(
                    config == null ? java.util.Map.of() : io.geostream.jobs.JobConfigs.readFile(config),
                    io.geostream.jobs.JobConfigs.parseOverrides(overrides));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw usage(e.getMessage());
        }
        // The clip the job will cut must feed the model package: a usage error here, not a dead letter per clip.
        org.apache.flink.configuration.Configuration clipOptions = new org.apache.flink.configuration.Configuration(jobOptions);
        if (clipLength != null) clipOptions.set(ClipOptions.LENGTH, clipLength);
        if (clipStride != null) clipOptions.set(ClipOptions.STRIDE, clipStride);
        try {
            ClipSizing.resolve(clipOptions, ModelSettings.of(model, null).clipRequirements(), model);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        DemoRunner.Settings s = new DemoRunner.Settings(streams, frames, width, height, out, model, uiPort, parallelism,
                clipLength, clipStride, !withholdIntrinsics, keepRunning, seed, jobOptions);
        RunSummary summary = new DemoRunner(s, video, spec.commandLine().getErr()).run();
        boolean complete = summary.framesOut() == summary.framesIn();
        if (!complete) {
            spec.commandLine().getErr().printf("error: %d of %d valid frames came out%n", summary.framesOut(), summary.framesIn());
        }
        io.geostream.eval.FrameConsistency.Result c = summary.consistency() == null ? null : summary.consistency().overall();
        spec.commandLine().getOut().printf(java.util.Locale.ROOT,
                "result=%s frames_in=%d frames_out=%d dead_letters=%d ate_over_length=%s consistency_ratio=%s out=%s report=%s%n",
                complete ? "ok" : "failed", summary.framesIn(), summary.framesOut(), summary.deadLetters(),
                summary.ateRmseM() == null ? "null" : String.format(java.util.Locale.ROOT, "%.5f", summary.ateRmseM() / summary.trajectoryLengthM()),
                c == null ? "null" : String.format(java.util.Locale.ROOT, "%.3f", c.ratio()), out,
                out.resolve("report").resolve("index.html"));
        return complete ? 0 : 1;
    }

    private int[] parseResize() {
        try {
            return ProduceCommand.parseResize(resize);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * The learned package a real video runs through by default: {@code models/geo-nano} of the installation (the
     * launcher passes its directory as {@code geostream.home}), else of the working directory.
     */
    static String defaultModel(String source) {
        return source == null ? ModelSettings.SIMULATED : defaultLearnedPackage().toString();
    }

    static java.nio.file.Path defaultLearnedPackage() {
        return java.nio.file.Path.of(System.getProperty("geostream.home", ".")).resolve("models").resolve("geo-nano");
    }
}
