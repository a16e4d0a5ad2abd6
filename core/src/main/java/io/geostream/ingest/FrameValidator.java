package io.geostream.ingest;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.Intrinsics;
import io.geostream.avro.LensDistortion;
import io.geostream.avro.ObjectRef;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.records.StreamIds;
import io.geostream.storage.ObjectKeys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Turns a decoded {@link FrameEvent} into a {@link ValidatedFrame} or rejects it with a stable
 * {@link RejectReason}. Cheap checks run first (ids, numbers, attributes, intrinsics), the image last.
 *
 * <p>Claim-check references ({@code image.ref}) are accepted only when a fetcher and an allowed bucket are
 * configured and the URI is {@code s3://<allowedBucket>/<key>} with a safe key ({@link ObjectKeys#validateKey});
 * the declared size must be within {@link IngestSettings#maxEncodedBytes()}, and the fetched bytes must have
 * exactly that size and the declared SHA-256. A permanent fetch failure (missing object or bucket, access
 * denied) is also IMAGE_REF_REJECTED; a transient one that outlasts the fetcher's retries
 * ({@link io.geostream.storage.StorageErrors#isTransient}) is thrown as an UncheckedIOException, never a rejection. Thread-safe if the fetcher is.
 */
public final class FrameValidator {
    /** Most distortion coefficients accepted (OpenCV's rational + thin-prism + tilted model has 14). */
    public static final int MAX_DISTORTION_COEFFICIENTS = 14;

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private final IngestSettings limits;
    private final ObjectFetcher fetcher;
    private final String allowedBucket;
    /** Per validator (one per ingest subtask), so the remap tables of a subtask's cameras are built once. */
    private final LensUndistorter undistorter = new LensUndistorter();

    /** A validator that rejects every claim-check reference. */
    public FrameValidator(IngestSettings limits) {
        this(limits, null, null);
    }

    /**
     * @param limits        size limits
     * @param fetcher       fetches claim-check objects; null to reject every reference
     * @param allowedBucket the only bucket references may point into; required when {@code fetcher} is set
     */
    public FrameValidator(IngestSettings limits, ObjectFetcher fetcher, String allowedBucket) {
        if (limits == null) {
            throw new IllegalArgumentException("limits must not be null");
        }
        if (fetcher != null && (allowedBucket == null || !BUCKET.matcher(allowedBucket).matches())) {
            throw new IllegalArgumentException("a fetcher needs a valid allowed bucket name, got: " + allowedBucket);
        }
        this.limits = limits;
        this.fetcher = fetcher;
        this.allowedBucket = fetcher == null ? null : allowedBucket;
    }

    /** The limits in force. */
    public IngestSettings limits() {
        return limits;
    }

    /**
     * Validates and decodes one frame event.
     *
     * @throws IllegalArgumentException if {@code event} is null
     * @throws FrameRejectedException   if the frame must go to the dead-letter topic
     */
    public ValidatedFrame validate(FrameEvent event) throws FrameRejectedException {
        if (event == null) {
            throw new IllegalArgumentException("event must not be null");
        }
        String streamId = event.getStreamId();
        if (!StreamIds.isValid(streamId)) {
            throw new FrameRejectedException(RejectReason.INVALID_STREAM_ID,
                    "stream id must match " + StreamIds.PATTERN + ", got " + StreamIds.describe(streamId));
        }
        if (event.getFrameIndex() < 0) {
            throw new FrameRejectedException(RejectReason.INVALID_FRAME_INDEX, "frame index " + event.getFrameIndex() + " < 0");
        }
        if (event.getCaptureTimeMicros() < 0) {
            throw new FrameRejectedException(RejectReason.INVALID_CAPTURE_TIME,
                    "capture time " + event.getCaptureTimeMicros() + " < 0");
        }
        Map<String, String> attributes = checkAttributes(event.getAttributes());
        checkIntrinsics(event.getIntrinsics());
        checkDistortion(event.getDistortion());

        FrameImage image = event.getImage();
        if (image == null) {
            throw new FrameRejectedException(RejectReason.IMAGE_MISSING, "no image record");
        }
        boolean hasData = image.getData() != null;
        boolean hasRef = image.getRef() != null;
        ImageEncoding encoding = image.getEncoding();
        if (encoding == ImageEncoding.NONE) {
            if (!event.getEndOfStream()) {
                throw new FrameRejectedException(RejectReason.UNSUPPORTED_ENCODING,
                        "encoding NONE is only allowed on an end-of-stream marker");
            }
            if (hasData || hasRef) {
                throw new FrameRejectedException(RejectReason.IMAGE_AMBIGUOUS, "encoding NONE with image bytes");
            }
            return new ValidatedFrame(streamId, event.getFrameIndex(), event.getCaptureTimeMicros(), true,
                    null, null, attributes);
        }
        if (encoding == null || encoding == ImageEncoding.UNKNOWN) {
            throw new FrameRejectedException(RejectReason.UNSUPPORTED_ENCODING, "unsupported image encoding " + encoding);
        }
        if (hasData && hasRef) {
            throw new FrameRejectedException(RejectReason.IMAGE_AMBIGUOUS, "both inline data and a reference");
        }
        if (!hasData && !hasRef) {
            throw new FrameRejectedException(RejectReason.IMAGE_MISSING, "neither inline data nor a reference");
        }
        if (LensUndistorter.distorts(event.getDistortion())) {
            // Before fetching or decoding: without the camera matrix the distortion cannot be undone, and a frame
            // passed on distorted would bend the geometry without anyone knowing.
            if (event.getIntrinsics() == null) {
                throw new FrameRejectedException(RejectReason.INVALID_DISTORTION,
                        "distortion coefficients without intrinsics: the image cannot be undistorted (send fx fy cx cy too)");
            }
            LensUndistorter.checkModel(event.getDistortion());
        }
        int width = image.getWidth();
        int height = image.getHeight();
        // Before copying or fetching anything: the declared size decides what we are willing to pay.
        ImageDecoder.checkDeclaredSize(width, height, limits);
        checkPrincipalPoint(event.getIntrinsics(), width, height);
        byte[] bytes = hasData ? inlineBytes(image.getData()) : fetchRef(image.getRef());
        RgbImage rgb = ImageDecoder.decode(encoding, bytes, width, height, limits);

        Intrinsics k = event.getIntrinsics();
        CameraIntrinsics intrinsics = k == null ? null
                : new CameraIntrinsics(k.getFx(), k.getFy(), k.getCx(), k.getCy(), rgb.width(), rgb.height());
        if (LensUndistorter.distorts(event.getDistortion())) {
            // Undone here, before inference; from now on the frame is the pinhole camera the undistortion maps to.
            LensUndistorter.Result undistorted = undistorter.undistort(rgb, intrinsics, event.getDistortion());
            rgb = undistorted.image();
            intrinsics = undistorted.intrinsics();
        }
        return new ValidatedFrame(streamId, event.getFrameIndex(), event.getCaptureTimeMicros(),
                event.getEndOfStream(), rgb, intrinsics, attributes);
    }

    private Map<String, String> checkAttributes(Map<String, String> attributes) throws FrameRejectedException {
        if (attributes == null || attributes.isEmpty()) {
            return Collections.emptyMap();
        }
        if (attributes.size() > limits.maxAttributes()) {
            throw new FrameRejectedException(RejectReason.INVALID_ATTRIBUTES,
                    attributes.size() + " attributes exceed the limit of " + limits.maxAttributes());
        }
        TreeMap<String, String> copy = new TreeMap<>();
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key == null || key.isEmpty() || value == null) {
                throw new FrameRejectedException(RejectReason.INVALID_ATTRIBUTES, "null or empty attribute key, or null value");
            }
            if (key.length() > limits.maxAttributeChars() || value.length() > limits.maxAttributeChars()) {
                throw new FrameRejectedException(RejectReason.INVALID_ATTRIBUTES, "attribute "
                        + StreamIds.describe(key) + " longer than " + limits.maxAttributeChars() + " characters");
            }
            copy.put(key, value);
        }
        return Collections.unmodifiableMap(copy);
    }

    private static void checkIntrinsics(Intrinsics k) throws FrameRejectedException {
        if (k == null) {
            return;
        }
        double fx = k.getFx(), fy = k.getFy(), cx = k.getCx(), cy = k.getCy();
        if (!Double.isFinite(fx) || !Double.isFinite(fy) || !(fx > 0) || !(fy > 0)
                || !Double.isFinite(cx) || !Double.isFinite(cy)) {
            throw new FrameRejectedException(RejectReason.INVALID_INTRINSICS,
                    "intrinsics must be finite with fx, fy > 0: " + fx + ", " + fy + ", " + cx + ", " + cy);
        }
    }

    /**
     * A principal point outside the image is not a camera this image came from: almost always intrinsics given for
     * another resolution (a calibration at 1920 x 1080, cx 959.5, sent with 640 x 360 frames). The geometry built on
     * it would be wrong without anyone knowing, so the frame is rejected with the reason.
     */
    private static void checkPrincipalPoint(Intrinsics k, int width, int height) throws FrameRejectedException {
        if (k == null) return;
        if (k.getCx() < -0.5 || k.getCx() > width - 0.5 || k.getCy() < -0.5 || k.getCy() > height - 0.5) {
            throw new FrameRejectedException(RejectReason.INVALID_INTRINSICS, "principal point (" + k.getCx() + ", " + k.getCy()
                    + ") lies outside the " + width + "x" + height + " image: intrinsics for another resolution? (give them at"
                    + " the image's size; geostream produce scales them with --intrinsics-size)");
        }
    }

    private static void checkDistortion(LensDistortion d) throws FrameRejectedException {
        if (d == null) {
            return;
        }
        List<Double> coefficients = d.getCoefficients();
        if (coefficients == null || coefficients.size() > MAX_DISTORTION_COEFFICIENTS) {
            throw new FrameRejectedException(RejectReason.INVALID_DISTORTION, "distortion needs at most "
                    + MAX_DISTORTION_COEFFICIENTS + " coefficients, got " + (coefficients == null ? "none" : coefficients.size()));
        }
        for (Double c : coefficients) {
            if (c == null || !Double.isFinite(c)) {
                throw new FrameRejectedException(RejectReason.INVALID_DISTORTION, "distortion coefficient " + c + " is not finite");
            }
        }
    }

    private byte[] inlineBytes(ByteBuffer data) throws FrameRejectedException {
        ByteBuffer view = data.duplicate();
        ImageDecoder.checkEncodedSize(view.remaining(), limits);
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    private byte[] fetchRef(ObjectRef ref) throws FrameRejectedException {
        if (fetcher == null) {
            throw refRejected("claim check not configured");
        }
        String uri = ref.getUri();
        String prefix = "s3://" + allowedBucket + "/";
        if (uri == null || !uri.startsWith(prefix)) {
            throw refRejected("reference must be in s3://" + allowedBucket + "/, got " + StreamIds.describe(uri));
        }
        try {
            ObjectKeys.validateKey(uri.substring(prefix.length()));
        } catch (IllegalArgumentException e) {
            throw refRejected("unsafe object key: " + e.getMessage());
        }
        long size = ref.getSizeBytes();
        if (size <= 0 || size > limits.maxEncodedBytes()) {
            throw refRejected("declared size " + size + " not in 1.." + limits.maxEncodedBytes());
        }
        String sha256 = ref.getSha256();
        if (sha256 == null || !SHA256_HEX.matcher(sha256).matches()) {
            throw refRejected("sha256 must be 64 lower-case hex digits");
        }
        byte[] bytes;
        try {
            bytes = fetcher.fetch(uri, size);
        } catch (IOException | RuntimeException e) {
            if (io.geostream.storage.StorageErrors.isTransient(e)) {
                // The store is down or throttling even after the fetcher's retries: the frame may be fine, so it
                // must not become a dead letter. The job fails and retries from its last checkpoint.
                throw new java.io.UncheckedIOException("claim check " + uri + " unreachable",
                        e instanceof IOException io ? io : new IOException(e));
            }
            throw new FrameRejectedException(RejectReason.IMAGE_REF_REJECTED,
                    "fetch failed (" + io.geostream.storage.StorageErrors.permanentKind(e) + "): " + e, e);
        }
        if (bytes == null || bytes.length != size) {
            throw refRejected("fetched " + (bytes == null ? "nothing" : bytes.length + " bytes") + ", declared " + size);
        }
        String actual = HexFormat.of().formatHex(sha256(bytes));
        if (!actual.equals(sha256)) {
            throw refRejected("sha256 mismatch: declared " + sha256 + ", fetched " + actual);
        }
        return bytes;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static FrameRejectedException refRejected(String detail) {
        return new FrameRejectedException(RejectReason.IMAGE_REF_REJECTED, detail);
    }
}
