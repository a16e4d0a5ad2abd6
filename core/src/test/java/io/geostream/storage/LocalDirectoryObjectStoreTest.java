package io.geostream.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalDirectoryObjectStoreTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putGetExistsListAndOverwrite() throws Exception {
        try (LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir.resolve("store"))) {
            assertThat(store.exists("a/b.txt")).isFalse();
            store.put("a/b.txt", bytes("one"), "text/plain");
            store.put("a/c/d.bin", new byte[0], "application/octet-stream");
            store.put("z.txt", bytes("z"), null);
            assertThat(store.get("a/b.txt")).isEqualTo(bytes("one"));
            assertThat(store.get("a/c/d.bin")).isEmpty();
            assertThat(store.exists("a/b.txt")).isTrue();
            assertThat(store.exists("a")).as("a directory is not an object").isFalse();

            store.put("a/b.txt", bytes("two"), "text/plain");
            assertThat(store.get("a/b.txt")).isEqualTo(bytes("two"));

            assertThat(store.list("")).containsExactly("a/b.txt", "a/c/d.bin", "z.txt");
            assertThat(store.list("a/")).containsExactly("a/b.txt", "a/c/d.bin");
            assertThat(store.list("a/c")).containsExactly("a/c/d.bin");
            assertThat(store.list("q")).isEmpty();
            try (var files = Files.walk(store.root())) {
                assertThat(files.filter(p -> p.toString().endsWith(LocalDirectoryObjectStore.TEMP_SUFFIX)))
                        .as("no temporary files left behind").isEmpty();
            }
        }
    }

    @Test
    void userMetadataLivesInASideFileThatIsNoObject() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir);
        store.put("f/depth.png", new byte[] {1, 2}, "image/png", java.util.Map.of("depth-unit", "1.5E-4", "scale-status", "RELATIVE"));
        assertThat(store.metadata("f/depth.png")).containsOnly(java.util.Map.entry("depth-unit", "1.5E-4"),
                java.util.Map.entry("scale-status", "RELATIVE"));
        assertThat(store.list("")).containsExactly("f/depth.png");
        assertThat(Files.exists(dir.resolve("f/depth.png" + LocalDirectoryObjectStore.METADATA_SUFFIX))).isTrue();
        assertThatThrownBy(() -> store.get("f/depth.png" + LocalDirectoryObjectStore.METADATA_SUFFIX))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        assertThat(store.keyOf(dir.resolve("f/depth.png" + LocalDirectoryObjectStore.METADATA_SUFFIX).toUri().toString())).isEmpty();

        // A put replaces the metadata with the object, as on S3: none given, none left.
        store.put("f/depth.png", new byte[] {3}, "image/png");
        assertThat(store.metadata("f/depth.png")).isEmpty();
        assertThat(store.list("")).containsExactly("f/depth.png");
        assertThatThrownBy(() -> store.metadata("f/none.png")).isInstanceOf(NoSuchFileException.class);
        // Names S3 would change (upper case) or values it cannot carry are refused, not altered.
        assertThatThrownBy(() -> store.put("f/x", new byte[0], null, java.util.Map.of("Depth-Unit", "1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metadata name");
        assertThatThrownBy(() -> store.put("f/x", new byte[0], null, java.util.Map.of("unit", "m\u00e8tre")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("printable ASCII");
        assertThat(store.exists("f/x")).isFalse();
    }

    @Test
    void missingObjectIsNoSuchFile() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir);
        assertThatThrownBy(() -> store.get("nope/x")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.get("nope/x", 10)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void boundedGetRefusesLargerObjects() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir);
        store.put("k", new byte[100], null);
        assertThat(store.get("k", 100)).hasSize(100);
        assertThatThrownBy(() -> store.get("k", 99)).isInstanceOf(IOException.class).hasMessageContaining("more than 99");
    }

    @Test
    void uriOfAndKeyOfAreInverse() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir);
        String uri = store.uriOf("m/1/cam 01/depth.png");
        assertThat(uri).startsWith("file:/").endsWith("/m/1/cam%2001/depth.png");
        assertThat(store.keyOf(uri)).contains("m/1/cam 01/depth.png");
        assertThat(store.keyOf(dir.resolve("x/y").toUri().toString())).contains("x/y");
        assertThat(store.keyOf("s3://bucket/x")).isEmpty();
        assertThat(store.keyOf(dir.getParent().resolve("elsewhere").toUri().toString())).isEmpty();
        assertThat(store.keyOf(dir.toUri() + "a/../../escape")).isEmpty();
        assertThat(store.keyOf(dir.toUri().toString())).isEmpty();
        assertThat(store.keyOf("not a uri")).isEmpty();
        assertThat(store.keyOf(null)).isEmpty();
    }

    @Test
    void refusesKeysEscapingTheRoot() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir.resolve("root"));
        for (String key : new String[]{"../x", "a/../../x", "/etc/passwd", "a\\..\\x", "x" + LocalDirectoryObjectStore.TEMP_SUFFIX}) {
            assertThatThrownBy(() -> store.put(key, bytes("evil"), null)).as(key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.get(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void refusesToWriteThroughALinkLeavingTheRoot() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createSymbolicLink(root.resolve("link"), outside);
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(root);
        assertThatThrownBy(() -> store.put("link/x", bytes("evil"), null)).isInstanceOf(IOException.class);
        assertThat(outside.resolve("x")).doesNotExist();
    }

    @Test
    void readersNeverSeeAPartialObject() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir);
        byte[] a = new byte[256 * 1024];
        byte[] b = new byte[256 * 1024];
        java.util.Arrays.fill(a, (byte) 1);
        java.util.Arrays.fill(b, (byte) 2);
        store.put("obj", a, null);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicBoolean done = new AtomicBoolean();
        try {
            Future<?> writer = pool.submit(() -> {
                for (int i = 0; i < 50; i++) {
                    store.put("obj", i % 2 == 0 ? b : a, null);
                }
                done.set(true);
                return null;
            });
            Future<List<String>> reader = pool.submit(() -> {
                List<String> problems = new ArrayList<>();
                while (!done.get()) {
                    byte[] read = store.get("obj");
                    if (read.length != a.length || read[0] != read[read.length - 1]) {
                        problems.add("partial read of " + read.length + " bytes");
                    }
                }
                return problems;
            });
            writer.get();
            assertThat(reader.get()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void checksArguments() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir);
        assertThatThrownBy(() -> new LocalDirectoryObjectStore(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("k", null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.list(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.get("k", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
