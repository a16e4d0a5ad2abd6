package io.geostream.cli;

import io.geostream.avro.Intrinsics;
import io.geostream.avro.LensDistortion;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.produce.CameraFleet;
import io.geostream.produce.CameraProducer;
import io.geostream.produce.CamerasFile;
import io.geostream.produce.FrameSource;
import io.geostream.produce.FrameSources;
import io.geostream.produce.ProducerSettings;
import io.geostream.produce.SettingsText;
import io.geostream.records.StreamIds;
import io.geostream.storage.ObjectStore;
import org.apache.kafka.clients.producer.KafkaProducer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code geostream produce ...}: a camera producer that publishes a video, folder, webcam or RTSP stream to Kafka, or
 * many of them at once ({@code --cameras cameras.yaml}).
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Publish camera frames (video file, image folder, webcam device or rtsp:// URL) to Kafka as"
                + " FrameEvents (JPEG), then an end-of-stream marker; one camera (--source, --stream) or many (--cameras)."
                + " Progress goes to stderr, a summary to stdout.")
public final class ProduceCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The flags that describe one camera; with --cameras the file sets them per camera. */
    static final List<String> PER_CAMERA_FLAGS = List.of("--source", "--stream", "--jpeg-quality", "--resize", "--realtime",
            "--as-fast-as-possible", "--fps", "--max-frames", "--fx", "--fy", "--cx", "--cy", "--intrinsics-size", "--distortion");

    @Option(names = "--source",
            description = "Video file, image folder (name order, --fps apart), /dev/videoN (V4L2) or a URL (rtsp://...).")
    String source;
    @Option(names = "--stream", description = "Stream id (Kafka key): 1-128 of [A-Za-z0-9._-].")
    String streamId;
    @Option(names = "--cameras", paramLabel = "FILE", description = "Serve many cameras at once from a YAML file (stream id,"
            + " source, fps, intrinsics... per camera; README: Camera producer) instead of --source/--stream. RTSP and webcam"
            + " sources reconnect after an outage.")
    Path camerasFile;
    @Option(names = "--duration", defaultValue = "0", description = "With --cameras: stop after this many seconds"
            + " (default ${DEFAULT-VALUE}: when every camera has ended; Ctrl-C or SIGTERM also stop cleanly).")
    double durationSeconds;
    @Option(names = "--report-every", defaultValue = "10", description = "With --cameras: log each camera's frame rate"
            + " every this many seconds (default ${DEFAULT-VALUE}; 0 for never).")
    double reportEverySeconds;
    @CommandLine.Mixin
    KafkaFlags kafkaFlags;
    @Option(names = "--topic", description = "Input topic of the job (default: the job's default input topic).")
    String topic;
    @Option(names = "--jpeg-quality", defaultValue = "" + ProducerSettings.DEFAULT_JPEG_QUALITY,
            description = "JPEG quality 1..100 (default ${DEFAULT-VALUE}).")
    int jpegQuality;
    @Option(names = "--resize", description = "Publish at WxH pixels (default: the source's size).")
    String resize;
    @Option(names = "--realtime", description = "Send at the source's own frame rate (default).")
    boolean realtime;
    @Option(names = "--as-fast-as-possible", description = "Send without pacing (capture times still follow the source).")
    boolean asFastAsPossible;
    @Option(names = "--fps", defaultValue = "30", description = "Frame rate of an image folder (default ${DEFAULT-VALUE}).")
    double folderFps;
    @Option(names = "--max-frames", defaultValue = "0", description = "Stop after N frames (default: all).")
    long maxFrames;
    /** At the source's native resolution, or at --intrinsics-size (scaled with --resize). */
    @CommandLine.Mixin
    IntrinsicsFlags k;
    @Option(names = "--intrinsics-size", description = "The resolution WxH the --fx/--fy/--cx/--cy were calibrated at"
            + " (default: the source's own): a source that opens in another mode of the same aspect ratio gets them scaled;"
            + " another aspect ratio (a crop) fails the camera.")
    String intrinsicsSize;
    @Option(names = "--distortion", description = "Lens distortion MODEL:c1,c2,... with MODEL PLUMB_BOB (k1,k2,p1,p2[,k3...])"
            + " or FISHEYE (k1..k4), OpenCV conventions.")
    String distortion;
    @Option(names = "--claim-check-over", description = "Upload JPEGs over BYTES to S3 and send the URI, size and SHA-256"
            + " instead (credentials: --s3-access-key/--s3-secret-key, else the AWS default chain).")
    Long claimCheckOver;
    /** Where claim-checked frames go (the job's bucket). */
    @CommandLine.Mixin
    S3Flags s3;
    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        if (camerasFile != null) {
            return produceCameras();
        }
        if (source == null || streamId == null) {
            throw usage("give --source and --stream (one camera), or --cameras FILE (many)");
        }
        ProducerSettings settings = settings();
        java.util.Map<String, String> kafkaProperties = kafkaProperties();
        try (ObjectStore closeStore = claimStore();
             FrameSource frames = FrameSources.open(source, folderFps);
             KafkaProducer<byte[], byte[]> kafka = CameraProducer.kafkaProducer(kafkaFlags.bootstrapServers, kafkaProperties)) {
            spec.commandLine().getErr().println("producing " + frames.describe() + " -> " + settings.topic()
                    + " as stream " + settings.streamId());
            CameraProducer producer = new CameraProducer(kafka, closeStore, settings);
            CameraProducer.Result r;
            long max = frames.lengthInFrames() < 0 ? -1
                    : settings.maxFrames() > 0 ? Math.min(settings.maxFrames(), frames.lengthInFrames()) : frames.lengthInFrames();
            // Ctrl-C / SIGTERM: the camera still sends its end-of-stream marker before the JVM goes, so that the job
            // ends the segment now (not at its idle timeout) and takes a restarted producer's frames 0, 1, ... at once.
            r = stoppedOnShutdown(producer::stop, () -> {
                if (noProgress) return producer.run(frames, null);
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName(settings.streamId()).setInitialMax(max)
                        .setStyle(ProgressBarStyle.ASCII).setUnit(" frames", 1).showSpeed()
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
                    return producer.run(frames, (n, bytes) -> bar.stepTo(n));
                }
            });
            spec.commandLine().getOut().printf(Locale.ROOT,
                    "stream=%s topic=%s frames=%d jpeg_bytes=%d claim_checked=%d seconds=%.3f fps=%.2f%n",
                    settings.streamId(), settings.topic(), r.frames(), r.jpegBytes(), r.claimChecked(), r.elapsedSeconds(),
                    r.framesPerSecond());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code --cameras FILE}: every camera of the file on its own thread, one shared Kafka producer. */
    private int produceCameras() throws Exception {
        for (String flag : PER_CAMERA_FLAGS) {
            if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
                throw usage(flag + " is set per camera in " + camerasFile + " when --cameras is given");
            }
        }
        if (!(durationSeconds >= 0 && reportEverySeconds >= 0)) {
            throw usage("--duration and --report-every must be >= 0 seconds");
        }
        CamerasFile cameras;
        try {
            cameras = CamerasFile.read(camerasFile, topic, IngestOptions.INPUT_TOPIC.defaultValue(),
                    claimCheckOver == null ? -1 : claimCheckOver);
        } catch (IllegalArgumentException e) {
            throw usage("--cameras " + e.getMessage());
        } catch (java.nio.file.NoSuchFileException e) {
            throw usage("--cameras: no such file: " + camerasFile);
        }
        java.util.Map<String, String> kafkaProperties = kafkaProperties();
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> log = line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        };
        List<CameraFleet.CameraResult> results;
        long start = System.nanoTime();
        try (ObjectStore store = claimStore();
             KafkaProducer<byte[], byte[]> kafka = CameraProducer.kafkaProducer(kafkaFlags.bootstrapServers, kafkaProperties)) {
            CameraFleet fleet = new CameraFleet(cameras.cameras(), kafka, store, cameras.backoff(), log);
            log.accept("producing " + cameras.cameras().size() + " cameras from " + camerasFile);
            // Ctrl-C / SIGTERM: every camera still sends its end-of-stream marker before the JVM goes.
            results = stoppedOnShutdown(fleet::stop, () -> fleet.run(Duration.ofMillis(Math.round(reportEverySeconds * 1000)),
                    Duration.ofMillis(Math.round(durationSeconds * 1000))));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<String> failed = results.stream().filter(r -> r.failure() != null).map(CameraFleet.CameraResult::streamId).toList();
        if (!failed.isEmpty()) {
            err.println("error: cameras failed: " + String.join(", ", failed));
        }
        spec.commandLine().getOut().printf(Locale.ROOT,
                "cameras=%d frames=%d seconds=%.3f failed=%d per_camera_frames=%s per_camera_fps=%s reconnects=%s"
                        + " outage_seconds=%s missed_frames_estimate=%s%n",
                results.size(), results.stream().mapToLong(CameraFleet.CameraResult::frames).sum(), seconds, failed.size(),
                perCamera(results, r -> Long.toString(r.frames())),
                perCamera(results, r -> String.format(Locale.ROOT, "%.2f", r.framesPerSecond())),
                perCamera(results, r -> Long.toString(r.reconnects())),
                perCamera(results, r -> String.format(Locale.ROOT, "%.1f", r.outageSeconds())),
                perCamera(results, r -> Long.toString(r.framesMissedEstimate())));
        spec.commandLine().getOut().flush();
        return failed.isEmpty() ? 0 : 1;
    }

    private static String perCamera(List<CameraFleet.CameraResult> results, Function<CameraFleet.CameraResult, String> value) {
        return results.stream().map(r -> r.streamId() + ":" + value.apply(r)).collect(Collectors.joining(","));
    }

    private java.util.Map<String, String> kafkaProperties() {
        try {
            return kafkaFlags.clientProperties();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** Where claim-checked frames go, or null without --claim-check-over. */
    private ObjectStore claimStore() {
        if (claimCheckOver == null) {
            return null;
        }
        if (s3.bucket == null) {
            throw usage("--claim-check-over needs --s3-bucket");
        }
        try {
            return s3.open(null, false);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    ProducerSettings settings() {
        if (realtime && asFastAsPossible) {
            throw usage("--realtime and --as-fast-as-possible exclude each other");
        }
        if (!StreamIds.isValid(streamId)) {
            throw usage("--stream must be 1-128 of [A-Za-z0-9._-], starting with a letter or digit: " + streamId);
        }
        int w = 0;
        int h = 0;
        if (resize != null) {
            try {
                int[] size = parseResize(resize);
                w = size[0];
                h = size[1];
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        Intrinsics intrinsics = null;
        try {
            if (k.given()) intrinsics = Intrinsics.newBuilder().setFx(k.fx).setFy(k.fy).setCx(k.cx).setCy(k.cy).build();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        int[] calibrated = {0, 0};
        if (intrinsicsSize != null) {
            try {
                calibrated = SettingsText.parseSize(intrinsicsSize);
            } catch (IllegalArgumentException e) {
                throw usage("--intrinsics-size " + e.getMessage());
            }
            if (intrinsics == null) throw usage("--intrinsics-size goes with --fx, --fy, --cx and --cy");
        }
        try {
            return new ProducerSettings(streamId, topic != null ? topic : IngestOptions.INPUT_TOPIC.defaultValue(),
                    jpegQuality, w, h, !asFastAsPossible, maxFrames, intrinsics, parseDistortion(distortion),
                    claimCheckOver == null ? -1 : claimCheckOver, calibrated[0], calibrated[1]);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** {@code --resize WxH}: {width, height}, 16..8192 pixels per side. */
    static int[] parseResize(String text) {
        try {
            return SettingsText.parseSize(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--resize " + e.getMessage(), e);
        }
    }

    private LensDistortion parseDistortion(String text) {
        try {
            return text == null ? null : SettingsText.parseDistortion(text);
        } catch (IllegalArgumentException e) {
            throw usage("--distortion " + e.getMessage());
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * Runs {@code body} with a shutdown hook (Ctrl-C, SIGTERM) that calls {@code stop} and waits up to 30 s for the body
     * to return: cameras end with their end-of-stream markers instead of vanishing mid-stream.
     */
    private static <T> T stoppedOnShutdown(Runnable stop, java.util.concurrent.Callable<T> body) throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.run();
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "produce-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return body.call();
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it has what it waited for.
            }
        }
    }
}
