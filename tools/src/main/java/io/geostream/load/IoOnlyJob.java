package io.geostream.load;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.GeometryFrame;
import io.geostream.jobs.GeometryJob;
import io.geostream.model.ModelInfo;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.sink.DrainingKeyedProcessOperator;
import io.geostream.operators.sink.GeometryFrameWriter;
import io.geostream.operators.sink.OrderedOutputQueue;
import io.geostream.operators.sink.PayloadWriters;
import io.geostream.operators.sink.QueuedOutputFunction;
import io.geostream.operators.stitch.StitchFunction;
import io.geostream.records.OutputRecord;
import io.geostream.records.RawRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.ObjectKeys;
import io.geostream.storage.StorageSettings;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The benchmark's I/O-only job: the same Kafka source, the same per-frame object puts (precomputed bytes of
 * the sizes the whole job wrote, under the same key layout) and the same exactly-once Kafka sink with a
 * GeometryFrame of the same shape per frame; no image decoding, clipping, model or stitching. Its
 * throughput is the ceiling the whole job is compared with.
 *
 * <p>Per frame it puts every object the whole job's writer puts (the payloads and the {@code frame.json} sidecar),
 * each with the writer's content type and object metadata ({@link GeometryFrameWriter#contentType},
 * {@link GeometryFrameWriter#objectMetadata}). It writes as the whole job does: per stream, the payloads of a clip stride's worth of frames (the new
 * frames of one clip) are put at once on the same number of writer threads, the events go out in order, and
 * up to the same number of frames stay in flight across inputs ({@link DrainingKeyedProcessOperator}).
 */
public final class IoOnlyJob {
    private IoOnlyJob() {}

    /**
     * Adds the job to {@code env}.
     *
     * @param payloadSizes file name -> bytes of each payload of one frame (from the whole job's output)
     * @param template     an encoded GeometryFrame of the whole job; each output copies it with the frame's fields
     */
    public static void build(StreamExecutionEnvironment env, Configuration conf, Map<String, Integer> payloadSizes, byte[] template) {
        StorageSettings storage = GeometryJob.storageSettings(conf);
        int batch = conf.get(ClipOptions.STRIDE);
        env.fromSource(GeometryJob.kafkaSource(conf), WatermarkStrategy.noWatermarks(), "frames").uid("source-frames")
                .keyBy(r -> new String(r.key, StandardCharsets.UTF_8))
                .transform("io-only: put payloads", TypeInformation.of(OutputRecord.class),
                        new DrainingKeyedProcessOperator<>(new WritePayloads(storage, new LinkedHashMap<>(payloadSizes), template, batch)))
                .uid("io-only")
                .sinkTo(GeometryJob.kafkaSink(conf)).uid("sink-kafka").name("Kafka exactly-once sink");
    }

    static final class WritePayloads extends QueuedOutputFunction<String, RawRecord, OutputRecord> {
        private static final long serialVersionUID = 1L;
        private final StorageSettings storage;
        private final LinkedHashMap<String, Integer> sizes;
        private final byte[] template;
        private final int batch;
        private transient PayloadWriters writers;
        private transient Map<String, byte[]> payloads;
        /** Per file name, the object metadata the whole job's writer puts on it (made from the template record). */
        private transient Map<String, Map<String, String>> objectMetadata;
        private transient SingleObjectCodec<FrameEvent> frames;
        private transient SingleObjectCodec<GeometryFrame> geometry;
        private transient ModelInfo model;
        private transient ListState<byte[]> buffered;
        private transient ValueState<Integer> bufferedCount;

        WritePayloads(StorageSettings storage, LinkedHashMap<String, Integer> sizes, byte[] template, int batch) {
            super(StitchFunction.MAX_QUEUED_FRAMES);
            this.storage = storage;
            this.sizes = sizes;
            this.template = template;
            this.batch = batch;
        }

