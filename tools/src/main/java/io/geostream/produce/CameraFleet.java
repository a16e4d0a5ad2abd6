package io.geostream.produce;

import io.geostream.storage.ObjectStore;
import org.apache.kafka.clients.producer.Producer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Many cameras on Kafka at once: one {@link CameraProducer} per camera, each on its own thread, all sending through
 * one shared Kafka producer (thread-safe; one connection pool and one batch per partition for all cameras, so the
 * broker gets fewer, larger requests than from a producer per camera). Live sources are wrapped in a
 * {@link ReconnectingSource}, files and folders with {@code loop} in a {@link LoopingSource}, and a camera's
 * {@code fps} caps its rate ({@link RateCappedSource}). A camera that fails (unreadable file, Kafka rejects a frame)
 * ends with its end-of-stream marker and its error; the others go on.
 *
 * <p>Per-camera frame rates are reported through the log every {@code reportEvery}.
 */
public final class CameraFleet {

    /** What one camera published. */
    public record CameraResult(String streamId, long frames, double seconds, long reconnects, double outageSeconds,
                               long framesMissedEstimate, Exception failure) {
        /** Frames per second over the camera's run, outages included. */
        public double framesPerSecond() {
            return seconds > 0 ? frames / seconds : Double.NaN;
        }
    }

    private final List<Camera> cameras = new ArrayList<>();
    private final Consumer<String> log;
    /** Counted down when every camera has ended or a stop is asked for. */
    private final CountDownLatch done = new CountDownLatch(1);

    /**
     * @param claimStore where claim-checked frames go (when the cameras' settings claim-check), else may be null
     * @param log        progress, outages and failures, one line each (from several threads)
     */
    public CameraFleet(List<CameraSpec> specs, Producer<byte[], byte[]> kafka, ObjectStore claimStore,
                       ReconnectingSource.Backoff backoff, Consumer<String> log) {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(backoff, "backoff");
        this.log = Objects.requireNonNull(log, "log");
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no cameras");
        }
        for (CameraSpec spec : specs) {
            cameras.add(new Camera(spec, new CameraProducer(kafka, claimStore, spec.settings()), backoff));
        }
    }

    /**
     * Runs every camera until its source ends, it reaches its frame limit, {@code maxDuration} has passed (zero for no
     * limit) or {@link #stop()} is called; then waits until each has sent its end-of-stream marker.
     *
     * @param reportEvery how often to log each camera's frame rate (zero for never)
     */
    public List<CameraResult> run(Duration reportEvery, Duration maxDuration) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (Camera c : cameras) {
            Thread t = new Thread(c::run, "camera-" + c.spec.streamId());
            threads.add(t);
            t.start();
        }
        Thread waiter = new Thread(() -> {
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    return;
                }
            }
            done.countDown();
        }, "cameras-done");
        waiter.setDaemon(true);
        waiter.start();

        long startNanos = System.nanoTime();
        long deadline = maxDuration.isZero() ? Long.MAX_VALUE : startNanos + maxDuration.toNanos();
        long reportNanos = reportEvery.isZero() ? Long.MAX_VALUE : reportEvery.toNanos();
        long nextReport = reportEvery.isZero() ? Long.MAX_VALUE : startNanos + reportNanos;
        try {
            while (done.getCount() > 0) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    log.accept("cameras: " + maxDuration.toSeconds() + " s are up; stopping");
                    break;
                }
                if (now >= nextReport) {
                    log.accept(report(now));
                    nextReport += reportNanos;
                }
                done.await(Math.max(1, Math.min(deadline, nextReport) - now), TimeUnit.NANOSECONDS);
            }
        } finally {
            for (Camera c : cameras) c.stop();
            for (Thread t : threads) t.join();
        }
        List<CameraResult> results = new ArrayList<>();
        for (Camera c : cameras) results.add(c.result());
        return results;
    }

    /** Ends the run: every camera stops after its current frame and sends its end-of-stream marker. */
    public void stop() {
        done.countDown();
    }

    /** One line: each camera's frame rate since the last report, its frames so far and its state. */
    private String report(long nowNanos) {
        StringJoiner line = new StringJoiner(", ", "cameras: ", "");
        for (Camera c : cameras) {
            line.add(c.reportSince(nowNanos));
        }
        return line.toString();
    }

    /** One camera's thread: builds the source, runs its producer, keeps the figures. */
    private final class Camera {
        final CameraSpec spec;
        final CameraProducer producer;
        final ReconnectingSource.Backoff backoff;
        final AtomicLong frames = new AtomicLong();
        volatile ReconnectingSource reconnecting;
        volatile boolean ended;
        volatile Exception failure;
        volatile long startNanos;
        volatile long endNanos;
        long reportedFrames;
        long reportedNanos;

        Camera(CameraSpec spec, CameraProducer producer, ReconnectingSource.Backoff backoff) {
            this.spec = spec;
            this.producer = producer;
            this.backoff = backoff;
        }

        void run() {
            startNanos = System.nanoTime();
            reportedNanos = startNanos;
            try (FrameSource source = open()) {
                log.accept(spec.streamId() + ": producing " + source.describe() + " -> " + spec.settings().topic());
                producer.run(source, (n, bytes) -> frames.set(n));
            } catch (IOException | RuntimeException e) {
                failure = e;
                log.accept(spec.streamId() + ": failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
            } finally {
                endNanos = System.nanoTime();
                ended = true;
            }
        }

        private FrameSource open() throws FrameSourceException {
            String src = spec.source();
            double fps = spec.fps();
            FrameSource source;
            if (spec.live()) {
                reconnecting = new ReconnectingSource(() -> FrameSources.open(src, CameraSpec.DEFAULT_FOLDER_FPS),
                        spec.streamId() + " (" + FrameSources.redacted(src) + ")", backoff, fps,
                        log);
                source = reconnecting;
            } else {
                double folderFps = Double.isNaN(fps) ? CameraSpec.DEFAULT_FOLDER_FPS : fps;
                FrameSourceOpener opener = () -> FrameSources.open(src, folderFps);
                source = spec.loop() ? new LoopingSource(opener) : opener.open();
            }
            // An image folder's fps is its frame rate already; other sources are capped to it.
            boolean capped = !Double.isNaN(fps) && (spec.live() || source.frameRate() != fps);
            return capped ? new RateCappedSource(source, fps) : source;
        }

        void stop() {
            producer.stop();
            ReconnectingSource r = reconnecting;
            if (r != null) r.stop();
        }

        synchronized String reportSince(long nowNanos) {
            long n = frames.get();
            double fps = (n - reportedFrames) / ((nowNanos - reportedNanos) / 1e9);
            reportedFrames = n;
            reportedNanos = nowNanos;
            ReconnectingSource r = reconnecting;
            String state = failure != null ? "failed" : ended ? "ended" : r != null ? r.state().toString().toLowerCase(Locale.ROOT) : "up";
            return String.format(Locale.ROOT, "%s %.1f fps (%d frames, %s%s)", spec.streamId(), fps, n, state,
                    r != null && r.reconnects() > 0 ? ", " + r.reconnects() + " reconnects" : "");
        }

        CameraResult result() {
            ReconnectingSource r = reconnecting;
            return new CameraResult(spec.streamId(), frames.get(), (endNanos - startNanos) / 1e9,
                    r == null ? 0 : r.reconnects(), r == null ? 0 : r.outageSeconds(), r == null ? 0 : r.framesMissedEstimate(),
                    failure);
        }
    }
}
