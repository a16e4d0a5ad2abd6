package io.geostream.operators.stitch;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentEvent;
import io.geostream.model.ModelInfo;
import io.geostream.operators.sink.DeadLetters;
import io.geostream.operators.sink.DrainingKeyedProcessOperator;
import io.geostream.operators.sink.GeometryFrameWriter;
import io.geostream.operators.sink.MetricsOptions;
import io.geostream.operators.sink.OrderedOutputQueue;
import io.geostream.operators.sink.PayloadWriters;
import io.geostream.operators.sink.QueuedOutputFunction;
import io.geostream.operators.sink.WriteBehindValueState;
import io.geostream.records.ClipResult;
import io.geostream.records.LoopFrame;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.stitch.StitchEvent;
import io.geostream.stitch.StitchMethod;
import io.geostream.stitch.Stitcher;
import io.geostream.stitch.StitcherSettings;
import io.geostream.stitch.StitcherState;
import io.geostream.storage.StorageErrors;
import io.geostream.storage.StorageSettings;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.operators.KeyContext;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The stitch stage, keyed by stream id and chained behind inference: the clips of a stream in order
 * ({@link ClipReorderBuffer}), each through the stream's {@link Stitcher} (the {@link StitchMethod}), each stitched
 * frame's payloads written ({@link PayloadWriters}) BEFORE its event is emitted, segment events and dead letters in
 * stream order, figures in {@link StitchMetrics}. It keeps no state of a stream past the task the clip operator marks
 * {@link io.geostream.records.ClipTask#releasesStream}.
 *
 * <p>With loop frames on, each stitched frame also goes to the side output {@link #LOOP_FRAMES} (pose, depth and RGB,
 * for the loop-closure stage), once its clip is stitched: maybe before its payloads are stored, in the same checkpoint as
 * its event;
 * a segment's end ({@link LoopFrame#segmentEnded}, with its reason) and a stream's release ({@link LoopFrame#release})
 * go there too.
 *
 * <p>Run by a {@link DrainingKeyedProcessOperator} (as the job does), a frame's payload writes may still be under
 * way when the next clip is stitched; under a plain {@code KeyedProcessOperator} an element's output is all out
 * before the element returns.
 */
public class StitchFunction extends QueuedOutputFunction<String, ClipResult, OutputRecord> {
    private static final long serialVersionUID = 1L;

    /** Dead-letter reason of a frame whose payloads could not be written for a permanent reason. */
    public static final String PAYLOAD_WRITE_FAILED = "PAYLOAD_WRITE_FAILED";

    /**
     * Frames of a subtask whose payload writes may still be under way when {@link #processElement} returns (when
     * run by a {@link DrainingKeyedProcessOperator}): about four clips of new frames, a few tens of MB held.
     */
    public static final int MAX_QUEUED_FRAMES = 48;

    /** Stitched frames for the loop-closure stage (only when the function was made with loop frames on). */
    public static final OutputTag<LoopFrame> LOOP_FRAMES = new OutputTag<>("loop-frames", TypeInformation.of(LoopFrame.class));

    private final StitcherSettings config;
    private final StorageSettings storage;
    private final StitchMethod method;
    private final int perCameraLimit;
    private boolean loopFrames;
    private long stateCacheBytes = StitchOptions.STATE_CACHE.defaultValue().getBytes();
    private transient Stitcher stitcher;
    private transient PayloadWriters writers;
    private transient WriteBehindValueState<String, StitcherState> state;
    private transient ClipReorderBuffer order;
    private transient StitchMetrics metrics;
    private transient SingleObjectCodec<GeometryFrame> geometryCodec;
    private transient SingleObjectCodec<SegmentEvent> segmentCodec;

    public StitchFunction(StitcherSettings config, StorageSettings storage) {
        this(config, storage, StitchOptions.METHOD.defaultValue());
    }

    public StitchFunction(StitcherSettings config, StorageSettings storage, StitchMethod method) {
        this(config, storage, method, MetricsOptions.PER_CAMERA_LIMIT.defaultValue());
    }

    /** @param perCameraLimit most cameras with a metric group of their own ({@link MetricsOptions#PER_CAMERA_LIMIT}) */
    public StitchFunction(StitcherSettings config, StorageSettings storage, StitchMethod method, int perCameraLimit) {
        super(MAX_QUEUED_FRAMES);
        if (perCameraLimit < 0) throw new IllegalArgumentException("perCameraLimit must be >= 0, got " + perCameraLimit);
        this.config = config;
        this.storage = storage;
        this.method = method;
        this.perCameraLimit = perCameraLimit;
    }

    /** Also emits each stitched frame to {@link #LOOP_FRAMES}. */
    public StitchFunction withLoopFrames() {
        this.loopFrames = true;
        return this;
    }

    /**
     * Heap for the streams' stitcher state between checkpoints ({@link StitchOptions#STATE_CACHE}); used only when
     * run by a {@link DrainingKeyedProcessOperator}, which flushes it before each barrier.
     */
    public StitchFunction withStateCache(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("state cache bytes must be >= 0, got " + bytes);
        this.stateCacheBytes = bytes;
        return this;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        stitcher = Stitcher.forMethod(method, config);
        writers = new PayloadWriters(storage, "payload-writer " + getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks());
        state = new WriteBehindValueState<>(new StitcherStateStore(getRuntimeContext()), StitcherState::heapBytes, stateCacheBytes);
        order = new ClipReorderBuffer(getRuntimeContext());
        metrics = new StitchMetrics(getRuntimeContext().getMetricGroup(), perCameraLimit);
        metrics.watchStateCache(state);
        geometryCodec = SingleObjectCodec.geometryFrames();
        segmentCodec = SingleObjectCodec.segmentEvents();
    }

    @Override
    public void processElement(ClipResult result, Context ctx, Collector<OutputRecord> out) throws Exception {
        emitDue(out); // what earlier clips finished writing meanwhile
        ClipReorderBuffer.Due due = order.accept(result);
        if (due.results().isEmpty()) return;
        String stream = ctx.getCurrentKey();
        StitcherState s = state.value(stream);
        if (s == null) s = new StitcherState();
        for (ClipResult r : due.results()) {
            stitch(s, r, ctx);
            if (r.task.releasesStream) {
                // The clip operator released the stream after this task; its next run starts afresh.
                s = new StitcherState();
                metrics.streamReleased();
                if (loopFrames) ctx.output(LOOP_FRAMES, LoopFrame.release(r.task.streamId));
            }
        }
        if (due.keyEmpty()) {
            state.clear(stream);
        } else {
            state.update(stream, s);
        }
        emitDue(out);
    }

    /** Stitches one clip and queues its output in stream order. */
    private void stitch(StitcherState s, ClipResult r, Context ctx) {
        ModelInfo model = new ModelInfo(r.modelId, r.modelVersion, r.confidence != null);
        GeometryFrameWriter writer = writers.forModel(model);
        byte[] key = r.task.streamId.getBytes(StandardCharsets.UTF_8);
        // Each frame's payload writes start as the stitcher hands the frame out (while it still works on the clip's own
        // frames) and are awaited only when its event is due: the puts of a clip (and, when deferred, of the next clips)
        // overlap instead of taking one frame's round trip at a time. Events still go out in stream order, each frame's
        // only after all its payloads are stored. The loop closer's frames go to the side output after the clip:
        // serialising them (depth and RGB) runs on this thread and would hold up the writes of the frames behind them.
        ReleaseTimes times = ReleaseTimes.starting(r, System.currentTimeMillis());
        List<LoopFrame> forLoopCloser = new ArrayList<>();
        stitcher.process(s, r, e -> {
            if (e instanceof StitchEvent.StitchedFrame f) {
                if (times != null) metrics.frameReleased(times.newestCaptureMillis() - f.frame().captureTimeMicros / 1000);
                long eventMillis = System.currentTimeMillis(); // before start(), whose synchronous part is the write's
                queue().add(new FrameOutput(key, writer.start(f), times, eventMillis));
                if (loopFrames) forLoopCloser.add(loopFrame(f, model));
            } else if (e instanceof StitchEvent.FrameFailed ff) {
                queue().addReady(DeadLetters.toOutput(DeadLetters.forFrame(ff.frame(), ff.reasonCode(), ff.detail(), "inference")));
                metrics.frameFailed(ff.reasonCode());
            } else {
                if (e instanceof StitchEvent.SegmentStarted) metrics.segmentStarted(r.task.streamId);
                if (e instanceof StitchEvent.SegmentEnded ended && loopFrames) {
                    forLoopCloser.add(LoopFrame.segmentEnded(r.task.streamId, ended.reason()));
                }
                queue().addReady(new OutputRecord(OutputRecord.Kind.SEGMENT, key, segmentCodec.encode(GeometryFrameWriter.segmentEvent(e, model))));
            }
        });
        for (LoopFrame l : forLoopCloser) ctx.output(LOOP_FRAMES, l);
    }

    /** What the loop closer takes of a stitched frame. */
    static LoopFrame loopFrame(StitchEvent.StitchedFrame f, ModelInfo model) {
        LoopFrame l = new LoopFrame();
        l.streamId = f.frame().streamId;
        l.segmentId = f.segmentId();
        l.segmentStartMicros = f.segmentStartMicros();
        l.frameIndex = f.frame().frameIndex;
        l.captureTimeMicros = f.frame().captureTimeMicros;
        l.ingestTimeMillis = f.frame().ingestTimeMillis;
        l.worldFromCamera = LoopFrame.poseArray(f.worldFromCamera());
        l.intrinsics = new double[] {f.intrinsics().fx(), f.intrinsics().fy(), f.intrinsics().cx(), f.intrinsics().cy()};
        l.width = f.width();
        l.height = f.height();
        l.depth = f.depth();
        l.rgb = f.rgb();
        l.modelId = model.id();
        l.modelVersion = model.version();
        return l;
    }

    /** A stitched frame's event, due once its payloads are stored; a dead letter if they cannot be. */
    private final class FrameOutput implements OrderedOutputQueue.Pending<OutputRecord> {
        private final byte[] key;
        private final GeometryFrameWriter.PendingFrame frame;
        /** When the clip whose arrival released this frame passed each stage; null when unknown. */
        private final ReleaseTimes released;
        /** When the stitcher handed out the frame's event and its payload writes started (ms since the epoch). */
        private final long eventMillis;

        FrameOutput(byte[] key, GeometryFrameWriter.PendingFrame frame, ReleaseTimes released, long eventMillis) {
            this.key = key;
            this.frame = frame;
            this.released = released;
            this.eventMillis = eventMillis;
        }

        @Override
        public boolean isDone() {
            return frame.isDone();
        }

        @Override
        public void emit(Consumer<OutputRecord> out) throws Exception {
            StitchEvent.StitchedFrame f = frame.frame();
            GeometryFrame g;
            try {
                g = frame.finish(System.currentTimeMillis());
            } catch (IOException failure) {
                // Transient failures were retried by the store; what is still transient fails the job (it
                // restarts from the checkpoint and writes again). A permanent one (access denied, bucket
                // missing) would fail every restart the same way: the frame becomes a dead letter.
                if (StorageErrors.isTransient(failure)) throw failure;
                out.accept(DeadLetters.toOutput(DeadLetters.forFrame(f.frame(), PAYLOAD_WRITE_FAILED,
                        StorageErrors.permanentKind(failure) + ": " + failure.getMessage(), "storage")));
                metrics.frameFailed(PAYLOAD_WRITE_FAILED);
                return;
            }
            out.accept(new OutputRecord(OutputRecord.Kind.GEOMETRY, key, geometryCodec.encode(g)));
            metrics.frameOut(f, g);
            if (released != null) metrics.pipelineOverhead(released, eventMillis, System.currentTimeMillis());
        }
    }

    @Override
    public void keepStateBetweenBarriers() {
        state.writeBehind(); // the operator flushes it before each barrier
    }

    @Override
    public void flushState(KeyContext keys) throws Exception {
        state.flush(keys);
    }

    @Override
    public void close() throws Exception {
        if (writers != null) writers.close();
    }
}
