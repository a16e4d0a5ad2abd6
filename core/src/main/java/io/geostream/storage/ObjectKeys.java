package io.geostream.storage;

import io.geostream.records.StreamIds;
import io.geostream.model.ModelInfo;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Object-store key rules and the layout of per-frame payload keys. Keys must be safe as relative file
 * paths too (the local backend maps them to files), so traversal and odd characters are refused.
 */
public final class ObjectKeys {
    /** Longest accepted key (S3 allows 1024 bytes of UTF-8; we count characters and also cap bytes below). */
    public static final int MAX_KEY_LENGTH = 1024;

    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private ObjectKeys() {
    }

    /**
     * Returns {@code key} if it is non-empty, at most 1024 characters (and UTF-8 bytes), does not start with
     * {@code /}, has no empty, {@code .} or {@code ..} segments, and no backslash or control characters.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static String validateKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("object key must not be empty");
        }
        if (key.length() > MAX_KEY_LENGTH
                || key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("object key longer than " + MAX_KEY_LENGTH + ": " + key.length() + " chars");
        }
        if (key.startsWith("/")) {
            throw new IllegalArgumentException("object key must not start with '/': " + key);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\\') {
                throw new IllegalArgumentException("object key has a control character or backslash at " + i);
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("object key has an empty, '.' or '..' segment: " + key);
            }
        }
        return key;
    }

    /** Longest user metadata, names and values together (S3 allows 2 KB of {@code x-amz-meta-*} headers). */
    public static final int MAX_METADATA_BYTES = 2048;

    private static final Pattern METADATA_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    /**
     * Returns {@code metadata} if its names are lower-case words ({@code [a-z0-9][a-z0-9-]{0,63}}: S3 lower-cases
     * names and sends them as HTTP headers, so anything else would come back changed) and its values printable
     * ASCII, together at most {@value #MAX_METADATA_BYTES} bytes.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static java.util.Map<String, String> validateMetadata(java.util.Map<String, String> metadata) {
        if (metadata == null) {
            throw new IllegalArgumentException("metadata must not be null (use Map.of())");
        }
        int bytes = 0;
        for (var e : metadata.entrySet()) {
            if (e.getKey() == null || !METADATA_NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("metadata name must match " + METADATA_NAME + ", got: " + e.getKey());
            }
            String v = e.getValue();
            if (v == null || !v.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("metadata value of " + e.getKey() + " must be printable ASCII: " + v);
            }
            bytes += e.getKey().length() + v.length();
        }
        if (bytes > MAX_METADATA_BYTES) {
            throw new IllegalArgumentException("metadata of " + bytes + " bytes, more than " + MAX_METADATA_BYTES);
        }
        return metadata;
    }

    /**
     * The key of one payload file of one frame:
     * {@code <modelId>/<modelVersion>/<streamId>/seg-<segment %06d>/frame-<frame %010d>-t<captureTimeMicros>/<fileName>}.
     * The capture time keeps a stream that starts over (after its end-of-stream marker, or after its state was
     * released at the idle TTL: frame and segment numbers from 0 again) from overwriting the payloads that its
     * earlier events point to, while a replay of the same frame still writes the same key.
     *
     * @throws IllegalArgumentException for a null model, an invalid stream id, negative numbers, or a file name
     *                                  not matching {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}}
     */
    public static String framePayload(ModelInfo model, String streamId, long segmentId, long frameIndex,
                                      long captureTimeMicros, String fileName) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        StreamIds.requireValid(streamId);
        if (segmentId < 0 || frameIndex < 0) {
            throw new IllegalArgumentException("segmentId and frameIndex must be >= 0: " + segmentId + ", " + frameIndex);
        }
        if (fileName == null || !FILE_NAME.matcher(fileName).matches()) {
            throw new IllegalArgumentException("file name must match " + FILE_NAME + ", got: " + fileName);
        }
        String key = String.format(Locale.ROOT, "%s/%s/%s/seg-%06d/frame-%010d-t%d/%s",
                model.id(), model.version(), streamId, segmentId, frameIndex, captureTimeMicros, fileName);
        return validateKey(key);
    }
}
