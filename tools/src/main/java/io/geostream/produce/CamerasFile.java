package io.geostream.produce;

import io.geostream.avro.Intrinsics;
import io.geostream.jobs.JobConfigs;
import io.geostream.records.StreamIds;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code cameras.yaml}: the cameras of {@code geostream produce --cameras}. Read with snakeyaml-engine's node API by the
 * same code as the job's {@code --config} ({@link JobConfigs#composeYaml}), so every error names the file and line, and
 * the camera. Unknown keys fail (a typo
 * must not silently drop a setting).
 *
 * <pre>
 * topic: frames                  # optional; --topic wins; default: the job's input topic
 * jpeg_quality: 90               # optional default for all cameras
 * reconnect_backoff_s: 0.5       # optional: first wait before reconnecting a live camera, doubled per failure...
 * reconnect_backoff_max_s: 10    # ...up to this
 * cameras:
 *   - stream: gate-3             # stream id (Kafka key), required
 *     source: rtsp://user:pw@10.0.0.7/stream1   # required: video file, image folder, /dev/videoN or URL
 *     fps: 10                    # optional: at most this many frames per second (an image folder: its frame rate)
 *     resize: 640x360            # optional
 *     intrinsics: {fx: 800, fy: 800, cx: 639.5, cy: 359.5}   # optional, at the source's native size...
 *     intrinsics_size: 1280x720  # ...or at this one (same aspect ratio, scaled)
 *     distortion: PLUMB_BOB:0.1,-0.05,0,0                     # optional, as --distortion
 *     max_frames: 0              # optional, 0 = all
 *     jpeg_quality: 85           # optional
 *     realtime: true             # optional, files and folders: pace at their frame rate (default) or send at once
 *     loop: false                # optional, files and folders: start again at the end
 * </pre>
 * Relative source paths are relative to the file's folder.
 */
public record CamerasFile(List<CameraSpec> cameras, ReconnectingSource.Backoff backoff) {
    static final List<String> FILE_KEYS = List.of("cameras", "topic", "jpeg_quality", "reconnect_backoff_s", "reconnect_backoff_max_s");
    static final List<String> CAMERA_KEYS = List.of("stream", "source", "fps", "resize", "intrinsics", "intrinsics_size", "distortion",
            "max_frames", "jpeg_quality", "realtime", "loop");
    static final List<String> INTRINSICS_KEYS = List.of("fx", "fy", "cx", "cy");

    /**
     * @param topic               the topic for every camera when given on the command line, else null (then the file's
     *                            {@code topic}, else {@code defaultTopic})
     * @param claimCheckOverBytes the command line's claim-check threshold for every camera, -1 for none
     * @throws IllegalArgumentException naming file, line, camera and key when the file is not a valid camera list
     * @throws IOException              when the file cannot be read
     */
    public static CamerasFile read(Path file, String topic, String defaultTopic, long claimCheckOverBytes) throws IOException {
        Optional<Node> root = JobConfigs.composeYaml(file);
        Parser p = new Parser(file);
        if (root.isEmpty() || !(root.get() instanceof MappingNode top)) {
            throw new IllegalArgumentException(file + ": expected 'cameras:' with a list of cameras");
        }
        Map<String, Node> keys = p.mapping(top, FILE_KEYS, "");
        String fileTopic = keys.containsKey("topic") ? p.text(keys.get("topic"), "", "topic") : defaultTopic;
        int jpegQuality = keys.containsKey("jpeg_quality") ? p.integer(keys.get("jpeg_quality"), "", "jpeg_quality")
                : ProducerSettings.DEFAULT_JPEG_QUALITY;
        Duration initial = keys.containsKey("reconnect_backoff_s") ? p.seconds(keys.get("reconnect_backoff_s"), "reconnect_backoff_s")
                : ReconnectingSource.Backoff.DEFAULT.initial();
        Duration max = keys.containsKey("reconnect_backoff_max_s") ? p.seconds(keys.get("reconnect_backoff_max_s"), "reconnect_backoff_max_s")
                : ReconnectingSource.Backoff.DEFAULT.max().compareTo(initial) < 0 ? initial : ReconnectingSource.Backoff.DEFAULT.max();
        ReconnectingSource.Backoff backoff;
        try {
            backoff = new ReconnectingSource.Backoff(initial, max);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": reconnect_backoff_s must be positive and at most reconnect_backoff_max_s");
        }
        Node list = keys.get("cameras");
        if (!(list instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
            throw new IllegalArgumentException(p.where(list == null ? top : list) + ": cameras must be a list of at least one camera");
        }
        List<CameraSpec> cameras = new ArrayList<>();
        Set<String> streams = new HashSet<>();
        int n = 0;
        for (Node item : sequence.getValue()) {
            n++;
            CameraSpec camera = p.camera(item, n, topic != null ? topic : fileTopic, jpegQuality, claimCheckOverBytes);
            if (!streams.add(camera.streamId())) {
                throw new IllegalArgumentException(p.where(item) + ": camera " + camera.streamId() + ": stream id given twice");
            }
            cameras.add(camera);
        }
        return new CamerasFile(List.copyOf(cameras), backoff);
    }

