package io.geostream.chaos;

import io.geostream.demo.CommittedOutput;
import io.geostream.demo.SyntheticPublisher;
import io.geostream.embedded.CheckpointStorage;
import io.geostream.embedded.EmbeddedKafka;
import io.geostream.embedded.EmbeddedS3;
import io.geostream.inference.ModelSettings;
import io.geostream.jobs.GeometryJob;
import io.geostream.jobs.GeometryJobOptions;
import io.geostream.jobs.RetainedCheckpoints;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import io.geostream.records.OutputRecord;
import io.geostream.storage.ObjectStore;
import io.geostream.synthetic.SceneSpec;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.resourcemanager.ResourceOverview;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Exactly-once under failures on the real stack (KRaft broker, s3proxy, a MiniCluster with two task managers of
 * one slot each): synthetic camera streams are published once; a failure-free reference run and runs with
 * injected failures ({@link FailurePlan}) or a stop with savepoint and a restart from it read the same input,
 * each into its own output topics and bucket; {@link OutputComparison} then compares their read_committed output.
 * Used by {@code ExactlyOnceITCase} and {@code geostream chaos}. One scenario at a time per JVM
 * ({@link FailurePoints} is static).
 */
public final class ChaosScenario {

    /** How checkpoint barriers pass the job's channels. */
    public enum CheckpointMode { ALIGNED, UNALIGNED }

    /** Clip length and stride of the scenario's job (short clips for short test streams). */
    public static final int CLIP_LENGTH = 8, CLIP_STRIDE = 6;
    /** Payload objects per frame (depth, normals, points, confidence, rgb) with the simulated model. */
    private static final int PUTS_PER_FRAME = 5;
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(300);
    /** How long a run waits for the cluster's task managers and free slots before it starts. */
    private static final Duration CLUSTER_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(Long.getLong("geostream.chaos.job-timeout-minutes", 5));

    /** Published input: its topic and what a run of it should give. */
    public record Input(String name, String topic, Map<String, SceneSpec> streams, int frames, int clips) {
        /** Payload puts of a failure-free run. */
        public int puts() {
            return frames * PUTS_PER_FRAME;
        }
    }

    /**
     * A finished run: its job configuration, restarts, and for a savepoint run the savepoint and the frames committed
     * by the first job (before the stop).
     */
    public record Run(String label, Configuration config, int restarts, long lastCompletedCheckpoint, String savepoint,
                      int committedBeforeStop) {}

    /**
     * A fault a run injected: when (seconds after the paced feed started), how long it lasted until the fault was over
     * (outage end, new task manager, resumed process's first checkpoint), the frames committed when it struck, and the
     * checkpoint it concerned: the one held in flight when a task manager was lost, the one a killed process resumed
     * from, else -1.
     */
    public record InjectedFault(Fault fault, double atSeconds, double lastedSeconds, int committedBefore, long checkpoint, String detail) {
        /** {@code fault@at+lasted}, e.g. {@code broker-outage@4.2s+10.0s}. */
        public String summary() {
            return String.format(Locale.ROOT, "%s@%.1fs+%.1fs", fault, atSeconds, lastedSeconds);
        }
    }

    /**
     * A run with production faults: the run, the faults in the order injected, and the payload put attempts that failed
     * (counted in this JVM only: -1 when the job ran in a child JVM).
     */
    public record FaultRun(Run run, List<InjectedFault> injected, int failedPutAttempts, Optional<CheckpointFigures> checkpoints) {}

    /**
     * Flink's checkpoint statistics of a fault run's job (on the MiniCluster; none for a job in a child JVM), read
     * before it is stopped: checkpoints completed and failed (Flink's count of all failures; the failure policy counts
     * only those in a row, and not every reason) and the longest end-to-end duration of a completed one.
     */
    public record CheckpointFigures(long completed, long failed, long longestMillis) {
        public String summary() {
            return "completed_checkpoints=" + completed + " failed_checkpoints=" + failed + " longest_checkpoint_ms=" + longestMillis;
        }
    }

    private final MiniCluster cluster;
    private final List<Integer> liveTaskManagers = new ArrayList<>();
    private final EmbeddedKafka kafka;
    private final EmbeddedS3 s3;
    private final String accessKey;
    private final String secretKey;
    private final Path workDir;
    private final PrintStream log;
    private int nextTaskManager;
    private int replacedTaskManagers;

    /**
     * @param cluster      a MiniCluster started with {@link #clusterConfiguration()} and {@code taskManagers} task managers
     *                     of one slot (none lost yet)
     * @param workDir      checkpoints and savepoints go under it
     */
    public ChaosScenario(MiniCluster cluster, int taskManagers, EmbeddedKafka kafka, EmbeddedS3 s3, String accessKey,
                         String secretKey, Path workDir, PrintStream log) {
        if (taskManagers < 2) throw new IllegalArgumentException("the scenario needs at least 2 task managers, got " + taskManagers);
        this.cluster = cluster;
        for (int i = 0; i < taskManagers; i++) liveTaskManagers.add(i);
        this.nextTaskManager = taskManagers;
        this.kafka = kafka;
        this.s3 = s3;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.workDir = workDir;
        this.log = log;
    }

