package io.geostream.ingest;

/**
 * Why an input frame was rejected. Each {@link #code()} is stable: it is written as the dead-letter
 * {@code reasonCode} and may be matched by operators' dashboards, so never rename one.
 */
public enum RejectReason {
    /** The stream id is missing or not of the form {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}}. */
    INVALID_STREAM_ID("INVALID_STREAM_ID"),
    /** The frame index is negative. */
    INVALID_FRAME_INDEX("INVALID_FRAME_INDEX"),
    /** The capture time is negative. */
    INVALID_CAPTURE_TIME("INVALID_CAPTURE_TIME"),
    /** The declared width or height is not positive. */
    INVALID_DIMENSIONS("INVALID_DIMENSIONS"),
    /** The declared size or the encoded byte count exceeds the configured limits. */
    IMAGE_TOO_LARGE("IMAGE_TOO_LARGE"),
    /** Neither inline data nor a reference is present (or the data is empty). */
    IMAGE_MISSING("IMAGE_MISSING"),
    /** Both inline data and a reference are present, or an encoding-NONE image carries bytes. */
    IMAGE_AMBIGUOUS("IMAGE_AMBIGUOUS"),
    /** The bytes are not a well-formed image of the declared encoding. */
    IMAGE_CORRUPT("IMAGE_CORRUPT"),
    /** The image's own (header or decoded) size differs from the declared size. */
    IMAGE_SIZE_MISMATCH("IMAGE_SIZE_MISMATCH"),
    /** RAW_RGB8 data is not exactly width * height * 3 bytes. */
    RAW_SIZE_MISMATCH("RAW_SIZE_MISMATCH"),
    /** The encoding is UNKNOWN, or NONE on a frame that is not an end-of-stream marker. */
    UNSUPPORTED_ENCODING("UNSUPPORTED_ENCODING"),
    /** Intrinsics are not finite or the focal lengths are not positive. */
    INVALID_INTRINSICS("INVALID_INTRINSICS"),
    /**
     * Distortion coefficients are missing, not finite, more than 14, not a count the model takes, of a model that
     * cannot be undone, or given without the intrinsics that undistortion needs.
     */
    INVALID_DISTORTION("INVALID_DISTORTION"),
    /** Too many attributes, or a key or value too long (or null / empty key). */
    INVALID_ATTRIBUTES("INVALID_ATTRIBUTES"),
    /** A claim-check reference was refused: bad URI or bucket, size, checksum, fetch failure, or no fetcher. */
    IMAGE_REF_REJECTED("IMAGE_REF_REJECTED");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    /** The stable dead-letter code. */
    public String code() {
        return code;
    }
}