    /** Node readers that name the file, line, camera and key in their errors. */
    private record Parser(Path file) {

        CameraSpec camera(Node item, int n, String topic, int defaultJpegQuality, long claimCheckOverBytes) {
            if (!(item instanceof MappingNode mapping)) {
                throw new IllegalArgumentException(where(item) + ": camera #" + n + " must be a mapping (stream:, source:, ...)");
            }
            // The stream id first, so that every later error can name the camera by it.
            Node streamNode = mapping.getValue().stream()
                    .filter(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().strip().equals("stream"))
                    .map(NodeTuple::getValueNode).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(where(item) + ": camera #" + n + ": stream is required"));
            String stream = text(streamNode, "camera #" + n + ": ", "stream");
            if (!StreamIds.isValid(stream)) {
                throw new IllegalArgumentException(where(streamNode) + ": camera #" + n
                        + ": stream must be 1-128 of [A-Za-z0-9._-], starting with a letter or digit: " + stream);
            }
            String ctx = "camera " + stream + ": ";
            Map<String, Node> keys = mapping(mapping, CAMERA_KEYS, ctx);
            if (!keys.containsKey("source")) {
                throw new IllegalArgumentException(where(item) + ": " + ctx + "source is required");
            }
            String source = source(keys.get("source"), ctx);
            double fps = keys.containsKey("fps") ? number(keys.get("fps"), ctx, "fps") : Double.NaN;
            if (!Double.isNaN(fps) && !(fps > 0)) {
                throw new IllegalArgumentException(where(keys.get("fps")) + ": " + ctx + "fps must be positive, got " + fps);
            }
            int[] size = {0, 0};
            if (keys.containsKey("resize")) {
                try {
                    size = SettingsText.parseSize(text(keys.get("resize"), ctx, "resize"));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where(keys.get("resize")) + ": " + ctx + "resize " + e.getMessage(), e);
                }
            }
            Intrinsics intrinsics = keys.containsKey("intrinsics") ? intrinsics(keys.get("intrinsics"), ctx) : null;
            int[] calibrated = {0, 0};
            if (keys.containsKey("intrinsics_size")) {
                try {
                    calibrated = SettingsText.parseSize(text(keys.get("intrinsics_size"), ctx, "intrinsics_size"));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where(keys.get("intrinsics_size")) + ": " + ctx + "intrinsics_size "
                            + e.getMessage(), e);
                }
            }
            io.geostream.avro.LensDistortion distortion = null;
            if (keys.containsKey("distortion")) {
                try {
                    distortion = SettingsText.parseDistortion(text(keys.get("distortion"), ctx, "distortion"));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where(keys.get("distortion")) + ": " + ctx + "distortion " + e.getMessage(), e);
                }
            }
            long maxFrames = keys.containsKey("max_frames") ? integer(keys.get("max_frames"), ctx, "max_frames") : 0;
            int jpegQuality = keys.containsKey("jpeg_quality") ? integer(keys.get("jpeg_quality"), ctx, "jpeg_quality") : defaultJpegQuality;
            boolean realtime = !keys.containsKey("realtime") || bool(keys.get("realtime"), ctx, "realtime");
            boolean loop = keys.containsKey("loop") && bool(keys.get("loop"), ctx, "loop");
            try {
                ProducerSettings settings = new ProducerSettings(stream, topic, jpegQuality, size[0], size[1], realtime, maxFrames,
                        intrinsics, distortion, claimCheckOverBytes, calibrated[0], calibrated[1]);
                return new CameraSpec(settings, source, fps, loop);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where(item) + ": " + ctx + e.getMessage(), e);
            }
        }

        /** A URL or device as written; a path resolved against the file's folder, which must exist. */
        String source(Node node, String ctx) {
            String text = text(node, ctx, "source");
            if (FrameSources.isLive(text) || text.toLowerCase(Locale.ROOT).startsWith("file://")) {
                return text;
            }
            Path dir = file.toAbsolutePath().getParent();
            Path path = dir == null ? Path.of(text) : dir.resolve(text);
            if (!Files.exists(path)) {
                throw new IllegalArgumentException(where(node) + ": " + ctx + "source " + path + ": no such file or folder");
            }
            return path.toString();
        }

        Intrinsics intrinsics(Node node, String ctx) {
            if (!(node instanceof MappingNode mapping)) {
                throw new IllegalArgumentException(where(node) + ": " + ctx + "intrinsics must be {fx: .., fy: .., cx: .., cy: ..}");
            }
            Map<String, Node> k = mapping(mapping, INTRINSICS_KEYS, ctx + "intrinsics: ");
            for (String key : INTRINSICS_KEYS) {
                if (!k.containsKey(key)) {
                    throw new IllegalArgumentException(where(node) + ": " + ctx + "intrinsics need fx, fy, cx and cy; " + key + " is missing");
                }
            }
            String c = ctx + "intrinsics.";
            return Intrinsics.newBuilder().setFx(number(k.get("fx"), c, "fx")).setFy(number(k.get("fy"), c, "fy"))
                    .setCx(number(k.get("cx"), c, "cx")).setCy(number(k.get("cy"), c, "cy")).build();
        }

        /** The mapping's values by key; a key that is not in {@code known}, or given twice, fails. */
        Map<String, Node> mapping(MappingNode mapping, List<String> known, String ctx) {
            Map<String, Node> out = new LinkedHashMap<>();
            for (NodeTuple t : mapping.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode keyNode)) {
                    throw new IllegalArgumentException(where(t.getKeyNode()) + ": " + ctx + "a key must be a word");
                }
                String key = keyNode.getValue().strip();
                if (!known.contains(key)) {
                    throw new IllegalArgumentException(where(keyNode) + ": " + ctx + "unknown key " + key + "; known: "
                            + String.join(", ", known));
                }
                if (out.put(key, t.getValueNode()) != null) {
                    throw new IllegalArgumentException(where(keyNode) + ": " + ctx + key + " is given twice");
                }
            }
            return out;
        }

        String text(Node node, String ctx, String key) {
            if (!(node instanceof ScalarNode scalar) || scalar.getTag().equals(Tag.NULL) || scalar.getValue().isBlank()) {
                throw new IllegalArgumentException(where(node) + ": " + ctx + key + " needs a value");
            }
            return scalar.getValue().strip();
        }

        double number(Node node, String ctx, String key) {
            String t = text(node, ctx, key);
            try {
                double v = Double.parseDouble(t);
                if (Double.isFinite(v)) return v;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(where(node) + ": " + ctx + key + " must be a finite number, got " + t);
        }

        int integer(Node node, String ctx, String key) {
            String t = text(node, ctx, key);
            try {
                return Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where(node) + ": " + ctx + key + " must be a whole number, got " + t);
            }
        }

        boolean bool(Node node, String ctx, String key) {
            String t = text(node, ctx, key).toLowerCase(Locale.ROOT);
            if (t.equals("true") || t.equals("false")) return t.equals("true");
            throw new IllegalArgumentException(where(node) + ": " + ctx + key + " must be true or false, got " + t);
        }

        Duration seconds(Node node, String key) {
            double s = number(node, "", key);
            if (!(s > 0 && s <= 3600)) {
                throw new IllegalArgumentException(where(node) + ": " + key + " must be in (0, 3600] seconds, got " + s);
            }
            return Duration.ofNanos(Math.round(s * 1e9));
        }

        String where(Node node) {
            return file + node.getStartMark().map(m -> ":" + (m.getLine() + 1)).orElse("");
        }
    }
}
