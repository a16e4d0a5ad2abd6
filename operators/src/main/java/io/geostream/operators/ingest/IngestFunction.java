package io.geostream.operators.ingest;

import io.geostream.avro.FrameEvent;
import io.geostream.ingest.FrameRejectedException;
import io.geostream.ingest.FrameValidator;
import io.geostream.ingest.IngestSettings;
import io.geostream.ingest.ObjectFetcher;
import io.geostream.ingest.ValidatedFrame;
import io.geostream.operators.sink.DeadLetters;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import io.geostream.records.RawRecord;
import io.geostream.schemas.RecordDecodingException;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.StorageSettings;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;


/**
 * Flink wrapper of ingest: Avro single-object decoding and {@link FrameValidator}. Valid frames go on;
 * everything else becomes a dead letter on {@link #DEAD_LETTERS} with its reason code, and a counter
 * per reason on the dashboard. Never throws for bad input.
 */
public class IngestFunction extends ProcessFunction<RawRecord, FrameRecord> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<OutputRecord> DEAD_LETTERS = new OutputTag<>("ingest-dead-letters") {};

    private final IngestSettings limits;
    private final StorageSettings claimCheckStore;
    private transient ObjectStore store;
    private transient SingleObjectCodec<FrameEvent> codec;
    private transient FrameValidator validator;
    private transient Counter framesIn;
    private transient io.geostream.operators.sink.DeadLetterCounters rejectedByReason;

    /** Ingest that rejects every claim-check reference. */
    public IngestFunction(IngestSettings limits) {
        this(limits, null);
    }

    /**
     * @param limits          size limits
     * @param claimCheckStore S3 store that claim-check references are fetched from (its bucket is the only one
     *                        allowed); null to reject every reference
     */
    public IngestFunction(IngestSettings limits, StorageSettings claimCheckStore) {
        if (claimCheckStore != null && claimCheckStore.kind() != StorageSettings.Kind.S3) {
            throw new IllegalArgumentException("claim checks need an S3 store, got " + claimCheckStore.kind());
        }
        this.limits = limits;
        this.claimCheckStore = claimCheckStore;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        codec = SingleObjectCodec.frameEvents();
        if (claimCheckStore == null) {
            validator = new FrameValidator(limits);
        } else {
            store = claimCheckStore.open();
            validator = new FrameValidator(limits, ObjectFetcher.fromStore(store), claimCheckStore.s3Settings().bucket());
        }
        framesIn = getRuntimeContext().getMetricGroup().counter("framesValid");
        rejectedByReason = new io.geostream.operators.sink.DeadLetterCounters(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<FrameRecord> out) {
        if (raw.value == null || raw.value.length > limits.maxEncodedBytes() + 64 * 1024) {
            reject(ctx, raw, "DECODE_TOO_LARGE", "record of " + (raw.value == null ? "null" : raw.value.length + " bytes")
                    + " exceeds the limit", null, null);
            return;
        }
        FrameEvent event;
        try {
            event = codec.decode(raw.value);
        } catch (RecordDecodingException e) {
            reject(ctx, raw, e.reasonCode(), e.getMessage(), null, null);
            return;
        }
        ValidatedFrame v;
        try {
            v = validator.validate(event);
        } catch (FrameRejectedException e) {
            reject(ctx, raw, e.reason().code(), e.detail(), event.getStreamId(), event.getFrameIndex());
            return;
        }
        FrameRecord f = new FrameRecord();
        f.streamId = v.streamId();
        f.frameIndex = v.frameIndex();
        f.captureTimeMicros = v.captureTimeMicros();
        f.endOfStream = v.endOfStream();
        if (v.image() != null) {
            f.width = v.image().width();
            f.height = v.image().height();
            f.rgb = v.image().rgb();
        }
        if (v.intrinsics() != null) {
            f.intrinsics = new double[] {v.intrinsics().fx(), v.intrinsics().fy(), v.intrinsics().cx(), v.intrinsics().cy()};
        }
        f.attributes = FrameRecord.copyOf(v.attributes());
        f.ingestTimeMillis = System.currentTimeMillis();
        f.sourceTopic = raw.topic;
        f.sourcePartition = raw.partition;
        f.sourceOffset = raw.offset;
        framesIn.inc();
        out.collect(f);
    }

    @Override
    public void close() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    private void reject(Context ctx, RawRecord raw, String code, String detail, String streamId, Long frameIndex) {
        rejectedByReason.inc(code);
        ctx.output(DEAD_LETTERS, DeadLetters.toOutput(DeadLetters.forRaw(raw, code, detail, "ingest", streamId, frameIndex)));
    }
}
