package io.geostream.schemas;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentEvent;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SchemaCompatibilityTest} checks the schemas; this checks real records both ways across the release that lacks
 * {@code segmentStartMicros} (v1): a record written by the new job read by a v1 reader (consumers nobody upgraded,
 * given the writer schema), and a v1 record still on the topics read by today's codec (which knows every released
 * schema without being told).
 */
class ReleasedRecordsTest {

    private static Schema released(String version, String name) throws Exception {
        Path file = Path.of(System.getProperty("basedir", ".")).resolve("released").resolve(version).resolve(name + ".avsc");
        return new Schema.Parser().parse(file.toFile());
    }

    /** The body of a single-object encoded record (after the 10-byte header), read with another reader schema. */
    private static GenericRecord readBody(byte[] singleObject, Schema writer, Schema reader) throws Exception {
        var in = DecoderFactory.get().binaryDecoder(Arrays.copyOfRange(singleObject, 10, singleObject.length), null);
        return new GenericDatumReader<GenericRecord>(writer, reader).read(null, in);
    }

    private static byte[] encodeWith(Schema schema, GenericRecord record) throws Exception {
        ByteBuffer b = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void theCodecKnowsEveryReleasedSchemaFromTheClasspath() throws Exception {
        for (String name : new String[] {"FrameEvent", "GeometryFrame", "SegmentEvent", "DeadLetter"}) {
            assertThat(SingleObjectCodec.releasedSchemas(name)).as(name).isNotEmpty();
            assertThat(SingleObjectCodec.releasedSchemas(name).get(0)).isEqualTo(released("v1", name));
        }
        // v4 is today's schemas: each file's fingerprint is the codec's. SegmentCorrection was first released in v2.
        assertThat(SingleObjectCodec.releasedSchemas("SegmentCorrection")).hasSize(3);
        for (String name : new String[] {"FrameEvent", "GeometryFrame", "SegmentEvent", "SegmentCorrection", "DeadLetter"}) {
            Schema current = new Schema.Parser().parse(Path.of(System.getProperty("basedir", ".")).resolve(name + ".avsc").toFile());
            assertThat(SchemaNormalization.parsingFingerprint64(released("v4", name))).as(name)
                    .isEqualTo(SchemaNormalization.parsingFingerprint64(current));
        }
        // v3's SegmentEvent (no PRODUCER_RESTARTED) is another writer schema.
        assertThat(SchemaNormalization.parsingFingerprint64(released("v3", "SegmentEvent")))
                .isNotEqualTo(SingleObjectCodec.segmentEvents().fingerprint());
        // v2's SegmentEvent (written by the builds between the segment identity and RELOCALISED) is another writer schema.
        assertThat(SchemaNormalization.parsingFingerprint64(released("v2", "SegmentEvent")))
                .isNotEqualTo(SingleObjectCodec.segmentEvents().fingerprint());
        // The segment identity is the first change to the output schemas since v1: their fingerprints differ.
        assertThat(SchemaNormalization.parsingFingerprint64(released("v1", "GeometryFrame")))
                .isNotEqualTo(SingleObjectCodec.geometryFrames().fingerprint());
        assertThat(SchemaNormalization.parsingFingerprint64(released("v1", "SegmentEvent")))
                .isNotEqualTo(SingleObjectCodec.segmentEvents().fingerprint());
    }

    @Test
    void geometryFramesCrossV1BothWays() throws Exception {
        crossBothWays(SingleObjectCodec.geometryFrames(), SampleRecords.geometryFrame(), released("v1", "GeometryFrame"));
    }

    @Test
    void segmentEventsCrossV1BothWays() throws Exception {
        crossBothWays(SingleObjectCodec.segmentEvents(), SampleRecords.segmentEvent(), released("v1", "SegmentEvent"));
    }

    /**
     * A segment event still on the topics from the builds that wrote v2 (segment identity, no RELOCALISED yet) decodes
     * with today's codec, which knows v2 from the classpath: its world fields read as -1, the rest as written.
     */
    @Test
    void aV2SegmentEventDecodesWithTodaysCodec() throws Exception {
        SingleObjectCodec<SegmentEvent> codec = SingleObjectCodec.segmentEvents();
        Schema v2 = released("v2", "SegmentEvent");
        SegmentEvent current = SampleRecords.segmentEvent();
        GenericRecord asV2 = readBody(codec.encode(current), codec.schema(), v2);
        byte[] v2Bytes = encodeWith(v2, asV2);
        assertThat(ByteBuffer.wrap(v2Bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong())
                .isEqualTo(SchemaNormalization.parsingFingerprint64(v2));
        SegmentEvent read = codec.decode(v2Bytes);
        assertThat(read.getWorldSegmentId()).isEqualTo(-1L);
        assertThat(read.getWorldSegmentStartMicros()).isEqualTo(-1L);
        assertThat(read.getSegmentStartMicros()).isEqualTo(current.getSegmentStartMicros());
        assertThat(read).isEqualTo(current); // the sample has no world: written and read alike
    }

    /**
     * A RELOCALISED segment event (v3) read by a consumer nobody upgraded (the v1 reader, given the writer schema): the
     * kind it does not know reads as the enum's default, UNKNOWN, and the world fields are not there for it; the rest as
     * written. So an old consumer that acts on STARTED and ENDED only goes on as before.
     */
    @Test
    void aRelocalisedEventReadsAsUnknownForAV1Reader() throws Exception {
        SingleObjectCodec<SegmentEvent> codec = SingleObjectCodec.segmentEvents();
        SegmentEvent moved = SegmentEvent.newBuilder(SampleRecords.segmentEvent())
                .setKind(io.geostream.avro.SegmentEventKind.RELOCALISED).setReason(io.geostream.avro.SegmentReason.UNKNOWN)
                .setLastFrameIndex(null).setFrameCount(0).setWorldSegmentId(2).setWorldSegmentStartMicros(1_699_999_900_000_000L)
                .build();
        byte[] written = codec.encode(moved);
        GenericRecord old = readBody(written, codec.schema(), released("v1", "SegmentEvent"));
        assertThat(old.get("kind")).hasToString("UNKNOWN");
        assertThat(old.get("segmentId")).isEqualTo(3L);
        assertThat(old.getSchema().getField("worldSegmentId")).isNull();
        assertThat(codec.decode(written)).isEqualTo(moved);
    }

    /**
     * A segment ended because its producer restarted (v4) read by a consumer of release v3 (given the writer schema): the
     * reason it does not know reads as the enum's default, UNKNOWN; the rest as written. And a v3 event still on the
     * topics decodes with today's codec.
     */
    @Test
    void aProducerRestartReasonReadsAsUnknownForAV3ReaderAndV3EventsStillDecode() throws Exception {
        SingleObjectCodec<SegmentEvent> codec = SingleObjectCodec.segmentEvents();
        SegmentEvent ended = SegmentEvent.newBuilder(SampleRecords.segmentEvent())
                .setReason(io.geostream.avro.SegmentReason.PRODUCER_RESTARTED).setDetail("the producer restarted").build();
        byte[] written = codec.encode(ended);
        Schema v3 = released("v3", "SegmentEvent");
        GenericRecord old = readBody(written, codec.schema(), v3);
        assertThat(old.get("reason")).hasToString("UNKNOWN");
        assertThat(old.get("detail")).hasToString("the producer restarted");
        assertThat(codec.decode(written)).isEqualTo(ended);

        SegmentEvent gap = SampleRecords.segmentEvent();
        byte[] v3Bytes = encodeWith(v3, readBody(codec.encode(gap), codec.schema(), v3));
        assertThat(codec.decode(v3Bytes)).isEqualTo(gap);
    }

    /**
     * SegmentCorrection was first released in v2 (unchanged in v3): a consumer in another language reads it with the
     * {@code .avsc} file alone (today's or a release's, the same), as the file's fingerprint is the one in the records' header.
     */
    @Test
    void segmentCorrectionsReadWithTheSchemaFileAlone() throws Exception {
        SingleObjectCodec<io.geostream.avro.SegmentCorrection> codec = SingleObjectCodec.segmentCorrections();
        assertThat(SingleObjectCodec.releasedSchemas("SegmentCorrection")).allSatisfy(s ->
                assertThat(SchemaNormalization.parsingFingerprint64(s)).isEqualTo(codec.fingerprint()));
        Schema file = new Schema.Parser().parse(Path.of(System.getProperty("basedir", ".")).resolve("SegmentCorrection.avsc").toFile());
        var current = SampleRecords.segmentCorrection();
        byte[] written = codec.encode(current);
        assertThat(ByteBuffer.wrap(written, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong())
                .isEqualTo(SchemaNormalization.parsingFingerprint64(file));
        GenericRecord read = readBody(written, file, file);
        assertThat(read.get("version")).isEqualTo(2);
        assertThat(read.get("segmentStartMicros")).isEqualTo(1_699_999_990_000_000L);
        @SuppressWarnings("unchecked")
        var keyframes = (java.util.List<GenericRecord>) read.get("keyframes");
        assertThat(keyframes).hasSize(2);
        assertThat(keyframes.get(1).get("frameIndex")).isEqualTo(8L);
        assertThat((double) keyframes.get(1).get("scale")).isEqualTo(0.97);
        assertThat(read.get("worldSegmentId")).as("re-localised into segment 2's world").isEqualTo(2L);
        assertThat(read.get("worldSegmentStartMicros")).isEqualTo(1_699_999_900_000_000L);
        assertThat(codec.decode(encodeWith(file, read))).isEqualTo(current);
    }

    private static <T extends SpecificRecord> void crossBothWays(SingleObjectCodec<T> codec, T current, Schema v1) throws Exception {
        assertThat(current.get(current.getSchema().getField("segmentStartMicros").pos())).isEqualTo(1_699_999_990_000_000L);
        byte[] written = codec.encode(current);

        // Old reader, new writer: every v1 field as written; the new field is not there for it.
        GenericRecord old = readBody(written, codec.schema(), v1);
        assertThat(old.getSchema().getField("segmentStartMicros")).isNull();
        for (Schema.Field f : v1.getFields()) {
            assertThat(String.valueOf(old.get(f.name()))).as(f.name())
                    .isEqualTo(String.valueOf(current.get(current.getSchema().getField(f.name()).pos())));
        }

        // New reader, old writer: a v1 record (as on the topics before the upgrade) decodes with the default -1.
        byte[] v1Bytes = encodeWith(v1, old);
        assertThat(Arrays.copyOfRange(v1Bytes, 2, 10)).isNotEqualTo(Arrays.copyOfRange(written, 2, 10)); // another fingerprint
        T read = codec.decode(v1Bytes);
        assertThat(read.get(read.getSchema().getField("segmentStartMicros").pos())).isEqualTo(-1L);
        for (Schema.Field f : v1.getFields()) {
            assertThat(String.valueOf(read.get(read.getSchema().getField(f.name()).pos()))).as(f.name())
                    .isEqualTo(String.valueOf(current.get(current.getSchema().getField(f.name()).pos())));
        }
    }
}
