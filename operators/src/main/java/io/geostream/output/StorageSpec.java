package io.geostream.output;

import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.S3Config;
import io.geostream.storage.S3ObjectStore;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where payloads go, in a serialisable form that each parallel task opens for itself. Secrets are
 * never printed by {@link #toString()}.
 */
public final class StorageSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Kind { LOCAL, S3 }

    private final Kind kind;
    private final String localDir;
    private final S3Config s3;

    private StorageSpec(Kind kind, String localDir, S3Config s3) {
        this.kind = kind;
        this.localDir = localDir;
        this.s3 = s3;
    }

    public static StorageSpec local(Path dir) {
        return new StorageSpec(Kind.LOCAL, Objects.requireNonNull(dir, "dir").toAbsolutePath().toString(), null);
    }

    public static StorageSpec s3(S3Config config) {
        return new StorageSpec(Kind.S3, null, Objects.requireNonNull(config, "config"));
    }

    public Kind kind() { return kind; }

    public S3Config s3Config() { return s3; }

    /** Opens a store; the caller closes it. */
    public ObjectStore open() throws java.io.IOException {
        return switch (kind) {
            case LOCAL -> new LocalDirectoryObjectStore(Path.of(localDir));
            case S3 -> new S3ObjectStore(s3);
        };
    }

    @Override
    public String toString() {
        return kind == Kind.LOCAL ? "local:" + localDir : "s3:" + s3;
    }
}
