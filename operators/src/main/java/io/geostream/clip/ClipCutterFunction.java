package io.geostream.clip;

import io.geostream.output.DeadLetters;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Flink wrapper of {@link ClipCutter}, keyed by stream id. Idle deadlines are EVENT-time timers: they
 * depend only on capture times, and at the end of a bounded input the final watermark fires them, so
 * the last short clip is still emitted (processing-time timers would be dropped, FLINK-14231).
 */
public class ClipCutterFunction extends KeyedProcessFunction<String, FrameRecord, ClipTask> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<OutputRecord> DEAD_LETTERS = new OutputTag<>("clip-dead-letters") {};

    private final ClipCutterConfig config;
    private transient ClipCutter cutter;
    private transient ValueState<ClipCutterState> state;
    private transient Counter clips;
    private transient Counter rejected;
    private transient io.geostream.output.DeadLetterCounters rejectedByReason;

    public ClipCutterFunction(ClipCutterConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        cutter = new ClipCutter(config);
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("clip-cutter", ClipCutterState.class));
        clips = getRuntimeContext().getMetricGroup().counter("clipsCut");
        rejected = getRuntimeContext().getMetricGroup().counter("framesRejected");
        rejectedByReason = new io.geostream.output.DeadLetterCounters(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(FrameRecord frame, Context ctx, Collector<ClipTask> out) throws Exception {
        ClipCutterState s = state.value();
        if (s == null) s = new ClipCutterState();
        ClipCutter.Output o = cutter.onFrame(s, frame);
        emit(o, ctx, out);
        ctx.timerService().registerEventTimeTimer(s.idleDeadlineMillis);
        state.update(s);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClipTask> out) throws Exception {
        ClipCutterState s = state.value();
        if (s == null) return;
        ClipCutter.Output o = cutter.onIdle(s, timestamp);
        emit(o, ctx, out);
        state.update(s);
    }

    private void emit(ClipCutter.Output o, Context ctx, Collector<ClipTask> out) {
        for (ClipCutter.Rejection r : o.rejections()) {
            rejected.inc();
            rejectedByReason.inc(r.reasonCode());
            ctx.output(DEAD_LETTERS, DeadLetters.toOutput(DeadLetters.forFrame(r.frame(), r.reasonCode(), r.detail(), "clip")));
        }
        for (ClipTask t : o.tasks()) {
            if (!t.isMarker()) clips.inc();
            out.collect(t);
        }
    }
}
