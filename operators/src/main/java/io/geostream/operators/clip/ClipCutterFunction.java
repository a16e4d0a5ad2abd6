package io.geostream.operators.clip;

import io.geostream.avro.SegmentReason;
import io.geostream.clip.ClipCutter;
import io.geostream.clip.ClipCutterSettings;
import io.geostream.clip.ClipCutterState;
import io.geostream.operators.sink.DeadLetters;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *
 * <p>State layout. The frames the cutter holds are kept without their pixels in the {@link ClipCutterState}
 * value (small: it is read and rewritten on every frame), and each held frame's pixels once in a map state
 * entry, written when the frame arrives, read when a clip that holds it is cut, removed when no list holds it
 * any more. With RocksDB a frame's pixels are thus serialised once, not once per frame that arrives while it
 * is held (T times). Older state whose frames still carry their pixels is read as it is and moved on the
 * next update.
 */
public class ClipCutterFunction extends KeyedProcessFunction<String, FrameRecord, ClipTask> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<OutputRecord> DEAD_LETTERS = new OutputTag<>("clip-dead-letters") {};

    /** Idle TTL used when none is given. */
    public static final Duration DEFAULT_IDLE_TTL = Duration.ofHours(1);

    private final ClipCutterSettings config;
    private final long idleTtlMillis;
    private transient ClipCutter cutter;
    private transient ValueState<ClipCutterState> state;
    private transient ValueState<Long> ttlDeadline;
    private transient MapState<String, byte[]> pixels;
    private transient Counter clips;
    private transient Counter rejected;
    private transient io.geostream.operators.sink.DeadLetterCounters rejectedByReason;
    private transient Counter released;

    public ClipCutterFunction(ClipCutterSettings config) {
        this(config, DEFAULT_IDLE_TTL);
    }

    /** @param idleTtl processing time without a frame after which a stream's state is released; zero = never */
    public ClipCutterFunction(ClipCutterSettings config, Duration idleTtl) {
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
        pixels = getRuntimeContext().getMapState(new MapStateDescriptor<>("clip-frame-pixels", String.class, byte[].class));
        clips = getRuntimeContext().getMetricGroup().counter("clipsCut");
        rejected = getRuntimeContext().getMetricGroup().counter("framesRejected");
        rejectedByReason = new io.geostream.operators.sink.DeadLetterCounters(getRuntimeContext().getMetricGroup());
        released = getRuntimeContext().getMetricGroup().counter("streamsReleased");
    }

    @Override
    public void processElement(FrameRecord frame, Context ctx, Collector<ClipTask> out) throws Exception {
        ClipCutterState s = state.value();
        if (s == null) s = new ClipCutterState();
        long previousDeadline = s.idleDeadlineMillis;
        Set<String> held = pixelKeys(s);
        ClipCutter.Output o = cutter.onFrame(s, frame);
        withPixels(o);
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
        update(s, held);
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
            withPixels(o);
            emit(o, ctx, out, s);
            release(ctx, s);
            return;
        }
        Set<String> held = pixelKeys(s);
        ClipCutter.Output o = cutter.onIdle(s, timestamp);
        withPixels(o);
        emit(o, ctx, out, null);
        update(s, held);
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
        pixels.clear();
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
        long now = System.currentTimeMillis();
        for (ClipTask t : tasks) {
            if (!t.isMarker()) clips.inc();
            t.cutAtMillis = now;
            out.collect(t);
        }
    }

    /** Key of a held frame's pixels: its index and capture time, and its Kafka coordinates when it has them. */
    static String pixelKey(FrameRecord f) {
        return f.frameIndex + "@" + f.captureTimeMicros + "#" + f.sourcePartition + ":" + f.sourceOffset;
    }

    /** Keys of the pixels the state's frames refer to (held without their pixels). */
    private static Set<String> pixelKeys(ClipCutterState s) {
        Set<String> keys = new HashSet<>();
        for (List<FrameRecord> list : List.of(s.window, s.keyframes, s.pending)) {
            for (FrameRecord f : list) keys.add(pixelKey(f));
        }
        return keys;
    }

    /**
     * Gives every frame of the output's tasks its pixels: the frames the state held come without them. The tasks
     * get copies (the state's frame objects are not changed: with object reuse the next operator holds what it is
     * given).
     */
    private void withPixels(ClipCutter.Output o) throws Exception {
        Map<String, byte[]> loaded = new HashMap<>();
        for (ClipTask t : o.tasks()) {
            for (int i = 0; i < t.frames.length; i++) {
                FrameRecord f = t.frames[i];
                if (f == null || f.rgb != null) continue;
                String key = pixelKey(f);
                byte[] rgb = loaded.get(key);
                if (rgb == null) {
                    rgb = pixels.get(key);
                    if (rgb == null) throw new IllegalStateException("no pixels in state for held frame " + f + " (" + key + ")");
                    loaded.put(key, rgb);
                }
                FrameRecord copy = f.withoutPixels();
                copy.rgb = rgb;
                t.frames[i] = copy;
            }
        }
    }

    /**
     * Writes the state: the pixels of frames that came into its lists to the map state, the frames without them to the
     * value state; the pixels no list refers to any more ({@code held} = the keys before) are removed.
     */
    private void update(ClipCutterState s, Set<String> held) throws Exception {
        Map<FrameRecord, FrameRecord> stripped = new IdentityHashMap<>();
        Set<String> now = new HashSet<>();
        for (List<FrameRecord> list : List.of(s.window, s.keyframes, s.pending)) {
            for (int i = 0; i < list.size(); i++) {
                FrameRecord f = list.get(i);
                String key = pixelKey(f);
                now.add(key);
                if (f.rgb == null) continue;
                FrameRecord bare = stripped.get(f);
                if (bare == null) {
                    if (!held.contains(key) || !pixels.contains(key)) pixels.put(key, f.rgb);
                    bare = f.withoutPixels();
                    stripped.put(f, bare);
                }
                list.set(i, bare);
            }
        }
        for (String key : held) {
            if (!now.contains(key)) pixels.remove(key);
        }
        state.update(s);
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
