package io.geostream.chaos;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The armed {@link FailurePlan} and what has fired so far. Static because the MiniCluster runs the tasks in this
 * JVM and the operators reach it from there; so one scenario runs at a time per JVM.
 */
public final class FailurePoints {
    private static FailurePlan plan = FailurePlan.none();
    private static int putCount;
    private static int nextPutFailure;
    private static int preCommitFailuresFired;
    private static long nextPreCommitCheckpoint = Long.MAX_VALUE;
    private static final AtomicInteger clipCount = new AtomicInteger();
    private static final AtomicInteger maxAttempt = new AtomicInteger();
    private static final AtomicInteger held = new AtomicInteger();
    private static final AtomicLong lastCompletedCheckpoint = new AtomicLong(-1);
    private static volatile BlockingQueue<Integer> heldClips = new LinkedBlockingQueue<>();
    private static volatile CountDownLatch release = new CountDownLatch(1);
    private static volatile Duration hold = Duration.ofSeconds(2);
    private static final java.util.concurrent.atomic.AtomicBoolean holdNextCheckpoint = new java.util.concurrent.atomic.AtomicBoolean();
    private static volatile BlockingQueue<Long> heldCheckpoints = new LinkedBlockingQueue<>();
    private static final java.util.Set<Long> completedCheckpoints = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final AtomicInteger failedPutAttempts = new AtomicInteger();

    private FailurePoints() {}

    /** Arms {@code p} for the next run and clears all counters; held clips stay in inference for 2 s. */
    public static void arm(FailurePlan p) {
        arm(p, Duration.ofSeconds(2));
    }

    /** Arms {@code p}; held clips stay in inference until {@link #releaseHeldClips()} or for {@code holdFor}. */
    public static synchronized void arm(FailurePlan p, Duration holdFor) {
        plan = p;
        hold = holdFor;
        release = new CountDownLatch(1);
        putCount = 0;
        nextPutFailure = 0;
        preCommitFailuresFired = 0;
        nextPreCommitCheckpoint = p.preCommitFailures() > 0 ? p.firstPreCommitCheckpoint() : Long.MAX_VALUE;
        clipCount.set(0);
        maxAttempt.set(0);
        held.set(0);
        lastCompletedCheckpoint.set(-1);
        heldClips = new LinkedBlockingQueue<>();
        holdNextCheckpoint.set(false);
        heldCheckpoints = new LinkedBlockingQueue<>();
        completedCheckpoints.clear();
        failedPutAttempts.set(0);
    }

    /**
     * The next checkpoint whose snapshot reaches the operator in front of the sink is held there (in flight: that
     * subtask has not acknowledged it) until {@link #releaseHeldClips()} or the hold time is over; its id is signalled
     * on {@link #heldCheckpoints()}.
     */
    public static void holdNextCheckpoint() {
        holdNextCheckpoint.set(true);
    }

    /** Called at each snapshot in front of the sink: true when this one is to be held (the caller signals and waits). */
    static boolean holdCheckpoint(long checkpointId) {
        if (!holdNextCheckpoint.compareAndSet(true, false)) return false;
        heldCheckpoints.add(checkpointId);
        return true;
    }

    /** The ids of held checkpoints, in the order they were held. */
    public static BlockingQueue<Long> heldCheckpoints() {
        return heldCheckpoints;
    }

    /** Whether checkpoint {@code id} completed (its completion reached the operator in front of the sink) in this run. */
    public static boolean checkpointCompletedInRun(long id) {
        return completedCheckpoints.contains(id);
    }

    /** Called by the job's store for each payload put attempt that failed (an outage is retried, attempt by attempt). */
    static void putAttemptFailed() {
        failedPutAttempts.incrementAndGet();
    }

    /** Payload put attempts that failed in this run (the store's outage reached the job's writes when above 0). */
    public static int failedPutAttempts() {
        return failedPutAttempts.get();
    }

    /** Called after each successful payload put: true when this put is one the plan fails after. */
    static synchronized boolean failAfterPut() {
        putCount++;
        if (nextPutFailure < plan.failAfterPuts().size() && putCount >= plan.failAfterPuts().get(nextPutFailure)) {
            nextPutFailure++;
            return true;
        }
        return false;
    }

    /** Whether a checkpoint with this id should arm the pre-commit failure point. */
    static synchronized boolean preCommitFailureDue(long checkpointId) {
        return preCommitFailuresFired < plan.preCommitFailures() && checkpointId >= nextPreCommitCheckpoint;
    }

    /** Takes the pre-commit failure for this checkpoint (at most one per due checkpoint; the next one 2 checkpoints on). */
    static synchronized boolean takePreCommitFailure(long checkpointId) {
        if (!preCommitFailureDue(checkpointId)) return false;
        preCommitFailuresFired++;
        nextPreCommitCheckpoint = checkpointId + 2;
        return true;
    }

    /** Called by the model at each clip: true when the plan holds this one (the caller signals and waits). */
    static boolean holdClip() {
        int n = clipCount.incrementAndGet();
        if (plan.holdAtClips().contains(n)) {
            held.incrementAndGet();
            heldClips.add(n);
            return true;
        }
        return false;
    }

    /** Keeps the calling model worker on a held clip until released or the hold time is over. */
    static void awaitRelease() throws InterruptedException {
        release.await(hold.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets held clips finish inference. */
    public static void releaseHeldClips() {
        release.countDown();
    }

    static void attemptStarted(int attemptNumber) {
        maxAttempt.accumulateAndGet(attemptNumber, Math::max);
    }

    static void checkpointCompleted(long checkpointId) {
        completedCheckpoints.add(checkpointId);
        lastCompletedCheckpoint.accumulateAndGet(checkpointId, Math::max);
    }

    /** Id of the last checkpoint whose completion reached the sink's task in this run (-1: none). */
    public static long lastCompletedCheckpoint() {
        return lastCompletedCheckpoint.get();
    }

    /** The signals of held clips, in the order they were reached. */
    public static BlockingQueue<Integer> heldClips() {
        return heldClips;
    }

    public static synchronized int putFailuresFired() {
        return nextPutFailure;
    }

    public static synchronized int preCommitFailuresFired() {
        return preCommitFailuresFired;
    }

    /** Highest task attempt number seen in front of the sink = restarts of the job. */
    public static int restarts() {
        return maxAttempt.get();
    }

    public static synchronized boolean anyFired() {
        return nextPutFailure > 0 || preCommitFailuresFired > 0 || held.get() > 0;
    }
}
