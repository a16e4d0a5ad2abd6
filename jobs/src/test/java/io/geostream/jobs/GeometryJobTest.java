package io.geostream.jobs;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.Intrinsics;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.avro.SegmentReason;
import io.geostream.inference.ModelSettings;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.records.OutputRecord;
import io.geostream.records.RawRecord;
import io.geostream.schemas.FrameEvents;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.PayloadCodecs;
import io.geostream.storage.StorageSettings;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole job on a Flink MiniCluster without Kafka or S3 (the apache/flink-training style): frames of two
 * synthetic cameras go in through an in-memory bounded source of {@link RawRecord}s laid out as a two-partition
 * topic ({@link RawRecordListSource}), the output is collected in memory ({@link CollectingSink}), payloads go to
 * a local directory store, and the simulated model stands in for the network.
 */
class GeometryJobTest {

    private static final int W = 48, H = 36;
    private static final int FRAMES = 30;
    private static final String TOPIC = "geostream.frames";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    Path objects;

    private final SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
    private final Map<String, SyntheticScene> scenes = new LinkedHashMap<>();

    GeometryJobTest() {
        scenes.put("cam-a", new SyntheticScene(new SceneSpec(11, W, H, FRAMES, TrajectoryKind.ORBIT, 0.0, 10)));
        scenes.put("cam-b", new SyntheticScene(new SceneSpec(12, W, H, FRAMES, TrajectoryKind.WALK, 0.0, 10)));
    }

    @Test
    void everyFrameComesOutOnceAsGeometryWithSegmentsAndPayloads() throws Exception {
        RawRecordListSource.Builder input = RawRecordListSource.builder(TOPIC, 2);
        publish(input, (stream, i) -> { });

        try (CollectingSink sink = CollectingSink.create()) {
            run(input.build(), sink);

            assertThat(sink.records(OutputRecord.Kind.DEAD_LETTER)).as("dead letters").isEmpty();
            assertEveryFrameOnce(sink);
            assertSegments(sink);
            assertPayloadsExist(sink);
        }
    }

