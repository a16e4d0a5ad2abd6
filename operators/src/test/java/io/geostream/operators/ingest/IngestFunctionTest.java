package io.geostream.operators.ingest;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.Intrinsics;
import io.geostream.avro.ObjectRef;
import io.geostream.ingest.IngestSettings;
import io.geostream.ingest.RejectReason;
import io.geostream.ingest.TestImages;
import io.geostream.operators.RecordingMetrics;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import io.geostream.records.RawRecord;
import io.geostream.schemas.FrameEvents;
import io.geostream.schemas.RecordDecodingException;
import io.geostream.schemas.SingleObjectCodec;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.geostream.testing.FrameEventEdits.edit;
import static io.geostream.testing.FrameEventEdits.setImage;
import static io.geostream.ingest.TestImages.H;
import static io.geostream.ingest.TestImages.W;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest stage with Flink's operator test harness: real Avro single-object-encoded {@link FrameEvent}s
 * (JPEG and PNG frames from {@link TestImages}) and a corpus of bad records go in as {@link RawRecord}s; valid
 * frames come out decoded, every bad record becomes exactly one dead letter on {@link IngestFunction#DEAD_LETTERS}
 * with its reason code and Kafka coordinates, and the per-reason counters the dashboard reads agree.
 */
class IngestFunctionTest {

    private static final String TOPIC = "geostream.frames";
    /** Small limits so the size guards are cheap to reach: records over 256 KiB + 64 KiB are refused unread. */
    private static final int MAX_ENCODED = 256 * 1024;
    private static final IngestSettings LIMITS = new IngestSettings(1024, 1024, 1024L * 1024, MAX_ENCODED, 8, 256);
    private static final long BASE_MICROS = 1_700_000_000_000_000L;

    private final SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
    private final byte[] rgb = TestImages.gradientRgb(W, H);
    private final byte[] jpeg = TestImages.jpeg(rgb, W, H);
    private final byte[] png = TestImages.png(rgb, W, H);

    // ---------------------------------------------------------------------------------------------------------
    // Valid input

    @Test
    void validJpegAndPngFramesAndTheEndMarkerComeOutDecoded() throws Exception {
        FrameEvent jpegFrame = frame("cam-a", 0, ImageEncoding.JPEG, jpeg);
        FrameEvent pngFrame = frame("cam-b", 7, ImageEncoding.PNG, png);
        pngFrame.setIntrinsics(null);
        pngFrame.setAttributes(Map.of("site", "dock-3"));
        FrameEvent end = FrameEvents.endOfStream("cam-a", 1, BASE_MICROS + 100_000);

        try (IngestHarness h = new IngestHarness(LIMITS)) {
            h.send(new RawRecord(TOPIC, 2, 40, 1_000L, key("cam-a"), codec.encode(jpegFrame)));
            h.send(new RawRecord(TOPIC, 0, 41, 1_001L, key("cam-b"), codec.encode(pngFrame)));
            h.send(new RawRecord(TOPIC, 2, 42, 1_002L, key("cam-a"), codec.encode(end)));

            assertThat(h.deadLetters()).isEmpty();
            List<FrameRecord> out = h.frames();
            assertThat(out).hasSize(3);

            FrameRecord a = out.get(0);
            assertThat(a.streamId).isEqualTo("cam-a");
            assertThat(a.frameIndex).isZero();
            assertThat(a.captureTimeMicros).isEqualTo(BASE_MICROS);
            assertThat(a.endOfStream).isFalse();
            assertThat(a.width).isEqualTo(W);
            assertThat(a.height).isEqualTo(H);
            assertThat(a.rgb).hasSize(W * H * 3);
            assertThat(TestImages.meanAbsDiff(a.rgb, rgb)).as("JPEG decodes close to the source pixels").isLessThan(3.0);
            assertThat(a.intrinsics).containsExactly(50.0, 51.0, 31.5, 23.5);
            assertThat(a.attributes).isEmpty();
            assertSource(a, 2, 40);
            assertThat(a.ingestTimeMillis).isPositive();

            FrameRecord b = out.get(1);
            assertThat(b.streamId).isEqualTo("cam-b");
            assertThat(b.frameIndex).isEqualTo(7L);
            assertThat(b.captureTimeMicros).isEqualTo(BASE_MICROS + 7 * 100_000L);
            assertThat(b.width).isEqualTo(W);
            assertThat(b.height).isEqualTo(H);
            assertThat(b.rgb).as("PNG is lossless: the exact source pixels, RGB order").isEqualTo(rgb);
            assertThat(b.intrinsics).isNull();
            assertThat(b.attributes).containsExactly(Map.entry("site", "dock-3"));
            assertSource(b, 0, 41);

            FrameRecord marker = out.get(2);
            assertThat(marker.streamId).isEqualTo("cam-a");
            assertThat(marker.frameIndex).isEqualTo(1L);
            assertThat(marker.endOfStream).isTrue();
            assertThat(marker.hasImage()).isFalse();
            assertThat(marker.width).isZero();
            assertThat(marker.height).isZero();
            assertThat(marker.intrinsics).isNull();
            assertSource(marker, 2, 42);

            assertThat(h.counter("framesValid")).isEqualTo(3);
            assertThat(h.rejectedByReason()).isEmpty();
        }
    }

    @Test
    void aDistortedFrameComesOutUndistortedWithThePinholeIntrinsicsAndWithoutIntrinsicsIsADeadLetter() throws Exception {
        io.geostream.avro.LensDistortion barrel = io.geostream.avro.LensDistortion.newBuilder()
                .setModel(io.geostream.avro.DistortionModel.PLUMB_BOB).setCoefficients(List.of(-0.25, 0.05, 0.0, 0.0)).build();
        FrameEvent distorted = frame("cam-a", 0, ImageEncoding.PNG, png);
        distorted.setDistortion(barrel);
        FrameEvent blind = frame("cam-b", 0, ImageEncoding.PNG, png);
        blind.setDistortion(barrel);
        blind.setIntrinsics(null);
        try (IngestHarness h = new IngestHarness(LIMITS)) {
            h.send(new RawRecord(TOPIC, 0, 10, 1_000L, key("cam-a"), codec.encode(distorted)));
            h.send(new RawRecord(TOPIC, 0, 11, 1_001L, key("cam-b"), codec.encode(blind)));

            // Before: the record kept the distorted camera's intrinsics and pixels, and the lens was forgotten.
            FrameRecord f = h.frames().get(0);
            var k = new io.geostream.geometry.CameraIntrinsics(50, 51, 31.5, 23.5, W, H);
            var pinhole = new io.geostream.ingest.LensUndistorter().outputIntrinsics(k, barrel);
            assertThat(f.intrinsics).containsExactly(pinhole.fx(), pinhole.fy(), pinhole.cx(), pinhole.cy());
            assertThat(f.intrinsics[0]).isNotEqualTo(50.0);
            assertThat(f.rgb).isNotEqualTo(rgb);
            assertThat(h.frames()).hasSize(1);
            assertThat(h.deadLetters()).singleElement().satisfies(r -> {
                DeadLetter d = SingleObjectCodec.deadLetters().decode(r.value);
                assertThat(d.getReasonCode()).isEqualTo(RejectReason.INVALID_DISTORTION.code());
                assertThat(d.getDetail()).contains("without intrinsics");
                assertThat(d.getStreamId()).isEqualTo("cam-b");
            });
        }
    }

    @Test
    void aFrameFlaggedEndOfStreamKeepsItsPixels() throws Exception {
        FrameEvent last = frame("cam-a", 9, ImageEncoding.PNG, png);
        last.setEndOfStream(true);
        try (IngestHarness h = new IngestHarness(LIMITS)) {
            h.send(new RawRecord(TOPIC, 0, 0, 0L, key("cam-a"), codec.encode(last)));
            assertThat(h.deadLetters()).isEmpty();
            FrameRecord f = h.frames().get(0);
            assertThat(f.endOfStream).isTrue();
            assertThat(f.rgb).isEqualTo(rgb);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The reject corpus (after tools' BadInputITCase), interleaved with valid frames

    @Test
    void everyBadRecordBecomesOneDeadLetterWithItsReasonAndCoordinatesAndNoValidFrameIsLost() throws Exception {
        FrameEvent template = frame("cam-a", 3, ImageEncoding.JPEG, jpeg);
        byte[] valid = codec.encode(template);
        Corpus bad = new Corpus();

        // Broken bytes: decoding fails before any field is read.
        byte[] noise = new byte[300];
        new Random(5).nextBytes(noise);
        bad.add("DECODE_MARKER", noise);
        bad.add("DECODE_MARKER", new byte[0]);
        byte[] marker = valid.clone();
        marker[1] = 0x02;
        bad.add("DECODE_MARKER", marker);
        byte[] fingerprint = valid.clone();
        fingerprint[5] ^= 0x5A;
        bad.add("DECODE_UNKNOWN_FINGERPRINT", fingerprint);
        bad.add("DECODE_UNKNOWN_FINGERPRINT", new byte[] {(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        bad.add("DECODE_BROKEN_RECORD", Arrays.copyOf(valid, valid.length / 2));
        bad.add("DECODE_BROKEN_RECORD", Arrays.copyOf(valid, 6));
        byte[] trailing = Arrays.copyOf(valid, valid.length + 3);
        bad.add("DECODE_BROKEN_RECORD", trailing);

        // Too large: refused unread by the record-size guard (raw noise, and a well-formed but oversized frame).
        byte[] huge = new byte[MAX_ENCODED + 64 * 1024 + 1];
        new Random(6).nextBytes(huge);
        bad.add("DECODE_TOO_LARGE", huge);
        int side = 512;
        bad.add("DECODE_TOO_LARGE", codec.encode(edit(template, e -> setImage(e, ImageEncoding.RAW_RGB8, new byte[side * side * 3], side, side))));
        // An inline image over the limit in a record under the guard: decoded, then refused by the validator.
        bad.add(RejectReason.IMAGE_TOO_LARGE, edit(template, e -> setImage(e, ImageEncoding.JPEG, new byte[MAX_ENCODED + 1], W, H)));
        bad.add(RejectReason.IMAGE_TOO_LARGE, edit(template, e -> { e.getImage().setWidth(2048); e.getImage().setHeight(16); }));

        // Fields.
        bad.add(RejectReason.INVALID_STREAM_ID, edit(template, e -> e.setStreamId("../evil")));
        bad.add(RejectReason.INVALID_STREAM_ID, edit(template, e -> e.setStreamId("cam\u0000a\n")));
        bad.add(RejectReason.INVALID_STREAM_ID, edit(template, e -> e.setStreamId("")));
        bad.add(RejectReason.INVALID_STREAM_ID, edit(template, e -> e.setStreamId("c".repeat(129))));
        bad.add(RejectReason.INVALID_FRAME_INDEX, edit(template, e -> e.setFrameIndex(-1)));
        bad.add(RejectReason.INVALID_CAPTURE_TIME, edit(template, e -> e.setCaptureTimeMicros(-5)));
        bad.add(RejectReason.INVALID_INTRINSICS, edit(template, e -> e.getIntrinsics().setFx(Double.NaN)));
        bad.add(RejectReason.INVALID_INTRINSICS, edit(template, e -> e.getIntrinsics().setFy(-400.0)));
        bad.add(RejectReason.INVALID_ATTRIBUTES, edit(template, e -> e.setAttributes(Map.of("k", "v".repeat(257)))));

        // Images.
        bad.add(RejectReason.INVALID_DIMENSIONS, edit(template, e -> e.getImage().setWidth(0)));
        bad.add(RejectReason.IMAGE_SIZE_MISMATCH, edit(template, e -> setImage(e, ImageEncoding.PNG, png, W + 1, H)));
        bad.add(RejectReason.IMAGE_CORRUPT, edit(template, e -> setImage(e, ImageEncoding.JPEG, Arrays.copyOf(jpeg, jpeg.length / 3), W, H)));
        byte[] garbledJpeg = jpeg.clone();
        Arrays.fill(garbledJpeg, 2, garbledJpeg.length - 2, (byte) 0x11);
        bad.add(RejectReason.IMAGE_CORRUPT, edit(template, e -> setImage(e, ImageEncoding.JPEG, garbledJpeg, W, H)));
        bad.add(RejectReason.IMAGE_CORRUPT, edit(template, e -> setImage(e, ImageEncoding.PNG, jpeg, W, H)));
        // Headers and chunk structure intact, compressed pixels garbage: only the native decoder finds out.
        bad.add(RejectReason.IMAGE_CORRUPT, edit(template, e -> setImage(e, ImageEncoding.PNG, garbledIdat(png), W, H)));
        bad.add(RejectReason.RAW_SIZE_MISMATCH, edit(template, e -> setImage(e, ImageEncoding.RAW_RGB8, new byte[W * H * 3 - 1], W, H)));
        bad.add(RejectReason.UNSUPPORTED_ENCODING, edit(template, e -> e.getImage().setEncoding(ImageEncoding.UNKNOWN)));
        bad.add(RejectReason.UNSUPPORTED_ENCODING, edit(template, e -> setImage(e, ImageEncoding.NONE, null, W, H)));
        bad.add(RejectReason.IMAGE_MISSING, edit(template, e -> e.getImage().setData(null)));
        bad.add(RejectReason.IMAGE_AMBIGUOUS, edit(template, e -> e.getImage().setRef(ref())));
        // Without a claim-check store every reference is refused.
        bad.add(RejectReason.IMAGE_REF_REJECTED, edit(template, e -> { e.getImage().setData(null); e.getImage().setRef(ref()); }));
        // An end-of-stream marker that carries bytes.
        FrameEvent end = FrameEvents.endOfStream("cam-a", 6, BASE_MICROS + 600_000);
        bad.add(RejectReason.IMAGE_AMBIGUOUS, edit(end, e -> e.getImage().setData(ByteBuffer.wrap(jpeg))));

        // Six valid frames of two streams (JPEG and PNG) and their end markers, with the corpus spread between them.
        List<RawRecord> input = new ArrayList<>();
        Map<Long, String> validByOffset = new LinkedHashMap<>();
        Map<Long, Corpus.Entry> badByOffset = new TreeMap<>();
        int nextBad = 0;
        long offset = 100;
        for (int i = 0; i <= 6; i++) {
            for (String stream : List.of("cam-a", "cam-b")) {
                FrameEvent e = i < 6 ? frame(stream, i, stream.equals("cam-a") ? ImageEncoding.JPEG : ImageEncoding.PNG,
                        stream.equals("cam-a") ? jpeg : png) : FrameEvents.endOfStream(stream, 6, BASE_MICROS + 600_000);
                validByOffset.put(offset, stream + "#" + i);
                input.add(new RawRecord(TOPIC, partitionOf(offset), offset, offset * 10, key(stream), codec.encode(e)));
                offset++;
            }
            for (int k = 0; k < 6 && nextBad < bad.entries.size(); k++) {
                Corpus.Entry b = bad.entries.get(nextBad++);
                badByOffset.put(offset, b);
                input.add(new RawRecord(TOPIC, partitionOf(offset), offset, offset * 10, key("cam-a"), b.bytes()));
                offset++;
            }
        }
        assertThat(nextBad).as("the whole corpus is sent").isEqualTo(bad.entries.size());

        try (IngestHarness h = new IngestHarness(LIMITS)) {
            for (RawRecord r : input) h.send(r);

            // Nothing valid lost, nothing invalid let through, order kept.
            List<String> got = new ArrayList<>();
            for (FrameRecord f : h.frames()) {
                got.add(f.streamId + "#" + f.frameIndex);
                assertThat(validByOffset).containsEntry(f.sourceOffset, f.streamId + "#" + (f.endOfStream ? 6 : f.frameIndex));
                assertThat(f.sourceTopic).isEqualTo(TOPIC);
                assertThat(f.sourcePartition).isEqualTo(partitionOf(f.sourceOffset));
                if (!f.endOfStream) {
                    assertThat(f.width).isEqualTo(W);
                    assertThat(f.height).isEqualTo(H);
                    if (f.streamId.equals("cam-b")) assertThat(f.rgb).isEqualTo(rgb);
                    else assertThat(TestImages.meanAbsDiff(f.rgb, rgb)).isLessThan(3.0);
                }
            }
            assertThat(got).containsExactlyElementsOf(validByOffset.values());

            // One dead letter per bad record, in input order, each naming the record it came from.
            List<OutputRecord> dead = h.deadLetters();
            assertThat(dead).hasSameSizeAs(badByOffset.keySet());
            List<Long> deadOffsets = new ArrayList<>();
            for (OutputRecord r : dead) {
                assertThat(r.kind).isEqualTo(OutputRecord.Kind.DEAD_LETTER);
                DeadLetter d = SingleObjectCodec.deadLetters().decode(r.value);
                deadOffsets.add(d.getSourceOffset());
                Corpus.Entry expected = badByOffset.get(d.getSourceOffset());
                assertThat(expected).as("dead letter for offset %d", d.getSourceOffset()).isNotNull();
                assertThat(d.getReasonCode()).as("reason of offset %d", d.getSourceOffset()).isEqualTo(expected.reason());
                assertThat(d.getStage()).isEqualTo("ingest");
                assertThat(d.getSourceTopic()).isEqualTo(TOPIC);
                assertThat(d.getSourcePartition()).isEqualTo(partitionOf(d.getSourceOffset()));
                assertThat(d.getDetail()).isNotBlank();
                assertThat(d.getPayloadSizeBytes()).isEqualTo(expected.bytes().length);
                if (expected.bytes().length <= 256 * 1024) {
                    assertThat(d.getPayload()).isNotNull();
                    assertThat(bytesOf(d.getPayload())).as("the rejected bytes travel with the dead letter").isEqualTo(expected.bytes());
                } else {
                    assertThat(d.getPayload()).as("too large to carry, only sized").isNull();
                }
                if (expected.reason().startsWith("DECODE_")) {
                    // Nothing could be read: no stream id, no frame index, no key.
                    assertThat(d.getStreamId()).isNull();
                    assertThat(d.getFrameIndex()).isNull();
                    assertThat(r.key).isNull();
                } else {
                    assertThat(d.getFrameIndex()).isEqualTo(expected.event().getFrameIndex());
                    String id = expected.event().getStreamId();
                    // Hostile ids are echoed, but printable and cut short.
                    assertThat(d.getStreamId()).doesNotContain("\u0000", "\n").hasSizeLessThanOrEqualTo(id.length() + 3);
                    assertThat(r.key).isEqualTo(d.getStreamId().getBytes(StandardCharsets.UTF_8));
                }
            }
            assertThat(deadOffsets).as("in input order").containsExactlyElementsOf(badByOffset.keySet());
            DeadLetter evil = SingleObjectCodec.deadLetters().decode(dead.get(indexOfReason(badByOffset, "INVALID_STREAM_ID")).value);
            assertThat(evil.getStreamId()).isEqualTo("../evil");

            // The dashboard's counters: framesValid, and rejected.<REASON>.count per reason.
            assertThat(h.counter("framesValid")).isEqualTo(validByOffset.size());
            Map<String, Long> expectedCounts = new TreeMap<>();
            badByOffset.values().forEach(b -> expectedCounts.merge(b.reason(), 1L, Long::sum));
            assertThat(h.rejectedByReason()).isEqualTo(expectedCounts);
            assertThat(expectedCounts).containsKeys("DECODE_MARKER", "DECODE_UNKNOWN_FINGERPRINT", "DECODE_BROKEN_RECORD",
                    "DECODE_TOO_LARGE", "INVALID_STREAM_ID", "IMAGE_CORRUPT", "IMAGE_AMBIGUOUS");
        }
    }

    @Test
    void aTombstoneIsDeadLetteredNotThrown() throws Exception {
        try (IngestHarness h = new IngestHarness(LIMITS)) {
            h.send(new RawRecord(TOPIC, 1, 7, 0L, key("cam-a"), null));
            h.send(new RawRecord(TOPIC, 1, 8, 0L, key("cam-a"), codec.encode(frame("cam-a", 0, ImageEncoding.PNG, png))));
            assertThat(h.frames()).extracting(f -> f.sourceOffset).containsExactly(8L);
            assertThat(h.deadLetters()).singleElement().satisfies(r -> {
                DeadLetter d = SingleObjectCodec.deadLetters().decode(r.value);
                assertThat(d.getReasonCode()).startsWith("DECODE_");
                assertThat(d.getSourcePartition()).isEqualTo(1);
                assertThat(d.getSourceOffset()).isEqualTo(7L);
                assertThat(d.getPayload()).isNull();
                assertThat(d.getPayloadSizeBytes()).isZero();
            });
        }
    }

    @Test
    void decodeReasonCodesAreTheCodecsOwn() {
        // The corpus above names codes as strings, as dashboards do; they must stay the codec's and validator's codes.
        assertThat(Arrays.stream(RecordDecodingException.Reason.values()).map(RecordDecodingException.Reason::code))
                .containsExactlyInAnyOrder("DECODE_MARKER", "DECODE_UNKNOWN_FINGERPRINT", "DECODE_BROKEN_RECORD", "DECODE_TOO_LARGE");
        assertThat(RejectReason.IMAGE_CORRUPT.code()).isEqualTo("IMAGE_CORRUPT");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers

    private static int partitionOf(long offset) {
        return (int) (offset % 3);
    }

    private static int indexOfReason(Map<Long, Corpus.Entry> byOffset, String reason) {
        int i = 0;
        for (Corpus.Entry e : byOffset.values()) {
            if (e.reason().equals(reason)) return i;
            i++;
        }
        throw new AssertionError("no " + reason + " in the corpus");
    }

    private static void assertSource(FrameRecord f, int partition, long offset) {
        assertThat(f.sourceTopic).isEqualTo(TOPIC);
        assertThat(f.sourcePartition).isEqualTo(partition);
        assertThat(f.sourceOffset).isEqualTo(offset);
    }

    private static byte[] key(String stream) {
        return stream.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytesOf(ByteBuffer b) {
        ByteBuffer view = b.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }

    /** Frame {@code index} of {@code stream} at 10 fps, with intrinsics. */
    private static FrameEvent frame(String stream, long index, ImageEncoding encoding, byte[] data) {
        return FrameEvent.newBuilder()
                .setStreamId(stream)
                .setFrameIndex(index)
                .setCaptureTimeMicros(BASE_MICROS + index * 100_000L)
                .setEndOfStream(false)
                .setImage(FrameImage.newBuilder().setEncoding(encoding).setWidth(W).setHeight(H)
                        .setData(ByteBuffer.wrap(data)).setRef(null).build())
                .setIntrinsics(Intrinsics.newBuilder().setFx(50).setFy(51).setCx(31.5).setCy(23.5).build())
                .setDistortion(null)
                .setAttributes(Map.of())
                .build();
    }

    private static ObjectRef ref() {
        return ObjectRef.newBuilder().setUri("s3://frames/cam-a/3.jpg").setSizeBytes(1234).setSha256("ab".repeat(32)).build();
    }


    /** {@code png} with the data of its first IDAT chunk overwritten (lengths, IHDR and IEND untouched). */
    private static byte[] garbledIdat(byte[] png) {
        byte[] out = png.clone();
        int pos = 8;
        while (pos + 8 <= out.length) {
            int length = ByteBuffer.wrap(out, pos, 4).getInt();
            String type = new String(out, pos + 4, 4, StandardCharsets.US_ASCII);
            if (type.equals("IDAT")) {
                Arrays.fill(out, pos + 8, pos + 8 + length, (byte) 0x7E);
                return out;
            }
            pos += 12 + length;
        }
        throw new AssertionError("no IDAT chunk");
    }

    /** Bad records with the reason each must be dead-lettered for. */
    private final class Corpus {
        record Entry(String reason, byte[] bytes, FrameEvent event) {}

        final List<Entry> entries = new ArrayList<>();

        void add(String reason, byte[] bytes) {
            entries.add(new Entry(reason, bytes, null));
        }

        void add(RejectReason reason, FrameEvent event) {
            entries.add(new Entry(reason.code(), codec.encode(event), event));
        }
    }

    /**
     * {@link IngestFunction} in a {@link OneInputStreamOperatorTestHarness} whose metrics are {@link RecordingMetrics}, so
     * the operator's counters (including those in sub-groups such as {@code rejected.<REASON>.count}) can be read.
     */
    static final class IngestHarness implements AutoCloseable {
        private static final Pattern REJECTED = Pattern.compile(".*\\.rejected\\.([A-Z_]+)\\.count$");

        private final RecordingMetrics recorded = new RecordingMetrics("ingest");
        private final OneInputStreamOperatorTestHarness<RawRecord, FrameRecord> harness;

        IngestHarness(IngestSettings limits) throws Exception {
            harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new IngestFunction(limits)), recorded.environment());
            harness.open();
        }

        void send(RawRecord r) throws Exception {
            harness.processElement(new StreamRecord<>(r, r.timestamp));
        }

        List<FrameRecord> frames() {
            return harness.extractOutputValues();
        }

        List<OutputRecord> deadLetters() {
            var side = harness.getSideOutput(IngestFunction.DEAD_LETTERS);
            List<OutputRecord> out = new ArrayList<>();
            if (side != null) side.forEach(r -> out.add(r.getValue()));
            return out;
        }

        /** The count of the operator's counter {@code name} (its identifier ends with {@code .name}). */
        long counter(String name) {
            List<Long> found = new ArrayList<>();
            recorded.all().forEach((id, m) -> {
                if (id.endsWith("." + name) && m instanceof Counter c) found.add(c.getCount());
            });
            assertThat(found).as("counter %s among %s", name, recorded.all().keySet()).hasSize(1);
            return found.get(0);
        }

        /** {@code rejected.<REASON>.count} by reason. */
        Map<String, Long> rejectedByReason() {
            Map<String, Long> out = new TreeMap<>();
            recorded.all().forEach((id, m) -> {
                Matcher matcher = REJECTED.matcher(id);
                if (matcher.matches() && m instanceof Counter c) out.merge(matcher.group(1), c.getCount(), Long::sum);
            });
            return out;
        }

        @Override
        public void close() throws Exception {
            try {
                harness.close();
            } finally {
                recorded.environment().close();
            }
        }
    }
}
