package io.geostream.storage;

import io.geostream.testing.FlakyObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryingObjectStoreTest {

    @TempDir
    Path dir;

    @Test
    void transientFailuresAreRetriedWithBackoffUntilTheCallSucceeds() throws Exception {
        FlakyObjectStore flaky = new FlakyObjectStore(new LocalDirectoryObjectStore(dir), 3);
        try (RetryingObjectStore store = new RetryingObjectStore(flaky, Duration.ofSeconds(30))) {
            long t0 = System.nanoTime();
            store.put("a/b.bin", new byte[] {1, 2, 3}, "application/octet-stream");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(flaky.failed()).isEqualTo(3);
            assertThat(store.retries()).isEqualTo(3);
            assertThat(ms).isGreaterThanOrEqualTo(100 + 200 + 400); // exponential back-off
            assertThat(store.get("a/b.bin")).containsExactly(1, 2, 3);
        }
    }

    @Test
    void permanentFailuresPassAtOnce() throws Exception {
        try (RetryingObjectStore store = new RetryingObjectStore(new LocalDirectoryObjectStore(dir), Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> store.get("missing/key")).isInstanceOf(NoSuchFileException.class);
            assertThat(store.retries()).isZero();
        }
        assertThat(StorageErrors.isTransient(new NoSuchFileException("s3://b/k"))).isFalse();
        assertThat(StorageErrors.isTransient(new AccessDeniedException("s3://b"))).isFalse();
        assertThat(StorageErrors.isTransient(new IOException("object larger than 10"))).isFalse();
        assertThat(StorageErrors.isTransient(new IOException("wrapped", new java.net.ConnectException("refused")))).isTrue();
        assertThat(StorageErrors.isTransient(new java.net.SocketException("Connection reset"))).isTrue();
        assertThat(StorageErrors.permanentKind(new IOException("x", new AccessDeniedException("s3://b")))).isEqualTo("access denied");
    }

    @Test
    void anOutageLongerThanTheBudgetSurfacesAsTransient() throws Exception {
        FlakyObjectStore down = new FlakyObjectStore(new LocalDirectoryObjectStore(dir), Integer.MAX_VALUE);
        try (RetryingObjectStore store = new RetryingObjectStore(down, Duration.ofMillis(800))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> store.get("a/b.bin")).isInstanceOf(TransientStorageException.class);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(300L, 3_000L);
            assertThat(store.retries()).isBetween(2L, 4L);
        }
    }
}
