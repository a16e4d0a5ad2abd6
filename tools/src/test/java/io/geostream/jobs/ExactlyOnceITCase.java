package io.geostream.jobs;

import io.geostream.chaos.ChaosScenario;
import io.geostream.chaos.ChaosScenario.CheckpointMode;
import io.geostream.embedded.CheckpointStorage;
import io.geostream.chaos.FailurePlan;
import io.geostream.chaos.FailurePoints;
import io.geostream.chaos.Fault;
import io.geostream.chaos.FaultPlan;
import io.geostream.chaos.OutputComparison;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.RealStack;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly-once on the real stack (KRaft broker, s3proxy, MiniCluster with two task managers of one slot each), with
 * the job's RocksDB incremental checkpoints: the same synthetic input is run once without failures, then
 * <ul>
 *   <li>with three failures at points drawn from a seed, once with unaligned and once with aligned checkpoints:
 *       the stitch stage fails right after a payload object was written, before its GeometryFrame is emitted; the
 *       job fails after a checkpoint's pre-commit and before its commit; a task manager is lost while a clip is in
 *       inference (a fresh one is started);</li>
 *   <li>stopped with a savepoint while a clip is in inference and restarted from it as a new job (a job upgrade);</li>
 *   <li>fed live (2 frames a second per stream) through one production fault each, with short outages (seconds, not
 *       the command's 30 and 60), once output is committed: the broker stopped and restarted on its port and data
 *       directory; the object store unreachable; a task manager lost while a checkpoint is in flight; the job's JVM
 *       ({@code geostream run} in a child process) killed with SIGKILL and resumed with
 *       {@code --from-latest-checkpoint}. Each also checks that its fault reached the job. Longer outages, mixed faults
 *       and more seeds: {@code geostream chaos --faults}.</li>
 * </ul>
 * Each time the read_committed output must hold every input frame exactly once, with the same content as the
 * failure-free run (every GeometryFrame field except processing latency, every payload's SHA-256, the segment
 * events), and every referenced object must exist. The scenario is {@link ChaosScenario}, also behind
 * {@code geostream chaos}.
 */
class ExactlyOnceITCase {

    private static final long SEED = Long.getLong("geostream.chaos.seed", 20261124L);
    private static final double FEED_FPS = 2;
    private static final Duration OUTAGE = Duration.ofSeconds(5);
    private static final Map<String, SceneSpec> STREAMS = new TreeMap<>(Map.of(
            "cam-a", new SceneSpec(21, 48, 36, 26, TrajectoryKind.ORBIT, 0.0, 10),
            "cam-b", new SceneSpec(22, 48, 36, 22, TrajectoryKind.WALK, 0.0, 10),
            "cam-c", new SceneSpec(23, 48, 36, 20, TrajectoryKind.ORBIT, 0.0, 10)));

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(ChaosScenario.clusterConfiguration()).setNumberTaskManagers(2).setNumberSlotsPerTaskManager(1).build());

    @RegisterExtension
    static final RealStack.PerClass SERVERS = new RealStack.PerClass();

    static ChaosScenario scenario;
    static ChaosScenario.Input input;
    static ChaosScenario.Run reference;

    /** The scenario on the class's MiniCluster, the input and its failure-free run, made once for all tests. */
    private static synchronized void prepare(MiniCluster cluster) throws Exception {
        if (scenario != null) return;
        scenario = new ChaosScenario(cluster, 2, SERVERS.kafka(), SERVERS.s3(), RealStack.ACCESS_KEY, RealStack.SECRET_KEY, SERVERS.dir(), System.err);
        input = scenario.publish("eos", STREAMS);
        reference = scenario.runReference(input);
        OutputComparison self = scenario.compare(reference, reference);
        assertThat(self.expected()).as("frames of the failure-free run").isEqualTo(input.frames());
        assertThat(self.deadLetters()).isZero();
        assertThat(self.exactlyOnce()).isTrue();
    }

    @Test
    void injectedFailuresChangeNothingWithUnalignedCheckpoints(@InjectMiniCluster MiniCluster cluster) throws Exception {
        injectedFailuresChangeNothing(cluster, CheckpointMode.UNALIGNED, SEED);
    }

    @Test
    void injectedFailuresChangeNothingWithAlignedCheckpoints(@InjectMiniCluster MiniCluster cluster) throws Exception {
        injectedFailuresChangeNothing(cluster, CheckpointMode.ALIGNED, SEED + 1);
    }

    private static void injectedFailuresChangeNothing(MiniCluster cluster, CheckpointMode mode, long seed) throws Exception {
        prepare(cluster);
        FailurePlan plan = FailurePlan.fromSeed(seed, 3, input.puts(), input.clips());
        ChaosScenario.Run run = scenario.runWithFailures(input, reference, plan, mode, mode.name().toLowerCase());
        OutputComparison c = scenario.compare(reference, run);
        System.err.printf("ExactlyOnceITCase %s seed=%d restarts=%d last completed checkpoint=%d lost=%s duplicated=%s mismatched=%s%n",
                mode, seed, run.restarts(), run.lastCompletedCheckpoint(), c.lost(), c.duplicated(), c.mismatched());
        assertThat(c.duplicated()).as("duplicated frames").isEmpty();
        assertThat(c.lost()).as("lost frames").isEmpty();
        assertThat(c.mismatched()).as("frames whose content differs from the failure-free run").isEmpty();
        assertThat(c.committed()).isEqualTo(input.frames());
        assertThat(c.deadLetters()).as("dead letters of the failure run").isZero();
        // Each failure really happened (else the run proves less than it claims). Failures close together can fail the
        // same attempt, so restarts may be fewer than failures.
        assertThat(ChaosScenario.failuresFired(plan)).as("failures injected").isEqualTo(3);
        assertThat(run.restarts()).as("restarts").isGreaterThanOrEqualTo(1);
    }

    @Test
    void stopWithSavepointAndRestartFromItChangesNothing(@InjectMiniCluster MiniCluster cluster) throws Exception {
        prepare(cluster);
        int stopAtClip = input.clips() / 2;
        ChaosScenario.Run run = scenario.runWithSavepoint(input, stopAtClip, input.frames(),
                scenario.read(reference.config()).segments().size(), "savepoint");
        if (run.committedBeforeStop() >= input.frames()) {
            // The source read every frame (all published before the job starts) ahead of the savepoint's barrier, so the
            // stop came after the last one and the restart restored nothing mid-stream (1 of 17 runs on a 2-core machine,
            // 2026-12-07): once more, on topics of its own.
            System.err.println("ExactlyOnceITCase: every frame was committed before the stop; the savepoint run again");
            run = scenario.runWithSavepoint(input, stopAtClip, input.frames(),
                    scenario.read(reference.config()).segments().size(), "savepoint-again");
        }
        OutputComparison c = scenario.compare(reference, run);
        System.err.printf("ExactlyOnceITCase savepoint at clip %d: committed before the stop %d, lost=%s duplicated=%s mismatched=%s%n",
                stopAtClip, run.committedBeforeStop(), c.lost(), c.duplicated(), c.mismatched());
        // Stopped mid-stream: the clip in inference and everything after it were committed only by the job started
        // from the savepoint.
        assertThat(run.committedBeforeStop()).isLessThan(input.frames());
        // Same segments, ids and poses as the failure-free run: clip cutter and stitcher state came through the savepoint.
        assertThat(c.mismatched()).as("frames or segments that differ from the failure-free run").isEmpty();
        assertThat(c.duplicated()).as("duplicated frames").isEmpty();
        assertThat(c.lost()).as("lost frames").isEmpty();
        assertThat(c.deadLetters()).isZero();
    }

    /**
     * The rig, not the job: a task manager that dies on its own between runs (the MiniCluster closes one on a fatal
     * error) is replaced before the next run starts, which then runs as any other. Without it every later run of the
     * class waits for a slot that never comes.
     */
    @Test
    void aTaskManagerThatDiedBetweenRunsIsReplacedBeforeTheNextRun(@InjectMiniCluster MiniCluster cluster) throws Exception {
        prepare(cluster);
        int replacedBefore = scenario.replacedTaskManagers();
        int victim = scenario.liveTaskManagers().get(0);
        cluster.terminateTaskManager(victim).get(30, java.util.concurrent.TimeUnit.SECONDS);
        ChaosScenario.Run run = scenario.runWithFailures(input, reference, FailurePlan.none(), CheckpointMode.ALIGNED, "after-a-dead-tm");
        OutputComparison c = scenario.compare(reference, run);
        assertThat(scenario.replacedTaskManagers()).as("task managers replaced").isEqualTo(replacedBefore + 1);
        assertThat(scenario.liveTaskManagers()).doesNotContain(victim).hasSize(2);
        assertThat(c.exactlyOnce()).as("lost %s duplicated %s mismatched %s", c.lost(), c.duplicated(), c.mismatched()).isTrue();
    }

    @AfterAll
    static void reportReplacedTaskManagers() {
        if (scenario != null) {
            System.err.println("ExactlyOnceITCase: task managers replaced after dying on their own: " + scenario.replacedTaskManagers()
                    + " (1 is the test that kills one)");
        }
    }

    /** Runs {@code fault} alone on a live feed and checks the output against the reference; returns the run. */
    private static ChaosScenario.FaultRun runFault(MiniCluster cluster, Fault fault) throws Exception {
        return runFault(cluster, fault, CheckpointStorage.LOCAL);
    }

    private static ChaosScenario.FaultRun runFault(MiniCluster cluster, Fault fault, CheckpointStorage storage) throws Exception {
        prepare(cluster);
        FaultPlan plan = FaultPlan.fromSeed(SEED, EnumSet.of(fault), OUTAGE, OUTAGE);
        String label = fault.label() + (storage == CheckpointStorage.STORE ? "-store-checkpoints" : "");
        ChaosScenario.FaultRun run = scenario.runWithFaults(input, reference, plan, FEED_FPS, label, storage);
        OutputComparison c = scenario.compare(reference, run.run());
        System.err.printf("ExactlyOnceITCase %s seed=%d %s restarts=%d failed_put_attempts=%d %s%n", fault, SEED,
                run.injected(), run.run().restarts(), run.failedPutAttempts(), c.summaryLine());
        assertThat(run.injected()).extracting(ChaosScenario.InjectedFault::fault).containsExactly(fault);
        // It struck mid-stream: some output committed, some still to come (open transactions, frames in flight).
        assertThat(run.injected().get(0).committedBefore()).as("frames committed when the fault struck").isBetween(1, input.frames() - 1);
        assertThat(c.duplicated()).as("duplicated frames").isEmpty();
        assertThat(c.lost()).as("lost frames").isEmpty();
        assertThat(c.mismatched()).as("frames whose content differs from the failure-free run").isEmpty();
        assertThat(c.committed()).isEqualTo(input.frames());
        assertThat(c.deadLetters()).as("dead letters: an outage must not dead-letter valid frames").isZero();
        return run;
    }

    @Test
    void brokerStoppedAndRestartedOnItsPortAndDataChangesNothing(@InjectMiniCluster MiniCluster cluster) throws Exception {
        ChaosScenario.FaultRun run = runFault(cluster, Fault.BROKER_OUTAGE);
        assertThat(run.injected().get(0).lastedSeconds()).isGreaterThanOrEqualTo(OUTAGE.toSeconds());
    }

    @Test
    void objectStoreOutageIsRetriedAndChangesNothing(@InjectMiniCluster MiniCluster cluster) throws Exception {
        ChaosScenario.FaultRun run = runFault(cluster, Fault.STORE_OUTAGE);
        assertThat(run.failedPutAttempts()).as("payload put attempts that met the outage").isPositive();
    }

    @Test
    void objectStoreOutageWithTheCheckpointsInTheStoreChangesNothing(@InjectMiniCluster MiniCluster cluster) throws Exception {
        ChaosScenario.FaultRun run = runFault(cluster, Fault.STORE_OUTAGE, CheckpointStorage.STORE);
        assertThat(run.failedPutAttempts()).as("payload put attempts that met the outage").isPositive();
        ChaosScenario.CheckpointFigures checkpoints = run.checkpoints().orElseThrow();
        System.err.println("ExactlyOnceITCase store-outage with checkpoints in the store: " + checkpoints.summary());
        assertThat(checkpoints.completed()).as("checkpoints completed in the object store").isPositive();
        // and the outage reached them: one failed, or one waited it out
        assertThat(checkpoints.failed() > 0 || checkpoints.longestMillis() >= OUTAGE.toMillis())
                .as("a checkpoint met the outage (" + checkpoints.summary() + ")").isTrue();
        // Checkpoints that met the outage waited in the S3 client's retries or failed; the policy tolerates 2 failures
        // in a row, so the job restarts only past that (runs here: 1 or 2 failed, 0 restarts; with more failures a
        // restart is the documented policy, and the comparison above still holds).
        if (run.run().restarts() > 0) {
            assertThat(checkpoints.failed()).as("a restart without more failed checkpoints than tolerated ("
                    + run.run().restarts() + " restarts, " + checkpoints.summary() + ")").isGreaterThan(2);
        }
    }

    @Test
    void taskManagerLostWithACheckpointInFlightChangesNothing(@InjectMiniCluster MiniCluster cluster) throws Exception {
        ChaosScenario.FaultRun run = runFault(cluster, Fault.TASK_MANAGER_LOSS_AT_CHECKPOINT);
        long held = run.injected().get(0).checkpoint();
        assertThat(held).isPositive();
        assertThat(FailurePoints.checkpointCompletedInRun(held)).as("the checkpoint in flight when the task manager was lost completed").isFalse();
        assertThat(run.run().restarts()).as("restarts").isGreaterThanOrEqualTo(1);
    }

    @Test
    void jobProcessKilledWithSigkillResumesFromItsLatestCheckpointOnLocalDisk(@InjectMiniCluster MiniCluster cluster) throws Exception {
        ChaosScenario.FaultRun run = runFault(cluster, Fault.PROCESS_KILL);
        assertThat(run.injected().get(0).checkpoint()).as("the checkpoint the new process resumed from").isPositive();
        assertThat(run.injected().get(0).detail()).contains("resumed from file:");
    }

    @Test
    void jobProcessKilledWithSigkillResumesFromItsLatestCheckpoint(@InjectMiniCluster MiniCluster cluster) throws Exception {
        // checkpoints in the object store, as compose keeps them: the new JVM finds the newest through Flink's S3 plugin
        ChaosScenario.FaultRun run = runFault(cluster, Fault.PROCESS_KILL, CheckpointStorage.STORE);
        assertThat(run.injected().get(0).checkpoint()).as("the checkpoint the new process resumed from").isPositive();
        assertThat(run.injected().get(0).detail()).contains("resumed from s3://");
    }
}
