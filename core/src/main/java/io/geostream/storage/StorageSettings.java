package io.geostream.storage;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where payloads go, in a serialisable form that each parallel task opens for itself. Secrets are
 * never printed by {@link #toString()}.
 */
public final class StorageSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where payloads go; the configuration spellings are local and s3 (Flink's enum options ignore case). */
    public enum Kind {
        LOCAL, S3;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Kind kind;
    private final String localDir;
    private final S3Settings s3;
    private final StoreDecorator decorator;
    private final long retryForMillis;

    /**
     * How long transient failures are retried by default (see {@link RetryingObjectStore}): 100 s, so that a store outage
     * of a minute (chaos's default) is a pause, not a restart (with 1 minute, the writes that failed first gave up a few
     * seconds before the store came back: `geostream chaos --faults store-outage` restarted the job once per outage; with
     * 100 s, none in three seeds), and below the job's checkpoint timeout of 2 min, which a checkpoint waiting on the stitch
     * stage's writes should not reach. The budget bounds when the last retry starts, not how long it takes: an attempt
     * against a store that does not answer (rather than refusing the connection) can add its own timeout
     * ({@link S3ObjectStore#ATTEMPT_TIMEOUT}).
     */
    public static final java.time.Duration DEFAULT_RETRY_FOR = java.time.Duration.ofSeconds(100);

    /**
     * Wraps each store this spec opens. The one injection point for tests that need a store which fails on
     * purpose at a chosen put (failure-injection ITCases); production specs have none.
     */
    @FunctionalInterface
    public interface StoreDecorator extends Serializable {
        ObjectStore wrap(ObjectStore store);
    }

    private StorageSettings(Kind kind, String localDir, S3Settings s3, StoreDecorator decorator, long retryForMillis) {
        this.kind = kind;
        this.localDir = localDir;
        this.s3 = s3;
        this.decorator = decorator;
        this.retryForMillis = retryForMillis;
    }

    public static StorageSettings local(Path dir) {
        return new StorageSettings(Kind.LOCAL, Objects.requireNonNull(dir, "dir").toAbsolutePath().toString(), null, null,
                DEFAULT_RETRY_FOR.toMillis());
    }

    public static StorageSettings s3(S3Settings config) {
        return new StorageSettings(Kind.S3, null, Objects.requireNonNull(config, "config"), null, DEFAULT_RETRY_FOR.toMillis());
    }

    public Kind kind() { return kind; }

    /** How long the stores this spec opens retry transient failures (zero: not at all). */
    public java.time.Duration retryFor() { return java.time.Duration.ofMillis(retryForMillis); }

    public S3Settings s3Settings() { return s3; }

    /** The same storage, each opened store wrapped by {@code decorator} (see {@link StoreDecorator}). */
    public StorageSettings decorated(StoreDecorator decorator) {
        return new StorageSettings(kind, localDir, s3, Objects.requireNonNull(decorator, "decorator"), retryForMillis);
    }

    /** The same storage with transient failures retried for {@code retryFor} (zero: not at all). */
    public StorageSettings retryingFor(java.time.Duration retryFor) {
        if (retryFor == null || retryFor.isNegative()) throw new IllegalArgumentException("retryFor must be >= 0, got " + retryFor);
        return new StorageSettings(kind, localDir, s3, decorator, retryFor.isZero() ? 0 : Math.max(1, retryFor.toMillis()));
    }

    /**
     * Opens a store; the caller closes it. Transient failures are retried ({@link RetryingObjectStore}) around the
     * decorator, so a test decorator's injected transient failures are retried like real ones.
     */
    public ObjectStore open() throws java.io.IOException {
        ObjectStore store = switch (kind) {
            case LOCAL -> new LocalDirectoryObjectStore(Path.of(localDir));
            case S3 -> new S3ObjectStore(s3);
        };
        if (decorator != null) store = decorator.wrap(store);
        return retryForMillis > 0 ? new RetryingObjectStore(store, java.time.Duration.ofMillis(retryForMillis)) : store;
    }

    @Override
    public String toString() {
        String base = kind == Kind.LOCAL ? "local:" + localDir : "s3:" + s3;
        return decorator == null ? base : base + " (decorated)";
    }
}
