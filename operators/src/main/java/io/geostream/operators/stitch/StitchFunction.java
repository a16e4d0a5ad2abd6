package io.geostream.operators.stitch;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentEvent;
import io.geostream.model.ModelInfo;
import io.geostream.operators.sink.DeadLetterCounters;
import io.geostream.operators.sink.DeadLetters;
import io.geostream.operators.sink.DrainingKeyedProcessOperator;
import io.geostream.operators.sink.GeometryFrameWriter;
import io.geostream.operators.sink.OrderedOutputQueue;
import io.geostream.operators.sink.QueuedOutputFunction;
import io.geostream.records.ClipResult;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.stitch.StitchEvent;
import io.geostream.stitch.Stitcher;
import io.geostream.stitch.StitcherConfig;
import io.geostream.stitch.StitcherState;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.StorageErrors;
import io.geostream.storage.StorageSpec;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import java.util.function.Consumer;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.util.Collector;

import java.nio.charset.StandardCharsets;

/**
 * Flink wrapper of a {@link Stitcher} (the method chosen by name, see {@link Stitcher#forMethod}), keyed by stream id and chained behind inference. Restores
 * per-stream task order (async inference is unordered), writes each frame's payloads to the object
 * store BEFORE emitting its event, and emits segment events and dead letters in stream order. It keeps
 * no state of a stream past the task the clip operator marks {@link io.geostream.records.ClipTask#releasesStream}.
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
     * Threads per subtask that encode and put payload files. A frame's five puts are independent, and so are
     * different frames'; sequential round trips to S3 were most of this operator's time (bench pipeline). Not more:
     * the URL-connection HTTP client keeps 5 connections per host alive (JDK {@code http.maxConnections}), and each
     * put beyond them would open a new connection, TLS handshake included.
     */
    public static final int PAYLOAD_WRITERS = 5;

    /**
     * Frames of a subtask whose payload writes may still be under way when {@link #processElement} returns (when
     * run by a {@link DrainingKeyedProcessOperator}): about four clips of new frames, a few tens of MB held.
     */
    public static final int MAX_QUEUED_FRAMES = 48;

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
    private transient DeadLetterCounters failedByReason;
    private transient Histogram residualRms;
    private transient Histogram inlierSharePercent;
    private transient Histogram scaleStepPermille;
    private transient Histogram processingLatencyMs;
    private transient Histogram captureToOutputMs;
    /** Last stitched clip id and its scale per stream: metric bookkeeping only, not state (a restart resets it). */
    private transient Map<String, double[]> lastClipScale;
    private transient Counter streamsReleased;
    private transient SingleObjectCodec<GeometryFrame> geometryCodec;
    private transient SingleObjectCodec<SegmentEvent> segmentCodec;

    public StitchFunction(StitcherConfig config, StorageSpec storage) {
        this(config, storage, DEFAULT_METHOD);
    }

    public StitchFunction(StitcherConfig config, StorageSpec storage, String method) {
        super(MAX_QUEUED_FRAMES);
        this.config = config;
        this.storage = storage;
        this.method = method;
        Stitcher.forMethod(method, config); // fail at job build time on an unknown name
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
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
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        failedByReason = new DeadLetterCounters(metrics);
        // Flink histograms hold longs: residuals in thousandths of the segment's unit, shares in percent.
        residualRms = metrics.histogram("stitchResidualRmsMilli", new DescriptiveStatisticsHistogram(1000));
        inlierSharePercent = metrics.histogram("stitchInlierSharePercent", new DescriptiveStatisticsHistogram(1000));
        scaleStepPermille = metrics.histogram("stitchScaleStepPermille", new DescriptiveStatisticsHistogram(1000));
        processingLatencyMs = metrics.histogram("processingLatencyMs", new DescriptiveStatisticsHistogram(1000));
        captureToOutputMs = metrics.histogram("endToEndLatencyMs", new DescriptiveStatisticsHistogram(1000));
        lastClipScale = new HashMap<>();
        streamsReleased = getRuntimeContext().getMetricGroup().counter("streamsReleased");
        geometryCodec = SingleObjectCodec.geometryFrames();
        segmentCodec = SingleObjectCodec.segmentEvents();
    }

    @Override
    public void processElement(ClipResult result, Context ctx, Collector<OutputRecord> out) throws Exception {
        emitDue(out); // what earlier clips finished writing meanwhile
        long expected = nextSeq.value() == null ? 0L : nextSeq.value();
        if (result.task.seq != expected) {
            waiting.put(result.task.seq, result);
            return;
        }
        StitcherState s = state.value();
        if (s == null) s = new StitcherState();
        ClipResult r = result;
        while (r != null) {
            handle(s, r);
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
        emitDue(out);
    }

    private void handle(StitcherState s, ClipResult r) {
        ModelInfo model = new ModelInfo(r.modelId, r.modelVersion, r.confidence != null);
        GeometryFrameWriter writer = new GeometryFrameWriter(store, model, puts);
        byte[] key = r.task.streamId.getBytes(StandardCharsets.UTF_8);
        // Each frame's payload writes start here and are awaited only when its event is due: the puts of a clip
        // (and, when deferred, of the next clips) overlap instead of taking one frame's round trip at a time.
        // Events still go out in stream order, each frame's only after all its payloads are stored.
        for (StitchEvent e : stitcher.process(s, r)) {
            if (e instanceof StitchEvent.StitchedFrame f) {
                queue().add(new FrameOutput(key, writer.start(f)));
            } else if (e instanceof StitchEvent.FrameFailed ff) {
                queue().addReady(DeadLetters.toOutput(DeadLetters.forFrame(ff.frame(), ff.reasonCode(), ff.detail(), "inference")));
                framesFailed.inc();
                failedByReason.inc(ff.reasonCode());
            } else {
                if (e instanceof StitchEvent.SegmentStarted) segmentsStarted.inc();
                queue().addReady(new OutputRecord(OutputRecord.Kind.SEGMENT, key, segmentCodec.encode(GeometryFrameWriter.segmentEvent(e, model))));
            }
        }
    }

    /** A stitched frame's event, due once its payloads are stored; a dead letter if they cannot be. */
    private final class FrameOutput implements OrderedOutputQueue.Pending<OutputRecord> {
        private final byte[] key;
        private final GeometryFrameWriter.PendingFrame frame;

        FrameOutput(byte[] key, GeometryFrameWriter.PendingFrame frame) {
            this.key = key;
            this.frame = frame;
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
            } catch (java.io.IOException failure) {
                // Transient failures were retried by the store; what is still transient fails the job (it
                // restarts from the checkpoint and writes again). A permanent one (access denied, bucket
                // missing) would fail every restart the same way: the frame becomes a dead letter.
                if (StorageErrors.isTransient(failure)) throw failure;
                out.accept(DeadLetters.toOutput(DeadLetters.forFrame(f.frame(), PAYLOAD_WRITE_FAILED,
                        StorageErrors.permanentKind(failure) + ": " + failure.getMessage(), "storage")));
                framesFailed.inc();
                failedByReason.inc(PAYLOAD_WRITE_FAILED);
                return;
            }
            out.accept(new OutputRecord(OutputRecord.Kind.GEOMETRY, key, geometryCodec.encode(g)));
            framesOut.inc();
            recordFrameMetrics(f, g);
        }
    }

    /**
     * Per frame: latency from ingest (processing) and from capture (end to end, camera clocks and Kafka included) to
     * output. Per clip (its first frame out): overlap residual, inlier share, and the scale step between consecutive
     * clips of the stream, |ln(s_k / s_k-1)| in thousandths: a model whose per-clip scale jumps shows here.
     */
    private void recordFrameMetrics(StitchEvent.StitchedFrame f, GeometryFrame g) {
        processingLatencyMs.update(g.getProcessingLatencyMillis());
        captureToOutputMs.update(Math.max(0, System.currentTimeMillis() - f.frame().captureTimeMicros / 1000L));
        double[] last = lastClipScale.get(f.frame().streamId);
        if (last != null && last[0] == f.clipId()) return;
        if (Double.isFinite(f.residualRms())) residualRms.update(Math.round(f.residualRms() * 1000));
        if (Double.isFinite(f.inlierShare())) inlierSharePercent.update(Math.round(f.inlierShare() * 100));
        if (last != null && last[2] == f.segmentId() && f.clipScale() > 0 && last[1] > 0) {
            scaleStepPermille.update(Math.round(Math.abs(Math.log(f.clipScale() / last[1])) * 1000));
        }
        lastClipScale.put(f.frame().streamId, new double[] {f.clipId(), f.clipScale(), f.segmentId()});
    }

    @Override
    public void close() throws Exception {
        if (puts != null) puts.shutdownNow();
        if (store != null) store.close();
    }
}
