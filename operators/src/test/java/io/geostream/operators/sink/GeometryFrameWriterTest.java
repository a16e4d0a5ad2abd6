package io.geostream.operators.sink;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.ScaleStatus;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.avro.SegmentReason;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.model.ModelInfo;
import io.geostream.records.FrameRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.stitch.StitchEvent;
import io.geostream.storage.ForwardingObjectStore;
import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.NpyArray;
import io.geostream.storage.ObjectKeys;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.PayloadCodecs;
import io.geostream.storage.TransientStorageException;
import io.geostream.testing.FlakyObjectStore;
import io.geostream.testing.GatedObjectStore;
import io.geostream.testing.TestFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/** The payload writer against a local directory store: keys, payload contents, the event, replays, concurrency, failures. */
class GeometryFrameWriterTest {

    private static final ModelInfo MODEL = new ModelInfo("simulated", "1", true);
    private static final String STREAM = "cam-7";
    private static final int W = 48, H = 36;
    private static final long SEGMENT = 3, CLIP = 5, INDEX = 41;
    private static final long INGEST_MILLIS = 1_700_000_000_000L;
    private static final List<String> FILES = List.of("depth.png", "normals.png", "points.npy", "confidence.npy", "rgb.jpg");
    /** The payloads and the frame's JSON sidecar. */
    private static final int OBJECTS = FILES.size() + 1;

    @TempDir
    Path dir;

    private LocalDirectoryObjectStore store;
    private ExecutorService pool;

    @BeforeEach
    void openStore() throws IOException {
        store = new LocalDirectoryObjectStore(dir.resolve("objects"));
    }

    @AfterEach
    void stopPool() {
        if (pool != null) pool.shutdownNow();
    }

    // ------------------------------------------------------------------------------------------ a frame

    /** A stitched frame with every payload array filled with a known pattern, and a few invalid pixels. */
    private static StitchEvent.StitchedFrame frame(boolean withConfidence) {
        return io.geostream.testing.StitchedFrames.patterned(STREAM, SEGMENT, CLIP, INDEX, W, H, INGEST_MILLIS, withConfidence);
    }

    private static String key(StitchEvent.StitchedFrame f, String file) {
        return ObjectKeys.framePayload(MODEL, STREAM, f.segmentId(), f.frame().frameIndex, f.frame().captureTimeMicros, file);
    }

