package io.geostream.load;

import io.geostream.avro.GeometryFrame;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The soak's exit rules. A soak fails when Flink's REST API could not be read, the job never ran, a checkpoint failed
 * after start-up for a reason that is not forgiven ({@link JobWatch}), the job restarted or left RUNNING, fewer
 * distinct (stream, frame index) pairs were committed than published minus what open clips hold, a pair was committed
 * twice, an error said data was lost, or the heap grew faster than allowed; and, by the capacity rule (README, capacity
 * of one task manager), when the job did not keep pace ({@link Pace}): the end-to-end p99 after the warm-up over the
 * latency bound, or the lag growing. The heap slope is judged only over at least
 * {@link #MIN_SLOPE_MINUTES} after the warm-up: over a shorter run it says more about the JIT and RocksDB's caches
 * filling than about a leak. Even then the heap after GC swings by some 20 MiB from sample to sample, so a 10-minute
 * slope is uncertain by tens of MiB per hour: the run fails when the slope exceeds the limit beyond its 95 % confidence
 * interval, not when noise tips it over.
 *
 * @param reasons       why the soak fails (empty: it passes), each a short token for the result line
 * @param heapSlope     the slope in MiB per hour, or {@code too_short}
 * @param heapSlopeCi95 the half-width of its 95 % confidence interval, or {@code too_short}
 */
public record SoakVerdict(List<String> reasons, String heapSlope, String heapSlopeCi95) {

    /** Minutes at the start of the run that the heap slope leaves out (JIT, caches, the first checkpoints). */
    public static final double WARM_UP_MINUTES = 1.0;
    /** Minutes after the warm-up a run needs before its heap slope is judged. */
    public static final double MIN_SLOPE_MINUTES = 10.0;

    /** What one soak observed. */
    public record Facts(int restErrors, boolean started, long failedCheckpoints, long restarts, Set<String> statesAfterStart,
                        long published, int streams, int framesHeldPerStream, CommittedFrames committed, long dataLossErrors,
                        double minutesAfterWarmUp, double heapSlopeMbPerHour, double heapSlopeCi95, double maxHeapSlope) {

        /** Frames that must be committed: all published but what each stream may still hold ({@link #framesHeld}). */
        public long expectedAtLeast() {
            return SoakVerdict.expectedAtLeast(published, streams, framesHeldPerStream);
        }
    }

    /**
     * Whether the job kept pace with the cameras.
     *
     * @param p99MsAfterWarmUp    end-to-end p99 (commit visible less capture) of the frames committed after
     *                            {@link #WARM_UP_MINUTES}; NaN when none was (a short run: not judged)
     * @param latencyBoundMs      the most a frame may take under exactly-once ({@link #latencyBoundMs})
     * @param minutesOfTrend      minutes the cameras published after {@link #TREND_WARM_UP_MINUTES}
     * @param latencyTrendPerMinute least-squares slope of the end-to-end latency of the frames committed in those minutes
     *                            against their commit time, one point per commit (the medians of the frames it made
     *                            visible), seconds per minute: a job that keeps pace holds it at 0 (the lag in frames
     *                            is the input rate times the latency), one whose output runs x % slower than its input
     *                            raises it by 0.6 x seconds a minute
     * @param latencyTrendCi95    the half-width of its 95 % confidence interval (NaN: taken as 0, as for the heap)
     */
    public record Pace(double p99MsAfterWarmUp, double latencyBoundMs, double minutesOfTrend, double latencyTrendPerMinute,
                       double latencyTrendCi95) {
        /** Nothing measured: neither rule is judged. */
        public static Pace notMeasured() {
            return new Pace(Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN);
        }
    }

    /**
     * Minutes at the start of the run the lag's trend leaves out: on 2 cores the start-up backlog (the JIT, the first
     * clips and checkpoints) builds for about two minutes at 64 cameras and is worked off in two to three at 48
     * (docs/benchmarks.md, session 23).
     */
    public static final double TREND_WARM_UP_MINUTES = 3.0;
    /** Minutes of publishing after {@link #TREND_WARM_UP_MINUTES} a run needs before its lag trend is judged. */
    public static final double MIN_TREND_MINUTES = 5.0;
    /**
     * The lag grows when the output runs more than 1 % slower than the cameras: the latency rises by more than 0.6 s a
     * minute beyond its slope's uncertainty. (Counting published less committed frames at each sample instead aliases
     * with the commits: output appears once a checkpoint interval, and a 15.4 s sample period against a 30 s interval
     * drifts by 0.8 s a commit, which read as 70 frames a minute of growth at 48 cameras that kept pace.)
     */
    public static final double LAG_GROWTH_LIMIT = 0.01;

    /**
     * The end-to-end bound of the capacity rule: a frame waits for its clip to fill (T frames), with the per_frame
     * method for the next clip as well (one stride), then for the next checkpoint (one interval) to complete (the
     * longest checkpoint of the run), plus 2 s for everything else.
     */
    public static double latencyBoundMs(int clipLength, int stride, io.geostream.stitch.StitchMethod method, double fps,
                                        double checkpointIntervalMs, double longestCheckpointMs) {
        int frames = clipLength + (method == io.geostream.stitch.StitchMethod.PER_FRAME ? stride : 0);
        return frames * 1000.0 / fps + checkpointIntervalMs + longestCheckpointMs + 2000;
    }

    /** Distinct (stream, frame index) pairs of the committed output, and rows beyond the first of a pair. */
    public record CommittedFrames(long distinct, long duplicates) {
        public static CommittedFrames of(Iterable<GeometryFrame> frames) {
            Set<String> seen = new HashSet<>();
            long rows = 0;
            for (GeometryFrame f : frames) {
                rows++;
                seen.add(f.getStreamId() + "\u0000" + f.getFrameIndex());
            }
            return new CommittedFrames(seen.size(), rows - seen.size());
        }
    }

    /** Frames that must be committed of {@code published}: all but what each stream may still hold. */
    public static long expectedAtLeast(long published, int streams, int framesHeldPerStream) {
        return published - (long) streams * framesHeldPerStream;
    }

    /**
     * Frames a stream may hold uncommitted once its input stops (until its idle flush): the open clip's T - 1, and with
     * the per_frame method the clip that waits for the next one, one stride more.
     */
    public static int framesHeld(int clipLength, int stride, io.geostream.stitch.StitchMethod method) {
        return clipLength - 1 + (method == io.geostream.stitch.StitchMethod.PER_FRAME ? stride : 0);
    }

    /** The verdict on everything but the pace (for runs that did not measure it). */
    public static SoakVerdict of(Facts f) {
        return of(f, Pace.notMeasured());
    }

    public static SoakVerdict of(Facts f, Pace pace) {
        List<String> reasons = new ArrayList<>();
        if (f.restErrors() > 0) reasons.add("rest_unreadable");
        if (!f.started()) reasons.add("job_never_ran");
        if (f.failedCheckpoints() > 0) reasons.add("checkpoint_failed");
        if (f.restarts() > 0 || !f.statesAfterStart().isEmpty()) reasons.add("job_restarted");
        if (f.committed().distinct() < f.expectedAtLeast()) reasons.add("frames_missing");
        if (f.committed().duplicates() > 0) reasons.add("frames_committed_twice");
        if (f.dataLossErrors() > 0) reasons.add("data_loss_logged");
        String slope = "too_short", ci = "too_short";
        if (f.minutesAfterWarmUp() >= MIN_SLOPE_MINUTES) {
            slope = String.format(Locale.ROOT, "%.1f", f.heapSlopeMbPerHour());
            ci = String.format(Locale.ROOT, "%.1f", f.heapSlopeCi95());
            if (!(lowestSlope(f.heapSlopeMbPerHour(), f.heapSlopeCi95()) <= f.maxHeapSlope())) reasons.add("heap_slope");
        }
        if (pace.p99MsAfterWarmUp() > pace.latencyBoundMs()) reasons.add("latency_over_bound");
        if (pace.minutesOfTrend() >= MIN_TREND_MINUTES
                && lowestSlope(pace.latencyTrendPerMinute(), pace.latencyTrendCi95()) > LAG_GROWTH_LIMIT * 60) reasons.add("lag_growing");
        return new SoakVerdict(List.copyOf(reasons), slope, ci);
    }

    /** The low end of a slope's 95 % interval (the slope itself where the interval is unknown). */
    private static double lowestSlope(double slope, double ci95) {
        return slope - (Double.isNaN(ci95) ? 0 : ci95);
    }

    public boolean passed() {
        return reasons.isEmpty();
    }

    /** {@code none}, or the reasons joined by commas (no spaces: a value of the key=value result line). */
    public String reasonsValue() {
        return reasons.isEmpty() ? "none" : String.join(",", reasons);
    }
}
