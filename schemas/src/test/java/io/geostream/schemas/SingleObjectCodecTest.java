package io.geostream.schemas;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentEvent;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class SingleObjectCodecTest {

    @Test
    void roundTripsEachRecordType() throws Exception {
        assertRoundTrip(SingleObjectCodec.frameEvents(), SampleRecords.frameEvent());
        assertRoundTrip(SingleObjectCodec.frameEvents(), SampleRecords.frameEventWithRef());
        assertRoundTrip(SingleObjectCodec.geometryFrames(), SampleRecords.geometryFrame());
        assertRoundTrip(SingleObjectCodec.segmentEvents(), SampleRecords.segmentEvent());
        assertRoundTrip(SingleObjectCodec.deadLetters(), SampleRecords.deadLetter());
        assertRoundTrip(SingleObjectCodec.segmentCorrections(), SampleRecords.segmentCorrection());
    }

    private static <T extends SpecificRecord> void assertRoundTrip(SingleObjectCodec<T> codec, T record) throws Exception {
        byte[] bytes = codec.encode(record);
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fp = ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fp).isEqualTo(codec.fingerprint());
        assertThat(codec.decode(bytes)).isEqualTo(record);
        assertThat(codec.encode(record)).as("deterministic").isEqualTo(bytes);
    }

    @Test
    void rejectsWrongMarker() {
        SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
        byte[] bytes = codec.encode(SampleRecords.frameEvent());
        bytes[1] = 0x02;
        assertReason(codec, bytes, RecordDecodingException.Reason.MARKER);
        assertReason(codec, new byte[0], RecordDecodingException.Reason.MARKER);
        assertReason(codec, "{\"streamId\":\"x\"}".getBytes(), RecordDecodingException.Reason.MARKER);
        RecordDecodingException e = catchThrowableOfType(RecordDecodingException.class, () -> codec.decode(new byte[]{1}));
        assertThat(e.reasonCode()).isEqualTo("DECODE_MARKER");
    }

    @Test
    void rejectsUnknownFingerprintIncludingAnotherRecordType() {
        SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
        byte[] segment = SingleObjectCodec.segmentEvents().encode(SampleRecords.segmentEvent());
        RecordDecodingException e = catchThrowableOfType(RecordDecodingException.class, () -> codec.decode(segment));
        assertThat(e.reason()).isEqualTo(RecordDecodingException.Reason.UNKNOWN_FINGERPRINT);
        assertThat(e.reasonCode()).isEqualTo("DECODE_UNKNOWN_FINGERPRINT");

        byte[] bytes = codec.encode(SampleRecords.frameEvent());
        bytes[5] ^= 0x40;
        assertReason(codec, bytes, RecordDecodingException.Reason.UNKNOWN_FINGERPRINT);
    }

    @Test
    void rejectsEveryTruncation() {
        SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
        byte[] bytes = codec.encode(SampleRecords.frameEvent());
        for (int len = 0; len < bytes.length; len++) {
            byte[] cut = Arrays.copyOf(bytes, len);
            int l = len;
            RecordDecodingException e = catchThrowableOfType(RecordDecodingException.class, () -> codec.decode(cut));
            assertThat(e).as("truncated to %d of %d bytes", l, bytes.length).isNotNull();
            assertThat(e.reason()).isIn(RecordDecodingException.Reason.MARKER, RecordDecodingException.Reason.BROKEN_RECORD);
        }
    }

    @Test
    void rejectsTrailingGarbage() {
        SingleObjectCodec<SegmentEvent> codec = SingleObjectCodec.segmentEvents();
        byte[] bytes = codec.encode(SampleRecords.segmentEvent());
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertReason(codec, longer, RecordDecodingException.Reason.BROKEN_RECORD);
    }

    @Test
    void rejectsRecordsOverTheSizeLimit() throws Exception {
        SingleObjectCodec<DeadLetter> codec = SingleObjectCodec.deadLetters().withMaxRecordBytes(64);
        DeadLetter big = SampleRecords.deadLetter();
        big.setPayload(ByteBuffer.wrap(new byte[100]));
        byte[] bytes = codec.encode(big);
        RecordDecodingException e = catchThrowableOfType(RecordDecodingException.class, () -> codec.decode(bytes));
        assertThat(e.reasonCode()).isEqualTo("DECODE_TOO_LARGE");
        assertThat(SingleObjectCodec.deadLetters().decode(bytes)).isEqualTo(big);
        assertThat(SingleObjectCodec.deadLetters().maxRecordBytes()).isEqualTo(16 * 1024 * 1024);
    }

    @Test
    void rejectsHugeDeclaredStringLengthFastWithoutAllocating() {
        SingleObjectCodec<SegmentEvent> codec = SingleObjectCodec.segmentEvents();
        ByteArrayOutputStream body = header(codec);
        writeLong(body, 2_000_000_000L); // streamId claims 2 GB
        body.writeBytes("cam".getBytes());
        byte[] bytes = body.toByteArray();
        assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertReason(codec, bytes, RecordDecodingException.Reason.BROKEN_RECORD));
    }

    @Test
    void rejectsHugeDeclaredArrayCountAndNegativeLengths() {
        SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
        for (long count : new long[]{1_000_000_000L, Long.MAX_VALUE, -1_000_000_000L, Long.MIN_VALUE}) {
            ByteArrayOutputStream body = header(codec);
            writeLong(body, 1);
            body.writeBytes("a".getBytes()); // streamId
            writeLong(body, 0); // frameIndex
            writeLong(body, 0); // captureTimeMicros
            body.write(0); // endOfStream
            writeLong(body, 2); // encoding JPEG
            writeLong(body, 64);
            writeLong(body, 48);
            writeLong(body, 0); // data null
            writeLong(body, 0); // ref null
            writeLong(body, 0); // intrinsics null
            writeLong(body, 1); // distortion present
            writeLong(body, 1); // PLUMB_BOB
            writeLong(body, count); // coefficient count
            if (count < 0) {
                writeLong(body, 8);
            }
            body.writeBytes(new byte[16]);
            byte[] bytes = body.toByteArray();
            assertTimeoutPreemptively(Duration.ofSeconds(2),
                    () -> assertReason(codec, bytes, RecordDecodingException.Reason.BROKEN_RECORD));
        }
        ByteArrayOutputStream body = header(codec);
        writeLong(body, -5); // negative string length
        assertReason(codec, body.toByteArray(), RecordDecodingException.Reason.BROKEN_RECORD);
    }

    @Test
    void rejectsOutOfRangeUnionAndEnumIndexes() {
        SingleObjectCodec<SegmentEvent> codec = SingleObjectCodec.segmentEvents();
        ByteArrayOutputStream body = header(codec);
        writeLong(body, 1);
        body.writeBytes("a".getBytes());
        writeLong(body, 0); // segmentId
        writeLong(body, 99); // kind: no such symbol
        assertReason(codec, body.toByteArray(), RecordDecodingException.Reason.BROKEN_RECORD);
    }

    @Test
    void randomBytesOnlyEverRaiseRecordDecodingException() {
        SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
        byte[] valid = codec.encode(SampleRecords.frameEvent());
        Random random = new Random(20240601L);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes;
            switch (i % 3) {
                case 0 -> { // pure noise
                    bytes = new byte[random.nextInt(200)];
                    random.nextBytes(bytes);
                }
                case 1 -> { // a valid header followed by noise: reaches the body walk
                    bytes = Arrays.copyOf(valid, 10 + random.nextInt(200));
                    byte[] noise = new byte[bytes.length - 10];
                    random.nextBytes(noise);
                    System.arraycopy(noise, 0, bytes, 10, noise.length);
                }
                default -> { // a valid record with a few bytes of its body corrupted
                    bytes = valid.clone();
                    for (int k = 1 + random.nextInt(3); k > 0; k--) {
                        bytes[10 + random.nextInt(bytes.length - 10)] = (byte) random.nextInt(256);
                    }
                }
            }
            try {
                FrameEvent e = codec.decode(bytes);
                assertThat(e).isNotNull();
                assertThat(i % 3).as("pure noise must never decode").isNotZero();
                decoded++;
            } catch (RecordDecodingException expected) {
                assertThat(expected.reasonCode()).startsWith("DECODE_");
            }
        }
        assertThat(decoded).as("some light corruptions still decode").isLessThan(20_000);
    }

    @Test
    void olderWriterSchemaIsReadAfterItIsAdded() throws Exception {
        Schema current = FrameEvent.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            if (!f.name().equals("attributes") && !f.name().equals("distortion")) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema older = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
        FrameEvent sample = SampleRecords.frameEvent();
        GenericData.Record old = new GenericData.Record(older);
        for (Schema.Field f : older.getFields()) {
            old.put(f.name(), sample.get(f.name()));
        }
        ByteBuffer encoded = new BinaryMessageEncoder<GenericData.Record>(SpecificData.get(), older).encode(old);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
        assertReason(codec, bytes, RecordDecodingException.Reason.UNKNOWN_FINGERPRINT);
        codec.addReaderCompatibleSchema(older);
        FrameEvent read = codec.decode(bytes);
        assertThat(read.getStreamId()).isEqualTo("cam-01");
        assertThat(read.getImage()).isEqualTo(sample.getImage());
        assertThat(read.getAttributes()).isEqualTo(Map.of());
        assertThat(read.getDistortion()).isNull();
        assertThat(codec.withMaxRecordBytes(1 << 20).decode(bytes)).isEqualTo(read);
        assertThat(SingleObjectCodec.frameEvents()).as("factories are independent")
                .satisfies(c -> assertReason(c, bytes, RecordDecodingException.Reason.UNKNOWN_FINGERPRINT));

        assertThatThrownBy(() -> codec.addReaderCompatibleSchema(SegmentEvent.getClassSchema()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isUsableFromSeveralThreads() throws Exception {
        SingleObjectCodec<GeometryFrame> codec = SingleObjectCodec.geometryFrames();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        GeometryFrame g = SampleRecords.geometryFrame();
                        g.setFrameIndex(thread * 1000L + i);
                        GeometryFrame back = codec.decode(codec.encode(g));
                        if (!back.equals(g)) {
                            return i;
                        }
                    }
                    return -1;
                }));
            }
            for (Future<Integer> f : futures) {
                assertThat(f.get()).isEqualTo(-1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void checksArguments() {
        SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
        assertThatThrownBy(() -> codec.decode(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.encode(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.encode(new FrameEvent())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.withMaxRecordBytes(3)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertReason(SingleObjectCodec<?> codec, byte[] bytes, RecordDecodingException.Reason reason) {
        RecordDecodingException e = catchThrowableOfType(RecordDecodingException.class, () -> codec.decode(bytes));
        assertThat(e).as("expected %s", reason).isNotNull();
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.reasonCode()).isEqualTo(reason.code());
    }

    private static ByteArrayOutputStream header(SingleObjectCodec<?> codec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xC3);
        out.write(0x01);
        out.writeBytes(ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(codec.fingerprint()).array());
        return out;
    }

    /** Avro zig-zag varint. */
    private static void writeLong(ByteArrayOutputStream out, long value) {
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
    }
}
