package io.geostream.cli;

import io.geostream.chaos.ChaosScenario;
import io.geostream.chaos.Fault;
import io.geostream.chaos.FaultPlan;
import io.geostream.chaos.FailurePlan;
import io.geostream.chaos.OutputComparison;
import io.geostream.embedded.CheckpointStorage;
import io.geostream.embedded.EmbeddedKafka;
import io.geostream.embedded.EmbeddedS3;
import org.apache.flink.runtime.minicluster.MiniCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code geostream chaos}: the exactly-once failure scenario of {@code ExactlyOnceITCase} on demand, on the embedded
 * real stack. Last line {@code lost=<n> duplicated=<n> mismatched=<n>}; exit 0 only when all three are 0 (and every
 * planned failure was injected).
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Runs synthetic streams through the job on an embedded KRaft broker, s3proxy and a MiniCluster with "
                + "2 task managers, once without failures and once with --failures failures placed from --seed (after a "
                + "payload write, between pre-commit and commit, losing a task manager during inference, in turn), and "
                + "compares the read_committed outputs. With --faults, the failure run injects production faults instead, "
                + "each on its own or mixed, into a live feed of the same input (--feed-fps): the broker stopped and restarted, "
                + "the object store unreachable, the job's JVM killed with SIGKILL and resumed from its latest checkpoint, a task "
                + "manager lost while a checkpoint is in flight. Last line: lost=<n> duplicated=<n> mismatched=<n>; exit 0 only "
                + "when all are 0.")
