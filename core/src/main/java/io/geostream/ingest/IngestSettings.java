package io.geostream.ingest;

import java.io.Serializable;

/**
 * Bounds on what one input frame may cost to validate and decode. Everything is checked against these
 * before any allocation that depends on the frame's own claims.
 *
 * @param maxWidth          largest accepted width, pixels
 * @param maxHeight         largest accepted height, pixels
 * @param maxPixels         largest accepted width * height
 * @param maxEncodedBytes   largest accepted encoded image (inline or fetched), bytes
 * @param maxAttributes     largest number of attributes
 * @param maxAttributeChars longest attribute key or value, characters
 */
public record IngestSettings(int maxWidth, int maxHeight, long maxPixels, int maxEncodedBytes,
                           int maxAttributes, int maxAttributeChars) implements Serializable {

    /** Decoded RGB must fit a Java array: width * height * 3 <= Integer.MAX_VALUE - 8. */
    public static final long MAX_SUPPORTED_PIXELS = (Integer.MAX_VALUE - 8L) / 3;

    public IngestSettings {
        if (maxWidth <= 0 || maxHeight <= 0) {
            throw new IllegalArgumentException("maxWidth and maxHeight must be positive: " + maxWidth + "x" + maxHeight);
        }
        if (maxPixels <= 0 || maxPixels > MAX_SUPPORTED_PIXELS) {
            throw new IllegalArgumentException("maxPixels must be in 1.." + MAX_SUPPORTED_PIXELS + ", got " + maxPixels);
        }
        if (maxEncodedBytes <= 0) {
            throw new IllegalArgumentException("maxEncodedBytes must be positive, got " + maxEncodedBytes);
        }
        if (maxAttributes < 0 || maxAttributeChars < 0) {
            throw new IllegalArgumentException("attribute limits must not be negative: " + maxAttributes + ", " + maxAttributeChars);
        }
    }

    /** 8192 x 8192, at most 8K UHD (7680 x 4320) pixels, 32 MiB encoded, 32 attributes of 4096 characters. */
    public static IngestSettings defaults() {
        return new IngestSettings(8192, 8192, 7680L * 4320L, 32 * 1024 * 1024, 32, 4096);
    }
}
