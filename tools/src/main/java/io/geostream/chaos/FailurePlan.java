package io.geostream.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * Where the failures of one run happen, drawn from a seed. Failure {@code i} is of kind {@code i % 3}: the stitch
 * stage fails right after a payload write (before the frame's event is emitted), the job fails between a
 * checkpoint's pre-commit and its commit, or a task manager is lost while a clip is in inference.
 *
 * @param failAfterPuts          payload puts (counted over the run, replays included) after which a put fails, ascending
 * @param preCommitFailures      how many times to fail between pre-commit and commit
 * @param firstPreCommitCheckpoint lowest checkpoint id at which the first of those may fire
 * @param holdAtClips            model calls (counted over the run) that are held in inference and signalled, ascending;
 *                               {@link #loseTaskManagers} of them are answered by losing a task manager
 * @param loseTaskManagers       how many task managers to lose (one per held clip)
 * @param seed                   the seed the plan was drawn from (also picks which task manager to lose)
 */
public record FailurePlan(List<Integer> failAfterPuts, int preCommitFailures, long firstPreCommitCheckpoint,
                          List<Integer> holdAtClips, int loseTaskManagers, long seed) {

    public FailurePlan {
        failAfterPuts = List.copyOf(failAfterPuts);
        holdAtClips = List.copyOf(holdAtClips);
        if (preCommitFailures < 0 || loseTaskManagers < 0 || loseTaskManagers > holdAtClips.size()) {
            throw new IllegalArgumentException("invalid failure plan: " + preCommitFailures + " pre-commit failures, "
                    + loseTaskManagers + " task managers to lose with " + holdAtClips.size() + " held clips");
        }
    }

    /** No failures (the reference run). */
    public static FailurePlan none() {
        return new FailurePlan(List.of(), 0, Long.MAX_VALUE, List.of(), 0, 0);
    }

    /** Only a clip held in inference at model call {@code clip} (to stop the job with a savepoint while clips are in flight). */
    public static FailurePlan holdOnly(int clip) {
        return new FailurePlan(List.of(), 0, Long.MAX_VALUE, List.of(clip), 0, 0);
    }

    /**
     * {@code failures} failures for an input of about {@code expectedPuts} payload puts and {@code expectedClips}
     * clips: put failures in the first 80 % of the puts, the first pre-commit failure at checkpoint 1 or 2, task
     * manager losses at clips 2 .. 70 % of the clips (they must be reached even without replays).
     */
    public static FailurePlan fromSeed(long seed, int failures, int expectedPuts, int expectedClips) {
        if (failures < 0) throw new IllegalArgumentException("failures must be >= 0, got " + failures);
        Random r = new Random(seed);
        int puts = (failures + 2) / 3, preCommits = (failures + 1) / 3, losses = failures / 3;
        int lastClip = Math.max(2, expectedClips * 7 / 10);
        if (losses > lastClip - 1) {
            throw new IllegalArgumentException(losses + " task manager losses need more clips than the input has (" + expectedClips + ")");
        }
        return new FailurePlan(distinct(r, puts, Math.max(1, expectedPuts / 20), Math.max(2, expectedPuts * 8 / 10)),
                preCommits, 1 + r.nextInt(2), distinct(r, losses, 2, lastClip), losses, seed);
    }

    /** Total failures planned. */
    public int failures() {
        return failAfterPuts.size() + preCommitFailures + loseTaskManagers;
    }

    @Override
    public String toString() {
        return "failAfterPuts=" + failAfterPuts + " preCommitFailures=" + preCommitFailures + " (from checkpoint "
                + firstPreCommitCheckpoint + ") loseTaskManagerAtClips=" + holdAtClips.subList(0, loseTaskManagers);
    }

    /** {@code n} distinct numbers in [lo, hi], ascending. */
    private static List<Integer> distinct(Random r, int n, int lo, int hi) {
        if (n > hi - lo + 1) throw new IllegalArgumentException("cannot place " + n + " failures in [" + lo + ", " + hi + "]");
        TreeSet<Integer> s = new TreeSet<>();
        while (s.size() < n) s.add(lo + r.nextInt(hi - lo + 1));
        return new ArrayList<>(s);
    }
}
