package io.geostream.stitch;

import io.geostream.avro.GeometryFrame;
import io.geostream.model.ModelInfo;
import io.geostream.output.DeadLetters;
import io.geostream.output.GeometryFrameWriter;
import io.geostream.output.StorageSpec;
import io.geostream.records.ClipResult;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.StorageErrors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.nio.charset.StandardCharsets;

/**
 * Flink wrapper of a {@link Stitcher} (the method chosen by name, see {@link Stitcher#forMethod}), keyed by stream id and chained behind inference. Restores
 * per-stream task order (async inference is unordered), writes each frame's payloads to the object
 * store BEFORE emitting its event, and emits segment events and dead letters in stream order. It keeps
 * no state of a stream past the task the clip operator marks {@link io.geostream.records.ClipTask#releasesStream}.
 */
public class StitchFunction extends KeyedProcessFunction<String, ClipResult, OutputRecord> {
    private static final long serialVersionUID = 1L;

    /** Dead-letter reason of a frame whose payloads could not be written for a permanent reason. */
    public static final String PAYLOAD_WRITE_FAILED = "PAYLOAD_WRITE_FAILED";

    /**
     * Threads per subtask that encode and put a frame's payload files at once. A frame's five puts are
     * independent, and sequential round trips to S3 were most of this operator's time (bench pipeline).
     */
    static final int PAYLOAD_WRITERS = 5;

    /** The stitching method used when none is named. */
    public static final String DEFAULT_METHOD = "robust";

    private final StitcherConfig config;
    private final StorageSpec storage;
    private final String method;
    private transient Stitcher stitcher;
    private transient ObjectStore store;
    private transient java.util.concurrent.ExecutorService puts;
    private transient ValueState<StitcherState> state;
    private transient ValueState<Long> nextSeq;
    private transient MapState<Long, ClipResult> waiting;
    private transient Counter framesOut;
    private transient Counter framesFailed;
    private transient Counter segmentsStarted;
    private transient Counter streamsReleased;

    public StitchFunction(StitcherConfig config, StorageSpec storage) {
        this(config, storage, DEFAULT_METHOD);
    }

    public StitchFunction(StitcherConfig config, StorageSpec storage, String method) {
        this.config = config;
        this.storage = storage;
        this.method = method;
        Stitcher.forMethod(method, config); // fail at job build time on an unknown name
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        stitcher = Stitcher.forMethod(method, config);
        store = storage.open();
        puts = java.util.concurrent.Executors.newFixedThreadPool(PAYLOAD_WRITERS, r -> {
            Thread t = new Thread(r, "payload-writer " + getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks());
            t.setDaemon(true);
            return t;
        });
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("stitcher", StitcherState.class));
        nextSeq = getRuntimeContext().getState(new ValueStateDescriptor<>("next-seq", Long.class));
        waiting = getRuntimeContext().getMapState(new MapStateDescriptor<>("out-of-order-results", Long.class, ClipResult.class));
        framesOut = getRuntimeContext().getMetricGroup().counter("framesOut");
        framesFailed = getRuntimeContext().getMetricGroup().counter("framesFailed");
        segmentsStarted = getRuntimeContext().getMetricGroup().counter("segmentsStarted");
        streamsReleased = getRuntimeContext().getMetricGroup().counter("streamsReleased");
    }

    @Override
    public void processElement(ClipResult result, Context ctx, Collector<OutputRecord> out) throws Exception {
        long expected = nextSeq.value() == null ? 0L : nextSeq.value();
        if (result.task.seq != expected) {
            waiting.put(result.task.seq, result);
            return;
        }
        StitcherState s = state.value();
        if (s == null) s = new StitcherState();
        ClipResult r = result;
        while (r != null) {
            handle(s, r, out);
            if (r.task.releasesStream) {
                // The clip operator released the stream after this task; its next run starts at seq 0 and may
                // already be waiting here (inference is unordered).
                s = new StitcherState();
                expected = 0;
                streamsReleased.inc();
            } else {
                expected++;
            }
            r = waiting.get(expected);
            if (r != null) waiting.remove(expected);
        }
        if (expected == 0 && waiting.isEmpty()) {
            state.clear();
            nextSeq.clear();
        } else {
            nextSeq.update(expected);
            state.update(s);
        }
    }

    private void handle(StitcherState s, ClipResult r, Collector<OutputRecord> out) throws Exception {
        ModelInfo model = new ModelInfo(r.modelId, r.modelVersion, r.confidence != null);
        GeometryFrameWriter writer = new GeometryFrameWriter(store, model, puts);
        byte[] key = r.task.streamId.getBytes(StandardCharsets.UTF_8);
        for (StitchEvent e : stitcher.process(s, r)) {
            if (e instanceof StitchEvent.StitchedFrame f) {
                GeometryFrame g;
                try {
                    g = writer.write(f, System.currentTimeMillis());
                } catch (java.io.IOException failure) {
                    // Transient failures were retried by the store; what is still transient fails the job (it
                    // restarts from the checkpoint and writes again). A permanent one (access denied, bucket
                    // missing) would fail every restart the same way: the frame becomes a dead letter.
                    if (StorageErrors.isTransient(failure)) throw failure;
                    out.collect(DeadLetters.toOutput(DeadLetters.forFrame(f.frame(), PAYLOAD_WRITE_FAILED,
                            StorageErrors.permanentKind(failure) + ": " + failure.getMessage(), "storage")));
                    framesFailed.inc();
                    continue;
                }
                out.collect(new OutputRecord(OutputRecord.Kind.GEOMETRY, key, SingleObjectCodec.geometryFrames().encode(g)));
                framesOut.inc();
            } else if (e instanceof StitchEvent.FrameFailed ff) {
                out.collect(DeadLetters.toOutput(DeadLetters.forFrame(ff.frame(), ff.reasonCode(), ff.detail(), "inference")));
                framesFailed.inc();
            } else {
                if (e instanceof StitchEvent.SegmentStarted) segmentsStarted.inc();
                out.collect(new OutputRecord(OutputRecord.Kind.SEGMENT, key,
                        SingleObjectCodec.segmentEvents().encode(GeometryFrameWriter.segmentEvent(e, model))));
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (puts != null) puts.shutdownNow();
        if (store != null) store.close();
    }
}
