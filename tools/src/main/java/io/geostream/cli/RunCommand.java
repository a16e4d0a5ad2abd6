package io.geostream.cli;

import io.geostream.jobs.GeometryJob;
import io.geostream.jobs.GeometryJobMain;
import io.geostream.jobs.GeometryJobOptions;
import io.geostream.jobs.FlinkFileSystems;
import io.geostream.jobs.RetainedCheckpoints;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code geostream run}: the job against Kafka and S3 that already exist, on a local Flink with its dashboard, or
 * submitted to a running Flink cluster with {@code --remote}. Settings as {@link GeometryJobMain}: {@code --config}
 * file, then {@code key=value} arguments; keys outside {@code geostream.*} are Flink settings.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the job against existing Kafka and S3: bootstrap servers, topics, Kafka security "
                + "(geostream.kafka.properties.*), bucket and endpoint from --config and key=value arguments, S3 "
                + "credentials from the AWS default chain (environment, profile, web identity/IRSA, container or instance "
                + "role) unless geostream.storage.s3.access-key/secret-key are set. Runs on a local Flink with its dashboard, "
                + "or on a running cluster with --remote. Unbounded unless geostream.source.bounded=true: Ctrl-C stops it.")
public final class RunCommand implements Callable<Integer> {
    /** Checkpoint interval of a local run whose settings name none (the exactly-once sink commits on checkpoints). */
    static final String DEFAULT_LOCAL_CHECKPOINT_INTERVAL = "10 s";
    static final String DEFAULT_LOCAL_MIN_PAUSE = "3 s";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", description = "Job settings file (YAML, nested blocks are dotted keys; geostream.* keys (README Configuration) and Flink's).")
    Path config;

    @Parameters(paramLabel = "key=value", description = "Settings overriding the file, e.g. geostream.kafka.bootstrap-servers=kafka:9092.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Kafka client setting of the job's source and sink (geostream.kafka.properties.KEY), repeatable, "
                    + "over --kafka-properties; key=value arguments still win.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--kafka-properties", paramLabel = "FILE",
            description = "Kafka client settings file (Java properties: security.protocol, sasl.jaas.config, ssl.*), "
                    + "as geostream.kafka.properties.* over the --config file.")
    Path kafkaPropertiesFile;

    @Option(names = "--from-latest-checkpoint", paramLabel = "DIR",
            description = "Resume from the newest complete checkpoint (chk-N with a _metadata file) under DIR: the "
                    + "checkpoint directory (execution.checkpointing.dir) or one job's directory in it. After a crash "
                    + "(kill -9, lost machine) or a cancel; sets execution.state-recovery.path.")
    String fromLatestCheckpoint;

    @Option(names = "--ui-port", defaultValue = "8081", description = "Dashboard port of the local Flink (default ${DEFAULT-VALUE}; 0 = any free port).")
    int uiPort;

    @Option(names = "--remote", paramLabel = "HOST:PORT",
            description = "Submit to a running Flink cluster's REST endpoint (JobManager, e.g. flink-jm:8081) instead of running locally.")
    String remote;

    @Option(names = "--jar", description = "Job jar shipped with --remote (default: jobs/target/geostream-job-slim.jar of the checkout the CLI was built in; "
            + "the cluster's lib/ must hold the native libraries, see README Deploy).")
    Path jar;

    @Override
    public Integer call() throws Exception {
        if (uiPort < 0 || uiPort > 65535) throw usage("--ui-port must be a port number");
        Configuration settings = settings();

        StreamExecutionEnvironment env;
        if (remote != null) {
            String[] hostPort = remote.split(":", -1);
            int port;
            try {
                port = hostPort.length == 2 && !hostPort[0].isBlank() ? Integer.parseInt(hostPort[1]) : -1;
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) throw usage("--remote must be HOST:PORT, got " + remote);
            Path jobJar = jar != null ? jar : defaultSlimJar();
            if (!Files.isRegularFile(jobJar)) throw usage("job jar not found: " + jobJar + " (build it with mvn package, or give --jar)");
            env = StreamExecutionEnvironment.createRemoteEnvironment(hostPort[0], port, flinkSettings(settings, false), jobJar.toString());
            log("submitting to the Flink cluster at " + remote + " with " + jobJar);
        } else {
            Configuration flink = flinkSettings(settings, true);
            flink.set(RestOptions.PORT, uiPort);
            env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            log(uiPort == 0 ? "local Flink, dashboard on a free port (Flink logs 'Web frontend listening at')"
                    : "local Flink, dashboard http://localhost:" + uiPort + "/");
        }
        log("Kafka " + settings.get(GeometryJobOptions.BOOTSTRAP_SERVERS) + ", " + settings.get(IngestOptions.INPUT_TOPIC)
                + " -> " + settings.get(SinkOptions.GEOMETRY_TOPIC) + ", model " + settings.get(InferenceOptions.MODEL));
        try {
            GeometryJob.fromConfig(settings).build(env);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage()); // settings the job refuses at build time (e.g. a clip the model cannot take)
        }
        var result = env.execute("geostream");
        log("job " + result.getJobID() + " finished after " + result.getNetRuntime() + " ms");
        return 0;
    }

