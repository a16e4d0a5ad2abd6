package io.geostream.clip;

import io.geostream.avro.SegmentReason;
import io.geostream.output.DeadLetters;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.time.Duration;
import java.util.List;

/**
 * Flink wrapper of {@link ClipCutter}, keyed by stream id. Idle deadlines are EVENT-time timers: they
 * depend only on capture times, and at the end of a bounded input the final watermark fires them, so
 * the last short clip is still emitted (processing-time timers would be dropped, FLINK-14231).
 *
 * <p>State release. A stream's keyed state is released (a) right after its end-of-stream marker closed
 * everything, and (b) after {@code idleTtl} of PROCESSING time without a frame. (b) is processing time
 * because event time is the job's watermark, which stops advancing when every source partition is quiet:
 * exactly when thousands of streams idle at once, so an event-time TTL would never fire then. Before
 * releasing on (b), the stream is flushed as its event-time idle timer would have flushed it (same clips,
 * segment end STREAM_IDLE), so no frame held in state is lost. The last task before a release carries
 * {@link ClipTask#releasesStream}: the stitcher releases its state when it reaches it in sequence order,
 * and the stream's next task starts again at seq 0.
 */
public class ClipCutterFunction extends KeyedProcessFunction<String, FrameRecord, ClipTask> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<OutputRecord> DEAD_LETTERS = new OutputTag<>("clip-dead-letters") {};

    /** Idle TTL used when none is given. */
    public static final Duration DEFAULT_IDLE_TTL = Duration.ofHours(1);

    private final ClipCutterConfig config;
    private final long idleTtlMillis;
    private transient ClipCutter cutter;
    private transient ValueState<ClipCutterState> state;
    private transient ValueState<Long> ttlDeadline;
    private transient Counter clips;
    private transient Counter rejected;
    private transient io.geostream.output.DeadLetterCounters rejectedByReason;
    private transient Counter released;

    public ClipCutterFunction(ClipCutterConfig config) {
        this(config, DEFAULT_IDLE_TTL);
    }

    /** @param idleTtl processing time without a frame after which a stream's state is released; zero = never */
    public ClipCutterFunction(ClipCutterConfig config, Duration idleTtl) {
        if (idleTtl == null || idleTtl.isNegative()) {
            throw new IllegalArgumentException("idleTtl must be zero (off) or positive, got " + idleTtl);
        }
        this.config = config;
        this.idleTtlMillis = idleTtl.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        cutter = new ClipCutter(config);
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("clip-cutter", ClipCutterState.class));
        ttlDeadline = getRuntimeContext().getState(new ValueStateDescriptor<>("idle-ttl-deadline", Long.class));
        clips = getRuntimeContext().getMetricGroup().counter("clipsCut");
        rejected = getRuntimeContext().getMetricGroup().counter("framesRejected");
        rejectedByReason = new io.geostream.output.DeadLetterCounters(getRuntimeContext().getMetricGroup());
        released = getRuntimeContext().getMetricGroup().counter("streamsReleased");
    }

    @Override
    public void processElement(FrameRecord frame, Context ctx, Collector<ClipTask> out) throws Exception {
        ClipCutterState s = state.value();
        if (s == null) s = new ClipCutterState();
        long previousDeadline = s.idleDeadlineMillis;
        ClipCutter.Output o = cutter.onFrame(s, frame);
        boolean ended = frame.endOfStream || o.tasks().stream().anyMatch(t -> t.endReason == SegmentReason.END_OF_STREAM);
        if (ended && quiescent(s)) {
            // The producer ended the stream and nothing is held: release now rather than after the TTL.
            emit(o, ctx, out, s);
            if (previousDeadline != Long.MIN_VALUE) ctx.timerService().deleteEventTimeTimer(previousDeadline);
            release(ctx, s);
            return;
        }
        emit(o, ctx, out, null);
        if (s.idleDeadlineMillis != previousDeadline) {
            if (previousDeadline != Long.MIN_VALUE) ctx.timerService().deleteEventTimeTimer(previousDeadline);
            ctx.timerService().registerEventTimeTimer(s.idleDeadlineMillis);
        }
        state.update(s);
        if (idleTtlMillis > 0) armTtl(ctx);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClipTask> out) throws Exception {
        ClipCutterState s = state.value();
        if (s == null) return;
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            Long deadline = ttlDeadline.value();
            if (deadline == null || deadline != timestamp) return; // a frame came since: a later timer is armed
            // Flush what the event-time idle timer would flush (no-op if it already fired), then release.
            ClipCutter.Output o = cutter.onIdle(s, s.idleDeadlineMillis);
            emit(o, ctx, out, s);
            release(ctx, s);
            return;
        }
        ClipCutter.Output o = cutter.onIdle(s, timestamp);
        emit(o, ctx, out, null);
        state.update(s);
    }

    /** Nothing open, pending or announced: the state holds only counters. */
    private static boolean quiescent(ClipCutterState s) {
        return !s.inSegment && s.pending.isEmpty() && s.pendingEndIndex < 0;
    }

    /**
     * The TTL deadline, rounded up to 1/16 of the TTL (at least 1 s) so that a stream sending many frames
     * re-arms its timer once per step, not once per frame; the release comes at most one step late.
     */
    private void armTtl(Context ctx) throws Exception {
        long step = Math.max(1000L, idleTtlMillis / 16);
        long now = ctx.timerService().currentProcessingTime();
        long deadline = Math.floorDiv(now + idleTtlMillis + step - 1, step) * step;
        Long previous = ttlDeadline.value();
        if (previous != null && previous == deadline) return;
        if (previous != null) ctx.timerService().deleteProcessingTimeTimer(previous);
        ctx.timerService().registerProcessingTimeTimer(deadline);
        ttlDeadline.update(deadline);
    }

    /** Clears the stream's state and timers; the stitcher follows through the task marked by {@link #emit}. */
    private void release(Context ctx, ClipCutterState s) throws Exception {
        if (s.idleDeadlineMillis != Long.MIN_VALUE) ctx.timerService().deleteEventTimeTimer(s.idleDeadlineMillis);
        Long deadline = ttlDeadline.value();
        if (deadline != null) ctx.timerService().deleteProcessingTimeTimer(deadline);
        state.clear();
        ttlDeadline.clear();
        released.inc();
    }

    /**
     * Forwards the output. With {@code releasing} (the state about to be released), the last task is marked
     * {@link ClipTask#releasesStream}, or a marker task is added when there is none but the stitcher has
     * seen tasks of the stream.
     */
    private void emit(ClipCutter.Output o, Context ctx, Collector<ClipTask> out, ClipCutterState releasing) {
        for (ClipCutter.Rejection r : o.rejections()) {
            rejected.inc();
            rejectedByReason.inc(r.reasonCode());
            ctx.output(DEAD_LETTERS, DeadLetters.toOutput(DeadLetters.forFrame(r.frame(), r.reasonCode(), r.detail(), "clip")));
        }
        List<ClipTask> tasks = o.tasks();
        if (releasing != null) {
            if (!tasks.isEmpty()) {
                tasks.get(tasks.size() - 1).releasesStream = true;
            } else if (releasing.nextSeq > 0) {
                tasks.add(releaseMarker(releasing, ctx.getCurrentKey()));
            }
        }
        for (ClipTask t : tasks) {
            if (!t.isMarker()) clips.inc();
            out.collect(t);
        }
    }

    private static ClipTask releaseMarker(ClipCutterState s, String streamId) {
        ClipTask t = new ClipTask();
        t.streamId = streamId;
        t.seq = s.nextSeq++;
        t.segmentId = s.segmentId;
        t.clipId = -1;
        t.firstNewFrameIndex = s.segmentLastIndexBeforeEnd + 1;
        t.releasesStream = true;
        return t;
    }
}
