package io.geostream.schemas;

import java.util.Objects;

/**
 * A byte array that is not a decodable single-object-encoded Avro record. The {@link #reasonCode()} is
 * the stable code written to the dead-letter topic.
 */
public class RecordDecodingException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a record could not be decoded. */
    public enum Reason {
        /** The bytes do not start with the single-object marker C3 01. */
        MARKER("DECODE_MARKER"),
        /** The schema fingerprint in the header belongs to no known writer schema. */
        UNKNOWN_FINGERPRINT("DECODE_UNKNOWN_FINGERPRINT"),
        /** The body is truncated, malformed, has trailing bytes, or cannot be resolved to the reader schema. */
        BROKEN_RECORD("DECODE_BROKEN_RECORD"),
        /** The record is larger than the codec's configured maximum. */
        TOO_LARGE("DECODE_TOO_LARGE");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** The stable dead-letter code of this reason. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public RecordDecodingException(Reason reason, String message) {
        this(reason, message, null);
    }

    public RecordDecodingException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason").code() + ": " + message, cause);
        this.reason = reason;
    }

    /** Why decoding failed. */
    public Reason reason() {
        return reason;
    }

    /** The stable code, e.g. {@code DECODE_BROKEN_RECORD}. */
    public String reasonCode() {
        return reason.code();
    }
}