    private Map<String, byte[]> contents(ObjectStore s) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String k : s.list("")) out.put(k, s.get(k));
        return out;
    }

    private ExecutorService pool() {
        pool = Executors.newFixedThreadPool(5);
        return pool;
    }

    // ------------------------------------------------------------------------------------------ keys and event

    @Test
    void writesTheFivePayloadsUnderTheirKeysAndTheEventNamesThem() throws Exception {
        StitchEvent.StitchedFrame f = frame(true);
        GeometryFrame event = new GeometryFrameWriter(store, MODEL).write(f, INGEST_MILLIS + 250);

        List<String> keys = FILES.stream().map(file -> key(f, file)).toList();
        assertThat(store.list("")).containsExactlyInAnyOrderElementsOf(
                java.util.stream.Stream.concat(keys.stream(), java.util.stream.Stream.of(key(f, "frame.json"))).toList());
        assertThat(keys.get(0)).isEqualTo("simulated/1/cam-7/seg-000003/frame-0000000041-t" + f.frame().captureTimeMicros + "/depth.png");
        PayloadRefs p = event.getPayloads();
        assertThat(List.of(p.getDepthUri(), p.getNormalsUri(), p.getPointMapUri(), p.getConfidenceUri(), p.getRgbUri()))
                .containsExactlyElementsOf(keys.stream().map(store::uriOf).toList());
        assertThat(store.keyOf(p.getPointMapUri())).contains(key(f, "points.npy"));
        assertThat(p.getWidth()).isEqualTo(W);
        assertThat(p.getHeight()).isEqualTo(H);
        assertThat(p.getDepthUnit()).isEqualTo(PayloadCodecs.chooseDepthUnit(f.depth()));
    }

    @Test
    void theEventCarriesThePoseIntrinsicsAndFiguresOfTheStitchedFrame() throws Exception {
        StitchEvent.StitchedFrame f = frame(true);
        GeometryFrame event = new GeometryFrameWriter(store, MODEL).write(f, INGEST_MILLIS + 250);

        assertThat(event.getStreamId()).isEqualTo(STREAM);
        assertThat(event.getFrameIndex()).isEqualTo(INDEX);
        assertThat(event.getCaptureTimeMicros()).isEqualTo(f.frame().captureTimeMicros);
        assertThat(event.getSegmentId()).isEqualTo(SEGMENT);
        assertThat(event.getSegmentStartMicros()).isEqualTo(f.segmentStartMicros()).isEqualTo(f.frame().captureTimeMicros - 1_000_000L);
        assertThat(event.getClipId()).isEqualTo(CLIP);
        // The pose: the event's quaternion and translation rebuild the frame's worldFromCamera.
        var pose = event.getWorldFromCamera();
        assertThat(pose.getQw()).isNotNegative();
        RigidTransform back = RigidTransform.fromQuaternion(new double[] {pose.getQx(), pose.getQy(), pose.getQz(), pose.getQw()},
                new double[] {pose.getTx(), pose.getTy(), pose.getTz()});
        assertThat(back.rotation()).containsExactly(f.worldFromCamera().rotation(), offset(1e-12));
        assertThat(back.translation()).containsExactly(1.5, -0.25, 3.0);
        var k = event.getIntrinsics();
        assertThat(new double[] {k.getFx(), k.getFy(), k.getCx(), k.getCy()}).containsExactly(41.5, 40.25, 23.75, 17.5);
        assertThat(k.getSource()).isEqualTo(IntrinsicsSource.GIVEN);
        assertThat(event.getScaleStatus()).isEqualTo(ScaleStatus.RELATIVE);
        var q = event.getQuality();
        assertThat(q.getMethod()).isEqualTo("robust-irls");
        assertThat(q.getOverlapPoints()).isEqualTo(321);
        assertThat(q.getResidualRms()).isEqualTo(0.0125);
        assertThat(q.getInlierShare()).isEqualTo(0.875);
        assertThat(q.getClipScale()).isEqualTo(1.75);
        assertThat(q.getPoseReprojectionRms()).isEqualTo(0.375);
        assertThat(event.getModelId()).isEqualTo("simulated");
        assertThat(event.getModelVersion()).isEqualTo("1");
        assertThat(event.getProcessingLatencyMillis()).isEqualTo(250);
        // A clock behind the ingest time gives no negative latency.
        assertThat(new GeometryFrameWriter(store, MODEL).write(f, INGEST_MILLIS - 10).getProcessingLatencyMillis()).isZero();
        // The event is a valid record of the published schema.
        byte[] encoded = SingleObjectCodec.geometryFrames().encode(event);
        assertThat(SingleObjectCodec.geometryFrames().decode(encoded)).isEqualTo(event);
    }

    // ------------------------------------------------------------------------------------------ payload contents

    @Test
    void thePayloadsDecodeBackToTheFramesArrays() throws Exception {
        StitchEvent.StitchedFrame f = frame(true);
        GeometryFrame event = new GeometryFrameWriter(store, MODEL).write(f, INGEST_MILLIS);
        PayloadRefs p = event.getPayloads();
        int n = W * H;

        // Depth: a 16-bit PNG of depth / unit; invalid depths are 0; the largest depth uses the full range.
        int[] counts = PayloadCodecs.readPng16(store.get(key(f, "depth.png")));
        assertThat(counts).hasSize(n);
        assertThat(counts[0]).isZero();
        assertThat(counts[1]).isZero();
        assertThat(counts[2]).isZero();
        assertThat(counts[n - 1]).isEqualTo(65535);
        double unit = p.getDepthUnit();
        assertThat(unit).isCloseTo(5.0 / 65535, offset(1e-12));
        for (int i = 3; i < n; i++) {
            assertThat(counts[i] * unit).as("depth of pixel %d", i).isCloseTo(f.depth()[i], offset(0.5 * unit + 1e-6));
        }

        // Normals: an 8-bit RGB PNG of round((n + 1) / 2 * 255); a pixel without a unit normal is black.
        BufferedImage normals = ImageIO.read(new ByteArrayInputStream(store.get(key(f, "normals.png"))));
        assertThat(normals.getWidth()).isEqualTo(W);
        assertThat(normals.getHeight()).isEqualTo(H);
        Raster raster = normals.getRaster();
        assertThat(raster.getNumBands()).isEqualTo(3);
        int[] rgb = new int[3];
        for (int i = 0; i < n; i++) {
            raster.getPixel(i % W, i / W, rgb);
            if (i == 7) {
                assertThat(rgb).containsExactly(0, 0, 0);
                continue;
            }
            for (int c = 0; c < 3; c++) {
                double decoded = rgb[c] / 255.0 * 2 - 1;
                assertThat(decoded).as("normal %d channel %d", i, c).isCloseTo(f.normalsCamera()[3 * i + c], offset(1.0 / 255 + 1e-6));
            }
        }

        // The point map and the confidence: float32 .npy, exact, shaped (H, W, 3) and (H, W).
        NpyArray points = PayloadCodecs.readNpyFloat32(store.get(key(f, "points.npy")));
        assertThat(points.shape()).containsExactly(H, W, 3);
        assertThat(points.data()).containsExactly(f.worldPoints());
        assertThat(points.data()[15]).isNaN();
        NpyArray conf = PayloadCodecs.readNpyFloat32(store.get(key(f, "confidence.npy")));
        assertThat(conf.shape()).containsExactly(H, W);
        assertThat(conf.data()).containsExactly(f.confidence());

        // The model's RGB as a JPEG of the payload size, close to the pixels (lossy).
        BufferedImage jpeg = ImageIO.read(new ByteArrayInputStream(store.get(key(f, "rgb.jpg"))));
        assertThat(jpeg.getWidth()).isEqualTo(W);
        assertThat(jpeg.getHeight()).isEqualTo(H);
        double error = 0;
        for (int i = 0; i < n; i++) {
            int argb = jpeg.getRGB(i % W, i / W);
            error += Math.abs(((argb >> 16) & 0xff) - (f.rgb()[3 * i] & 0xff))
                    + Math.abs(((argb >> 8) & 0xff) - (f.rgb()[3 * i + 1] & 0xff))
                    + Math.abs((argb & 0xff) - (f.rgb()[3 * i + 2] & 0xff));
        }
        assertThat(error / (3.0 * n)).as("mean absolute JPEG error").isLessThan(4);
    }

    @Test
    void aFrameWithoutConfidenceHasNoConfidencePayload() throws Exception {
        StitchEvent.StitchedFrame f = frame(false);
        GeometryFrame event = new GeometryFrameWriter(store, MODEL, pool()).write(f, INGEST_MILLIS);

        assertThat(event.getPayloads().getConfidenceUri()).isNull();
        assertThat(store.list("")).containsExactlyInAnyOrder(key(f, "depth.png"), key(f, "normals.png"), key(f, "points.npy"),
                key(f, "rgb.jpg"), key(f, "frame.json"));
    }

    // ------------------------------------------------------------------------------------------ readable without the record

    @Test
    void theDepthPngCarriesItsUnitAndTheSidecarSaysWhatTheRecordSays() throws Exception {
        StitchEvent.StitchedFrame f = frame(true);
        GeometryFrame event = new GeometryFrameWriter(store, MODEL, pool()).write(f, INGEST_MILLIS + 250);

        // Before: the unit was only in the Kafka record; a depth PNG found in the bucket could not be turned into depth.
        Map<String, String> meta = store.metadata(key(f, "depth.png"));
        assertThat(Double.parseDouble(meta.get("depth-unit"))).isEqualTo(event.getPayloads().getDepthUnit());
        assertThat(meta).containsEntry("scale-status", "RELATIVE").containsEntry("sidecar", "frame.json");
        assertThat(store.metadata(key(f, "points.npy"))).containsOnly(Map.entry("sidecar", "frame.json"));

        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(store.get(key(f, "frame.json")));
        assertThat(json.get("format").asText()).isEqualTo("geostream.frame-sidecar");
        assertThat(json.get("streamId").asText()).isEqualTo(STREAM);
        assertThat(json.get("segmentId").asLong()).isEqualTo(SEGMENT);
        assertThat(json.get("frameIndex").asLong()).isEqualTo(INDEX);
        assertThat(json.get("captureTimeMicros").asLong()).isEqualTo(f.frame().captureTimeMicros);
        assertThat(json.get("depth").get("unit").asDouble()).isEqualTo(event.getPayloads().getDepthUnit());
        assertThat(json.get("depth").get("file").asText()).isEqualTo("depth.png");
        assertThat(json.get("scaleStatus").asText()).isEqualTo("RELATIVE");
        // The 4x4 pose is the stitched frame's worldFromCamera (an independent source: the record holds a quaternion).
        double[] r = f.worldFromCamera().rotation(), t = f.worldFromCamera().translation();
        var m = json.get("worldFromCamera").get("matrix");
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) assertThat(m.get(i).get(j).asDouble()).isCloseTo(r[3 * i + j], offset(1e-12));
            assertThat(m.get(i).get(3).asDouble()).isCloseTo(t[i], offset(1e-12));
        }
        assertThat(m.get(3).toString()).isEqualTo("[0.0,0.0,0.0,1.0]");
        assertThat(json.get("worldFromCamera").get("supersededBy").asText()).contains("SegmentCorrection");
        var k = json.get("intrinsics");
        assertThat(List.of(k.get("fx").asDouble(), k.get("fy").asDouble(), k.get("cx").asDouble(), k.get("cy").asDouble(),
                k.get("width").asDouble(), k.get("height").asDouble())).containsExactly(41.5, 40.25, 23.75, 17.5, (double) W, (double) H);
        assertThat(k.get("matrix").toString()).isEqualTo("[[41.5,0.0,23.75],[0.0,40.25,17.5],[0.0,0.0,1.0]]");
        assertThat(json.get("payloads").toString()).isEqualTo(
                "{\"depth\":\"depth.png\",\"normals\":\"normals.png\",\"points\":\"points.npy\",\"confidence\":\"confidence.npy\",\"rgb\":\"rgb.jpg\"}");
    }

    // ------------------------------------------------------------------------------------------ replays

    @Test
    void writingAFrameAgainWritesTheSameBytesToTheSameKeys() throws Exception {
        StitchEvent.StitchedFrame f = frame(true);
        GeometryFrame first = new GeometryFrameWriter(store, MODEL).write(f, INGEST_MILLIS + 5);
        Map<String, byte[]> before = contents(store);

        GeometryFrame again = new GeometryFrameWriter(store, MODEL, pool()).write(frame(true), INGEST_MILLIS + 5);
        Map<String, byte[]> after = contents(store);
        assertThat(after.keySet()).containsExactlyElementsOf(before.keySet());
        for (String k : before.keySet()) assertThat(after.get(k)).as(k).isEqualTo(before.get(k));
        assertThat(again).isEqualTo(first);

        // Another writer on another store (a replay elsewhere) produces the same objects, byte for byte.
        LocalDirectoryObjectStore other = new LocalDirectoryObjectStore(dir.resolve("replay"));
        new GeometryFrameWriter(other, MODEL).write(frame(true), INGEST_MILLIS + 5);
        Map<String, byte[]> replayed = contents(other);
        assertThat(replayed.keySet()).containsExactlyElementsOf(before.keySet());
        for (String k : before.keySet()) assertThat(replayed.get(k)).as(k).isEqualTo(before.get(k));
    }

    // ------------------------------------------------------------------------------------------ concurrency

    @Test
    void startRunsThePutsConcurrentlyAndFinishWaitsForThem() throws Exception {
        String gate = "GeometryFrameWriterTest-" + System.nanoTime();
        ObjectStore gated = GatedObjectStore.closedGate(gate).wrap(store);
        CountDownLatch arrived = new CountDownLatch(FILES.size());
        AtomicInteger stored = new AtomicInteger();
        ObjectStore counting = new ForwardingObjectStore(gated) {
            @Override
            public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) throws IOException {
                arrived.countDown();
                inner.put(key, bytes, contentType, metadata);
                stored.incrementAndGet();
            }
        };
        GeometryFrameWriter writer = new GeometryFrameWriter(counting, MODEL, pool());
        StitchEvent.StitchedFrame f = frame(true);
        try {
            GeometryFrameWriter.PendingFrame pending = writer.start(f); // returns although no put can finish
            assertThat(pending.frame()).isSameAs(f);
            // Five puts (as many as the pool has threads; the sixth, the sidecar, queues) wait at the closed gate at
            // the same time: they run concurrently, not one after another.
            assertThat(arrived.await(30, TimeUnit.SECONDS)).as("all puts under way at once").isTrue();
            assertThat(pending.isDone()).isFalse();
            assertThat(stored.get()).isZero();
            assertThat(store.list("")).isEmpty();

            CompletableFuture<GeometryFrame> finished = CompletableFuture.supplyAsync(() -> {
                try {
                    return pending.finish(INGEST_MILLIS);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThatThrownBy(() -> finished.get(200, TimeUnit.MILLISECONDS)).as("finish waits for the puts")
                    .isInstanceOf(TimeoutException.class);

            GatedObjectStore.open(gate);
            GeometryFrame event = finished.get(30, TimeUnit.SECONDS);
            assertThat(pending.isDone()).isTrue();
            assertThat(stored.get()).isEqualTo(OBJECTS);
            assertThat(store.list("")).hasSize(OBJECTS);
            assertThat(event.getPayloads().getRgbUri()).isEqualTo(store.uriOf(key(f, "rgb.jpg")));
        } finally {
            GatedObjectStore.open(gate);
        }
    }

    @Test
    void withoutAnExecutorStartWritesEverythingInTheCaller() throws Exception {
        StitchEvent.StitchedFrame f = frame(true);
        GeometryFrameWriter.PendingFrame pending = new GeometryFrameWriter(store, MODEL, null).start(f);
        assertThat(pending.isDone()).isTrue();
        assertThat(store.list("")).hasSize(OBJECTS);
        assertThat(pending.finish(INGEST_MILLIS).getFrameIndex()).isEqualTo(INDEX);
    }

    // ------------------------------------------------------------------------------------------ failures

    @Test
    void aFailingPutMakesFinishThrowTheStoresIOException() throws Exception {
        // In the caller: the first put (depth) fails as a throttled S3 would, the others succeed.
        FlakyObjectStore flaky = new FlakyObjectStore(store, 1);
        GeometryFrameWriter.PendingFrame pending = new GeometryFrameWriter(flaky, MODEL).start(frame(true));
        assertThat(pending.isDone()).isTrue();
        assertThatThrownBy(() -> pending.finish(INGEST_MILLIS)).isInstanceOf(TransientStorageException.class)
                .hasMessageContaining("503");
        assertThat(flaky.failed()).isEqualTo(1);

        // On the executor: every put is refused for good.
        ObjectStore denying = FlakyObjectStore.denyingPuts().wrap(store);
        GeometryFrameWriter writer = new GeometryFrameWriter(denying, MODEL, pool());
        assertThatThrownBy(() -> writer.write(frame(true), INGEST_MILLIS)).isInstanceOf(AccessDeniedException.class);
        GeometryFrameWriter.PendingFrame refused = writer.start(frame(false));
        assertThatThrownBy(() -> refused.finish(INGEST_MILLIS)).isInstanceOf(IOException.class).hasMessageContaining("403");
    }

    @Test
    void oneFailedPutFailsTheFrameAlthoughTheOtherPutsSucceed() throws Exception {
        // Only the point map fails: finish must not return an event that names an object that was never written.
        ObjectStore failingPoints = new ForwardingObjectStore(store) {
            @Override
            public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) throws IOException {
                if (key.endsWith("/points.npy")) throw new IOException("injected: points.npy put failed");
                inner.put(key, bytes, contentType, metadata);
            }
        };
        GeometryFrameWriter.PendingFrame pending = new GeometryFrameWriter(failingPoints, MODEL, pool()).start(frame(true));
        assertThatThrownBy(() -> pending.finish(INGEST_MILLIS)).isInstanceOf(IOException.class)
                .hasMessage("injected: points.npy put failed");
    }

    // ------------------------------------------------------------------------------------------ segment events

    @Test
    void segmentEventsMapEachKindOfSegmentBoundary() throws Exception {
        SegmentEvent started = GeometryFrameWriter.segmentEvent(
                new StitchEvent.SegmentStarted(STREAM, 2, 1_700_000_001_400_000L, SegmentReason.TRACKING_LOST, 14,
                        1_700_000_001_400_000L), MODEL);
        assertThat(started.getKind()).isEqualTo(SegmentEventKind.STARTED);
        assertThat(started.getStreamId()).isEqualTo(STREAM);
        assertThat(started.getSegmentId()).isEqualTo(2);
        assertThat(started.getSegmentStartMicros()).isEqualTo(1_700_000_001_400_000L);
        assertThat(started.getReason()).isEqualTo(SegmentReason.TRACKING_LOST);
        assertThat(started.getDetail()).isEmpty();
        assertThat(started.getFirstFrameIndex()).isEqualTo(14);
        assertThat(started.getLastFrameIndex()).isNull();
        assertThat(started.getFrameCount()).isZero();
        assertThat(started.getEventTimeMicros()).isEqualTo(1_700_000_001_400_000L);
        assertThat(started.getModelId()).isEqualTo("simulated");
        assertThat(started.getModelVersion()).isEqualTo("1");

        SegmentEvent ended = GeometryFrameWriter.segmentEvent(new StitchEvent.SegmentEnded(STREAM, 2, 1_700_000_001_400_000L, SegmentReason.INFERENCE_FAILED,
                "clip 4 failed: MODEL_TIMEOUT", 14, 29, 16, 1_700_000_002_900_000L), MODEL);
        assertThat(ended.getKind()).isEqualTo(SegmentEventKind.ENDED);
        assertThat(ended.getStreamId()).isEqualTo(STREAM);
        assertThat(ended.getSegmentId()).isEqualTo(2);
        assertThat(ended.getSegmentStartMicros()).isEqualTo(1_700_000_001_400_000L);
        assertThat(ended.getReason()).isEqualTo(SegmentReason.INFERENCE_FAILED);
        assertThat(ended.getDetail()).isEqualTo("clip 4 failed: MODEL_TIMEOUT");
        assertThat(ended.getFirstFrameIndex()).isEqualTo(14);
        assertThat(ended.getLastFrameIndex()).isEqualTo(29);
        assertThat(ended.getFrameCount()).isEqualTo(16);
        assertThat(ended.getEventTimeMicros()).isEqualTo(1_700_000_002_900_000L);
        assertThat(ended.getModelId()).isEqualTo("simulated");

        // Both are valid records of the published schema.
        for (SegmentEvent e : List.of(started, ended)) {
            assertThat(SingleObjectCodec.segmentEvents().decode(SingleObjectCodec.segmentEvents().encode(e))).isEqualTo(e);
        }
    }

    @Test
    void frameEventsAreNotSegmentEvents() {
        assertThatThrownBy(() -> GeometryFrameWriter.segmentEvent(frame(false), MODEL)).isInstanceOf(IllegalArgumentException.class);
        StitchEvent.FrameFailed failed = new StitchEvent.FrameFailed(TestFrames.frame(STREAM, 3), "MODEL_TIMEOUT", "");
        assertThatThrownBy(() -> GeometryFrameWriter.segmentEvent(failed, MODEL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a segment event");
    }
}