public final class ChaosCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--streams", defaultValue = "3", description = "Camera streams (default ${DEFAULT-VALUE}).")
    int streams;
    @Option(names = "--frames", defaultValue = "60", description = "Frames per stream, at 10 frames a second of scene time"
            + " (default ${DEFAULT-VALUE}); the orbiting camera laps every 240 frames.")
    int frames;
    @Option(names = "--width", defaultValue = "48", description = "Frame width (default ${DEFAULT-VALUE}); 160 x 120 gives the"
            + " loop closer features enough to close loops once a camera comes back (the orbit laps every 240 frames: give"
            + " --frames 400 or more), so that corrections are compared too.")
    int width;
    @Option(names = "--height", defaultValue = "36", description = "Frame height (default ${DEFAULT-VALUE}).")
    int height;
    @Option(names = "--failures", defaultValue = "3", description = "Failures to inject (default ${DEFAULT-VALUE}).")
    int failures;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the scenes and the failure points (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--checkpoints", defaultValue = "aligned",
            description = "Checkpoint barriers of the failure run: aligned or unaligned (default ${DEFAULT-VALUE}).")
    String checkpoints;

    @Option(names = "--faults", split = ",", paramLabel = "FAULT",
            description = "Production faults to inject instead of --failures, comma-separated, in an order and at points of the "
                    + "committed output (10-60 %%) drawn from --seed: broker-outage, store-outage, process-kill (the job in a child JVM), tm-loss-at-checkpoint "
                    + "(not with process-kill).")
    List<String> faults = new ArrayList<>();
    @Option(names = "--broker-outage", defaultValue = "30", paramLabel = "SECONDS",
            description = "How long the broker stays down (default ${DEFAULT-VALUE}).")
    double brokerOutageSeconds;
    @Option(names = "--store-outage", defaultValue = "60", paramLabel = "SECONDS",
            description = "How long the object store stays unreachable (default ${DEFAULT-VALUE}).")
    double storeOutageSeconds;
    @Option(names = "--checkpoint-storage", defaultValue = "store", paramLabel = "WHERE",
            description = "With --faults: where the job keeps its checkpoints: store (the object store, s3:// through Flink's S3 "
                    + "plugin, as compose and k8s do, so a store outage also fails the checkpoints that land in it) or local "
                    + "(the work directory) (default ${DEFAULT-VALUE}).")
    CheckpointStorage checkpointStorage;
    @Option(names = "--feed-fps", defaultValue = "2",
            description = "With --faults: frames a second per stream of the live feed (default ${DEFAULT-VALUE}).")
    double feedFps;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (streams < 1 || frames < 2 || failures < 0 || width < 16 || height < 16) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "need --streams >= 1, --frames >= 2, --failures >= 0, --width and --height >= 16");
        }
        if (!faults.isEmpty()) return runFaults(out);
        if (spec.commandLine().getParseResult().hasMatchedOption("--checkpoint-storage")) {
            throw usage("--checkpoint-storage applies to --faults runs (the --failures runs keep checkpoints in the work directory)");
        }
        ChaosScenario.CheckpointMode mode;
        try {
            mode = ChaosScenario.CheckpointMode.valueOf(checkpoints.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--checkpoints must be aligned or unaligned, got " + checkpoints);
        }
        long start = System.nanoTime();
        return onEmbeddedStack((scenario, in) -> {
            FailurePlan plan = FailurePlan.fromSeed(seed, failures, in.puts(), in.clips());
            System.err.printf("chaos: %d streams x %d frames (%d frames, ~%d clips), seed %d%n", streams, frames, in.frames(), in.clips(), seed);
            ChaosScenario.Run reference = scenario.runReference(in);
            ChaosScenario.Run run = scenario.runWithFailures(in, reference, plan, mode, "failures");
            int fired = ChaosScenario.failuresFired(plan);
            OutputComparison c = scenario.compare(reference, run);
            out.printf(Locale.ROOT, "frames=%d committed=%d reference_corrections=%d dead_letters=%d restarts=%d failures_injected=%d/%d checkpoints=%s last_completed_checkpoint=%d wall_s=%.1f%n",
                    c.expected(), c.committed(), c.expectedCorrections(), c.deadLetters(),
                    run.restarts(), fired, plan.failures(),
                    mode.name().toLowerCase(Locale.ROOT), run.lastCompletedCheckpoint(), (System.nanoTime() - start) / 1e9);
            if (fired < plan.failures()) {
                out.printf("not every planned failure fired (%d of %d): the run proves less than asked%n", fired, plan.failures());
            }
            printDifferences(out, c);
            return c.exactlyOnce() && c.deadLetters() == 0 && fired == plan.failures() ? 0 : 1;
        });
    }

    /** What a scenario does with the embedded stack and the published input; returns the exit code. */
    @FunctionalInterface
    private interface ScenarioBody {
        int run(ChaosScenario scenario, ChaosScenario.Input in) throws Exception;
    }

    /**
     * Starts the embedded broker, S3 server and a MiniCluster of 2 task managers in a temporary directory, publishes the
     * synthetic streams of --streams, --frames and --seed, runs {@code body}, and removes everything.
     */
    private int onEmbeddedStack(ScenarioBody body) throws Exception {
        Path work = Files.createTempDirectory("geostream-chaos-");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().dataDir(work.resolve("kafka")));
             EmbeddedS3 s3 = EmbeddedS3.start(work.resolve("s3"), 0, "chaos-access", "chaos-secret-key")) {
            MiniCluster cluster = ChaosScenario.startCluster(2);
            try {
                ChaosScenario scenario = new ChaosScenario(cluster, 2, kafka, s3, "chaos-access", "chaos-secret-key", work, System.err);
                return body.run(scenario, scenario.publish("chaos", ChaosScenario.streams(streams, frames, seed, width, height)));
            } finally {
                cluster.close();
            }
        } finally {
            deleteRecursively(work);
        }
    }

    /** The lost, duplicated and mismatched frames, then the result line. */
    private static void printDifferences(PrintWriter out, OutputComparison c) {
        for (String s : c.lost()) out.println("lost " + s);
        for (String s : c.duplicated()) out.println("duplicated " + s);
        for (String s : c.mismatched()) out.println("mismatched " + s);
        out.println(c.summaryLine());
        out.flush();
    }

    /** The reference run, then one run with the production faults of {@code --faults}. */
    private int runFaults(PrintWriter out) throws Exception {
        if (spec.commandLine().getParseResult().hasMatchedOption("--failures")) {
            throw usage("--failures and --faults choose different failure runs; give one");
        }
        if (!(brokerOutageSeconds > 0) || !(storeOutageSeconds > 0) || !(feedFps > 0)) {
            throw usage("--broker-outage, --store-outage and --feed-fps must be > 0");
        }
        FaultPlan plan;
        try {
            java.util.Set<Fault> kinds = java.util.EnumSet.noneOf(Fault.class);
            for (String f : faults) kinds.add(Fault.of(f));
            plan = FaultPlan.fromSeed(seed, kinds, Duration.ofMillis((long) (brokerOutageSeconds * 1000)), Duration.ofMillis((long) (storeOutageSeconds * 1000)));
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        long start = System.nanoTime();
        return onEmbeddedStack((scenario, in) -> {
            System.err.printf("chaos: %d streams x %d frames (%d frames), seed %d, faults: %s%n", streams, frames, in.frames(), seed, plan);
            ChaosScenario.Run reference = scenario.runReference(in);
            ChaosScenario.FaultRun run = scenario.runWithFaults(in, reference, plan, feedFps, "faults", checkpointStorage);
            OutputComparison c = scenario.compare(reference, run.run());
            out.printf(Locale.ROOT, "frames=%d committed=%d reference_corrections=%d dead_letters=%d restarts=%s faults=%s failed_put_attempts=%s "
                            + "checkpoint_storage=%s %s wall_s=%.1f%n",
                    c.expected(), c.committed(), c.expectedCorrections(), c.deadLetters(),
                    run.run().restarts() < 0 ? "n/a" : run.run().restarts(),
                    String.join(",", run.injected().stream().map(ChaosScenario.InjectedFault::summary).toList()),
                    run.failedPutAttempts() < 0 ? "n/a" : run.failedPutAttempts(), checkpointStorage,
                    run.checkpoints().map(ChaosScenario.CheckpointFigures::summary)
                            .orElse("completed_checkpoints=n/a failed_checkpoints=n/a longest_checkpoint_ms=n/a"),
                    (System.nanoTime() - start) / 1e9);
            for (ChaosScenario.InjectedFault f : run.injected()) {
                out.printf(Locale.ROOT, "fault %s at feed +%.1f s (%d frames committed), over after %.1f s: %s%n", f.fault(), f.atSeconds(),
                        f.committedBefore(), f.lastedSeconds(), f.detail());
            }
            // A fault that strikes once every frame is committed tests nothing (mixed outages can outlast a short feed).
            List<ChaosScenario.InjectedFault> late = run.injected().stream().filter(f -> f.committedBefore() >= c.expected()).toList();
            for (ChaosScenario.InjectedFault f : late) {
                out.printf("fault %s struck after all %d frames were committed: it proves nothing; give more --frames (a feed longer than the outages)%n",
                        f.fault(), c.expected());
            }
            printDifferences(out, c);
            return c.exactlyOnce() && c.deadLetters() == 0 && run.injected().size() == plan.faults().size() && late.isEmpty() ? 0 : 1;
        });
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Removes the run's broker, object store, checkpoint and savepoint data. */
    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("chaos: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
