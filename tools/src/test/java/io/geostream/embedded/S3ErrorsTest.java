package io.geostream.embedded;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.ObjectRef;
import io.geostream.demo.SyntheticPublisher;
import io.geostream.ingest.FrameRejectedException;
import io.geostream.ingest.FrameValidator;
import io.geostream.ingest.IngestSettings;
import io.geostream.ingest.ObjectFetcher;
import io.geostream.ingest.RejectReason;
import io.geostream.storage.StorageSettings;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.S3Settings;
import io.geostream.storage.StorageErrors;
import io.geostream.storage.TransientStorageException;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.FlakyObjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Transient and permanent object-store failures against the real S3 API server (s3proxy): how
 * {@code S3ObjectStore} classifies them, and what claim-check ingest makes of them (the same fetcher and
 * validator as {@code IngestFunction}). Transient outages are injected with {@link FlakyObjectStore}.
 */
class S3ErrorsTest {
    private static final String ACCESS = "errors-access";
    private static final String SECRET = "errors-secret-key";
    private static final String BUCKET = "frames";

    @TempDir
    Path dataDir;
    private EmbeddedS3 s3;

    @BeforeEach
    void start() {
        s3 = EmbeddedS3.start(dataDir, 0, ACCESS, SECRET);
        s3.createBucket(BUCKET);
    }

    @AfterEach
    void stop() {
        s3.close();
    }

    private StorageSettings spec(String bucket, String secret) {
        return StorageSettings.s3(new S3Settings(s3.endpoint().toString(), "us-east-1", bucket, ACCESS, secret, true))
                .retryingFor(Duration.ofSeconds(2));
    }

    @Test
    void missingObjectMissingBucketAndBadCredentialsArePermanent() throws Exception {
        try (ObjectStore store = spec(BUCKET, SECRET).open()) {
            Throwable missing = catchThrowableOfType(NoSuchFileException.class, () -> store.get("in/none.jpg"));
            assertThat(StorageErrors.isTransient(missing)).isFalse();
        }
        try (ObjectStore wrongBucket = spec("no-such-bucket", SECRET).open()) {
            long t0 = System.nanoTime();
            Throwable e = catchThrowableOfType(java.io.IOException.class, () -> wrongBucket.put("a/b.bin", new byte[] {1}, null));
            assertThat(StorageErrors.isTransient(e)).as("%s", e).isFalse();
            assertThat((System.nanoTime() - t0) / 1_000_000).as("not retried").isLessThan(1_500);
        }
        try (ObjectStore wrongSecret = spec(BUCKET, "not-the-secret").open()) {
            Throwable e = catchThrowableOfType(java.io.IOException.class, () -> wrongSecret.get("in/none.jpg"));
            assertThat(e).isInstanceOf(AccessDeniedException.class);
            assertThat(StorageErrors.permanentKind(e)).isEqualTo("access denied");
        }
    }

    @Test
    void anUnreachableServerIsTransient() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        StorageSettings down = StorageSettings.s3(new S3Settings("http://127.0.0.1:" + closedPort, "us-east-1", BUCKET, ACCESS, SECRET, true))
                .retryingFor(Duration.ofMillis(500));
        try (ObjectStore store = down.open()) {
            assertThatThrownBy(() -> store.get("in/a.jpg")).isInstanceOf(TransientStorageException.class);
        }
    }

    @Test
    void claimChecksRideOutTransientErrorsAndDeadLetterPermanentOnes() throws Exception {
        SyntheticScene scene = new SyntheticScene(new SceneSpec(3, 64, 48, 4, TrajectoryKind.ORBIT, 0.0, 10));
        FrameEvent frame = SyntheticPublisher.frameEvent("cam-a", scene, 0, true);
        byte[] jpeg = frame.getImage().getData().array();
        try (ObjectStore plain = spec(BUCKET, SECRET).open()) {
            plain.put("in/cam-a/0.jpg", jpeg, "image/jpeg");
        }
        frame.getImage().setData(null);
        frame.getImage().setRef(ObjectRef.newBuilder().setUri("s3://" + BUCKET + "/in/cam-a/0.jpg").setSizeBytes(jpeg.length)
                .setSha256(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(jpeg))).build());

        // Three 503s before the object comes: retried with back-off, the frame is valid.
        try (ObjectStore flaky = spec(BUCKET, SECRET).decorated(FlakyObjectStore.decorator("claim-503", 3)).open()) {
            FrameValidator v = new FrameValidator(IngestSettings.defaults(), ObjectFetcher.fromStore(flaky), BUCKET);
            assertThat(v.validate(frame).image().width()).isEqualTo(64);
            assertThat(FlakyObjectStore.failuresLeft("claim-503")).isZero();
        }
        // An outage longer than the retry budget is not the frame's fault: it escapes (the job restarts), no dead letter.
        try (ObjectStore down = spec(BUCKET, SECRET).decorated(FlakyObjectStore.decorator("claim-down", 1_000)).open()) {
            FrameValidator v = new FrameValidator(IngestSettings.defaults(), ObjectFetcher.fromStore(down), BUCKET);
            assertThatThrownBy(() -> v.validate(frame)).isInstanceOf(UncheckedIOException.class);
        }
        try (ObjectStore store = spec(BUCKET, SECRET).open()) {
            FrameValidator v = new FrameValidator(IngestSettings.defaults(), ObjectFetcher.fromStore(store), BUCKET);
            // Missing object: permanent, dead-lettered with what happened.
            FrameEvent missing = FrameEvent.newBuilder(frame).build();
            missing.getImage().setRef(ObjectRef.newBuilder(frame.getImage().getRef()).setUri("s3://" + BUCKET + "/in/cam-a/9.jpg").build());
            FrameRejectedException e = catchThrowableOfType(FrameRejectedException.class, () -> v.validate(missing));
            assertThat(e.reason()).isEqualTo(RejectReason.IMAGE_REF_REJECTED);
            assertThat(e.detail()).contains("object or bucket missing");
            // Wrong bucket: refused before any request.
            FrameEvent otherBucket = FrameEvent.newBuilder(frame).build();
            otherBucket.getImage().setRef(ObjectRef.newBuilder(frame.getImage().getRef()).setUri("s3://other-bucket/in/cam-a/0.jpg").build());
            assertThat(catchThrowableOfType(FrameRejectedException.class, () -> v.validate(otherBucket)).reason())
                    .isEqualTo(RejectReason.IMAGE_REF_REJECTED);
            // Size and SHA-256 mismatches: permanent.
            FrameEvent wrongSha = FrameEvent.newBuilder(frame).build();
            wrongSha.getImage().setRef(ObjectRef.newBuilder(frame.getImage().getRef()).setSha256("0".repeat(64)).build());
            assertThat(catchThrowableOfType(FrameRejectedException.class, () -> v.validate(wrongSha)).detail()).contains("sha256 mismatch");
        }
    }
}
