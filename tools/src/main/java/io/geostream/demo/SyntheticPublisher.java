package io.geostream.demo;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.Intrinsics;
import io.geostream.schemas.FrameEvents;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.PayloadCodecs;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * A synthetic camera on Kafka: renders a {@link SyntheticScene}, encodes each frame as JPEG in a
 * {@link FrameEvent} (key = stream id) and ends the stream with an end-of-stream marker. The scene spec
 * travels in the event's attributes so the simulated model can re-render the truth.
 */
public final class SyntheticPublisher implements AutoCloseable {
    public static final float JPEG_QUALITY = 0.95f;

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();

    public SyntheticPublisher(String bootstrapServers, String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(8 * 1024 * 1024));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Publishes all frames of one stream and its end-of-stream marker.
     *
     * @param giveIntrinsics whether events carry the camera intrinsics (else the job estimates them)
     * @return the number of frames published (the marker not counted)
     */
    public int publishStream(String streamId, SceneSpec spec, boolean giveIntrinsics) {
        return publishStreams(Map.of(streamId, spec), giveIntrinsics).get(streamId);
    }

    /**
     * Publishes several streams frame by frame in turn, as live cameras with synchronised clocks would
     * (capture times interleave, so event time advances evenly for all of them), each followed by its
     * end-of-stream marker.
     *
     * @return frames published per stream
     */
    public Map<String, Integer> publishStreams(Map<String, SceneSpec> streams, boolean giveIntrinsics) {
        Map<String, SyntheticScene> scenes = new java.util.LinkedHashMap<>();
        streams.forEach((id, spec) -> scenes.put(id, new SyntheticScene(spec)));
        int longest = streams.values().stream().mapToInt(SceneSpec::frames).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            for (Map.Entry<String, SyntheticScene> e : scenes.entrySet()) {
                if (i < e.getValue().spec().frames()) {
                    publishFrame(e.getKey(), e.getValue(), i, giveIntrinsics);
                }
                if (i == e.getValue().spec().frames() - 1) {
                    publishEnd(e.getKey(), e.getValue());
                }
            }
        }
        producer.flush();
        Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        streams.forEach((id, spec) -> counts.put(id, spec.frames()));
        return counts;
    }

    private void publishFrame(String streamId, SyntheticScene scene, int i, boolean giveIntrinsics) {
        sendRaw(streamId, codec.encode(frameEvent(streamId, scene, i, giveIntrinsics)));
    }

    private void publishEnd(String streamId, SyntheticScene scene) {
        sendRaw(streamId, codec.encode(endEvent(streamId, scene)));
    }

    /**
     * The event {@link #publishStreams} sends for frame {@code i} of {@code scene} (JPEG, scene spec in the
     * attributes); tests use it to publish frames in their own order or with fields changed.
     */
    public static FrameEvent frameEvent(String streamId, SyntheticScene scene, int i, boolean giveIntrinsics) {
        SceneSpec spec = scene.spec();
        FrameTruth t = scene.render(i);
        byte[] jpeg = PayloadCodecs.jpeg(t.rgb(), t.width(), t.height(), JPEG_QUALITY);
        return FrameEvent.newBuilder()
                .setStreamId(streamId)
                .setFrameIndex(i)
                .setCaptureTimeMicros(t.captureTimeMicros())
                .setEndOfStream(false)
                .setImage(FrameImage.newBuilder().setEncoding(ImageEncoding.JPEG).setWidth(t.width()).setHeight(t.height())
                        .setData(ByteBuffer.wrap(jpeg)).setRef(null).build())
                .setIntrinsics(giveIntrinsics ? Intrinsics.newBuilder().setFx(t.intrinsics().fx()).setFy(t.intrinsics().fy())
                        .setCx(t.intrinsics().cx()).setCy(t.intrinsics().cy()).build() : null)
                .setDistortion(null)
                .setAttributes(Map.of(SceneSpec.ATTRIBUTE_KEY, spec.encode()))
                .build();
    }

    /** The end-of-stream marker {@link #publishStreams} sends after the last frame of {@code scene}. */
    public static FrameEvent endEvent(String streamId, SyntheticScene scene) {
        SceneSpec spec = scene.spec();
        return FrameEvents.endOfStream(streamId, spec.frames(),
                scene.captureTimeMicros(spec.frames() - 1) + Math.round(1e6 / spec.fps()));
    }

    /** Sends arbitrary bytes (used to publish malformed input). */
    public void sendRaw(String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value));
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
