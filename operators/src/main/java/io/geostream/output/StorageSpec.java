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
    private final StoreDecorator decorator;

    /**
     * Wraps each store this spec opens. The one injection point for tests that need a store which fails on
     * purpose at a chosen put (failure-injection ITCases); production specs have none.
     */
    @FunctionalInterface
    public interface StoreDecorator extends Serializable {
        ObjectStore wrap(ObjectStore store);
    }

    private StorageSpec(Kind kind, String localDir, S3Config s3, StoreDecorator decorator) {
        this.kind = kind;
        this.localDir = localDir;
        this.s3 = s3;
        this.decorator = decorator;
    }

    public static StorageSpec local(Path dir) {
        return new StorageSpec(Kind.LOCAL, Objects.requireNonNull(dir, "dir").toAbsolutePath().toString(), null, null);
    }

    public static StorageSpec s3(S3Config config) {
        return new StorageSpec(Kind.S3, null, Objects.requireNonNull(config, "config"), null);
    }

    public Kind kind() { return kind; }

    public S3Config s3Config() { return s3; }

    /** The same storage, each opened store wrapped by {@code decorator} (see {@link StoreDecorator}). */
    public StorageSpec decorated(StoreDecorator decorator) {
        return new StorageSpec(kind, localDir, s3, Objects.requireNonNull(decorator, "decorator"));
    }

    /** Opens a store; the caller closes it. */
    public ObjectStore open() throws java.io.IOException {
        ObjectStore store = switch (kind) {
            case LOCAL -> new LocalDirectoryObjectStore(Path.of(localDir));
            case S3 -> new S3ObjectStore(s3);
        };
        return decorator == null ? store : decorator.wrap(store);
    }

    @Override
    public String toString() {
        String base = kind == Kind.LOCAL ? "local:" + localDir : "s3:" + s3;
        return decorator == null ? base : base + " (decorated)";
    }
}