    /**
     * The MiniCluster settings of the scenario. Lost task managers are noticed in seconds (heartbeat timeout 4 s, not
     * the default 50 s). Network buffers are small (4 KiB segments): the bounded source would otherwise push the whole
     * input into buffers at once and every checkpoint barrier would queue behind all of it; small buffers make it
     * behave like a live feed under backpressure, with checkpoints completing mid-stream.
     */
    public static Configuration clusterConfiguration() {
        Configuration c = new Configuration();
        c.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofMillis(500));
        c.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, Duration.ofSeconds(4));
        c.set(TaskManagerOptions.MEMORY_SEGMENT_SIZE, MemorySize.parse("4kb"));
        return c;
    }

    /** Starts a MiniCluster with {@code taskManagers} task managers of one slot, REST on a free port. */
    public static MiniCluster startCluster(int taskManagers) throws Exception {
        Configuration c = clusterConfiguration();
        c.set(RestOptions.BIND_PORT, "0");
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(c)
                .setNumTaskManagers(taskManagers).setNumSlotsPerTaskManager(1).build());
        cluster.start();
        return cluster;
    }

    /** Streams of {@code frames} frames each at 48 x 36, scene seeds from {@code seed}, trajectories alternating. */
    public static Map<String, SceneSpec> streams(int count, int frames, long seed) {
        return streams(count, frames, seed, 48, 36);
    }

    /** As {@link #streams(int, int, long)}, at {@code width} x {@code height}. */
    public static Map<String, SceneSpec> streams(int count, int frames, long seed, int width, int height) {
        Map<String, SceneSpec> m = new java.util.TreeMap<>();
        var kinds = io.geostream.synthetic.TrajectoryKind.values();
        for (int i = 0; i < count; i++) {
            m.put("cam-" + i, new SceneSpec(seed * 1000 + i, width, height, frames, kinds[i % kinds.length], 0.0, 10));
        }
        return m;
    }

    /** Publishes the streams (with intrinsics and end-of-stream markers) to a new topic {@code <name>.frames}. */
    public Input publish(String name, Map<String, SceneSpec> streams) {
        String topic = name + ".frames";
        kafka.createTopics(Map.of(topic, 2));
        int frames = 0, clips = 0;
        try (SyntheticPublisher pub = new SyntheticPublisher(kafka.bootstrapServers(), topic)) {
            for (int n : pub.publishStreams(streams, true).values()) {
                frames += n;
                clips += n <= CLIP_LENGTH ? 1 : (n - CLIP_LENGTH + CLIP_STRIDE - 1) / CLIP_STRIDE + 1;
            }
            pub.flush();
        }
        return new Input(name, topic, streams, frames, clips);
    }

    /** The failure-free run. */
    public Run runReference(Input in) throws Exception {
        long start = System.nanoTime();
        Configuration conf = jobConfig(in, "reference");
        FailurePoints.arm(FailurePlan.none());
        await(submit(conf, CheckpointMode.UNALIGNED, null), "reference");
        if (FailurePoints.anyFired()) throw new IllegalStateException("a failure fired in the reference run");
        log.printf(Locale.ROOT, "chaos: reference run done in %.1f s%n", seconds(start));
        return new Run("reference", conf, FailurePoints.restarts(), FailurePoints.lastCompletedCheckpoint(), null, -1);
    }

    /**
     * A run with the failures of {@code plan}; task managers to lose are picked by the plan's seed. The input is read
     * unbounded and the job cancelled once its committed output holds as many frames and segment events as the
     * reference run's and every planned failure has fired: a bounded job could finish before a planned pre-commit
     * failure found a checkpoint to fail at (a fast pipeline is done in a few checkpoints).
     */
    public Run runWithFailures(Input in, Run reference, FailurePlan plan, CheckpointMode mode, String label) throws Exception {
        long start = System.nanoTime();
        CommittedOutput expected = read(reference.config());
        Configuration conf = jobConfig(in, label);
        conf.set(IngestOptions.BOUNDED, false);
        log.printf("chaos: %s run, %s checkpoints, %s%n", label, mode.name().toLowerCase(Locale.ROOT), plan);
        FailurePoints.arm(plan);
        JobID job = submit(conf, mode, null);
        Random pick = new Random(plan.seed());
        for (int i = 0; i < plan.loseTaskManagers(); i++) {
            Integer clip = FailurePoints.heldClips().poll(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (clip == null) throw new IllegalStateException("inference never reached clip " + plan.holdAtClips().get(i));
            int tm = liveTaskManagers.remove(pick.nextInt(liveTaskManagers.size()));
            log.printf("chaos: clip %d in inference, losing task manager %d%n", clip, tm);
            cluster.terminateTaskManager(tm).get(30, TimeUnit.SECONDS);
            startTaskManager();
        }
        awaitCommittedThenCancel(job, conf, expected.frames().size(), expected.segments().size(), expected.corrections().size(),
                () -> failuresFired(plan) >= plan.failures(), label);
        int restarts = FailurePoints.restarts();
        log.printf(Locale.ROOT, "chaos: %s run done in %.1f s: last completed checkpoint %d, %d restarts, failures fired: %d/%d after a put, %d/%d after pre-commit, %d task managers lost%n",
                label, seconds(start), FailurePoints.lastCompletedCheckpoint(), restarts, FailurePoints.putFailuresFired(), plan.failAfterPuts().size(), FailurePoints.preCommitFailuresFired(),
                plan.preCommitFailures(), plan.loseTaskManagers());
        return new Run(label, conf, restarts, FailurePoints.lastCompletedCheckpoint(), null, -1);
    }

    /** Failures the last {@link #runWithFailures} run really injected (else it proves less than planned). */
    public static int failuresFired(FailurePlan plan) {
        return FailurePoints.putFailuresFired() + FailurePoints.preCommitFailuresFired() + plan.loseTaskManagers();
    }

    /**
     * Stops the job with a savepoint. Flink refuses the trigger while a subtask is still being deployed ("Not all
     * required tasks are currently running"): on a loaded machine one subtask can reach the held clip before another
     * runs. Refused triggers are retried for up to 30 s; any other failure is thrown.
     */
    private String stopWithSavepoint(JobID job) throws Exception {
        String reason = org.apache.flink.runtime.checkpoint.CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING.message();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return cluster.stopWithSavepoint(job, workDir.resolve("savepoints").toUri().toString(), false,
                        SavepointFormatType.CANONICAL).get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > deadline || !String.valueOf(e.getMessage()).contains(reason)) throw e;
                log.printf("chaos: savepoint refused while a task is not running yet; retrying%n");
                Thread.sleep(200);
            }
        }
    }

    /**
     * A job upgrade: the job is stopped with a savepoint triggered while model call {@code stopAtClip} is held in
     * inference (mid-stream; clips in flight unless the barrier takes longer than the hold), then a new job (same operator
     * uids) starts from the savepoint. Both jobs read the input unbounded, as in production (a bounded Kafka source
     * restored from a savepoint never finishes, FLINK-31006); the new job is cancelled once its committed output
     * holds {@code expectedFrames} frames and {@code expectedSegmentEvents} segment events.
     */
    public Run runWithSavepoint(Input in, int stopAtClip, int expectedFrames, int expectedSegmentEvents, String label)
            throws Exception {
        long start = System.nanoTime();
        Configuration conf = jobConfig(in, label);
        conf.set(IngestOptions.BOUNDED, false);
        // A second model worker: the task managers share this JVM's model host, and with one worker the held clip
        // would block all inference, fill the async queue and stall the savepoint's barrier until it is released.
        conf.set(InferenceOptions.WORKERS, 2);
        // The clip is held for 2 s, not until the savepoint completes: a hold long enough to stall the savepoint's
        // barrier keeps the sink's transactions open past transaction.timeout.ms, and the broker aborts them.
        FailurePoints.arm(FailurePlan.holdOnly(stopAtClip));
        JobID first = submit(conf, CheckpointMode.UNALIGNED, null);
        String savepoint;
        try {
            Integer clip = FailurePoints.heldClips().poll(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (clip == null) {
                throw new IllegalStateException("inference never reached clip " + stopAtClip + " (" + overview() + ")");
            }
            savepoint = stopWithSavepoint(first);
        } finally {
            FailurePoints.releaseHeldClips();
        }
        await(first, label + " (before the savepoint)");
        int committedBeforeStop = read(conf).frames().size();
        log.printf("chaos: stopped with clip %d in inference, savepoint %s, %d frames committed; starting the new job from it%n",
                stopAtClip, savepoint, committedBeforeStop);
        FailurePoints.arm(FailurePlan.none());
        JobID second = submit(conf, CheckpointMode.UNALIGNED, savepoint);
        // Corrections are not awaited here: the savepoint runs' small frames close no loop.
        awaitCommittedThenCancel(second, conf, expectedFrames, expectedSegmentEvents, 0, () -> true, label + " (from the savepoint)");
        log.printf(Locale.ROOT, "chaos: %s run done in %.1f s%n", label, seconds(start));
        return new Run(label, conf, FailurePoints.restarts(), FailurePoints.lastCompletedCheckpoint(), savepoint, committedBeforeStop);
    }

    /**
     * A run with production faults ({@link FaultPlan}): the input is fed live, copied into the run's own topic at
     * {@code framesPerSecond} frames a second per stream ({@link PacedFeed}), once the job completed its first
     * checkpoint; each fault is injected when the committed output reaches its planned share (and the fault before it
     * is over);
     * the job runs under its documented {@link GeometryJob#FAILURE_POLICY} (exponential restarts, 2 tolerated checkpoint
     * failures) with a sink transaction timeout of 60 s plus twice the longest outage. With {@link Fault#PROCESS_KILL}
     * the job is {@code geostream run} in a child JVM, killed with SIGKILL and resumed by a new one with
     * {@code --from-latest-checkpoint}; otherwise it runs on this scenario's MiniCluster. The job is stopped once the feed
     * is published and its committed output holds as many frames and segment events as the reference run's.
     */
    public FaultRun runWithFaults(Input in, Run reference, FaultPlan plan, double framesPerSecond, String label) throws Exception {
        return runWithFaults(in, reference, plan, framesPerSecond, label, CheckpointStorage.LOCAL);
    }

    /** {@link #runWithFaults(Input, Run, FaultPlan, double, String)} with its checkpoints in {@code storage}. */
    public FaultRun runWithFaults(Input in, Run reference, FaultPlan plan, double framesPerSecond, String label,
                                  CheckpointStorage storage) throws Exception {
        long start = System.nanoTime();
        CommittedOutput expected = read(reference.config());
        List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records = PacedFeed.readAll(kafka.bootstrapServers(), in.topic());
        String feedTopic = in.name() + "-" + label + ".frames";
        kafka.createTopics(Map.of(feedTopic, 2));
        Configuration conf = jobConfig(in, label);
        conf.set(IngestOptions.INPUT_TOPIC, feedTopic);
        conf.set(IngestOptions.BOUNDED, false);
        conf.set(SinkOptions.TRANSACTION_TIMEOUT, Duration.ofSeconds(60).plus(plan.longestOutage().multipliedBy(2)));
        // the store's: s3://<run bucket>/flink/checkpoints (compose's layout), Flink's file systems initialised for it
        Configuration checkpointSettings = storage == CheckpointStorage.STORE ? s3.flinkCheckpointSettings(conf.get(StorageOptions.S3_BUCKET))
                : new Configuration().set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                        java.nio.file.Files.createDirectories(workDir.resolve("checkpoints-" + label)).toUri().toString());
        String checkpoints = checkpointSettings.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
        // A held checkpoint stays in flight until the task manager is lost and the hold released (at most 60 s).
        FailurePoints.arm(FailurePlan.none(), Duration.ofSeconds(60));
        log.printf("chaos: %s run, %s, feed %.1f frames/s per stream, checkpoints in %s%n", label, plan, framesPerSecond, checkpoints);
        FaultJob job = plan.childProcess() ? new ChildProcessJob(conf, checkpointSettings, label) : new MiniClusterJob(conf, checkpoints);
        List<InjectedFault> injected = new ArrayList<>();
        Optional<CheckpointFigures> figures = Optional.empty();
        try {
            long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
            while (!exists(checkpoints) || RetainedCheckpoints.latest(checkpoints).isEmpty()) {
                job.check();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the " + label + " job completed no checkpoint in " + JOB_TIMEOUT + " (" + overview() + ")");
                }
                Thread.sleep(100);
            }
            log.printf(Locale.ROOT, "chaos: %s job running, first checkpoint complete after %.1f s; feeding %d records%n", label, seconds(start), records.size());
            long feedStart = System.nanoTime();
            try (PacedFeed feed = PacedFeed.start(kafka.bootstrapServers(), records, feedTopic, framesPerSecond * in.streams().size());
                 CommittedCounter committed = new CommittedCounter(conf.get(SinkOptions.GEOMETRY_TOPIC))) {
                Random pick = new Random(plan.seed());
                for (int i = 0; i < plan.faults().size(); i++) {
                    int due = (int) Math.ceil(plan.atCommitted().get(i) * expected.frames().size());
                    while (committed.count() < due) {
                        job.check();
                        if (System.nanoTime() > deadline) throw new IllegalStateException("the " + label + " job committed fewer than " + due + " frames in " + JOB_TIMEOUT);
                    }
                    InjectedFault f = inject(plan, plan.faults().get(i), job, committed.count(), checkpoints, feed, records.size(), feedStart, pick);
                    injected.add(f);
                }
                awaitComplete(job, feed, conf, expected, label);
                // before the stop: cancelling declines the checkpoint in flight
                figures = job.checkpointFigures();
            }
        } finally {
            job.stop();
        }
        int restarts = plan.childProcess() ? -1 : FailurePoints.restarts();
        log.printf(Locale.ROOT, "chaos: %s run done in %.1f s: %s; restarts %s; %s%n", label, seconds(start),
                injected.stream().map(InjectedFault::summary).toList(), restarts < 0 ? "n/a (child JVM)" : restarts,
                figures.map(CheckpointFigures::summary).orElse("checkpoint statistics n/a (child JVM)"));
        Run run = new Run(label, conf, restarts, plan.childProcess() ? -1 : FailurePoints.lastCompletedCheckpoint(), null, -1);
        return new FaultRun(run, injected, plan.childProcess() ? -1 : FailurePoints.failedPutAttempts(), figures);
    }

    /** Injects one fault and returns once it is over. */
    private InjectedFault inject(FaultPlan plan, Fault fault, FaultJob job, int committed, String checkpoints, PacedFeed feed,
                                 int feedTotal, long feedStart, Random pick) throws Exception {
        String latest = RetainedCheckpoints.latest(checkpoints).map(c -> "chk-" + c.id()).orElse("none");
        double at = (System.nanoTime() - feedStart) / 1e9;
        String state = String.format(Locale.ROOT, "%d frames committed, latest complete checkpoint %s, feed %d/%d published",
                committed, latest, feed.published(), feedTotal);
        long checkpoint = -1;
        String detail;
        switch (fault) {
            case BROKER_OUTAGE -> {
                kafka.stop();
                log.printf(Locale.ROOT, "chaos: fault %s at feed +%.1f s: broker stopped (%s)%n", fault, at, state);
                Thread.sleep(plan.brokerOutage().toMillis());
                kafka.restart();
                detail = "broker restarted on " + kafka.bootstrapServers() + ", same data directory";
            }
            case STORE_OUTAGE -> {
                int failedBefore = FailurePoints.failedPutAttempts();
                s3.stop();
                log.printf(Locale.ROOT, "chaos: fault %s at feed +%.1f s: object store stopped (%s)%n", fault, at, state);
                Thread.sleep(plan.storeOutage().toMillis());
                s3.restart();
                detail = "object store restarted on " + s3.endpoint() + (job instanceof MiniClusterJob
                        ? ", " + (FailurePoints.failedPutAttempts() - failedBefore) + " payload put attempts failed meanwhile" : "");
            }
            case TASK_MANAGER_LOSS_AT_CHECKPOINT -> {
                FailurePoints.holdNextCheckpoint();
                Long held = FailurePoints.heldCheckpoints().poll(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                if (held == null) throw new IllegalStateException("no checkpoint reached the sink in " + JOB_TIMEOUT);
                at = (System.nanoTime() - feedStart) / 1e9;
                int tm = liveTaskManagers.remove(pick.nextInt(liveTaskManagers.size()));
                log.printf(Locale.ROOT, "chaos: fault %s at feed +%.1f s: checkpoint %d in flight, losing task manager %d (%s)%n", fault, at, held, tm, state);
                try {
                    cluster.terminateTaskManager(tm).get(30, TimeUnit.SECONDS);
                } finally {
                    FailurePoints.releaseHeldClips();
                }
                startTaskManager();
                checkpoint = held;
                detail = "task manager " + tm + " lost with checkpoint " + held + " in flight; a new one started";
            }
            case PROCESS_KILL -> {
                ChildProcessJob child = (ChildProcessJob) job;
                long pid = child.kill();
                RetainedCheckpoints.Checkpoint resumeFrom = RetainedCheckpoints.latest(checkpoints)
                        .orElseThrow(() -> new IllegalStateException("no complete checkpoint to resume from"));
                log.printf(Locale.ROOT, "chaos: fault %s at feed +%.1f s: job JVM %d killed with SIGKILL (%s)%n", fault, at, pid, state);
                long newPid = child.resume();
                long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
                while (RetainedCheckpoints.latest(checkpoints).orElseThrow().directory().equals(resumeFrom.directory())) {
                    job.check();
                    if (System.nanoTime() > deadline) throw new IllegalStateException("the resumed job completed no checkpoint in " + JOB_TIMEOUT);
                    Thread.sleep(100);
                }
                checkpoint = resumeFrom.id();
                detail = "job JVM " + pid + " killed; JVM " + newPid + " resumed from " + resumeFrom.directory()
                        + " (run --from-latest-checkpoint " + checkpoints + ") and completed a checkpoint";
            }
            default -> throw new IllegalArgumentException(fault.toString());
        }
        double lasted = (System.nanoTime() - feedStart) / 1e9 - at;
        log.printf(Locale.ROOT, "chaos: fault %s over at feed +%.1f s: %s%n", fault, at + lasted, detail);
        return new InjectedFault(fault, at, lasted, committed, checkpoint, detail);
    }

    /**
     * Waits until the feed is published and the committed output holds the expected frames, segment events and loop
     * corrections (the loop closer runs on a task of its own: its last corrections may commit a checkpoint after the
     * frames, and a run cancelled before them would count them as lost).
     */
    private void awaitComplete(FaultJob job, PacedFeed feed, Configuration conf, CommittedOutput expected, String label)
            throws Exception {
        int expectedFrames = expected.frames().size(), expectedSegmentEvents = expected.segments().size();
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (true) {
            job.check();
            CommittedOutput out = read(conf);
            if (feed.done() && out.frames().size() >= expectedFrames && out.segments().size() >= expectedSegmentEvents
                    && out.corrections().size() >= expected.corrections().size()) return;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the " + label + " job committed " + out.frames().size() + " of " + expectedFrames
                        + " frames, " + out.segments().size() + " of " + expectedSegmentEvents + " segment events and "
                        + out.corrections().size() + " of " + expected.corrections().size() + " corrections in "
                        + JOB_TIMEOUT + " (feed " + feed.published() + " records published)");
            }
            Thread.sleep(300);
        }
    }

    /**
     * Counts the GeometryFrames committed to a run's topic as they come (read_committed, one consumer kept open): the
     * trigger of the faults, cheap enough to poll often (re-reading the whole output takes seconds on a busy machine).
     */
    private final class CommittedCounter implements AutoCloseable {
        private final org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer;
        private int count;

        CommittedCounter(String topic) {
            java.util.Properties p = new java.util.Properties();
            p.put("bootstrap.servers", kafka.bootstrapServers());
            p.put("isolation.level", "read_committed");
            p.put("enable.auto.commit", "false");
            consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
            List<org.apache.kafka.common.TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }

        /** GeometryFrames committed so far (polls for up to 100 ms). */
        int count() {
            count += consumer.poll(Duration.ofMillis(100)).count();
            return count;
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The job of a fault run, wherever it runs. */
    private interface FaultJob {
        /** Throws when the job ended (it should run until stopped). */
        void check() throws Exception;

        /** Stops it (cancel, or SIGTERM). */
        void stop() throws Exception;

        /** Its checkpoint statistics so far, where Flink's are at hand. */
        Optional<CheckpointFigures> checkpointFigures() throws Exception;
    }

    /** The job on this scenario's MiniCluster. */
    private final class MiniClusterJob implements FaultJob {
        private final JobID id;

        MiniClusterJob(Configuration conf, String checkpoints) throws Exception {
            this.id = submit(conf, CheckpointMode.ALIGNED, null, checkpoints, true);
        }

        @Override
        public Optional<CheckpointFigures> checkpointFigures() {
            org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot stats;
            try {
                stats = cluster.getExecutionGraph(id).get(30, TimeUnit.SECONDS).getCheckpointStatsSnapshot();
            } catch (Exception e) {
                // figures for the report only: the output has been checked already
                log.printf("chaos: no checkpoint statistics of job %s: %s%n", id, e);
                return Optional.empty();
            }
            if (stats == null) return Optional.empty();
            return Optional.of(new CheckpointFigures(stats.getCounts().getNumberOfCompletedCheckpoints(),
                    stats.getCounts().getNumberOfFailedCheckpoints(), stats.getSummaryStats().getEndToEndDurationStats().getMaximum()));
        }

        @Override
        public void check() throws Exception {
            if (cluster.getJobStatus(id).get().isGloballyTerminalState()) {
                await(id, "fault run");
                throw new IllegalStateException("the fault run's job finished on its own");
            }
        }

        @Override
        public void stop() throws Exception {
            if (!cluster.getJobStatus(id).get().isGloballyTerminalState()) cluster.cancelJob(id).get(60, TimeUnit.SECONDS);
            cluster.requestJobResult(id).get(60, TimeUnit.SECONDS);
        }
    }

    /** {@code geostream run} in a child JVM: the job's settings, checkpoints every 300 ms into {@code checkpoints}. */
    private final class ChildProcessJob implements FaultJob {
        private final Map<String, String> settings = new java.util.TreeMap<>();
        private final String checkpoints;
        private final Path logFile;
        private ChildJob child;

        /** @param checkpointSettings the checkpoint directory, and the {@code s3.*} keys when it is in the store */
        ChildProcessJob(Configuration conf, Configuration checkpointSettings, String label) throws Exception {
            this.checkpoints = checkpointSettings.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
            this.logFile = workDir.resolve(label + "-job.log");
            settings.putAll(conf.toMap());
            settings.put(InferenceOptions.MODEL.key(), ModelSettings.SIMULATED);
            settings.put(CheckpointingOptions.CHECKPOINTING_INTERVAL.key(), CHECKPOINT_INTERVAL.toMillis() + " ms");
            settings.putAll(checkpointSettings.toMap());
            settings.put("parallelism.default", "2");
            child = ChildJob.start(settings, null, logFile);
            log.printf("chaos: job JVM %d started (geostream run, log %s)%n", child.pid(), logFile);
        }

        long kill() throws InterruptedException {
            long pid = child.pid();
            child.kill();
            return pid;
        }

        long resume() throws Exception {
            child = ChildJob.start(settings, checkpoints, logFile);
            return child.pid();
        }

        @Override
        public void check() {
            if (!child.alive()) {
                throw new IllegalStateException("the job JVM " + child.pid() + " exited with " + child.exitValue()
                        + "; the end of its log " + logFile + ":\n" + child.logTail(40));
            }
        }

        @Override
        public void stop() throws Exception {
            child.close();
        }

        @Override
        public Optional<CheckpointFigures> checkpointFigures() {
            return Optional.empty(); // the job's REST API is the child's; its log has the checkpoints
        }
    }

    /**
     * Waits until the committed output of the unbounded {@code job} holds {@code expectedFrames} frames and
     * {@code expectedSegmentEvents} segment events and {@code alsoDone} holds, then cancels it.
     */
    private void awaitCommittedThenCancel(JobID job, Configuration conf, int expectedFrames, int expectedSegmentEvents,
                                          int expectedCorrections, java.util.function.BooleanSupplier alsoDone, String label)
            throws Exception {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (true) {
            CommittedOutput out = read(conf);
            if (out.frames().size() >= expectedFrames && out.segments().size() >= expectedSegmentEvents
                    && out.corrections().size() >= expectedCorrections && alsoDone.getAsBoolean()) break;
            if (System.nanoTime() > deadline) {
                Map<String, List<Long>> byStream = new java.util.TreeMap<>();
                out.frames().forEach(f -> byStream.computeIfAbsent(f.getStreamId(), k -> new ArrayList<>()).add(f.getFrameIndex()));
                log.println("chaos: committed frames by stream " + byStream + ", segments " + out.segments());
                throw new IllegalStateException("the " + label + " job committed " + out.frames().size() + " of "
                        + expectedFrames + " frames, " + out.segments().size() + " of " + expectedSegmentEvents
                        + " segment events and " + out.corrections().size() + " of " + expectedCorrections + " corrections in " + JOB_TIMEOUT + (alsoDone.getAsBoolean() ? "" : ", and not every planned failure fired"));
            }
            if (cluster.getJobStatus(job).get().isGloballyTerminalState()) await(job, label);
            Thread.sleep(300);
        }
        cluster.cancelJob(job).get(60, TimeUnit.SECONDS);
        cluster.requestJobResult(job).get(60, TimeUnit.SECONDS);
    }

    /** The committed output of {@code run} against that of {@code reference}. */
    public OutputComparison compare(Run reference, Run run) throws Exception {
        try (ObjectStore want = GeometryJob.storageSettings(reference.config()).open();
             ObjectStore got = GeometryJob.storageSettings(run.config()).open()) {
            return OutputComparison.compare(read(reference.config()), want, read(run.config()), got);
        }
    }

    public CommittedOutput read(Configuration conf) throws Exception {
        return CommittedOutput.read(kafka.bootstrapServers(), conf.get(SinkOptions.GEOMETRY_TOPIC),
                conf.get(SinkOptions.SEGMENTS_TOPIC), conf.get(SinkOptions.DEAD_LETTER_TOPIC), conf.get(SinkOptions.CORRECTIONS_TOPIC));
    }

    /** Each run has its own output topics, consumer group, transactional ids and bucket; the input is shared. */
    private Configuration jobConfig(Input in, String label) {
        String run = in.name() + "-" + label;
        Configuration conf = new Configuration();
        conf.set(GeometryJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(IngestOptions.BOUNDED, true);
        conf.set(IngestOptions.INPUT_TOPIC, in.topic());
        conf.set(IngestOptions.GROUP_ID, run);
        conf.set(SinkOptions.GEOMETRY_TOPIC, run + ".geometry");
        conf.set(SinkOptions.SEGMENTS_TOPIC, run + ".segments");
        conf.set(SinkOptions.DEAD_LETTER_TOPIC, run + ".dead-letters");
        conf.set(SinkOptions.CORRECTIONS_TOPIC, run + ".corrections");
        conf.set(SinkOptions.TRANSACTIONAL_ID_PREFIX, run);
        conf.set(SinkOptions.TRANSACTION_TIMEOUT, Duration.ofSeconds(60));
        conf.set(ClipOptions.LENGTH, CLIP_LENGTH);
        conf.set(ClipOptions.STRIDE, CLIP_STRIDE);
        conf.set(StorageOptions.S3_ENDPOINT, s3.endpoint().toString());
        String bucket = run.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        conf.set(StorageOptions.S3_BUCKET, bucket);
        conf.set(StorageOptions.S3_ACCESS_KEY, accessKey);
        conf.set(StorageOptions.S3_SECRET_KEY, secretKey);
        s3.createBucket(bucket);
        kafka.createTopics(Map.of(conf.get(SinkOptions.GEOMETRY_TOPIC), 2, conf.get(SinkOptions.SEGMENTS_TOPIC), 1,
                conf.get(SinkOptions.DEAD_LETTER_TOPIC), 1, conf.get(SinkOptions.CORRECTIONS_TOPIC), 1),
                EmbeddedKafka.compacted(conf.get(SinkOptions.CORRECTIONS_TOPIC)));
        return conf;
    }

    /** Whether {@code dir} exists yet: in an object store a directory appears with the first object under it. */
    private static boolean exists(String dir) throws java.io.IOException {
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(dir);
        return path.getFileSystem().exists(path);
    }

    /**
     * Submits the job (the production pipeline with failure points: the store fails after planned puts, the model holds
     * planned clips, an identity operator in front of the sink fails after planned pre-commits) with the job's Flink
     * defaults (RocksDB, incremental checkpoints), checkpoints every 300 ms to {@code workDir}, fixed-delay restarts.
     */
    private JobID submit(Configuration conf, CheckpointMode mode, String restoreFrom) throws Exception {
        return submit(conf, mode, restoreFrom, workDir.resolve("checkpoints").toUri().toString(), false);
    }

    /**
     * @param productionPolicy restarts and tolerated checkpoint failures of {@link GeometryJob#FAILURE_POLICY} (else
     *                         quick fixed-delay restarts: 30 attempts 300 ms apart)
     */
    private JobID submit(Configuration conf, CheckpointMode mode, String restoreFrom, String checkpoints, boolean productionPolicy) throws Exception {
        awaitIdleCluster(conf.get(StorageOptions.S3_BUCKET));
        Configuration flink = new Configuration();
        if (!productionPolicy) {
            flink.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 30);
            flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(300));
        }
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, CHECKPOINT_INTERVAL);
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints);
        flink.set(CheckpointingOptions.ENABLE_UNALIGNED, mode == CheckpointMode.UNALIGNED);
        if (restoreFrom != null) flink.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(GeometryJob.withFlinkDefaults(flink));
        env.setParallelism(2);
        GeometryJob job = new GeometryJob(conf, GeometryJob.kafkaSource(conf), GeometryJob.kafkaSink(conf),
                GeometryJob.storageSettings(conf).decorated(new FailingPutStore()), new HoldingModel(ModelSettings.of(ModelSettings.SIMULATED, null)));
        job.buildOutput(env)
                .transform("failure point: after pre-commit", TypeInformation.of(OutputRecord.class), new FailAfterPreCommit())
                .uid("fail-after-pre-commit")
                .sinkTo(GeometryJob.kafkaSink(conf)).uid("sink-kafka").name("Kafka exactly-once sink");
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("geostream-chaos-" + conf.get(StorageOptions.S3_BUCKET));
        return cluster.submitJob(graph).get(60, TimeUnit.SECONDS).getJobID();
    }

    /**
     * Waits until every live task manager is registered with its slot free before a job is submitted: a job submitted
     * while the last run's slots are still being released, or before a task manager started in place of a lost one has
     * registered, waits for a slot, and a job of two subtasks on one slot runs nothing (no checkpoint, no clip). A task
     * manager that died on its own (the MiniCluster closes a task manager on a fatal error, with one ERROR line,
     * "TaskManager #N failed.") is reported and replaced, so that the runs after it test the job and not the rig;
     * {@link #replacedTaskManagers()} counts them. Fails after {@link #CLUSTER_READY_TIMEOUT} otherwise.
     */
    private void awaitIdleCluster(String next) throws Exception {
        long deadline = System.nanoTime() + CLUSTER_READY_TIMEOUT.toNanos();
        while (true) {
            // Dead ones first: the resource manager may still count a task manager that has just terminated.
            List<Integer> dead = deadTaskManagers();
            if (!dead.isEmpty()) {
                log.printf("chaos: before the %s run: %s; task manager(s) %s died on their own, replacing them%n", next, overview(), dead);
                for (Integer tm : dead) {
                    liveTaskManagers.remove(tm);
                    startTaskManager();
                    replacedTaskManagers++;
                }
            }
            int want = liveTaskManagers.size();
            ResourceOverview o = cluster.getResourceOverview().get(30, TimeUnit.SECONDS);
            if (o.getNumberTaskManagers() == want && o.getNumberFreeSlots() == want) return;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("before the " + next + " run: " + describe(o) + " after " + CLUSTER_READY_TIMEOUT
                        + ", " + want + " task managers alive: a slot is still held by an earlier job or a task manager does not"
                        + " register" + (replacedTaskManagers > 0 ? " (" + replacedTaskManagers + " replaced so far)" : ""));
            }
            Thread.sleep(100);
        }
    }

    /** Starts a task manager and counts it alive by its MiniCluster index (indexes are never reused). */
    private void startTaskManager() throws Exception {
        cluster.startTaskManager();
        liveTaskManagers.add(nextTaskManager++);
    }

    /**
     * The live task managers (by the MiniCluster's index) that have terminated. The MiniCluster does not publish its
     * task managers, so this reads its private list: only to tell which one to replace.
     */
    private List<Integer> deadTaskManagers() throws ReflectiveOperationException {
        java.lang.reflect.Field f = MiniCluster.class.getDeclaredField("taskManagers");
        f.setAccessible(true);
        List<?> all = (List<?>) f.get(cluster);
        List<Integer> dead = new ArrayList<>();
        for (int tm : liveTaskManagers) {
            var executor = (org.apache.flink.runtime.taskexecutor.TaskExecutor) all.get(tm);
            if (executor.getTerminationFuture().isDone()) dead.add(tm);
        }
        return dead;
    }

    /** The cluster's task managers and slots for a message, or why they could not be read (the message still goes out). */
    private String overview() {
        try {
            return describe(cluster.getResourceOverview().get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            return "resource overview unavailable: " + e;
        }
    }

    private static String describe(ResourceOverview o) {
        return o.getNumberTaskManagers() + " task managers registered, " + o.getNumberFreeSlots() + " of "
                + o.getNumberRegisteredSlots() + " slots free";
    }

    /** The MiniCluster indexes of the task managers the scenario counts as alive. */
    public List<Integer> liveTaskManagers() {
        return List.copyOf(liveTaskManagers);
    }

    /** Task managers that died on their own between runs and were replaced (0 in a healthy run of the scenario). */
    public int replacedTaskManagers() {
        return replacedTaskManagers;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private void await(JobID job, String what) throws Exception {
        JobResult r = cluster.requestJobResult(job).get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!r.isSuccess()) {
            Throwable cause = r.getSerializedThrowable().map(t -> t.deserializeError(getClass().getClassLoader())).orElse(null);
            Throwable root = cause;
            for (int depth = 0; depth < 32 && root != null && root.getCause() != null; depth++) root = root.getCause();
            // The root cause in the message: a build's summary prints the message alone.
            throw new IllegalStateException("the " + what + " job ended " + r.getApplicationStatus()
                    + (root == null ? "" : " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")"), cause);
        }
    }
}