    /**
     * The job's settings: the {@code --config} file, then the Kafka client flags as {@code geostream.kafka.properties.*},
     * then the {@code key=value} arguments (as {@link GeometryJobMain}); a usage error when they are wrong.
     */
    Configuration settings() {
        if (config != null && !Files.isRegularFile(config)) throw usage("--config file not found: " + config);
        List<String> args = new ArrayList<>();
        if (config != null) {
            args.add("--config");
            args.add(config.toString());
        }
        Configuration settings;
        try {
            Map<String, String> kafka = new java.util.TreeMap<>();
            if (kafkaPropertiesFile != null) kafka.putAll(KafkaFlags.readPropertiesFile(kafkaPropertiesFile));
            kafka.putAll(kafkaProperties);
            kafka.forEach((k, v) -> args.add(GeometryJobOptions.KAFKA_PROPERTIES_PREFIX + k + "=" + v));
            args.addAll(overrides);
            settings = GeometryJobMain.configuration(Map.of(), args.toArray(String[]::new));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw usage(e.getMessage());
        }
        // s3:// checkpoints (and --from-latest-checkpoint s3://...) through Flink's S3 plugin and the s3.* keys
        FlinkFileSystems.initialize(settings);
        if (fromLatestCheckpoint != null) {
            if (settings.containsKey(StateRecoveryOptions.SAVEPOINT_PATH.key())) {
                throw usage("--from-latest-checkpoint and " + StateRecoveryOptions.SAVEPOINT_PATH.key() + " both name what to resume from");
            }
            RetainedCheckpoints.Checkpoint latest;
            try {
                latest = RetainedCheckpoints.latest(fromLatestCheckpoint).orElseThrow(() -> usage(
                        "no complete checkpoint (chk-N/_metadata) under " + fromLatestCheckpoint));
            } catch (java.io.IOException e) {
                throw usage("--from-latest-checkpoint: " + e.getMessage());
            }
            settings.set(StateRecoveryOptions.SAVEPOINT_PATH, latest.directory().toString());
            log("resuming from checkpoint " + latest.id() + " at " + latest.directory());
        }
        try {
            GeometryJob.storageSettings(settings); // fails now, not in a task, when S3 settings are incomplete
        } catch (IllegalArgumentException e) {
            throw usage("object storage: " + e.getMessage());
        }
        return settings;
    }

    /**
     * Flink's settings for the job: every key of the merged settings (Flink keys from the file pass through). A local
     * run gets checkpoints every {@value #DEFAULT_LOCAL_CHECKPOINT_INTERVAL} (at least {@value #DEFAULT_LOCAL_MIN_PAUSE}
     * apart) and, as every job run in this JVM does ({@link GeometryJob#localFlinkConfiguration}), the job's Flink
     * defaults (RocksDB, the failure policy) and file checkpoints under
     * {@code geostream-checkpoints/}, unless the settings say otherwise.
     */
    static Configuration flinkSettings(Configuration settings, boolean local) {
        Configuration flink = new Configuration(settings);
        if (!local) return flink;
        if (!settings.containsKey("execution.checkpointing.interval")) {
            flink.setString("execution.checkpointing.interval", DEFAULT_LOCAL_CHECKPOINT_INTERVAL);
            // A third of the interval, as compose and k8s have it: a slow checkpoint leaves the job time to catch up.
            if (!settings.containsKey("execution.checkpointing.min-pause")) {
                flink.setString("execution.checkpointing.min-pause", DEFAULT_LOCAL_MIN_PAUSE);
            }
        }
        return GeometryJob.localFlinkConfiguration(flink, Path.of("geostream-checkpoints"));
    }

    /**
     * The job jar the build made: beside the job's classes (jobs/target/ when they come from jobs/target/classes, an
     * image's usrlib/ when they come from the slim jar itself), else jobs/target/ of the checkout this CLI was built
     * in (the CLI runs from tools/target/), else jobs/target/ under the working directory.
     */
    static Path defaultSlimJar() {
        String name = "geostream-job-slim.jar";
        List<Path> candidates = new ArrayList<>();
        codeDirectory(GeometryJobMain.class).ifPresent(d -> candidates.add(d.resolve(name)));
        codeDirectory(RunCommand.class).ifPresent(d -> candidates.add(d.resolve("../../jobs/target").resolve(name).normalize()));
        Path fallback = Path.of("jobs/target").resolve(name);
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElse(fallback);
    }

    /** The directory that holds the jar (or the classes/ directory) a class was loaded from. */
    private static Optional<Path> codeDirectory(Class<?> c) {
        try {
            return Optional.ofNullable(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent());
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void log(String line) {
        spec.commandLine().getErr().println(line);
        spec.commandLine().getErr().flush();
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
