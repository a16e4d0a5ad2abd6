package io.geostream.schemas;

import org.apache.avro.Schema;

/**
 * Walks an Avro binary body against its writer schema without materialising anything, before Avro's own
 * decoder sees it. Avro allocates a buffer of whatever size a bytes/string length prefix claims, and an
 * array of whatever size a block count claims, so a few hostile bytes could otherwise cost gigabytes.
 * This walk proves that every length and count fits in the bytes that remain, that union and enum
 * indexes are in range, and that the body ends exactly at the end of the array (no trailing bytes).
 * Avro's global {@code org.apache.avro.limits.*} system properties are deliberately not used: they are
 * process-wide and read once, so a library must not depend on who set them first.
 */
final class BinaryBodyValidator {
    /** Deepest nesting of records, unions, arrays and maps accepted (only recursive schemas get deep). */
    static final int MAX_NESTING = 64;

    private final byte[] buf;
    private final int end;
    private int pos;
    /** Items of arrays and maps left to visit; bounds the walk even for zero-byte item types such as null. */
    private long itemBudget;

    private BinaryBodyValidator(byte[] buf, int offset, int end) {
        this.buf = buf;
        this.pos = offset;
        this.end = end;
        this.itemBudget = (long) end - offset;
    }

    /**
     * Checks that {@code buf[offset, end)} is exactly one datum of {@code writerSchema}.
     *
     * @throws RecordDecodingException with reason BROKEN_RECORD when it is not
     */
    static void validate(Schema writerSchema, byte[] buf, int offset, int end) throws RecordDecodingException {
        BinaryBodyValidator v = new BinaryBodyValidator(buf, offset, end);
        v.walk(writerSchema, 0);
        if (v.pos != end) {
            throw broken((end - v.pos) + " trailing bytes after the record");
        }
    }

    private void walk(Schema schema, int depth) throws RecordDecodingException {
        if (depth > MAX_NESTING) {
            throw broken("nesting deeper than " + MAX_NESTING);
        }
        switch (schema.getType()) {
            case NULL:
                return;
            case BOOLEAN:
                skipBytes(1);
                return;
            case INT:
                readVarint(5);
                return;
            case LONG:
                readVarint(10);
                return;
            case FLOAT:
                skipBytes(4);
                return;
            case DOUBLE:
                skipBytes(8);
                return;
            case STRING:
            case BYTES:
                skipBytes(readLength(schema.getType() + " length"));
                return;
            case FIXED:
                skipBytes(schema.getFixedSize());
                return;
            case ENUM: {
                long index = zigzag(readVarint(5));
                if (index < 0 || index >= schema.getEnumSymbols().size()) {
                    throw broken("enum index " + index + " out of range for " + schema.getFullName());
                }
                return;
            }
            case UNION: {
                long index = zigzag(readVarint(5));
                if (index < 0 || index >= schema.getTypes().size()) {
                    throw broken("union branch " + index + " out of range");
                }
                walk(schema.getTypes().get((int) index), depth + 1);
                return;
            }
            case RECORD:
                for (Schema.Field field : schema.getFields()) {
                    walk(field.schema(), depth + 1);
                }
                return;
            case ARRAY:
                walkBlocks(schema.getElementType(), false, depth + 1);
                return;
            case MAP:
                walkBlocks(schema.getValueType(), true, depth + 1);
                return;
            default:
                throw broken("unsupported schema type " + schema.getType());
        }
    }

    private void walkBlocks(Schema itemSchema, boolean mapKeys, int depth) throws RecordDecodingException {
        while (true) {
            long count = zigzag(readVarint(10));
            if (count == 0) {
                return;
            }
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw broken("invalid block count");
                }
                count = -count;
                readLength("block size"); // the byte size that follows a negative count; only range-checked
            }
            if (count > remaining() || count > itemBudget) {
                throw broken("block claims " + count + " items but only " + remaining() + " bytes remain");
            }
            itemBudget -= count;
            for (long i = 0; i < count; i++) {
                if (mapKeys) {
                    skipBytes(readLength("map key length"));
                }
                walk(itemSchema, depth);
            }
        }
    }

    private int remaining() {
        return end - pos;
    }

    private int readLength(String what) throws RecordDecodingException {
        long length = zigzag(readVarint(10));
        if (length < 0 || length > remaining()) {
            throw broken(what + " " + length + " does not fit in the " + remaining() + " remaining bytes");
        }
        return (int) length;
    }

    private void skipBytes(int n) throws RecordDecodingException {
        if (n > remaining()) {
            throw broken("record truncated");
        }
        pos += n;
    }

    /** Reads the raw (still zig-zag encoded) varint of at most {@code maxBytes} bytes. */
    private long readVarint(int maxBytes) throws RecordDecodingException {
        long raw = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (pos >= end) {
                throw broken("record truncated inside a number");
            }
            int b = buf[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                return raw;
            }
        }
        throw broken("number longer than " + maxBytes + " bytes");
    }

    private static long zigzag(long raw) {
        return (raw >>> 1) ^ -(raw & 1);
    }

    private static RecordDecodingException broken(String message) {
        return new RecordDecodingException(RecordDecodingException.Reason.BROKEN_RECORD, message);
    }
}