    @Test
    void badRecordsBecomeOneDeadLetterEachAndTheRestStillComesOut() throws Exception {
        RawRecordListSource.Builder input = RawRecordListSource.builder(TOPIC, 2);
        List<RawRecord> bad = new ArrayList<>();
        publish(input, (stream, i) -> {
            if (stream.equals("cam-a") && i == 10) {
                // Bytes that are no Avro record at all, between two frames of cam-a (same partition).
                byte[] noise = new byte[200];
                new Random(3).nextBytes(noise);
                bad.add(input.add(0, "cam-a", noise));
            }
            if (stream.equals("cam-b") && i == 19) {
                // A well-formed FrameEvent of frame 20 whose JPEG is cut short, just before the valid frame 20.
                FrameEvent broken = frameEvent("cam-b", scenes.get("cam-b"), 20);
                byte[] jpeg = broken.getImage().getData().array();
                broken.getImage().setData(ByteBuffer.wrap(java.util.Arrays.copyOf(jpeg, jpeg.length / 3)));
                bad.add(input.add(1, "cam-b", codec.encode(broken)));
            }
        });

        try (CollectingSink sink = CollectingSink.create()) {
            run(input.build(), sink);

            List<DeadLetter> dead = new ArrayList<>();
            for (OutputRecord r : sink.records(OutputRecord.Kind.DEAD_LETTER)) dead.add(SingleObjectCodec.deadLetters().decode(r.value));
            assertThat(dead).as("one dead letter per bad record").hasSize(2);
            Map<Long, DeadLetter> byOffset = dead.stream().collect(Collectors.toMap(DeadLetter::getSourceOffset, d -> d));
            assertThat(byOffset).hasSize(2);
            RawRecord noise = bad.get(0), corrupt = bad.get(1);
            assertThat(dead).filteredOn(d -> d.getSourcePartition() == 0).singleElement().satisfies(d -> {
                assertThat(d.getReasonCode()).isEqualTo("DECODE_MARKER");
                assertThat(d.getStage()).isEqualTo("ingest");
                assertThat(d.getSourceTopic()).isEqualTo(TOPIC);
                assertThat(d.getSourceOffset()).isEqualTo(noise.offset);
                assertThat(d.getStreamId()).isNull();
            });
            assertThat(dead).filteredOn(d -> d.getSourcePartition() == 1).singleElement().satisfies(d -> {
                assertThat(d.getReasonCode()).isEqualTo("IMAGE_CORRUPT");
                assertThat(d.getStage()).isEqualTo("ingest");
                assertThat(d.getSourceTopic()).isEqualTo(TOPIC);
                assertThat(d.getSourceOffset()).isEqualTo(corrupt.offset);
                assertThat(d.getStreamId()).isEqualTo("cam-b");
                assertThat(d.getFrameIndex()).isEqualTo(20L);
            });

            // The valid frames are all there, once (cam-b's frame 20 came valid right after its broken copy).
            assertEveryFrameOnce(sink);
            assertSegments(sink);
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Called after each valid frame is added, to add more records behind it. */
    private interface AfterFrame {
        void after(String stream, int frameIndex);
    }

    /**
     * Each stream in its own partition (cam-a 0, cam-b 1), frames interleaved as live cameras would send them,
     * each stream ended by its end-of-stream marker.
     */
    private void publish(RawRecordListSource.Builder input, AfterFrame after) {
        for (int i = 0; i < FRAMES; i++) {
            int partition = 0;
            for (Map.Entry<String, SyntheticScene> e : scenes.entrySet()) {
                String id = e.getKey();
                SyntheticScene scene = e.getValue();
                input.add(partition, id, codec.encode(frameEvent(id, scene, i)));
                after.after(id, i);
                if (i == FRAMES - 1) {
                    input.add(partition, id, codec.encode(FrameEvents.endOfStream(id, FRAMES,
                            scene.captureTimeMicros(FRAMES - 1) + Math.round(1e6 / scene.spec().fps()))));
                }
                partition++;
            }
        }
    }

    /** As tools' SyntheticPublisher.frameEvent: JPEG, intrinsics, the scene spec in the attributes (the simulated model re-renders it). */
    private static FrameEvent frameEvent(String streamId, SyntheticScene scene, int i) {
        FrameTruth t = scene.render(i);
        byte[] jpeg = PayloadCodecs.jpeg(t.rgb(), t.width(), t.height(), 0.95f);
        return FrameEvent.newBuilder()
                .setStreamId(streamId)
                .setFrameIndex(i)
                .setCaptureTimeMicros(t.captureTimeMicros())
                .setEndOfStream(false)
                .setImage(FrameImage.newBuilder().setEncoding(ImageEncoding.JPEG).setWidth(t.width()).setHeight(t.height())
                        .setData(ByteBuffer.wrap(jpeg)).setRef(null).build())
                .setIntrinsics(Intrinsics.newBuilder().setFx(t.intrinsics().fx()).setFy(t.intrinsics().fy())
                        .setCx(t.intrinsics().cx()).setCy(t.intrinsics().cy()).build())
                .setDistortion(null)
                .setAttributes(Map.of(SceneSpec.ATTRIBUTE_KEY, scene.spec().encode()))
                .build();
    }

    private void run(RawRecordListSource source, CollectingSink sink) throws Exception {
        Configuration conf = new Configuration();
        conf.set(ClipOptions.LENGTH, 8);
        conf.set(ClipOptions.STRIDE, 6);
        conf.set(InferenceOptions.MAX_ATTEMPTS, 1);

        Configuration flink = new Configuration();
        // No restarts: a task failure fails execute(), so a finished job had none (and the sink appended once).
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        env.setParallelism(2);
        new GeometryJob(conf, source, sink, StorageSettings.local(objects), ModelSettings.of(ModelSettings.SIMULATED, "cpu")).build(env);
        env.execute("geometry-job-test");
    }

    private List<GeometryFrame> geometry(CollectingSink sink) throws Exception {
        List<GeometryFrame> out = new ArrayList<>();
        for (OutputRecord r : sink.records(OutputRecord.Kind.GEOMETRY)) {
            GeometryFrame g = SingleObjectCodec.geometryFrames().decode(r.value);
            assertThat(r.key).as("key of %s#%d", g.getStreamId(), g.getFrameIndex())
                    .isEqualTo(g.getStreamId().getBytes(StandardCharsets.UTF_8));
            out.add(g);
        }
        return out;
    }

    private void assertEveryFrameOnce(CollectingSink sink) throws Exception {
        Map<String, List<Long>> got = new TreeMap<>();
        for (GeometryFrame g : geometry(sink)) {
            got.computeIfAbsent(g.getStreamId(), k -> new ArrayList<>()).add(g.getFrameIndex());
            SyntheticScene scene = scenes.get(g.getStreamId());
            assertThat(scene).as("stream %s", g.getStreamId()).isNotNull();
            assertThat(g.getCaptureTimeMicros()).isEqualTo(scene.captureTimeMicros((int) g.getFrameIndex()));
            assertThat(g.getModelId()).isEqualTo("simulated");
        }
        List<Long> all = LongStream.range(0, FRAMES).boxed().toList();
        Map<String, List<Long>> want = new TreeMap<>();
        scenes.keySet().forEach(s -> want.put(s, all));
        // In frame order per stream (the stitch stage restores it), each exactly once.
        assertThat(got).isEqualTo(want);
    }

    private void assertSegments(CollectingSink sink) throws Exception {
        Map<String, List<SegmentEvent>> byStream = new TreeMap<>();
        for (OutputRecord r : sink.records(OutputRecord.Kind.SEGMENT)) {
            SegmentEvent e = SingleObjectCodec.segmentEvents().decode(r.value);
            byStream.computeIfAbsent(e.getStreamId(), k -> new ArrayList<>()).add(e);
        }
        assertThat(byStream.keySet()).containsExactlyElementsOf(scenes.keySet());
        for (Map.Entry<String, List<SegmentEvent>> e : byStream.entrySet()) {
            List<SegmentEvent> events = e.getValue();
            assertThat(events).as("segment events of %s", e.getKey())
                    .extracting(SegmentEvent::getKind).containsExactly(SegmentEventKind.STARTED, SegmentEventKind.ENDED);
            assertThat(events).extracting(SegmentEvent::getSegmentId).containsOnly(0L);
            assertThat(events.get(0).getFirstFrameIndex()).isZero();
            SegmentEvent ended = events.get(1);
            assertThat(ended.getReason()).isEqualTo(SegmentReason.END_OF_STREAM);
            assertThat(ended.getFrameCount()).isEqualTo(FRAMES);
            assertThat(ended.getLastFrameIndex()).isEqualTo(FRAMES - 1L);
        }
    }

    private void assertPayloadsExist(CollectingSink sink) throws Exception {
        try (ObjectStore store = StorageSettings.local(objects).open()) {
            int checked = 0;
            for (GeometryFrame g : geometry(sink)) {
                PayloadRefs p = g.getPayloads();
                assertThat(p.getWidth()).isEqualTo(W);
                assertThat(p.getHeight()).isEqualTo(H);
                List<String> uris = new ArrayList<>(List.of(p.getPointMapUri(), p.getDepthUri(), p.getNormalsUri(), p.getRgbUri()));
                if (p.getConfidenceUri() != null) uris.add(p.getConfidenceUri());
                for (String uri : uris) {
                    String key = store.keyOf(uri).orElseThrow(() -> new AssertionError("not a key of the local store: " + uri));
                    assertThat(store.exists(key)).as("payload %s of %s#%d", key, g.getStreamId(), g.getFrameIndex()).isTrue();
                    checked++;
                }
                assertThat(PayloadCodecs.readNpyFloat32(store.get(store.keyOf(p.getPointMapUri()).orElseThrow())).shape())
                        .containsExactly(H, W, 3);
            }
            assertThat(checked).isGreaterThanOrEqualTo(4 * FRAMES * scenes.size());
        }
    }
}
