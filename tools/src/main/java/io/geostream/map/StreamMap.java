package io.geostream.map;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.Pose;
import io.geostream.avro.ScaleStatus;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.VoxelMap;
import io.geostream.storage.NpyArray;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.PayloadCodecs;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The map of one stream: a {@link VoxelMap} per segment (segments are separate world frames and are never
 * fused together), fed GeometryFrames and SegmentEvents in any interleaving, written as
 * {@code DIR/<stream>/segment-<startMicros>-<id>.ply} plus {@code DIR/<stream>/map.json}. No Kafka or Flink types:
 * the caller supplies the decoded records.
 *
 * <p>Segments are keyed on their identity {@code (segmentStartMicros, segmentId)}, not on the id alone: a stream
 * that comes back after an end-of-stream marker or after the job released its state (idle TTL) numbers its segments
 * from 0 again, and keyed by id its new segment 0 would be taken for the old one, already written, and all its frames
 * skipped as late. Records without the start ({@code -1}: written before the field existed, or a segment that was
 * open across the job's upgrade, whose records all say -1) are keyed {@code (-1, id)} and written as
 * {@code segment-<id>.ply}, as before; the two name forms cannot collide.
 *
 * <p>Voxel size: {@code voxel} metres when the segment is METRIC (converted to segment units with
 * {@code scaleFactor}, metres per unit), else {@code voxel} times the median camera-frame depth of the
 * segment's first fused frame (the segment's scale is fixed by then, so this is a stable proxy for its
 * median depth). A segment whose ENDED event has been seen and whose frames have all been handled is
 * written and its voxels released, which bounds memory by the open segments.
 *
 * <p>With {@link #withCorrections}, each frame's points (and camera centre) are first moved by its segment's latest
 * loop-closure correction known at the time it is fused ({@link SegmentCorrections}). A segment re-localised after a
 * break is thereby in the corrected world of an earlier segment, which map.json names per segment
 * ({@code world_segment}): the two PLYs overlay as they are (kept apart, each with its own voxel size).
 *
 * <p>A frame whose payloads are missing, unreadable or of the wrong shape is skipped and counted by reason
 * in map.json; the run goes on.
 *
 * <p>Options for {@code geostream export}: {@link #withNormals()} also fuses {@code normals.png} (rotated into the
 * world), {@link #inSegmentDirectories()} puts a segment's files in {@code DIR/<stream>/segment-.../} (the PLY as
 * {@code points.ply}), and {@link #withSegmentWriter} adds files written with each PLY, from the segment's frames
 * ({@link SegmentFrame}).
 */
public final class StreamMap implements MapInput {
    /** Largest payload object read, so a corrupt or hostile object cannot exhaust the heap. */
    public static final long MAX_PAYLOAD_BYTES = 512L * 1024 * 1024;

    private final String streamId;
    private final ObjectStore store;
    private final double voxel;
    private final int maxVoxels;
    private final Path streamDir;
    /** By identity, ordered by start time then id (unknown starts first). */
    private final Map<SegmentKey, Segment> segments = new TreeMap<>();
    private final Map<String, Long> skipped = new TreeMap<>();
    private long framesFused;
    /** Also write {@code segment-...-top.png} next to each PLY ({@link TopView}). */
    private boolean topViews;
    /** Also fuse each frame's normals.png. */
    private boolean normals;
    /** A directory per segment instead of files named after it. */
    private boolean segmentDirectories;
    private final List<SegmentWriter> segmentWriters = new ArrayList<>();
    /** Loop-closure corrections to apply, or null. */
    private SegmentCorrections corrections;

    /**
     * @param voxel     voxel size: metres for METRIC segments, a share of the median depth otherwise
     * @param maxVoxels the most voxels held in memory over all open segments
     * @param outDir    output root; files go to {@code outDir/<streamId>/}
     */
    public StreamMap(String streamId, ObjectStore store, double voxel, int maxVoxels, Path outDir) {
        if (!(voxel > 0) || !Double.isFinite(voxel)) throw new IllegalArgumentException("voxel must be positive, got " + voxel);
        this.streamId = streamId;
        this.store = store;
        this.voxel = voxel;
        this.maxVoxels = maxVoxels;
        this.streamDir = outDir.resolve(streamId);
    }

    public Path streamDir() {
        return streamDir;
    }

    @Override
    public long framesFused() {
        return framesFused;
    }

    /** Also writes a top-view PNG of each segment beside its PLY, with the camera path ({@link TopView}). */
    public StreamMap withTopViews() {
        this.topViews = true;
        return this;
    }

    /**
     * Also fuses the frames' normals ({@code normals.png}, camera frame, rotated into the world by the frame's pose) and
     * writes them in the PLY. A frame whose normals are missing or unreadable is skipped like one without points.
     */
    public StreamMap withNormals() {
        this.normals = true;
        return this;
    }

    /**
     * Writes each segment's files into {@code DIR/<stream>/segment-<startMicros>-<id>/} ({@code segment-<id>/} when the
     * start is unknown): {@code points.ply}, {@code top.png}, and what the {@link SegmentWriter}s add.
     */
    public StreamMap inSegmentDirectories() {
        this.segmentDirectories = true;
        return this;
    }

    /** Adds files written with each segment's PLY (same directory), from the segment's frames. */
    public StreamMap withSegmentWriter(SegmentWriter writer) {
        segmentWriters.add(java.util.Objects.requireNonNull(writer, "writer"));
        return this;
    }

    private boolean tracksFrames() {
        return topViews || !segmentWriters.isEmpty();
    }

    /** Applies each segment's latest correction in {@code c} (as it stands when a frame is fused) to its frames. */
    public StreamMap withCorrections(SegmentCorrections c) {
        this.corrections = c;
        return this;
    }

    /** Occupied voxels over all segments still held in memory. */
    @Override
    public long voxelsInMemory() {
        long n = 0;
        for (Segment s : segments.values()) if (s.map != null) n += s.map.size();
        return n;
    }

    @Override
    public int segmentCount() {
        return segments.size();
    }

    /** Fuses one frame of this stream (other streams' frames are ignored). */
    @Override
    public void accept(GeometryFrame g) throws IOException {
        if (!streamId.equals(g.getStreamId())) return;
        Segment seg = segments.computeIfAbsent(new SegmentKey(g.getSegmentStartMicros(), g.getSegmentId()), Segment::new);
        seg.framesSeen++;
        seg.dirty = true;
        if (seg.released) {
            // A frame after the segment was written and released: it cannot be fused any more.
            skip(seg, "late_after_segment_written");
            return;
        }
        Sim3 correction = corrections == null ? null : corrections.forFrame(g);
        String reason = null;
        if (tracksFrames()) {
            try {
                // The first copy of a frame index (a second one comes from a new job run over the same input).
                SegmentFrame frame = SegmentFrame.of(g);
                seg.frames.putIfAbsent(g.getFrameIndex(), correction == null ? frame : frame.corrected(correction));
            } catch (IllegalArgumentException e) {
                reason = "bad_pose";
            }
        }
        if (reason == null) reason = fuse(seg, g, correction);
        if (reason != null) skip(seg, reason);
        else {
            seg.framesFused++;
            framesFused++;
        }
        releaseIfComplete(seg);
    }

    /** Notes a segment start or end of this stream (other kinds, such as RELOCALISED, change nothing here). */
    @Override
    public void accept(SegmentEvent e) throws IOException {
        if (!streamId.equals(e.getStreamId())) return;
        // RELOCALISED says what the segment's corrections already carry (the world it was put in): nothing to note.
        if (e.getKind() != SegmentEventKind.STARTED && e.getKind() != SegmentEventKind.ENDED) return;
        Segment seg = segments.computeIfAbsent(new SegmentKey(e.getSegmentStartMicros(), e.getSegmentId()), Segment::new);
        if (e.getKind() == SegmentEventKind.ENDED) {
            seg.endedFrameCount = e.getFrameCount();
            seg.dirty = true;
            releaseIfComplete(seg);
        }
    }

    /** Writes the PLY of every segment changed since its last snapshot, and map.json. */
    @Override
    public void writeSnapshots() throws IOException {
        for (Segment s : segments.values()) {
            if (s.dirty && !s.released) writeSegment(s);
        }
        writeSummary();
    }

    private void skip(Segment seg, String reason) {
        seg.framesSkipped++;
        skipped.merge(reason, 1L, Long::sum);
    }

    private void releaseIfComplete(Segment seg) throws IOException {
        if (!seg.released && seg.endedFrameCount >= 0 && seg.framesSeen >= seg.endedFrameCount) {
            writeSegment(seg);
            seg.map = null;
            seg.frames.clear();
            seg.released = true;
            writeSummary();
        }
    }

    /**
     * @param correction the frame's loop-closure correction, or null
     * @return null when fused, else the reason the frame was skipped
     */
    private String fuse(Segment seg, GeometryFrame g, Sim3 correction) throws IOException {
        PayloadRefs p = g.getPayloads();
        int w = p.getWidth(), h = p.getHeight();
        if (w <= 0 || h <= 0) return "bad_payload_size";
        byte[] pointBytes = fetch(p.getPointMapUri());
        if (pointBytes == null) return "point_map_missing";
        NpyArray points;
        try {
            points = PayloadCodecs.readNpyFloat32(pointBytes);
        } catch (RuntimeException e) {
            return "point_map_unreadable";
        }
        if (!Arrays.equals(points.shape(), new int[] {h, w, 3})) return "point_map_shape";
        float[] confidence = null;
        if (p.getConfidenceUri() != null) {
            byte[] c = fetch(p.getConfidenceUri());
            if (c == null) return "confidence_missing";
            NpyArray conf;
            try {
                conf = PayloadCodecs.readNpyFloat32(c);
            } catch (RuntimeException e) {
                return "confidence_unreadable";
            }
            if (!Arrays.equals(conf.shape(), new int[] {h, w})) return "confidence_shape";
            confidence = conf.data();
        }
        byte[] jpeg = fetch(p.getRgbUri());
        if (jpeg == null) return "rgb_missing";
        byte[] rgb = decodeRgb(jpeg, w, h);
        if (rgb == null) return "rgb_unreadable";
        float[] worldNormals = null;
        if (normals) {
            byte[] png = p.getNormalsUri() == null ? null : fetch(p.getNormalsUri());
            if (png == null) return "normals_missing";
            try {
                worldNormals = PayloadCodecs.readNormalsPng(png);
            } catch (RuntimeException e) {
                return "normals_unreadable";
            }
            if (worldNormals.length != w * h * 3) return "normals_shape";
            Pose q = g.getWorldFromCamera();
            double[] r;
            try {
                r = Rotations.fromQuaternion(q.getQx(), q.getQy(), q.getQz(), q.getQw());
            } catch (IllegalArgumentException e) {
                return "bad_pose";
            }
            rotateInPlace(worldNormals, r);
        }
        if (seg.map == null) {
            double size;
            if (g.getScaleStatus() == ScaleStatus.METRIC) {
                double metresPerUnit = g.getScaleFactor();
                if (!(metresPerUnit > 0) || !Double.isFinite(metresPerUnit)) return "bad_scale_factor";
                size = voxel / metresPerUnit;
                seg.medianDepth = Double.NaN;
            } else {
                // a correction scales the frame's depths by its scale
                double median = medianDepth(points.data(), g.getWorldFromCamera()) * (correction == null ? 1 : correction.scale());
                if (!(median > 0)) return "no_valid_depth";
                seg.medianDepth = median;
                size = voxel * median;
            }
            long budget = maxVoxels - voxelsInMemory();
            if (budget < 1) throw new VoxelMap.VoxelCapExceededException(maxVoxels, size);
            seg.map = new VoxelMap(size, (int) budget, normals);
            seg.scaleStatus = g.getScaleStatus().name();
        }
        if (correction != null) {
            // Loop closure moves the frame's world: points by the whole Sim(3), normals by its rotation.
            points = new NpyArray(points.shape(), correction.applyToPoints(points.data()));
            if (worldNormals != null) worldNormals = correction.rotateVectors(worldNormals);
        }
        seg.map.addFrame(points.data(), confidence, rgb, worldNormals);
        return null;
    }

    /** {@code v <- R v} for each interleaved vector ({@code r} row-major); NaN stays NaN. */
    static void rotateInPlace(float[] v, double[] r) {
        for (int i = 0; i < v.length; i += 3) {
            double x = v[i], y = v[i + 1], z = v[i + 2];
            v[i] = (float) (r[0] * x + r[1] * y + r[2] * z);
            v[i + 1] = (float) (r[3] * x + r[4] * y + r[5] * z);
            v[i + 2] = (float) (r[6] * x + r[7] * y + r[8] * z);
        }
    }

    private byte[] fetch(String uri) throws IOException {
        var key = store.keyOf(uri);
        if (key.isEmpty()) return null;
        try {
            return store.get(key.get(), MAX_PAYLOAD_BYTES);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Decodes a JPEG to interleaved RGB; null if it does not decode to {@code w x h}. */
    static byte[] decodeRgb(byte[] jpeg, int w, int h) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(jpeg));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (img == null || img.getWidth() != w || img.getHeight() != h) return null;
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < argb.length; i++) {
            rgb[3 * i] = (byte) (argb[i] >> 16);
            rgb[3 * i + 1] = (byte) (argb[i] >> 8);
            rgb[3 * i + 2] = (byte) argb[i];
        }
        return rgb;
    }

    /** Median camera-frame z of the valid points of a world-frame point map, NaN when none is in front. */
    static double medianDepth(float[] xyz, Pose pose) {
        double qx = pose.getQx(), qy = pose.getQy(), qz = pose.getQz(), qw = pose.getQw();
        double norm = Math.sqrt(qx * qx + qy * qy + qz * qz + qw * qw);
        qx /= norm;
        qy /= norm;
        qz /= norm;
        qw /= norm;
        // z_camera = (third column of R)^T (p - t)
        double c0 = 2 * (qx * qz + qw * qy), c1 = 2 * (qy * qz - qw * qx), c2 = 1 - 2 * (qx * qx + qy * qy);
        int n = xyz.length / 3;
        int step = Math.max(1, n / 20_000);
        double[] z = new double[(n + step - 1) / step];
        int m = 0;
        for (int i = 0; i < n; i += step) {
            double d = c0 * (xyz[3 * i] - pose.getTx()) + c1 * (xyz[3 * i + 1] - pose.getTy()) + c2 * (xyz[3 * i + 2] - pose.getTz());
            if (d > 0 && Double.isFinite(d)) z[m++] = d;
        }
        if (m == 0) return Double.NaN;
        Arrays.sort(z, 0, m);
        return z[m / 2];
    }

    private void writeSegment(Segment s) throws IOException {
        VoxelMap.Cloud cloud = s.map == null
                ? new VoxelMap.Cloud(new float[0], new byte[0], normals ? new float[0] : null) : s.map.toCloud();
        Path dir = segmentDirectories ? streamDir.resolve(s.key.baseName()) : streamDir;
        PlyWriter.write(cloud, streamDir.resolve(plyFile(s.key)));
        List<SegmentFrame> frames = new ArrayList<>(s.frames.values());
        frames.sort(Comparator.comparingLong(SegmentFrame::captureTimeMicros).thenComparingLong(SegmentFrame::frameIndex));
        if (topViews) {
            List<double[]> centres = new ArrayList<>();
            for (SegmentFrame f : frames) centres.add(f.worldFromCamera().center());
            TopView.write(cloud, centres, streamId + " " + s.key.baseName(),
                    dir.resolve(segmentDirectories ? "top.png" : s.key.baseName() + "-top.png"));
        }
        for (SegmentWriter writer : segmentWriters) writer.write(streamId, s.key, dir, cloud, frames);
        if (s.map != null) s.writtenVoxelSize = s.map.voxelSize();
        s.points = cloud.size();
        s.dirty = false;
    }

    private void writeSummary() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("{\n  \"stream\": ").append(quote(streamId))
                .append(",\n  \"voxel\": ").append(num(voxel))
                .append(",\n  \"frames_fused\": ").append(framesFused)
                .append(",\n  \"frames_skipped\": {");
        List<String> parts = new ArrayList<>();
        skipped.forEach((k, v) -> parts.add(quote(k) + ": " + v));
        b.append(String.join(", ", parts)).append("},\n  \"segments\": [");
        boolean first = true;
        for (Segment s : segments.values()) {
            b.append(first ? "\n" : ",\n");
            first = false;
            b.append("    {\"segment_id\": ").append(s.key.id())
                    .append(", \"segment_start_micros\": ").append(s.key.known() ? String.valueOf(s.key.startMicros()) : "null")
                    .append(", \"file\": ").append(quote(plyFile(s.key)))
                    .append(", \"scale_status\": ").append(s.scaleStatus == null ? "null" : quote(s.scaleStatus))
                    .append(", \"voxel_size\": ").append(s.map != null ? num(s.map.voxelSize()) : s.voxelSizeWritten())
                    .append(", \"median_depth\": ").append(num(s.medianDepth))
                    .append(", \"frames_fused\": ").append(s.framesFused)
                    .append(", \"frames_skipped\": ").append(s.framesSkipped)
                    .append(", \"points\": ").append(s.points)
                    .append(", \"ended\": ").append(s.endedFrameCount >= 0)
                    .append(", \"correction_version\": ").append(corrections == null ? 0 : corrections.version(streamId, s.key.startMicros(), s.key.id()));
            SegmentKey world = corrections == null ? null : corrections.worldOf(streamId, s.key.startMicros(), s.key.id());
            // Re-localised after a break: this segment's points are in that segment's (corrected) world and units.
            b.append(", \"world_segment\": ").append(world == null ? "null" : "{\"segment_id\": " + world.id()
                    + ", \"segment_start_micros\": " + (world.known() ? String.valueOf(world.startMicros()) : "null") + "}");
            b.append('}');
        }
        b.append(first ? "]\n}\n" : "\n  ]\n}\n");
        Files.createDirectories(streamDir);
        Path tmp = streamDir.resolve("map.json.tmp");
        Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
        PlyWriter.moveIntoPlace(tmp, streamDir.resolve("map.json"));
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** The PLY of a segment, relative to the stream directory. */
    private String plyFile(SegmentKey key) {
        return segmentDirectories ? key.baseName() + "/points.ply" : key.baseName() + ".ply";
    }

    private static final class Segment {
        final SegmentKey key;
        VoxelMap map;
        String scaleStatus;
        double medianDepth = Double.NaN;
        double writtenVoxelSize = Double.NaN;
        long framesSeen, framesFused, framesSkipped, points;
        long endedFrameCount = -1;
        boolean dirty, released;
        /** The frames by index, the first copy of each (only with top views or segment writers); cleared on release. */
        final Map<Long, SegmentFrame> frames = new TreeMap<>();

        Segment(SegmentKey key) {
            this.key = key;
        }

        String voxelSizeWritten() {
            return num(writtenVoxelSize);
        }
    }
}
