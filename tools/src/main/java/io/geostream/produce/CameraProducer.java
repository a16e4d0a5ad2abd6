package io.geostream.produce;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.Intrinsics;
import io.geostream.avro.ObjectRef;
import io.geostream.schemas.FrameEvents;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.ObjectKeys;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.PayloadCodecs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A camera on Kafka: reads a {@link FrameSource}, resizes and JPEG-encodes each frame, and publishes it
 * as a {@link FrameEvent} (key = stream id, frame indices 0, 1, ...; after an outage of a live source the indices
 * skip the frames it estimates missed, at least one, so the job sees a gap), then an end-of-stream marker whose
 * index follows the last frame's. Capture times are the wall clock at the start plus the source's
 * presentation time (or the source's own wall-clock times, {@link FrameSource#wallClockTimestamps()}), forced
 * strictly increasing. Frames larger than the claim-check threshold are
 * uploaded to object storage and sent by reference (URI, size, SHA-256).
 *
 * <p>Plain Java; one instance publishes one stream. Not thread-safe, except {@link #stop()}; several instances may
 * share one Kafka producer (it is thread-safe).
 */
public final class CameraProducer {
    /** Largest request the producer sends; the embedded broker accepts 16 MiB messages. */
    public static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    /** Called after each frame is handed to the Kafka producer. */
    @FunctionalInterface
    public interface Progress {
        void frameSent(long framesSent, int jpegBytes);
    }

    /** What one run published. */
    public record Result(long frames, long jpegBytes, long claimChecked, long firstCaptureMicros, long lastCaptureMicros,
                         double elapsedSeconds) {
        /** Frames per second over the run's wall-clock time. */
        public double framesPerSecond() {
            return elapsedSeconds > 0 ? frames / elapsedSeconds : Double.NaN;
        }
    }

    private final Producer<byte[], byte[]> producer;
    private final ObjectStore claimStore;
    private final ProducerSettings settings;
    private final SingleObjectCodec<FrameEvent> codec = SingleObjectCodec.frameEvents();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private volatile boolean stopped;

    /**
     * @param claimStore where frames over {@link ProducerSettings#claimCheckOverBytes()} go; required when
     *                   claim checks are on, else may be null
     */
    public CameraProducer(Producer<byte[], byte[]> producer, ObjectStore claimStore, ProducerSettings settings) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.settings = Objects.requireNonNull(settings, "settings");
        if (settings.claimCheckOverBytes() >= 0 && claimStore == null) {
            throw new IllegalArgumentException("claim checks need an object store");
        }
        this.claimStore = claimStore;
    }

    /**
     * An idempotent producer with {@code acks=all} (no duplicates or reordering on retries), large
     * enough requests for full-size frames, plus {@code extra} settings (security, client id...).
     */
    public static KafkaProducer<byte[], byte[]> kafkaProducer(String bootstrapServers, Map<String, String> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(MAX_REQUEST_BYTES));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // JPEG does not compress further; compression would only cost CPU.
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        p.putAll(extra);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Publishes the source's frames (up to the settings' maximum) and the end-of-stream marker, and waits
     * until Kafka has acknowledged all of them. If the source fails part way, the frames read so far are
     * still ended with a marker (so the job flushes them) before the error is thrown.
     *
     * @throws FrameSourceException if the source cannot be read
     * @throws IOException          if Kafka or the object store rejects a frame
     */
    public Result run(FrameSource source, Progress progress) throws IOException, InterruptedException {
        long startNanos = System.nanoTime();
        long baseMicros = System.currentTimeMillis() * 1000L;
        double fps = source.frameRate();
        long periodMicros = Double.isNaN(fps) ? 1 : Math.max(1, Math.round(1e6 / fps));
        boolean pace = settings.realtime() && !source.live();
        String runId = Long.toString(baseMicros / 1000L);

        long sent = 0;
        // The next frame index: one after the last sent, and further after an outage of a live source (below).
        long index = 0;
        long seenReconnects = source.reconnects(), seenMissed = source.framesMissedEstimate();
        long jpegBytes = 0;
        long claimChecked = 0;
        long firstTs = Long.MIN_VALUE;
        long lastCapture = Long.MIN_VALUE;
        long firstCapture = Long.MIN_VALUE;
        FrameSourceException sourceFailure = null;
        while ((settings.maxFrames() == 0 || sent < settings.maxFrames()) && !stopped) {
            checkSends();
            SourceFrame f;
            try {
                f = source.next();
            } catch (FrameSourceException e) {
                sourceFailure = e;
                break;
            }
            if (f == null) {
                break;
            }
            if (firstTs == Long.MIN_VALUE) {
                firstTs = f.timestampMicros();
            }
            if (source.reconnects() != seenReconnects) {
                // A live source came back after an outage: its frames meanwhile are lost, and the camera may have moved.
                // The indices skip the frames it estimates missed (at least one), so the job's clip operator sees a
                // gap and starts a new segment instead of joining the frames on both sides as neighbours.
                // (Before the first frame there is nothing to break from: the stream starts at 0 all the same.)
                if (sent > 0) index += Math.max(1, source.framesMissedEstimate() - seenMissed);
                seenReconnects = source.reconnects();
                seenMissed = source.framesMissedEstimate();
            }
            long capture = source.wallClockTimestamps() ? f.timestampMicros() : baseMicros + (f.timestampMicros() - firstTs);
            if (lastCapture != Long.MIN_VALUE && capture <= lastCapture) {
                // A missing or repeated timestamp: keep event time moving by one nominal frame period.
                capture = lastCapture + periodMicros;
            }
            if (pace) {
                long dueNanos = startNanos + (capture - baseMicros) * 1000L;
                long waitNanos = dueNanos - System.nanoTime();
                if (waitNanos > 0) {
                    Thread.sleep(waitNanos / 1_000_000L, (int) (waitNanos % 1_000_000L));
                }
            }
            int w = settings.resizeWidth() > 0 ? settings.resizeWidth() : f.width();
            int h = settings.resizeHeight() > 0 ? settings.resizeHeight() : f.height();
            Intrinsics intrinsics;
            try {
                intrinsics = intrinsicsFor(settings, f.width(), f.height(), w, h);
            } catch (FrameSourceException e) {
                sourceFailure = e; // as a source failure: the frames sent so far still end with the marker
                break;
            }
            byte[] rgb = OpenCvImages.resizeRgb(f.rgb(), f.width(), f.height(), w, h);
            byte[] jpeg = PayloadCodecs.jpeg(rgb, w, h, settings.jpegQuality() / 100f);

            FrameImage.Builder image = FrameImage.newBuilder().setEncoding(ImageEncoding.JPEG).setWidth(w).setHeight(h);
            if (settings.claimCheckOverBytes() >= 0 && jpeg.length > settings.claimCheckOverBytes()) {
                String key = ObjectKeys.validateKey("input/" + settings.streamId() + "/" + runId + "/"
                        + String.format("%010d", index) + ".jpg");
                claimStore.put(key, jpeg, "image/jpeg");
                image.setData(null).setRef(ObjectRef.newBuilder().setUri(claimStore.uriOf(key))
                        .setSizeBytes(jpeg.length).setSha256(sha256Hex(jpeg)).build());
                claimChecked++;
            } else {
                image.setData(ByteBuffer.wrap(jpeg)).setRef(null);
            }
            FrameEvent event = FrameEvent.newBuilder()
                    .setStreamId(settings.streamId())
                    .setFrameIndex(index)
                    .setCaptureTimeMicros(capture)
                    .setEndOfStream(false)
                    .setImage(image.build())
                    .setIntrinsics(intrinsics)
                    .setDistortion(settings.distortion())
                    .setAttributes(Map.of())
                    .build();
            send(event);
            if (firstCapture == Long.MIN_VALUE) {
                firstCapture = capture;
            }
            lastCapture = capture;
            sent++;
            index++;
            jpegBytes += jpeg.length;
            if (progress != null) {
                progress.frameSent(sent, jpeg.length);
            }
        }
        long endCapture = lastCapture == Long.MIN_VALUE ? baseMicros : lastCapture + periodMicros;
        send(FrameEvents.endOfStream(settings.streamId(), index, endCapture));
        producer.flush();
        checkSends();
        if (sourceFailure != null) {
            throw sourceFailure;
        }
        return new Result(sent, jpegBytes, claimChecked, firstCapture, lastCapture, (System.nanoTime() - startNanos) / 1e9);
    }

    /**
     * Ends {@link #run} after the frame it is publishing (then the end-of-stream marker is sent as usual); callable from
     * any thread. A source that may block for long (a camera being reconnected) needs stopping too.
     */
    public void stop() {
        stopped = true;
    }

    /**
     * The settings' intrinsics for a frame the source delivered at {@code srcW x srcH}, published at {@code dstW x dstH}:
     * scaled from the calibration size when the settings give one (a camera that opened in another mode of the same
     * aspect ratio), else from the source's size. Another aspect ratio than the calibration's is a crop, which no scale
     * makes right: the camera fails with the reason rather than publish a wrong camera matrix.
     */
    static Intrinsics intrinsicsFor(ProducerSettings settings, int srcW, int srcH, int dstW, int dstH) throws FrameSourceException {
        if (settings.intrinsics() == null || settings.intrinsicsWidth() == 0) {
            return scaledIntrinsics(settings.intrinsics(), srcW, srcH, dstW, dstH);
        }
        int cw = settings.intrinsicsWidth(), ch = settings.intrinsicsHeight();
        double calibrated = (double) cw / ch, delivered = (double) srcW / srcH;
        if (Math.abs(delivered / calibrated - 1) > ASPECT_TOLERANCE) {
            throw new FrameSourceException(String.format(Locale.ROOT, "the source delivers %dx%d (aspect %.3f) but the intrinsics are"
                    + " for %dx%d (aspect %.3f): another aspect ratio is a crop, not a scale; calibrate this mode, or open the"
                    + " camera in a mode of the calibrated aspect ratio", srcW, srcH, delivered, cw, ch, calibrated));
        }
        return scaledIntrinsics(settings.intrinsics(), cw, ch, dstW, dstH);
    }

    /** How far the source's aspect ratio may differ from the calibration's (rounding of odd sizes, e.g. 1920x1080 to 854x480). */
    static final double ASPECT_TOLERANCE = 0.01;

    /**
     * Intrinsics given at {@code srcW x srcH} for an image resized to {@code dstW x dstH}. Pixel centres sit
     * at integer coordinates, so the principal point maps as {@code (c + 0.5) * scale - 0.5}.
     */
    static Intrinsics scaledIntrinsics(Intrinsics k, int srcW, int srcH, int dstW, int dstH) {
        if (k == null) {
            return null;
        }
        double sx = (double) dstW / srcW;
        double sy = (double) dstH / srcH;
        return Intrinsics.newBuilder().setFx(k.getFx() * sx).setFy(k.getFy() * sy)
                .setCx((k.getCx() + 0.5) * sx - 0.5).setCy((k.getCy() + 0.5) * sy - 0.5).build();
    }

    private void send(FrameEvent event) throws IOException {
        byte[] key = settings.streamId().getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(settings.topic(), key, codec.encode(event)), (md, e) -> {
            if (e != null) {
                sendFailure.compareAndSet(null, e);
            }
        });
    }

    private void checkSends() throws IOException {
        Exception e = sendFailure.get();
        if (e != null) {
            throw new IOException("Kafka rejected a frame of stream " + settings.streamId() + ": " + e.getMessage()
                    + (e instanceof org.apache.kafka.common.errors.RecordTooLargeException
                    ? " (use --claim-check-over or a smaller --resize / --jpeg-quality)" : ""), e);
        }
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
