package io.geostream.ingest;

import io.geostream.avro.DistortionModel;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.Intrinsics;
import io.geostream.avro.LensDistortion;
import io.geostream.avro.ObjectRef;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.records.StreamIds;
import io.geostream.storage.LocalDirectoryObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static io.geostream.ingest.TestImages.H;
import static io.geostream.ingest.TestImages.W;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class FrameValidatorTest {
    private static final String BUCKET = "frames";
    private final byte[] rgb = TestImages.gradientRgb(W, H);
    private final byte[] png = TestImages.png(rgb, W, H);
    private final Map<String, byte[]> objects = new HashMap<>();
    private final ObjectFetcher mapFetcher = (uri, maxBytes) -> {
        byte[] bytes = objects.get(uri);
        if (bytes == null) {
            throw new NoSuchFileException(uri);
        }
        return bytes;
    };
    private final FrameValidator validator = new FrameValidator(IngestSettings.defaults(), mapFetcher, BUCKET);

    private FrameEvent frame() {
        Map<String, String> attributes = new HashMap<>();
        attributes.put("geostream.synthetic.scene", "{\"kind\":\"box\"}");
        attributes.put("a", "1");
        return FrameEvent.newBuilder()
                .setStreamId("cam-01.left_2")
                .setFrameIndex(7)
                .setCaptureTimeMicros(1_000_000)
                .setEndOfStream(false)
                .setImage(FrameImage.newBuilder().setEncoding(ImageEncoding.PNG).setWidth(W).setHeight(H)
                        .setData(ByteBuffer.wrap(png)).setRef(null).build())
                .setIntrinsics(Intrinsics.newBuilder().setFx(50).setFy(52).setCx(31.5).setCy(23.5).build())
                .setDistortion(LensDistortion.newBuilder().setModel(DistortionModel.PLUMB_BOB)
                        // All zero: a lens without distortion (LensUndistorterTest undistorts real ones).
                        .setCoefficients(List.of(0.0, 0.0, 0.0, 0.0, 0.0)).build())
                .setAttributes(attributes)
                .build();
    }

    private FrameEvent frame(Consumer<FrameEvent> change) {
        FrameEvent e = frame();
        change.accept(e);
        return e;
    }

    private ObjectRef storedRef(byte[] bytes) {
        String uri = "s3://" + BUCKET + "/in/cam-01/7.png";
        objects.put(uri, bytes);
        return ObjectRef.newBuilder().setUri(uri).setSizeBytes(bytes.length).setSha256(sha256(bytes)).build();
    }

    @Test
    void aPrincipalPointOnTheImagesOuterEdgeIsStillInside() throws Exception {
        for (double[] c : new double[][]{{-0.5, -0.5}, {W - 0.5, H - 0.5}}) {
            ValidatedFrame v = validator.validate(frame(f -> f.setIntrinsics(
                    Intrinsics.newBuilder().setFx(50).setFy(50).setCx(c[0]).setCy(c[1]).build())));
            assertThat(v.intrinsics().cx()).isEqualTo(c[0]);
        }
    }

    @Test
    void acceptsAValidInlineFrame() throws Exception {
        ValidatedFrame v = validator.validate(frame());
        assertThat(v.streamId()).isEqualTo("cam-01.left_2");
        assertThat(v.frameIndex()).isEqualTo(7);
        assertThat(v.captureTimeMicros()).isEqualTo(1_000_000);
        assertThat(v.endOfStream()).isFalse();
        assertThat(v.image().rgb()).isEqualTo(rgb);
        assertThat(v.intrinsics()).isEqualTo(new CameraIntrinsics(50, 52, 31.5, 23.5, W, H));
        assertThat(v.attributes()).containsExactly(Map.entry("a", "1"),
                Map.entry("geostream.synthetic.scene", "{\"kind\":\"box\"}"));
        assertThatThrownBy(() -> v.attributes().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void readsInlineDataWithoutDisturbingTheBuffer() throws Exception {
        byte[] padded = new byte[png.length + 10];
        System.arraycopy(png, 0, padded, 5, png.length);
        ByteBuffer slice = ByteBuffer.wrap(padded, 5, png.length);
        FrameEvent e = frame(f -> f.getImage().setData(slice));
        assertThat(validator.validate(e).image().rgb()).isEqualTo(rgb);
        assertThat(slice.position()).isEqualTo(5);
    }

    @Test
    void acceptsAnEndOfStreamMarkerWithoutImage() throws Exception {
        FrameEvent e = frame(f -> {
            f.setEndOfStream(true);
            f.setImage(FrameImage.newBuilder().setEncoding(ImageEncoding.NONE).setWidth(0).setHeight(0).build());
        });
        ValidatedFrame v = validator.validate(e);
        assertThat(v.endOfStream()).isTrue();
        assertThat(v.image()).isNull();
        assertThat(v.isMarkerOnly()).isTrue();
        assertThat(v.intrinsics()).isNull();

        ValidatedFrame last = validator.validate(frame(f -> f.setEndOfStream(true)));
        assertThat(last.endOfStream()).isTrue();
        assertThat(last.image()).isNotNull();
    }

    @Test
    void acceptsAClaimCheckReferenceWithMatchingSizeAndChecksum() throws Exception {
        FrameEvent e = frame(f -> {
            f.getImage().setData(null);
            f.getImage().setRef(storedRef(png));
        });
        assertThat(validator.validate(e).image().rgb()).isEqualTo(rgb);
    }

    @Test
    void rejectsStreamIdAttacks() {
        List<String> bad = new ArrayList<>(List.of("", ".", "..", "../x", "a/b", "a\\b", "a\u0000b", "a\nb", "-a",
                ".hidden", "a b", "caméra", "x".repeat(129), "y".repeat(200)));
        for (String id : bad) {
            assertThat(StreamIds.isValid(id)).as(id).isFalse();
            assertReason(frame(f -> f.setStreamId(id)), RejectReason.INVALID_STREAM_ID);
        }
        assertThat(StreamIds.isValid(null)).isFalse();
        assertThat(StreamIds.isValid("x".repeat(128))).isTrue();
        assertThat(StreamIds.requireValid("cam_1.a-b")).isEqualTo("cam_1.a-b");
        assertThatThrownBy(() -> StreamIds.requireValid("a\u0000b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\\u0000"); // escaped in the message, never raw
    }

    @Test
    void rejectsClaimChecksThatAreNotExactlyRight() {
        byte[] other = TestImages.png(TestImages.gradientRgb(W, H - 1), W, H - 1);
        List<Consumer<ObjectRef>> changes = List.of(
                r -> r.setUri("s3://other-bucket/in/cam-01/7.png"),
                r -> r.setUri("s3://" + BUCKET + "/in/../secret.png"),
                r -> r.setUri("s3://" + BUCKET + "/./x.png"),
                r -> r.setUri("s3://" + BUCKET + "//x.png"),
                r -> r.setUri("s3://" + BUCKET + "/in\\x.png"),
                r -> r.setUri("s3://" + BUCKET + "/"),
                r -> r.setUri("file:///etc/passwd"),
                r -> r.setUri("s3://" + BUCKET + "/missing.png"),
                r -> r.setSizeBytes(r.getSizeBytes() + 1),
                r -> r.setSizeBytes(0),
                r -> r.setSizeBytes(64L * 1024 * 1024),
                r -> r.setSha256(sha256(other)),
                r -> r.setSha256(sha256(png).toUpperCase()),
                r -> r.setSha256("abc"));
        for (Consumer<ObjectRef> change : changes) {
            ObjectRef ref = storedRef(png);
            change.accept(ref);
            assertReason(frame(f -> {
                f.getImage().setData(null);
                f.getImage().setRef(ref);
            }), RejectReason.IMAGE_REF_REJECTED);
        }
        FrameRejectedException e = catchThrowableOfType(FrameRejectedException.class,
                () -> new FrameValidator(IngestSettings.defaults()).validate(frame(f -> {
                    f.getImage().setData(null);
                    f.getImage().setRef(storedRef(png));
                })));
        assertThat(e.reason()).isEqualTo(RejectReason.IMAGE_REF_REJECTED);
        assertThat(e.detail()).contains("claim check not configured");
    }

    @Test
    void aFetcherThatReturnsTooManyBytesOrFailsIsRejected() {
        ObjectFetcher liar = (uri, max) -> new byte[(int) max + 1];
        ObjectFetcher broken = (uri, max) -> {
            throw new IOException("connection reset");
        };
        for (ObjectFetcher fetcher : List.of(liar, broken)) {
            FrameValidator v = new FrameValidator(IngestSettings.defaults(), fetcher, BUCKET);
            FrameEvent e = frame(f -> {
                f.getImage().setData(null);
                f.getImage().setRef(storedRef(png));
            });
            FrameRejectedException ex = catchThrowableOfType(FrameRejectedException.class, () -> v.validate(e));
            assertThat(ex.reason()).isEqualTo(RejectReason.IMAGE_REF_REJECTED);
        }
    }

    @Test
    void aTransientFetchFailureEscapesInsteadOfRejectingTheFrame() {
        ObjectFetcher down = (uri, max) -> {
            throw new io.geostream.storage.TransientStorageException("S3 get failed: 503 Slow Down", null);
        };
        FrameValidator v = new FrameValidator(IngestSettings.defaults(), down, BUCKET);
        FrameEvent e = frame(f -> {
            f.getImage().setData(null);
            f.getImage().setRef(storedRef(png));
        });
        assertThatThrownBy(() -> v.validate(e)).isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("unreachable");
    }

    @Test
    void fetcherFromStoreReadsOnlyItsOwnUris(@TempDir Path dir) throws Exception {
        try (LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir)) {
            store.put("in/a.png", png, "image/png");
            ObjectFetcher fetcher = ObjectFetcher.fromStore(store);
            assertThat(fetcher.fetch(store.uriOf("in/a.png"), png.length)).isEqualTo(png);
            assertThatThrownBy(() -> fetcher.fetch(store.uriOf("in/a.png"), png.length - 1)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> fetcher.fetch("s3://frames/in/a.png", 1000)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void everyRejectReasonIsReachable() {
        List<Map.Entry<RejectReason, FrameEvent>> cases = new ArrayList<>();
        cases.add(Map.entry(RejectReason.INVALID_STREAM_ID, frame(f -> f.setStreamId("../x"))));
        cases.add(Map.entry(RejectReason.INVALID_FRAME_INDEX, frame(f -> f.setFrameIndex(-1))));
        cases.add(Map.entry(RejectReason.INVALID_CAPTURE_TIME, frame(f -> f.setCaptureTimeMicros(-5))));
        cases.add(Map.entry(RejectReason.INVALID_DIMENSIONS, frame(f -> f.getImage().setWidth(0))));
        cases.add(Map.entry(RejectReason.IMAGE_TOO_LARGE, frame(f -> f.getImage().setWidth(100_000))));
        cases.add(Map.entry(RejectReason.IMAGE_MISSING, frame(f -> f.getImage().setData(null))));
        cases.add(Map.entry(RejectReason.IMAGE_AMBIGUOUS, frame(f -> f.getImage().setRef(storedRef(png)))));
        cases.add(Map.entry(RejectReason.IMAGE_AMBIGUOUS, frame(f -> {
            f.setEndOfStream(true);
            f.getImage().setEncoding(ImageEncoding.NONE);
        })));
        cases.add(Map.entry(RejectReason.IMAGE_CORRUPT, frame(f -> f.getImage().setData(ByteBuffer.wrap(new byte[]{1, 2, 3})))));
        cases.add(Map.entry(RejectReason.IMAGE_SIZE_MISMATCH, frame(f -> f.getImage().setHeight(H + 1))));
        cases.add(Map.entry(RejectReason.RAW_SIZE_MISMATCH, frame(f -> f.getImage().setEncoding(ImageEncoding.RAW_RGB8))));
        cases.add(Map.entry(RejectReason.UNSUPPORTED_ENCODING, frame(f -> f.getImage().setEncoding(ImageEncoding.UNKNOWN))));
        cases.add(Map.entry(RejectReason.UNSUPPORTED_ENCODING, frame(f -> {
            f.getImage().setEncoding(ImageEncoding.NONE);
            f.getImage().setData(null);
        })));
        // ... and a principal point outside the image (intrinsics of another resolution): just inside passes (below).
        for (double[] k : new double[][]{{0, 50, 1, 1}, {50, -1, 1, 1}, {Double.NaN, 50, 1, 1},
                {50, Double.POSITIVE_INFINITY, 1, 1}, {50, 50, Double.NaN, 1}, {50, 50, 1, Double.NEGATIVE_INFINITY},
                {50, 50, W - 0.4, 1}, {50, 50, -0.6, 1}, {50, 50, 1, H - 0.4}, {50, 50, 1, -0.6}, {50, 50, 2 * W, 2 * H}}) {
            cases.add(Map.entry(RejectReason.INVALID_INTRINSICS, frame(f -> f.setIntrinsics(
                    Intrinsics.newBuilder().setFx(k[0]).setFy(k[1]).setCx(k[2]).setCy(k[3]).build()))));
        }
        List<Double> fifteen = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            fifteen.add(0.0);
        }
        cases.add(Map.entry(RejectReason.INVALID_DISTORTION, frame(f -> f.getDistortion().setCoefficients(fifteen))));
        cases.add(Map.entry(RejectReason.INVALID_DISTORTION, frame(f -> f.getDistortion().setCoefficients(List.of(0.1, Double.NaN)))));
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 33; i++) {
            many.put("k" + i, "v");
        }
        cases.add(Map.entry(RejectReason.INVALID_ATTRIBUTES, frame(f -> f.setAttributes(many))));
        cases.add(Map.entry(RejectReason.INVALID_ATTRIBUTES, frame(f -> f.setAttributes(Map.of("k", "v".repeat(4097))))));
        cases.add(Map.entry(RejectReason.INVALID_ATTRIBUTES, frame(f -> f.setAttributes(Map.of("k".repeat(4097), "v")))));
        cases.add(Map.entry(RejectReason.IMAGE_REF_REJECTED, frame(f -> {
            f.getImage().setData(null);
            ObjectRef ref = storedRef(png);
            ref.setSha256(sha256(new byte[]{1}));
            f.getImage().setRef(ref);
        })));

        Set<RejectReason> reached = EnumSet.noneOf(RejectReason.class);
        for (Map.Entry<RejectReason, FrameEvent> c : cases) {
            assertReason(c.getValue(), c.getKey());
            reached.add(c.getKey());
        }
        assertThat(reached).containsExactlyInAnyOrder(RejectReason.values());
    }

    @Test
    void checksItsOwnArguments() {
        assertThatThrownBy(() -> new FrameValidator(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrameValidator(IngestSettings.defaults(), mapFetcher, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrameValidator(IngestSettings.defaults(), mapFetcher, "Bad_Bucket"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> validator.validate(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new IngestSettings(0, 1, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new IngestSettings(1, 1, Long.MAX_VALUE, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(IngestSettings.defaults().maxPixels()).isEqualTo(33_177_600L);
        assertThat(RejectReason.IMAGE_CORRUPT.code()).isEqualTo("IMAGE_CORRUPT");
        assertThat(new FrameRejectedException(RejectReason.IMAGE_CORRUPT, "x").getMessage()).isEqualTo("IMAGE_CORRUPT: x");
    }

    private void assertReason(FrameEvent event, RejectReason reason) {
        FrameRejectedException e = catchThrowableOfType(FrameRejectedException.class, () -> validator.validate(event));
        assertThat(e).as("expected %s", reason).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
