package io.geostream.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An {@link ObjectStore} in a local directory, for development and tests: key {@code a/b/c} is the file
 * {@code <root>/a/b/c}, and URIs are {@code file://} URIs. Writes go to a temporary file in the target
 * directory, are forced to disk, then atomically renamed over the target, so readers never see a partial
 * object. Temporary files end in {@value #TEMP_SUFFIX}; keys ending so are refused and never listed.
 * Thread-safe (concurrent writers of one key: the last rename wins).
 */
public final class LocalDirectoryObjectStore implements ObjectStore {
    /** Suffix of in-progress uploads. */
    public static final String TEMP_SUFFIX = ".upload-tmp";

    private final Path root;

    /**
     * @param root directory holding the objects; created if missing
     * @throws IOException if it cannot be created or resolved
     */
    public LocalDirectoryObjectStore(Path root) throws IOException {
        if (root == null) {
            throw new IllegalArgumentException("root must not be null");
        }
        Files.createDirectories(root);
        this.root = root.toRealPath();
    }

    /** The (real, absolute) root directory. */
    public Path root() {
        return root;
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) throws IOException {
        if (bytes == null) {
            throw new IllegalArgumentException("bytes must not be null");
        }
        Path target = resolve(key);
        Path parent = target.getParent();
        Files.createDirectories(parent);
        if (!parent.toRealPath().startsWith(root)) {
            throw new IOException("key " + key + " leads outside the store through a link");
        }
        Path temp = parent.resolve(target.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX);
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system under " + root + " cannot rename atomically", e);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public byte[] get(String key) throws IOException {
        Path path = resolve(key);
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(key);
        }
        return Files.readAllBytes(path);
    }

    @Override
    public byte[] get(String key, long maxBytes) throws IOException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        Path path = resolve(key);
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(key);
        }
        try (SeekableByteChannel in = Files.newByteChannel(path)) {
            long size = in.size();
            if (size > maxBytes) {
                throw new IOException("object " + key + " has " + size + " bytes, more than " + maxBytes);
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining() && in.read(buffer) >= 0) {
                // keep reading: size was checked above
            }
            if (buffer.hasRemaining()) {
                throw new IOException("object " + key + " shrank while being read");
            }
            return buffer.array();
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        return Files.isRegularFile(resolve(key));
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        if (prefix == null) {
            throw new IllegalArgumentException("prefix must not be null (use \"\")");
        }
        List<String> keys = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(TEMP_SUFFIX))
                    .map(this::keyOfPath)
                    .filter(k -> k.startsWith(prefix))
                    .forEach(keys::add);
        }
        Collections.sort(keys);
        return keys;
    }

    @Override
    public String uriOf(String key) {
        return resolve(key).toUri().toString();
    }

    @Override
    public Optional<String> keyOf(String uri) {
        if (uri == null) {
            return Optional.empty();
        }
        try {
            URI parsed = new URI(uri);
            if (!"file".equalsIgnoreCase(parsed.getScheme())) {
                return Optional.empty();
            }
            Path path = Path.of(parsed).normalize();
            if (!path.startsWith(root) || path.equals(root)) {
                return Optional.empty();
            }
            String key = keyOfPath(path);
            ObjectKeys.validateKey(key);
            return key.endsWith(TEMP_SUFFIX) ? Optional.empty() : Optional.of(key);
        } catch (Exception e) { // URISyntaxException, IllegalArgumentException, FileSystemNotFoundException
            return Optional.empty();
        }
    }

    private String keyOfPath(Path path) {
        Path relative = root.relativize(path);
        StringBuilder key = new StringBuilder();
        for (Path segment : relative) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(segment);
        }
        return key.toString();
    }

    private Path resolve(String key) {
        ObjectKeys.validateKey(key);
        if (key.endsWith(TEMP_SUFFIX)) {
            throw new IllegalArgumentException("keys ending in " + TEMP_SUFFIX + " are reserved: " + key);
        }
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("key " + key + " leads outside the store");
        }
        return path;
    }

    @Override
    public String toString() {
        return "LocalDirectoryObjectStore[" + root + "]";
    }
}
