package io.geostream.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.geostream.eval.TumTrajectory;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.VoxelMap;
import io.geostream.map.PlyWriter;
import io.geostream.map.SegmentFrame;
import io.geostream.map.SegmentKey;
import io.geostream.map.SegmentWriter;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code geostream export}'s files of a segment, beside the fused {@code points.ply}: {@code trajectory.tum} (every
 * frame's pose as the map holds it, after the segment's latest correction unless corrections are off; camera to the
 * segment's world frame, TUM format, capture times in seconds), {@code cameras.json} (intrinsics per frame at payload
 * resolution, width and height, depth unit, scale status), and with truth {@code truth.tum} ({@link
 * StreamTruth#forSegment}). Files are written to a temporary sibling and moved into place.
 */
public final class SegmentExport implements SegmentWriter {
    public static final String TRAJECTORY = "trajectory.tum";
    public static final String CAMERAS = "cameras.json";
    public static final String TRUTH = "truth.tum";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final StreamTruth truth;
    /** The last write of each segment, by stream and segment name. */
    private final Map<String, Written> written = new TreeMap<>();

    /** @param truth the streams' truth, or null for none */
    public SegmentExport(StreamTruth truth) {
        this.truth = truth;
    }

    /** What the last write of a segment held. */
    public record Written(String streamId, SegmentKey key, int frames, int points, int truthFrames) {}

    /** The segments written, each as last written. */
    public List<Written> written() {
        return List.copyOf(written.values());
    }

    @Override
    public void write(String streamId, SegmentKey key, Path directory, VoxelMap.Cloud cloud, List<SegmentFrame> frames)
            throws IOException {
        long[] micros = new long[frames.size()];
        RigidTransform[] poses = new RigidTransform[frames.size()];
        for (int i = 0; i < frames.size(); i++) {
            micros[i] = frames.get(i).captureTimeMicros();
            poses[i] = frames.get(i).worldFromCamera();
        }
        writeTum(directory.resolve(TRAJECTORY), micros, poses);
        writeAtomically(directory.resolve(CAMERAS), JSON.writeValueAsString(cameras(streamId, key, frames)) + "\n");
        int truthFrames = 0;
        if (truth != null) {
            List<TumTrajectory.Entry> t = truth.forSegment(streamId, key, frames);
            if (!t.isEmpty()) {
                writeTum(directory.resolve(TRUTH), t.stream().mapToLong(TumTrajectory.Entry::timestampMicros).toArray(),
                        t.stream().map(TumTrajectory.Entry::worldFromCamera).toArray(RigidTransform[]::new));
                truthFrames = t.size();
            }
        }
        written.put(streamId + "/" + key.baseName(), new Written(streamId, key, frames.size(), cloud.size(), truthFrames));
    }

    /** cameras.json: the segment's identity and scale, then one entry per frame (its intrinsics and depth unit). */
    static ObjectNode cameras(String streamId, SegmentKey key, List<SegmentFrame> frames) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "geostream.export-cameras");
        root.put("version", 1);
        root.put("stream_id", streamId);
        root.put("segment_id", key.id());
        if (key.known()) root.put("segment_start_micros", key.startMicros());
        else root.putNull("segment_start_micros");
        SegmentFrame first = frames.isEmpty() ? null : frames.get(0);
        if (first != null) {
            root.put("width", first.width());
            root.put("height", first.height());
            root.put("scale_status", first.scaleStatus());
            root.put("scale_factor", first.scaleFactor());
        } else {
            root.putNull("width");
            root.putNull("height");
            root.putNull("scale_status");
            root.putNull("scale_factor");
        }
        root.put("units", "segment units: metres = value * scale_factor only when scale_status is METRIC; RELATIVE: one"
                + " unknown unit per segment (docs/data.md, Units and scale status)");
        root.put("camera", "pinhole at payload resolution (width x height), no distortion; pixel (u, v) centres at integer"
                + " coordinates see the ray ((u - cx) / fx, (v - cy) / fy, 1) in the camera frame (+x right, +y down, +z forward)");
        root.put("depth", "depth.png count * depth_unit = z-depth in segment units; 0 = invalid");
        root.put("poses", TRAJECTORY + ": timestamp (capture time, s) tx ty tz qx qy qz qw, camera to the segment's world frame");
        ArrayNode list = root.putArray("frames");
        for (SegmentFrame f : frames) {
            ObjectNode o = list.addObject();
            o.put("frame_index", f.frameIndex());
            o.put("capture_time_micros", f.captureTimeMicros());
            o.put("timestamp", TumTrajectory.seconds(f.captureTimeMicros()));
            o.put("width", f.width());
            o.put("height", f.height());
            o.put("fx", f.fx());
            o.put("fy", f.fy());
            o.put("cx", f.cx());
            o.put("cy", f.cy());
            o.put("intrinsics_source", f.intrinsicsSource());
            o.put("depth_unit", f.depthUnit());
        }
        return root;
    }

    private static void writeTum(Path file, long[] micros, RigidTransform[] poses) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            TumTrajectory.write(w, micros, poses);
        }
        PlyWriter.moveIntoPlace(tmp, file);
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        PlyWriter.moveIntoPlace(tmp, file);
    }
}