        @Override
        public void open(OpenContext openContext) throws Exception {
            super.open(openContext);
            writers = new PayloadWriters(storage, "io-only payload writer");
            payloads = new LinkedHashMap<>();
            Random random = new Random(1);
            sizes.forEach((name, n) -> {
                byte[] b = new byte[n];
                random.nextBytes(b);
                payloads.put(name, b);
            });
            frames = SingleObjectCodec.frameEvents();
            geometry = SingleObjectCodec.geometryFrames();
            GeometryFrame sample = geometry.decode(template);
            objectMetadata = new LinkedHashMap<>();
            for (String name : payloads.keySet()) objectMetadata.put(name, GeometryFrameWriter.objectMetadata(name, sample));
            model = new ModelInfo("io-only", "1", true);
            buffered = getRuntimeContext().getListState(new ListStateDescriptor<>("frames", byte[].class));
            bufferedCount = getRuntimeContext().getState(new ValueStateDescriptor<>("frame-count", Integer.class));
        }

        @Override
        public void processElement(RawRecord raw, Context ctx, Collector<OutputRecord> out) throws Exception {
            emitDue(out);
            buffered.add(raw.value);
            int count = bufferedCount.value() == null ? 1 : bufferedCount.value() + 1;
            if (count < batch) {
                bufferedCount.update(count);
                return;
            }
            List<FrameEvent> batchFrames = new ArrayList<>();
            for (byte[] value : buffered.get()) batchFrames.add(frames.decode(value));
            buffered.clear();
            bufferedCount.clear();
            for (FrameEvent f : batchFrames) {
                Map<String, Future<String>> done = new LinkedHashMap<>();
                for (Map.Entry<String, byte[]> p : payloads.entrySet()) {
                    String key = ObjectKeys.framePayload(model, f.getStreamId(), 0, f.getFrameIndex(), f.getCaptureTimeMicros(), p.getKey());
                    String type = GeometryFrameWriter.contentType(p.getKey());
                    Map<String, String> metadata = objectMetadata.get(p.getKey());
                    done.put(p.getKey(), writers.submit(() -> {
                        writers.store().put(key, p.getValue(), type, metadata);
                        return key;
                    }));
                }
                queue().add(new OrderedOutputQueue.Pending<>() {
                    @Override
                    public boolean isDone() {
                        return done.values().stream().allMatch(Future::isDone);
                    }

                    @Override
                    public void emit(Consumer<OutputRecord> emitted) throws Exception {
                        Map<String, String> uris = new LinkedHashMap<>();
                        for (Map.Entry<String, Future<String>> d : done.entrySet()) uris.put(d.getKey(), writers.store().uriOf(d.getValue().get()));
                        emitted.accept(new OutputRecord(OutputRecord.Kind.GEOMETRY, raw.key, geometry.encode(event(f, uris))));
                    }
                });
            }
            emitDue(out);
        }

        private GeometryFrame event(FrameEvent f, Map<String, String> uris) throws Exception {
            GeometryFrame g = geometry.decode(template);
            g.setStreamId(f.getStreamId());
            g.setFrameIndex(f.getFrameIndex());
            g.setCaptureTimeMicros(f.getCaptureTimeMicros());
            g.setSegmentId(0L);
            g.setModelId(model.id());
            g.getPayloads().setDepthUri(uris.getOrDefault("depth.png", g.getPayloads().getDepthUri()));
            g.getPayloads().setNormalsUri(uris.getOrDefault("normals.png", g.getPayloads().getNormalsUri()));
            g.getPayloads().setPointMapUri(uris.getOrDefault("points.npy", g.getPayloads().getPointMapUri()));
            g.getPayloads().setConfidenceUri(uris.getOrDefault("confidence.npy", g.getPayloads().getConfidenceUri()));
            g.getPayloads().setRgbUri(uris.getOrDefault("rgb.jpg", g.getPayloads().getRgbUri()));
            return g;
        }

        @Override
        public void close() throws Exception {
            if (writers != null) writers.close();
        }
    }
}
