package io.geostream.storage;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A flat key -> bytes store (S3 or a local directory) for payloads too large for Kafka. Keys are
 * {@code /}-separated and checked by {@link ObjectKeys#validateKey}. Implementations are thread-safe.
 */
public interface ObjectStore extends AutoCloseable {

    /**
     * Stores {@code bytes} under {@code key}, replacing any previous object and its metadata. Readers see either the
     * old or the new object in full, never a partial one.
     */
    default void put(String key, byte[] bytes, String contentType) throws IOException {
        put(key, bytes, contentType, Map.of());
    }

    /**
     * Stores {@code bytes} under {@code key} with user metadata (S3 {@code x-amz-meta-*}), replacing any previous
     * object and its metadata: facts a reader needs to decode the object on its own (a depth PNG's unit), since the
     * Kafka record that names it may be gone. Names and values are checked by {@link ObjectKeys#validateMetadata}.
     */
    void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) throws IOException;

    /**
     * The user metadata an object was stored with (empty when none).
     *
     * @throws java.nio.file.NoSuchFileException if there is no object under {@code key}
     */
    Map<String, String> metadata(String key) throws IOException;

    /**
     * Reads an object.
     *
     * @throws java.nio.file.NoSuchFileException if there is no object under {@code key}
     */
    byte[] get(String key) throws IOException;

    /**
     * Reads an object of at most {@code maxBytes} bytes without ever holding more than that in memory.
     *
     * @throws java.nio.file.NoSuchFileException if there is no object under {@code key}
     * @throws IOException                       if the object is larger than {@code maxBytes}
     */
    default byte[] get(String key, long maxBytes) throws IOException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        byte[] bytes = get(key);
        if (bytes.length > maxBytes) {
            throw new IOException("object " + key + " has " + bytes.length + " bytes, more than " + maxBytes);
        }
        return bytes;
    }

    /** Whether an object exists under {@code key}. */
    boolean exists(String key) throws IOException;

    /** Keys starting with {@code prefix} (may be empty), sorted. */
    List<String> list(String prefix) throws IOException;

    /** The URI of {@code key} in this store ({@code s3://bucket/key} or {@code file:///...}). */
    String uriOf(String key);

    /** The key of a URI of this store; empty for URIs of other stores or buckets, or with unsafe keys. */
    Optional<String> keyOf(String uri);

    /** Releases clients and connections; the default does nothing. */
    @Override
    default void close() throws IOException {
    }
}
