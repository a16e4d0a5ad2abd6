package io.geostream.schemas;

import io.geostream.avro.DeadLetter;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentCorrection;
import io.geostream.avro.SegmentEvent;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Avro single-object encoding (marker {@code C3 01}, 8-byte little-endian CRC-64-AVRO fingerprint of the
 * writer schema, binary body) of one generated record class, hardened for bytes from untrusted producers.
 *
 * <p>{@link #decode(byte[])} throws only {@link RecordDecodingException} (or IllegalArgumentException for
 * null), whatever the bytes: before Avro decodes a body, {@link BinaryBodyValidator} walks it against the
 * writer schema so that no length prefix can make Avro allocate more than the record's own size, and
 * trailing bytes are rejected. Records larger than {@link #maxRecordBytes()} (default 16 MiB) are rejected
 * unread. Nothing semantic (ids, sizes, ranges) is checked here.
 *
 * <p>Every codec reads records written with any released version of its schema ({@code schemas/released/vN/},
 * packaged as {@code io/geostream/schemas/released/vN/*.avsc}): without a registry a reader must know the writer
 * schema, and records of an earlier release stay on the topics for their retention (e.g. GeometryFrames without
 * {@code segmentStartMicros}, read with its default). Other writer schemas can be registered with
 * {@link #addReaderCompatibleSchema(Schema)}; all are kept in a {@link SchemaStore} consulted by Avro's
 * {@link BinaryMessageDecoder}.
 *
 * <p>Thread-safe: the Avro encoder and decoder used are thread-safe, and the schema store is concurrent.
 * The factories create a new codec on every call (cheap: a few maps), so adding a schema to one codec does
 * not affect others.
 */
public final class SingleObjectCodec<T extends SpecificRecord> {
    /** Default largest accepted record: 16 MiB. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

    private static final int HEADER_BYTES = 10;
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;

    private final Schema readerSchema;
    private final BinaryMessageEncoder<T> encoder;
    private final Function<SchemaStore, BinaryMessageDecoder<T>> decoderFactory;
    /** Writer schemas by fingerprint; Avro's Cache is backed by a ConcurrentHashMap. */
    private final SchemaStore.Cache store = new SchemaStore.Cache();
    private final BinaryMessageDecoder<T> decoder;
    private final List<Schema> addedSchemas = new CopyOnWriteArrayList<>();
    private final int maxRecordBytes;

    private SingleObjectCodec(Schema readerSchema, BinaryMessageEncoder<T> encoder,
                              Function<SchemaStore, BinaryMessageDecoder<T>> decoderFactory, int maxRecordBytes) {
        if (maxRecordBytes < HEADER_BYTES) {
            throw new IllegalArgumentException("maxRecordBytes must be at least " + HEADER_BYTES + ", got " + maxRecordBytes);
        }
        this.readerSchema = readerSchema;
        this.encoder = encoder;
        this.decoderFactory = decoderFactory;
        this.maxRecordBytes = maxRecordBytes;
        this.store.addSchema(readerSchema);
        for (Schema released : releasedSchemas(readerSchema.getName())) {
            if (SchemaNormalization.parsingFingerprint64(released) != SchemaNormalization.parsingFingerprint64(readerSchema)) {
                addCompatible(released);
            }
        }
        this.decoder = decoderFactory.apply(store);
    }

    /** Classpath folder of the released schemas (the module's {@code released/} folder, packaged). */
    static final String RELEASED_RESOURCES = "/io/geostream/schemas/released/";

    private static final java.util.concurrent.ConcurrentHashMap<String, List<Schema>> RELEASED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The released versions of the named schema, oldest first ({@code v1}, {@code v2}, ...; a schema added in a later
     * release starts there). Read once per record name and kept: codecs are made often.
     */
    static List<Schema> releasedSchemas(String recordName) {
        return RELEASED.computeIfAbsent(recordName, name -> {
            List<Schema> out = new java.util.ArrayList<>();
            for (int v = 1; v <= 99; v++) {
                String path = RELEASED_RESOURCES + "v" + v + "/" + name + ".avsc";
                try (java.io.InputStream in = SingleObjectCodec.class.getResourceAsStream(path)) {
                    if (in != null) out.add(new Schema.Parser().parse(in)); // a fresh parser: each file stands alone
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read released schema " + path, e);
                }
            }
            return List.copyOf(out);
        });
    }

    /** A new codec for {@link FrameEvent} with the default maximum record size. */
    public static SingleObjectCodec<FrameEvent> frameEvents() {
        return new SingleObjectCodec<>(FrameEvent.getClassSchema(), FrameEvent.getEncoder(),
                FrameEvent::createDecoder, DEFAULT_MAX_RECORD_BYTES);
    }

    /** A new codec for {@link GeometryFrame} with the default maximum record size. */
    public static SingleObjectCodec<GeometryFrame> geometryFrames() {
        return new SingleObjectCodec<>(GeometryFrame.getClassSchema(), GeometryFrame.getEncoder(),
                GeometryFrame::createDecoder, DEFAULT_MAX_RECORD_BYTES);
    }

    /** A new codec for {@link SegmentEvent} with the default maximum record size. */
    public static SingleObjectCodec<SegmentEvent> segmentEvents() {
        return new SingleObjectCodec<>(SegmentEvent.getClassSchema(), SegmentEvent.getEncoder(),
                SegmentEvent::createDecoder, DEFAULT_MAX_RECORD_BYTES);
    }

    /** A new codec for {@link SegmentCorrection} with the default maximum record size. */
    public static SingleObjectCodec<SegmentCorrection> segmentCorrections() {
        return new SingleObjectCodec<>(SegmentCorrection.getClassSchema(), SegmentCorrection.getEncoder(),
                SegmentCorrection::createDecoder, DEFAULT_MAX_RECORD_BYTES);
    }

    /** A new codec for {@link DeadLetter} with the default maximum record size. */
    public static SingleObjectCodec<DeadLetter> deadLetters() {
        return new SingleObjectCodec<>(DeadLetter.getClassSchema(), DeadLetter.getEncoder(),
                DeadLetter::createDecoder, DEFAULT_MAX_RECORD_BYTES);
    }

    /**
     * A new codec for the same record class with another maximum record size; writer schemas already
     * added to this codec are carried over.
     */
    public SingleObjectCodec<T> withMaxRecordBytes(int newMaxRecordBytes) {
        SingleObjectCodec<T> copy = new SingleObjectCodec<>(readerSchema, encoder, decoderFactory, newMaxRecordBytes);
        for (Schema s : addedSchemas) {
            copy.addReaderCompatibleSchema(s);
        }
        return copy;
    }

    /** The reader schema: that of the generated class. */
    public Schema schema() {
        return readerSchema;
    }

    /** Largest record, header included, that {@link #decode} accepts. */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** The CRC-64-AVRO fingerprint of the reader schema, as written in every encoded header. */
    public long fingerprint() {
        return SchemaNormalization.parsingFingerprint64(readerSchema);
    }

    /**
     * Registers an older (or newer) writer schema whose records this codec must still read.
     *
     * @throws IllegalArgumentException if records written with it cannot be read with the reader schema
     */
    public void addReaderCompatibleSchema(Schema writerSchema) {
        addCompatible(writerSchema);
        addedSchemas.add(writerSchema);
    }

    private void addCompatible(Schema writerSchema) {
        Objects.requireNonNull(writerSchema, "writerSchema");
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new IllegalArgumentException("writer schema " + writerSchema.getFullName()
                    + " cannot be read as " + readerSchema.getFullName() + ": " + compatibility.getDescription());
        }
        store.addSchema(writerSchema);
    }

    /**
     * Encodes a record.
     *
     * @throws IllegalArgumentException if the record is null or cannot be encoded (e.g. a required field is null)
     */
    public byte[] encode(T record) {
        if (record == null) {
            throw new IllegalArgumentException("record must not be null");
        }
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] out = new byte[buffer.remaining()];
            buffer.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory Avro encoding failed", e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot encode " + readerSchema.getName() + ": " + e, e);
        }
    }

    /**
     * Decodes one record.
     *
     * @throws IllegalArgumentException if {@code bytes} is null
     * @throws RecordDecodingException for any bytes that are not exactly one well-formed, known, small
     *                                 enough record; never any other exception
     */
    public T decode(byte[] bytes) throws RecordDecodingException {
        if (bytes == null) {
            throw new IllegalArgumentException("bytes must not be null");
        }
        if (bytes.length > maxRecordBytes) {
            throw new RecordDecodingException(RecordDecodingException.Reason.TOO_LARGE,
                    bytes.length + " bytes exceed the limit of " + maxRecordBytes);
        }
        if (bytes.length < 2 || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            throw new RecordDecodingException(RecordDecodingException.Reason.MARKER,
                    "not single-object encoded (expected marker C3 01)");
        }
        if (bytes.length < HEADER_BYTES) {
            throw new RecordDecodingException(RecordDecodingException.Reason.BROKEN_RECORD,
                    "header truncated: " + bytes.length + " bytes");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Schema writerSchema = store.findByFingerprint(fingerprint);
        if (writerSchema == null) {
            throw new RecordDecodingException(RecordDecodingException.Reason.UNKNOWN_FINGERPRINT,
                    String.format("unknown writer schema fingerprint %016x for %s", fingerprint, readerSchema.getName()));
        }
        BinaryBodyValidator.validate(writerSchema, bytes, HEADER_BYTES, bytes.length);
        try {
            return decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            // Schema resolution failures (e.g. an enum symbol the reader lacks) and any Avro surprise land here.
            throw new RecordDecodingException(RecordDecodingException.Reason.BROKEN_RECORD,
                    "Avro could not decode the body: " + e, e);
        }
    }
}
