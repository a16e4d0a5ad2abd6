package io.geostream.embedded;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedS3Test {
    private static final String ACCESS = "geostream-test";
    private static final String SECRET = "geostream-test-secret";

    @TempDir
    Path dataDir;
    private EmbeddedS3 s3;

    @BeforeEach
    void start() {
        s3 = EmbeddedS3.start(dataDir, 0, ACCESS, SECRET);
    }

    @AfterEach
    void stop() {
        s3.close();
    }

    private S3Client client(String secret) {
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(s3.endpoint())
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, secret)))
                .build();
    }

    @Test
    void putGetListDeleteWithTheAwsSdk() {
        s3.createBucket("frames");
        byte[] body = "hello geometry".getBytes(StandardCharsets.UTF_8);
        try (S3Client client = client(SECRET)) {
            client.putObject(b -> b.bucket("frames").key("cam-1/clip-0001/pointmap.npy").contentType("application/octet-stream"),
                    RequestBody.fromBytes(body));
            client.putObject(b -> b.bucket("frames").key("cam-1/clip-0002/pointmap.npy"), RequestBody.fromBytes(new byte[] {1, 2}));

            byte[] read = client.getObjectAsBytes(b -> b.bucket("frames").key("cam-1/clip-0001/pointmap.npy")).asByteArray();
            assertThat(read).isEqualTo(body);

            List<String> keys = client.listObjectsV2(b -> b.bucket("frames").prefix("cam-1/")).contents()
                    .stream().map(S3Object::key).toList();
            assertThat(keys).containsExactlyInAnyOrder("cam-1/clip-0001/pointmap.npy", "cam-1/clip-0002/pointmap.npy");
            assertThat(client.listBuckets().buckets()).anyMatch(b -> b.name().equals("frames"));

            client.deleteObject(b -> b.bucket("frames").key("cam-1/clip-0001/pointmap.npy"));
            assertThatThrownBy(() -> client.getObjectAsBytes(b -> b.bucket("frames").key("cam-1/clip-0001/pointmap.npy")))
                    .isInstanceOf(NoSuchKeyException.class);
            assertThat(client.listObjectsV2(b -> b.bucket("frames")).contents()).hasSize(1);
        }
    }

    @Test
    void largerObjectRoundTrips() {
        s3.createBucket("large");
        byte[] body = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 7 + (i >> 11));
        }
        try (S3Client client = client(SECRET)) {
            client.putObject(b -> b.bucket("large").key("blob.bin"), RequestBody.fromBytes(body));
            assertThat(client.getObjectAsBytes(b -> b.bucket("large").key("blob.bin")).asByteArray()).isEqualTo(body);
        }
    }

    @Test
    void wrongSecretKeyIsRejectedWith403() {
        s3.createBucket("guarded");
        try (S3Client client = client("not-the-secret")) {
            assertThatThrownBy(() -> client.putObject(b -> b.bucket("guarded").key("x"), RequestBody.fromString("x")))
                    .isInstanceOf(SdkException.class)
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
            assertThatThrownBy(() -> client.listObjectsV2(b -> b.bucket("guarded")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
    }

    @Test
    void objectsAreFilesUnderTheDataDir() throws IOException {
        s3.createBucket("stored");
        byte[] body = "on disk".getBytes(StandardCharsets.UTF_8);
        try (S3Client client = client(SECRET)) {
            client.putObject(b -> b.bucket("stored").key("a/b/c.txt"), RequestBody.fromBytes(body));
        }
        List<Path> matches;
        try (Stream<Path> files = Files.walk(dataDir)) {
            matches = files.filter(Files::isRegularFile).filter(p -> {
                try {
                    return java.util.Arrays.equals(Files.readAllBytes(p), body);
                } catch (IOException e) {
                    return false;
                }
            }).toList();
        }
        assertThat(matches).hasSize(1);
        assertThat(matches.get(0)).startsWith(dataDir.toRealPath().resolve("stored"));
        assertThat(matches.get(0).toString()).endsWith("c.txt");
    }

    @Test
    void argumentsAreCheckedAndCloseFreesThePort() {
        assertThatThrownBy(() -> s3.createBucket("Bad_Name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bucket name");
        assertThatThrownBy(() -> EmbeddedS3.start(dataDir, -1, ACCESS, SECRET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> EmbeddedS3.start(dataDir, 0, " ", SECRET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("accessKey");
        assertThat(s3.endpoint().getHost()).isEqualTo("127.0.0.1");

        int port = s3.endpoint().getPort();
        s3.close();
        s3.close(); // idempotent
        try (EmbeddedS3 again = EmbeddedS3.start(dataDir, port, ACCESS, SECRET)) {
            assertThat(again.endpoint().getPort()).isEqualTo(port);
        }
    }

    /**
     * The chaos scenario's store outage: while stopped, the job's own client gets a transient failure (so its payload
     * writes are retried, not dead-lettered); after the restart the same client reaches the same endpoint and data.
     */
    @Test
    void stopMakesTheStoreUnreachableAndRestartServesTheSameDataOnTheSameEndpoint() throws Exception {
        s3.createBucket("outage");
        java.net.URI endpoint = s3.endpoint();
        try (io.geostream.storage.S3ObjectStore store = new io.geostream.storage.S3ObjectStore(new io.geostream.storage.S3Settings(
                endpoint.toString(), "us-east-1", "outage", ACCESS, SECRET, true))) {
            store.put("before", "kept".getBytes(StandardCharsets.UTF_8), "text/plain", java.util.Map.of());
            s3.stop();
            assertThat(s3.isRunning()).isFalse();
            assertThatThrownBy(() -> store.put("during", new byte[1], "text/plain", java.util.Map.of()))
                    .isInstanceOf(io.geostream.storage.TransientStorageException.class);
            s3.restart();
            assertThat(s3.isRunning()).isTrue();
            assertThat(s3.endpoint()).isEqualTo(endpoint);
            assertThat(new String(store.get("before"), StandardCharsets.UTF_8)).isEqualTo("kept");
            store.put("after", new byte[] {7}, "application/octet-stream", java.util.Map.of());
            assertThat(store.list("")).containsExactlyInAnyOrder("before", "after");
        }
        assertThatThrownBy(s3::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("running");
    }

    /**
     * The job's client signs whole payloads over plain HTTP (no aws-chunked bodies), which s3proxy buffers to check and by
     * default refuses above 128 MiB; the points of one 8K frame are about 400 MB.
     */
    @Test
    void aPayloadAboveS3ProxysDefaultUnchunkedLimitIsAccepted() throws Exception {
        s3.createBucket("big-frames");
        byte[] body = new byte[129 * 1024 * 1024];
        body[body.length - 1] = 42;
        try (io.geostream.storage.S3ObjectStore store = new io.geostream.storage.S3ObjectStore(new io.geostream.storage.S3Settings(
                s3.endpoint().toString(), "us-east-1", "big-frames", ACCESS, SECRET, true))) {
            store.put("points.npy", body, "application/octet-stream", java.util.Map.of());
            byte[] back = store.get("points.npy");
            assertThat(back.length).isEqualTo(body.length);
            assertThat(back[back.length - 1]).isEqualTo((byte) 42);
        }
    }
}
