package io.geostream.cli;

import io.geostream.avro.DistortionModel;
import io.geostream.avro.Intrinsics;
import io.geostream.avro.LensDistortion;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.produce.CameraProducer;
import io.geostream.produce.FrameSource;
import io.geostream.produce.FrameSources;
import io.geostream.produce.ProducerSettings;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code geostream produce ...}: a camera producer that publishes a video, folder, webcam or RTSP stream to Kafka. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Publish camera frames (video file, image folder, webcam device or rtsp:// URL) to Kafka as"
                + " FrameEvents (JPEG), then an end-of-stream marker. Progress goes to stderr, a summary to stdout.")
public final class ProduceCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--source", required = true,
            description = "Video file, image folder (name order, --fps apart), /dev/videoN (V4L2) or a URL (rtsp://...).")
    String source;
    @Option(names = "--stream", required = true, description = "Stream id (Kafka key): 1-128 of [A-Za-z0-9._-].")
    String streamId;
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
    /** At the source's native resolution (scaled with --resize). */
    @CommandLine.Mixin
    IntrinsicsFlags k;
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
        ProducerSettings settings = settings();
        java.util.Map<String, String> kafkaProperties;
        try {
            kafkaProperties = kafkaFlags.clientProperties();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        ObjectStore store = null;
        if (claimCheckOver != null) {
            if (s3.bucket == null) {
                throw usage("--claim-check-over needs --s3-bucket");
            }
            try {
                store = s3.open(null, false);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        try (ObjectStore closeStore = store;
             FrameSource frames = FrameSources.open(source, folderFps);
             KafkaProducer<byte[], byte[]> kafka = CameraProducer.kafkaProducer(kafkaFlags.bootstrapServers, kafkaProperties)) {
            spec.commandLine().getErr().println("producing " + frames.describe() + " -> " + settings.topic()
                    + " as stream " + settings.streamId());
            CameraProducer producer = new CameraProducer(kafka, closeStore, settings);
            CameraProducer.Result r;
            long max = frames.lengthInFrames() < 0 ? -1
                    : settings.maxFrames() > 0 ? Math.min(settings.maxFrames(), frames.lengthInFrames()) : frames.lengthInFrames();
            if (noProgress) {
                r = producer.run(frames, null);
            } else {
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName(settings.streamId()).setInitialMax(max)
                        .setStyle(ProgressBarStyle.ASCII).setUnit(" frames", 1).showSpeed()
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
                    r = producer.run(frames, (n, bytes) -> bar.stepTo(n));
                }
            }
            spec.commandLine().getOut().printf(Locale.ROOT,
                    "stream=%s topic=%s frames=%d jpeg_bytes=%d claim_checked=%d seconds=%.3f fps=%.2f%n",
                    settings.streamId(), settings.topic(), r.frames(), r.jpegBytes(), r.claimChecked(), r.elapsedSeconds(),
                    r.framesPerSecond());
            spec.commandLine().getOut().flush();
            return 0;
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
        try {
            return new ProducerSettings(streamId, topic != null ? topic : IngestOptions.INPUT_TOPIC.defaultValue(),
                    jpegQuality, w, h, !asFastAsPossible, maxFrames, intrinsics, parseDistortion(distortion),
                    claimCheckOver == null ? -1 : claimCheckOver);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** {@code --resize WxH}: {width, height}, 16..8192 pixels per side. */
    static int[] parseResize(String text) {
        String[] parts = text.toLowerCase(Locale.ROOT).split("x", -1);
        int w;
        int h;
        try {
            w = Integer.parseInt(parts[0]);
            h = parts.length == 2 ? Integer.parseInt(parts[1]) : -1;
        } catch (NumberFormatException e) {
            w = -1;
            h = -1;
        }
        if (w < 16 || h < 16 || w > 8192 || h > 8192) {
            throw new IllegalArgumentException("--resize must be WxH with 16..8192 pixels per side, got " + text);
        }
        return new int[] {w, h};
    }

    private LensDistortion parseDistortion(String text) {
        if (text == null) {
            return null;
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw usage("--distortion must be MODEL:c1,c2,..., got " + text);
        }
        DistortionModel model;
        try {
            model = DistortionModel.valueOf(text.substring(0, colon).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw usage("--distortion model must be PLUMB_BOB or FISHEYE, got " + text.substring(0, colon));
        }
        List<Double> coefficients = new ArrayList<>();
        try {
            for (String c : text.substring(colon + 1).split(",")) {
                double v = Double.parseDouble(c.trim());
                if (!Double.isFinite(v)) throw new NumberFormatException();
                coefficients.add(v);
            }
        } catch (NumberFormatException e) {
            throw usage("--distortion coefficients must be finite numbers: " + text);
        }
        boolean sizeOk = model == DistortionModel.FISHEYE ? coefficients.size() == 4
                : model == DistortionModel.PLUMB_BOB && List.of(4, 5, 8, 12, 14).contains(coefficients.size());
        if (!sizeOk) {
            throw usage("--distortion needs PLUMB_BOB with 4, 5, 8, 12 or 14 coefficients or FISHEYE with 4, got " + text);
        }
        return LensDistortion.newBuilder().setModel(model).setCoefficients(coefficients).build();
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
