package io.geostream.ingest;

import io.geostream.avro.FrameEvent;
import io.geostream.records.StreamIds;
import io.geostream.schemas.RecordDecodingException;
import io.geostream.schemas.SingleObjectCodec;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what the job does with every input record's bytes: Avro single-object decoding, then
 * {@link FrameValidator} (claim checks included, against an in-memory fetcher). Only the typed rejections
 * may escape; any other exception, or an accepted frame that breaks its own invariants, is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ=1} this runs the committed inputs under
 * {@code src/test/resources/io/geostream/ingest/FrameEventFuzzTestInputs/decodeAndValidate/} as a
 * regression test; see README.md ("Fuzzing") for a fuzzing run.
 */
class FrameEventFuzzTest {
    /** Small enough that a fuzzer-made header cannot make the native decoder allocate much. */
    static final IngestSettings LIMITS = new IngestSettings(512, 512, 512L * 512, 256 * 1024, 8, 256);
    static final String BUCKET = "fuzz-bucket";
    /** The one object the fuzz fetcher has: s3://fuzz-bucket/k/seed.png, a 16x12 PNG. */
    static final String KNOWN_URI = "s3://" + BUCKET + "/k/seed.png";
    static final byte[] KNOWN_OBJECT = TestImages.png(TestImages.gradientRgb(16, 12), 16, 12);

    private static final SingleObjectCodec<FrameEvent> CODEC = SingleObjectCodec.frameEvents();
    private static final FrameValidator VALIDATOR = new FrameValidator(LIMITS, FrameEventFuzzTest::fetch, BUCKET);

    private static byte[] fetch(String uri, long maxBytes) throws IOException {
        if (!KNOWN_URI.equals(uri)) throw new IOException("no such object: " + uri);
        if (KNOWN_OBJECT.length > maxBytes) throw new IOException("object larger than " + maxBytes);
        return KNOWN_OBJECT;
    }

    @FuzzTest(maxDuration = "30m")
    void decodeAndValidate(byte[] data) {
        FrameEvent event;
        try {
            event = CODEC.decode(data);
        } catch (RecordDecodingException e) {
            assertThat(e.reasonCode()).startsWith("DECODE_");
            return;
        }
        ValidatedFrame frame;
        try {
            frame = VALIDATOR.validate(event);
        } catch (FrameRejectedException e) {
            assertThat(e.reason()).isNotNull();
            return;
        }
        // Accepted: the frame must be what the rest of the job relies on.
        assertThat(StreamIds.isValid(frame.streamId())).isTrue();
        assertThat(frame.frameIndex()).isNotNegative();
        assertThat(frame.captureTimeMicros()).isNotNegative();
        if (frame.image() == null) {
            assertThat(frame.endOfStream()).isTrue();
        } else {
            assertThat(frame.image().width()).isEqualTo(event.getImage().getWidth()).isBetween(1, LIMITS.maxWidth());
            assertThat(frame.image().height()).isEqualTo(event.getImage().getHeight()).isBetween(1, LIMITS.maxHeight());
            assertThat(frame.image().rgb()).hasSize(frame.image().width() * frame.image().height() * 3);
        }
    }
}
