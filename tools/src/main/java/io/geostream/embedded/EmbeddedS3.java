package io.geostream.embedded;

import io.geostream.jobs.FlinkFileSystems;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * A real S3 API server in this JVM: s3proxy 4.1 (Jetty) in front of its local-filesystem blob store, so
 * that bucket {@code b}'s object {@code k} is the file {@code dataDir/b/k}. It listens on 127.0.0.1 only
 * and accepts only requests signed with AWS Signature Version 4 under the given access and secret key.
 *
 * <p>Clients address it path-style ({@code http://127.0.0.1:port/bucket/key}); with the AWS SDK v2 that
 * is {@code S3Client.builder().endpointOverride(endpoint()).forcePathStyle(true)
 * .region(Region.US_EAST_1)}. s3proxy 4.x no longer uses jclouds: its blob store is built here directly
 * rather than through a provider name, which keeps the other cloud back ends off the class path.
 */
public final class EmbeddedS3 implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedS3.class);
    private static final String HOST = "127.0.0.1";
    /** S3's rules for bucket names that are valid in every region and addressing style. */
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private final Path dataDir;
    private final String accessKey;
    private final String secretKey;
    private final URI endpoint;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The serving blob store and proxy; null while {@link #stop() stopped}. Guarded by {@code this}. */
    private BlobStore blobStore;
    private S3Proxy proxy;

    private EmbeddedS3(Path dataDir, String accessKey, String secretKey, BlobStore blobStore, S3Proxy proxy) {
        this.dataDir = dataDir;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.blobStore = blobStore;
        this.proxy = proxy;
        this.endpoint = URI.create("http://" + HOST + ":" + proxy.getPort());
    }

    /**
     * Starts the server and returns once it accepts requests.
     *
     * @param dataDir   root of the stored buckets; created if missing, kept on close
     * @param port      port on 127.0.0.1; 0 picks a free one
     * @param accessKey access key id clients must sign with
     * @param secretKey secret access key clients must sign with
     * @throws IllegalStateException if the server could not start (for example the port is taken)
     */
    public static EmbeddedS3 start(Path dataDir, int port, String accessKey, String secretKey) {
        if (dataDir == null) {
            throw new IllegalArgumentException("dataDir must not be null");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got: " + port);
        }
        if (accessKey == null || accessKey.isBlank()) {
            throw new IllegalArgumentException("accessKey must not be blank");
        }
        if (secretKey == null || secretKey.isBlank()) {
            throw new IllegalArgumentException("secretKey must not be blank");
        }
        long t0 = System.nanoTime();
        Path root;
        try {
            root = Files.createDirectories(dataDir.toAbsolutePath());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create S3 data directory " + dataDir, e);
        }
        BlobStore store = new FilesystemNio2BlobStore(root.toString());
        S3Proxy proxy = startProxy(store, port, accessKey, secretKey);
        EmbeddedS3 s3 = new EmbeddedS3(root, accessKey, secretKey, store, proxy);
        LOG.info("Embedded S3 ready at {} (data {}) in {} ms", s3.endpoint, root,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return s3;
    }

    private static S3Proxy startProxy(BlobStore store, int port, String accessKey, String secretKey) {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://" + HOST + ":" + port))
                .awsAuthentication(AuthenticationType.AWS_V4, accessKey, secretKey)
                .metricsEnabled(false)
                // The job's S3 client signs whole payloads over plain HTTP (S3ObjectStore: no aws-chunked bodies), which
                // s3proxy reads into memory to check, 128 MiB at most by default: a points.npy of an 8K frame is 400 MB.
                .v4MaxNonChunkedRequestSize(1L << 30)
                // Close should not wait for idle keep-alive connections of clients.
                .stopTimeout(0)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            stopQuietly(proxy, store);
            throw new IllegalStateException("embedded S3 failed to start on " + HOST + ":" + port
                    + " (port in use?): " + e.getMessage(), e);
        }
        return proxy;
    }

    /**
     * Takes the server down (the object store unreachable: clients get connection refused) until {@link #restart()};
     * stored objects stay in the data directory. Stopping a stopped server does nothing.
     */
    public synchronized void stop() {
        checkOpen();
        if (proxy != null) {
            stopQuietly(proxy, blobStore);
            proxy = null;
            blobStore = null;
            LOG.info("Embedded S3 at {} stopped for a restart", endpoint);
        }
    }

    /**
     * Serves the data directory again on the same endpoint after {@link #stop()}.
     *
     * @throws IllegalStateException if it is running, closed, or the port was taken meanwhile
     */
    public synchronized void restart() {
        checkOpen();
        if (proxy != null) throw new IllegalStateException("embedded S3 at " + endpoint + " is running; stop() it first");
        BlobStore store = new FilesystemNio2BlobStore(dataDir.toString());
        proxy = startProxy(store, endpoint.getPort(), accessKey, secretKey);
        blobStore = store;
        LOG.info("Embedded S3 restarted at {}", endpoint);
    }

    /** Whether the server answers (not {@link #stop() stopped} nor closed). */
    public synchronized boolean isRunning() {
        return proxy != null && !closed.get();
    }

    private void checkOpen() {
        if (closed.get()) throw new IllegalStateException("embedded S3 at " + endpoint + " is closed");
    }

    /** {@code http://127.0.0.1:port}, the endpoint override for S3 clients. */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * Flink settings that keep a job's checkpoints in this store, as compose and k8s keep them in theirs:
     * {@code execution.checkpointing.dir} = {@code s3://<bucket>/flink/checkpoints} and Flink's {@code s3.*} keys for
     * this endpoint. Flink's file systems are initialised with them ({@link FlinkFileSystems}: the S3 plugin under
     * {@code FLINK_PLUGINS_DIR}), so the checkpoint directory can be listed here too.
     *
     * @throws IllegalStateException when no S3 file system plugin is found
     */
    public org.apache.flink.configuration.Configuration flinkCheckpointSettings(String bucket) throws IOException {
        var c = new org.apache.flink.configuration.Configuration();
        String dir = "s3://" + bucket + "/flink/checkpoints";
        c.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
        c.setString("s3.endpoint", endpoint.toString());
        c.setString("s3.path.style.access", "true");
        c.setString("s3.access-key", accessKey);
        c.setString("s3.secret-key", secretKey);
        FlinkFileSystems.initialize(c);
        try {
            org.apache.flink.core.fs.FileSystem.get(URI.create(dir));
        } catch (org.apache.flink.core.fs.UnsupportedFileSystemSchemeException e) {
            throw new IllegalStateException("checkpoints in the object store need Flink's S3 file system plugin under FLINK_PLUGINS_DIR ("
                    + FlinkFileSystems.pluginsDirectory().map(java.io.File::toString).orElse("not found")
                    + "; ./geostream sets it to tools/target/plugins)", e);
        }
        return c;
    }

    /** The directory holding the buckets. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Creates a bucket if it does not exist yet.
     *
     * @param bucket an S3 bucket name: 3 to 63 characters of lower-case letters, digits, dots and hyphens,
     *               starting and ending with a letter or digit
     */
    public synchronized void createBucket(String bucket) {
        if (bucket == null || !BUCKET_NAME.matcher(bucket).matches() || bucket.contains("..")) {
            throw new IllegalArgumentException("not a valid S3 bucket name (3-63 of a-z 0-9 . -): " + bucket);
        }
        checkOpen();
        if (blobStore == null) throw new IllegalStateException("embedded S3 at " + endpoint + " is stopped");
        if (!blobStore.containerExists(bucket)) {
            blobStore.createContainer(bucket);
        }
    }

    /** Stops the server; the data directory is kept. Idempotent; never throws. */
    @Override
    public synchronized void close() {
        if (closed.compareAndSet(false, true) && proxy != null) {
            stopQuietly(proxy, blobStore);
            LOG.info("Embedded S3 at {} stopped", endpoint);
        }
    }

    private static void stopQuietly(S3Proxy proxy, BlobStore store) {
        try {
            proxy.stop();
        } catch (Exception e) {
            LOG.warn("embedded S3 did not stop cleanly", e);
        }
        try {
            store.close();
        } catch (RuntimeException e) {
            LOG.warn("embedded S3 blob store did not close cleanly", e);
        }
    }
}
