package io.geostream.load;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.GeometryFrame;
import io.geostream.jobs.GeometryJob;
import io.geostream.model.ModelInfo;
import io.geostream.output.StorageSpec;
import io.geostream.records.OutputRecord;
import io.geostream.records.RawRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.ObjectKeys;
import io.geostream.storage.ObjectStore;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The benchmark's I/O-only job: the same Kafka source, the same per-frame object puts (precomputed bytes of
 * the sizes the whole job wrote, under the same key layout) and the same exactly-once Kafka sink with a
 * GeometryFrame of the same shape per frame; no image decoding, clipping, model or stitching. Its
 * throughput is the ceiling the whole job is compared with.
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
        StorageSpec storage = GeometryJob.storageSpec(conf);
        env.fromSource(GeometryJob.kafkaSource(conf), WatermarkStrategy.noWatermarks(), "frames").uid("source-frames")
                .keyBy(r -> new String(r.key, StandardCharsets.UTF_8))
                .process(new WritePayloads(storage, new LinkedHashMap<>(payloadSizes), template)).uid("io-only").name("io-only: put payloads")
                .sinkTo(GeometryJob.kafkaSink(conf)).uid("sink-kafka").name("Kafka exactly-once sink");
    }

    static final class WritePayloads extends KeyedProcessFunction<String, RawRecord, OutputRecord> {
        private static final long serialVersionUID = 1L;
        private final StorageSpec storage;
        private final LinkedHashMap<String, Integer> sizes;
        private final byte[] template;
        private transient ObjectStore store;
        private transient java.util.concurrent.ExecutorService puts;
        private transient Map<String, byte[]> payloads;
        private transient SingleObjectCodec<FrameEvent> frames;
        private transient SingleObjectCodec<GeometryFrame> geometry;
        private transient ModelInfo model;

        WritePayloads(StorageSpec storage, LinkedHashMap<String, Integer> sizes, byte[] template) {
            this.storage = storage;
            this.sizes = sizes;
            this.template = template;
        }

        @Override
        public void open(OpenContext openContext) throws Exception {
            store = storage.open();
            puts = java.util.concurrent.Executors.newFixedThreadPool(5, r -> {
                Thread t = new Thread(r, "io-only payload writer");
                t.setDaemon(true);
                return t;
            });
            payloads = new LinkedHashMap<>();
            Random random = new Random(1);
            sizes.forEach((name, n) -> {
                byte[] b = new byte[n];
                random.nextBytes(b);
                payloads.put(name, b);
            });
            frames = SingleObjectCodec.frameEvents();
            geometry = SingleObjectCodec.geometryFrames();
            model = new ModelInfo("io-only", "1", true);
        }

        @Override
        public void processElement(RawRecord raw, Context ctx, Collector<OutputRecord> out) throws Exception {
            FrameEvent f = frames.decode(raw.value);
            GeometryFrame g = geometry.decode(template);
            Map<String, String> uris = new LinkedHashMap<>();
            Map<String, java.util.concurrent.Future<?>> done = new LinkedHashMap<>();
            for (Map.Entry<String, byte[]> p : payloads.entrySet()) {
                String key = ObjectKeys.framePayload(model, f.getStreamId(), 0, f.getFrameIndex(), f.getCaptureTimeMicros(), p.getKey());
                // Concurrently, as the whole job's stitch operator writes a frame's payloads.
                done.put(key, puts.submit(() -> {
                    store.put(key, p.getValue(), "application/octet-stream");
                    return null;
                }));
                uris.put(p.getKey(), store.uriOf(key));
            }
            for (java.util.concurrent.Future<?> d : done.values()) d.get();
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
            out.collect(new OutputRecord(OutputRecord.Kind.GEOMETRY, raw.key, geometry.encode(g)));
        }

        @Override
        public void close() throws Exception {
            if (puts != null) puts.shutdownNow();
            if (store != null) store.close();
        }
    }
}
