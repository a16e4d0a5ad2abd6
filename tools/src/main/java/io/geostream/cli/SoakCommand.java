package io.geostream.cli;

import io.geostream.embedded.CheckpointStorage;
import io.geostream.inference.ModelSettings;
import io.geostream.jobs.JobConfigs;
import io.geostream.load.Soak;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code geostream soak}: the embedded pipeline under live-rate load for a while; heap, checkpoints, backpressure. */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Runs the whole job on the embedded Kafka + S3 with live-rate synthetic cameras for --minutes, logging "
                + "heap after GC, checkpoint durations, restarts, backpressure, output rate, latency and dead letters every "
                + "--sample seconds (stderr). Then the cameras stop and, two checkpoint intervals later, the committed output "
                + "is read back. Final line: result=ok|failed reasons=.. published=.. committed_frames=.. committed_twice=.. "
                + "... heap_slope_mb_per_h=..|too_short. Exit 1 when Flink's REST API could not be read after start-up, a "
                + "checkpoint failed (unless Flink's reason is a task not running), the job restarted, fewer frames were "
                + "committed than published minus streams x (clip length - 1), a frame was committed twice, an error said "
                + "data was lost, the job did not keep pace (end-to-end p99 after the first minute over clip fill + the "
                + "stride per_frame waits + checkpoint interval + longest checkpoint + 2 s; or, over runs of 8 minutes or "
                + "more, the latency of the frames committed after minute 3 rising by more than 0.6 s a minute beyond its "
                + "uncertainty: the output over 1 %% slower than the cameras), or (runs of 11 minutes or more) the heap "
                + "slope after the first minute exceeds --max-heap-slope.")
public final class SoakCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    SyntheticLoadFlags load;

    @Option(names = "--minutes", defaultValue = "10", description = "Duration (default ${DEFAULT-VALUE}).")
    double minutes;
    @Option(names = "--fps", defaultValue = "10", description = "Frames per second per camera (default ${DEFAULT-VALUE}).")
    double fps;
    @Option(names = "--model", defaultValue = "simulated", description = "'simulated' or a model package directory (default ${DEFAULT-VALUE}).")
    String model;
    @Option(names = "--checkpoint-interval", defaultValue = "10 s", description = "Checkpoint interval (default ${DEFAULT-VALUE}).")
    String checkpointInterval;
    @Option(names = "--checkpoint-storage", defaultValue = "local", paramLabel = "WHERE",
            description = "Where the job keeps its checkpoints: local (the work directory) or store (the embedded object store, "
                    + "s3:// through Flink's S3 plugin, as compose and k8s do; it then also serves the payloads) (default ${DEFAULT-VALUE}).")
    CheckpointStorage checkpointStorage;
    @Option(names = "--ui-port", defaultValue = "8081", description = "Flink dashboard / REST port (default ${DEFAULT-VALUE}; 0 = any free port).")
    int uiPort;
    @Option(names = "--sample", defaultValue = "15", description = "Seconds between samples (default ${DEFAULT-VALUE}).")
    int sample;
    @Option(names = "--max-heap-slope", defaultValue = "20", description = "MiB per hour above which the exit code is 1 (default ${DEFAULT-VALUE}).")
    double maxHeapSlope;
    @Option(names = "--aligned-cameras", description = "Start every camera at once, so that all their clips complete "
            + "together (by default camera i of n starts i/n of a clip stride after the first, as independently switched-on "
            + "cameras would).")
    boolean alignedCameras;
    @Option(names = "--inference-workers", defaultValue = "1", description = "Model worker threads of the task manager's "
            + "model host (geostream.inference.workers; default ${DEFAULT-VALUE}, the job's default).")
    int inferenceWorkers;
    @Option(names = "--profile", paramLabel = "FILE", description = "Sample the whole JVM's CPU (job, broker, S3 server, "
            + "cameras; async-profiler, itimer) while the cameras publish and write it to FILE as collapsed stacks, the thread "
            + "name first (scripts/flamegraph.py draws them).")
    java.nio.file.Path profile;
    /** Settings the soak's own flags set, and reads back for its verdict and log: refused as -D. */
    private static final Map<String, String> FLAG_KEYS = Map.of(
            "geostream.model", "--model",
            "geostream.inference.workers", "--inference-workers",
            "execution.checkpointing.interval", "--checkpoint-interval",
            "rest.port", "--ui-port",
            "parallelism.default", "--parallelism",
            "taskmanager.numberOfTaskSlots", "--parallelism");

    @Option(names = "-D", paramLabel = "key=value", description = "Option override, repeatable: a key starting "
            + "with geostream. is a job option (-D geostream.stitch.state-cache=1gb), any other key a Flink setting "
            + "(-D execution.checkpointing.min-pause=5s); what a flag sets (--model, --checkpoint-interval, ...) is refused.")
    List<String> overrides = new ArrayList<>();
    /** Test hook (SoakCommandITCase): a checkpoint made to fail, to see the soak say so. */
    @Option(names = "--fail-checkpoint", hidden = true, defaultValue = "0")
    long failCheckpoint;

    @Override
    public Integer call() throws Exception {
        load.validate(spec, 1024);
        if (minutes <= 0 || fps <= 0 || sample < 1) throw usage("--minutes, --fps and --sample must be positive");
        if (load.parallelism < 1) throw usage("--parallelism must be >= 1");
        if (uiPort < 0 || uiPort > 65535) throw usage("--ui-port must be a port number (0 = any free port)");
        if (failCheckpoint < 0) throw usage("--fail-checkpoint must be a checkpoint id");
        if (inferenceWorkers < 1) throw usage("--inference-workers must be >= 1");
        Map<String, String> options;
        try {
            options = JobConfigs.parseOverrides(overrides);
            JobConfigs.toConfiguration(options); // unknown geostream.* keys and bad values are usage errors
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        for (Map.Entry<String, String> flag : FLAG_KEYS.entrySet()) {
            if (options.containsKey(flag.getKey())) {
                throw usage("-D " + flag.getKey() + ": set it with " + flag.getValue() + " (the soak reads it there)");
            }
        }
        try {
            ModelSettings.of(model, null);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        boolean inStore = checkpointStorage == CheckpointStorage.STORE;
        if (inStore && options.containsKey("execution.checkpointing.dir")) {
            throw usage("-D execution.checkpointing.dir and --checkpoint-storage store both say where checkpoints go");
        }
        Soak.Result r = new Soak(new Soak.Settings(load.streams, minutes, fps, load.width, load.height, load.parallelism, model,
                checkpointInterval, uiPort, sample, load.seed, maxHeapSlope, failCheckpoint, alignedCameras, inferenceWorkers, profile,
                options, inStore), spec.commandLine().getOut(),
                spec.commandLine().getErr()).run();
        return r.verdict().passed() ? 0 : 1;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
