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
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An {@link ObjectStore} in a local directory, for development and tests: key {@code a/b/c} is the file
 * {@code <root>/a/b/c}, and URIs are {@code file://} URIs. Writes go to a temporary file in the target
 * directory, are forced to disk, then atomically renamed over the target, so readers never see a partial
 * object. Temporary files end in {@value #TEMP_SUFFIX}; keys ending so are refused and never listed.
 * User metadata of {@code a/b/c} is the side file {@code a/b/c}{@value #METADATA_SUFFIX} (a Java properties file),
 * written (or removed, for none) the same way just before the object, so an object is never seen with the metadata
 * of an earlier version once its own is written; keys ending in {@value #METADATA_SUFFIX} are refused and never
 * listed either. Thread-safe (concurrent writers of one key: the last rename wins).
 */
public final class LocalDirectoryObjectStore implements ObjectStore {
    /** Suffix of in-progress uploads. */
    public static final String TEMP_SUFFIX = ".upload-tmp";
    /** Suffix of the side file holding an object's user metadata. */
    public static final String METADATA_SUFFIX = ".object-meta";

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
    public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) throws IOException {
        if (bytes == null) {
            throw new IllegalArgumentException("bytes must not be null");
        }
        ObjectKeys.validateMetadata(metadata);
        Path target = resolve(key);
        Path parent = target.getParent();
        Files.createDirectories(parent);
        if (!parent.toRealPath().startsWith(root)) {
            throw new IOException("key " + key + " leads outside the store through a link");
        }
        Path side = sideFile(target);
        if (metadata.isEmpty()) {
            Files.deleteIfExists(side); // a put replaces the object's metadata too, as on S3
        } else {
            Properties p = new Properties();
            p.putAll(metadata);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            p.store(out, null);
            writeAtomically(side, out.toByteArray());
        }
        writeAtomically(target, bytes);
    }

    /** Writes a temporary file beside {@code target}, forces it to disk and renames it over the target. */
    private void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path parent = target.getParent();
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
    public Map<String, String> metadata(String key) throws IOException {
        Path path = resolve(key);
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(key);
        }
        Path side = sideFile(path);
        if (!Files.isRegularFile(side)) {
            return Map.of();
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(side)) {
            p.load(in);
        }
        Map<String, String> out = new TreeMap<>();
        p.stringPropertyNames().forEach(n -> out.put(n, p.getProperty(n)));
        return Collections.unmodifiableMap(out);
    }

    private static Path sideFile(Path object) {
        return object.resolveSibling(object.getFileName() + METADATA_SUFFIX);
    }

    private static boolean reserved(String name) {
        return name.endsWith(TEMP_SUFFIX) || name.endsWith(METADATA_SUFFIX);
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
                    .filter(p -> !reserved(p.getFileName().toString()))
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
            return reserved(key) ? Optional.empty() : Optional.of(key);
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
        if (reserved(key)) {
            throw new IllegalArgumentException("keys ending in " + TEMP_SUFFIX + " or " + METADATA_SUFFIX + " are reserved: " + key);
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
