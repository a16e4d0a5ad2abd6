package io.geostream.map;

import io.geostream.avro.CameraModel;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.Pose;
import io.geostream.avro.ScaleStatus;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.avro.SegmentReason;
import io.geostream.avro.StitchQuality;
import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.PayloadCodecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** StreamMap on a real local object store with payloads encoded as the job writes them. */
class StreamMapTest {
    static final int W = 32, H = 24;

    @TempDir
    Path tmp;

    @Test
    void segmentsAreFusedSeparatelyWithRelativeVoxelsFromTheMedianDepth() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(tmp.resolve("objects"));
        StreamMap map = new StreamMap("cam", store, 0.1, 100_000, tmp.resolve("out"));
        // Same world coordinates in both segments (a plane at depth 2), different colours: never mixed.
        map.accept(segmentEvent(0, SegmentEventKind.STARTED, 0));
        for (int f = 0; f < 3; f++) map.accept(frame(store, 0, f, ScaleStatus.RELATIVE, 1.0, new int[] {220, 30, 30}, true));
        map.accept(segmentEvent(0, SegmentEventKind.ENDED, 3));
        map.accept(frame(store, 1, 3, ScaleStatus.RELATIVE, 1.0, new int[] {30, 30, 220}, false));
        map.writeSnapshots();

        Path dir = tmp.resolve("out/cam");
        Cloud s0 = read(dir.resolve("segment-0.ply"));
        Cloud s1 = read(dir.resolve("segment-1.ply"));
        // Plane of 3.2 m x 2.4 m at z = 2 (pixel pitch 0.1): voxel 0.1 x 2 = 0.2 -> 16 x 12 voxels.
        assertThat(s0.n).isEqualTo(16 * 12);
        assertThat(s1.n).isEqualTo(16 * 12);
        for (int i = 0; i < s0.n; i++) {
            assertThat(s0.rgb[3 * i] & 0xFF).isGreaterThan(180);
            assertThat(s0.rgb[3 * i + 2] & 0xFF).isLessThan(70);
            assertThat(s1.rgb[3 * i + 2] & 0xFF).isGreaterThan(180);
            assertThat(s0.xyz[3 * i + 2]).isCloseTo(2f, within(1e-5f));
        }
        String json = Files.readString(dir.resolve("map.json"));
        assertThat(json).contains("\"frames_fused\": 4").contains("\"segment_id\": 0").contains("\"voxel_size\": 0.200000")
                .contains("\"median_depth\": 2.00000").contains("\"ended\": true").contains("\"ended\": false")
                .contains("\"points\": 192");
    }

    @Test
    void topViewsShowTheFusedPointsInTheirColoursAndTheCameraPath() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(tmp.resolve("objects"));
        StreamMap map = new StreamMap("cam", store, 0.1, 100_000, tmp.resolve("out")).withTopViews();
        map.accept(segmentEvent(0, SegmentEventKind.STARTED, 0));
        for (int f = 0; f < 3; f++) map.accept(frame(store, 0, f, ScaleStatus.RELATIVE, 1.0, new int[] {30, 30, 220}, true));
        map.accept(segmentEvent(0, SegmentEventKind.ENDED, 3));
        map.writeSnapshots();

        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(tmp.resolve("out/cam/segment-0-top.png").toFile());
        assertThat(png.getWidth()).isEqualTo(TopView.SIZE);
        int blue = 0, red = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                int c = png.getRGB(x, y);
                int r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;
                if (b > 180 && r < 70 && g < 70) blue++;
                if (r > 200 && g < 60 && b < 60) red++;
            }
        }
        // The plane (16 voxels across, seen edge-on from above: a line of blue points) and the camera's start marker.
        assertThat(blue).as("blue points of the fused plane").isGreaterThanOrEqualTo(16);
        assertThat(red).as("red camera path marker").isPositive();
    }

    @Test
    void metricSegmentsUseMetresAndMissingPayloadsAreSkippedWithAReason() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(tmp.resolve("objects"));
        StreamMap map = new StreamMap("cam", store, 0.4, 100_000, tmp.resolve("out"));
        // 0.4 m at 2 metres per unit = 0.2 units.
        map.accept(frame(store, 0, 0, ScaleStatus.METRIC, 2.0, new int[] {100, 100, 100}, false));
        GeometryFrame broken = frame(store, 0, 1, ScaleStatus.METRIC, 2.0, new int[] {100, 100, 100}, true);
        store.put(store.keyOf(broken.getPayloads().getConfidenceUri()).orElseThrow(), "not npy".getBytes(StandardCharsets.UTF_8), "x");
        map.accept(broken);
        GeometryFrame gone = frame(store, 0, 2, ScaleStatus.METRIC, 2.0, new int[] {100, 100, 100}, false);
        gone.getPayloads().setPointMapUri(store.uriOf("no/such.npy"));
        map.accept(gone);
        map.writeSnapshots();
        assertThat(read(tmp.resolve("out/cam/segment-0.ply")).n).isEqualTo(16 * 12);
        String json = Files.readString(tmp.resolve("out/cam/map.json"));
        assertThat(json).contains("\"scale_status\": \"METRIC\"").contains("\"voxel_size\": 0.200000").contains("\"frames_fused\": 1")
                .contains("\"confidence_unreadable\": 1").contains("\"point_map_missing\": 1");
    }

    @Test
    void aStreamThatComesBackWithSegmentZeroAgainGetsItsOwnPlyNothingSkippedAsLate() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(tmp.resolve("objects"));
        StreamMap map = new StreamMap("cam", store, 0.1, 100_000, tmp.resolve("out"));
        long before = 1_700_000_000_000_000L, after = before + 3_600_000_000L; // the camera is back an hour later
        // The first run: segment 0, ended (after its end-of-stream marker), so written and released.
        map.accept(segmentEvent(0, before, SegmentEventKind.STARTED, 0));
        for (int f = 0; f < 3; f++) map.accept(frame(store, 0, before, f, ScaleStatus.RELATIVE, 1.0, new int[] {220, 30, 30}, true));
        map.accept(segmentEvent(0, before, SegmentEventKind.ENDED, 3));
        assertThat(map.voxelsInMemory()).isZero();
        // Back after its end-of-stream marker or its idle TTL: numbered 0 again, frames from 0 again.
        map.accept(segmentEvent(0, after, SegmentEventKind.STARTED, 0));
        for (int f = 0; f < 2; f++) map.accept(frame(store, 0, after, f, ScaleStatus.RELATIVE, 1.0, new int[] {30, 30, 220}, false));
        map.accept(segmentEvent(0, after, SegmentEventKind.ENDED, 2));
        // A v1 record without a start (-1) is a segment of its own too, under the former name.
        map.accept(frame(store, 0, -1, 0, ScaleStatus.RELATIVE, 1.0, new int[] {30, 220, 30}, false));
        map.writeSnapshots();

        Path dir = tmp.resolve("out/cam");
        assertThat(map.segmentCount()).isEqualTo(3);
        assertThat(map.framesFused()).isEqualTo(6);
        Cloud red = read(dir.resolve("segment-" + before + "-0.ply"));
        Cloud blue = read(dir.resolve("segment-" + after + "-0.ply"));
        Cloud green = read(dir.resolve("segment-0.ply"));
        for (Cloud c : new Cloud[] {red, blue, green}) assertThat(c.n).isEqualTo(16 * 12);
        for (int i = 0; i < red.n; i++) {
            assertThat(red.rgb[3 * i] & 0xFF).isGreaterThan(180);
            assertThat(blue.rgb[3 * i + 2] & 0xFF).isGreaterThan(180);
            assertThat(blue.rgb[3 * i] & 0xFF).isLessThan(70);
            assertThat(green.rgb[3 * i + 1] & 0xFF).isGreaterThan(180);
        }
        String json = Files.readString(dir.resolve("map.json"));
        assertThat(json).contains("\"frames_skipped\": {}").doesNotContain("late_after_segment_written")
                .contains("\"segment_start_micros\": null").contains("\"segment_start_micros\": " + before)
                .contains("\"segment_start_micros\": " + after)
                .contains("\"file\": \"segment-" + before + "-0.ply\"").contains("\"file\": \"segment-" + after + "-0.ply\"");
        // Per segment, in order of start time (unknown first): frames fused 1, 3, 2.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"segment_id\": 0, \"segment_start_micros\": (\\S+?),.*?\"frames_fused\": (\\d+)").matcher(json);
        List<String> perSegment = new java.util.ArrayList<>();
        while (m.find()) perSegment.add(m.group(1) + ":" + m.group(2));
        assertThat(perSegment).containsExactly("null:1", before + ":3", after + ":2");

        // A frame of a segment already written is still late: same identity, after its ENDED.
        map.accept(frame(store, 0, before, 3, ScaleStatus.RELATIVE, 1.0, new int[] {220, 30, 30}, false));
        map.writeSnapshots();
        assertThat(Files.readString(dir.resolve("map.json"))).contains("\"late_after_segment_written\": 1");
    }

    /**
     * A segment's latest correction moves its frames: x -> 2 x + (1, 0, 0) at both keyframes puts the plane at z = 4,
     * twice as large (the relative voxel twice as large too: about the same 16 x 12 voxels). An older version coming later and
     * the same record twice change nothing (records are absolute); another segment stays as published.
     */
    @Test
    void theLatestCorrectionOfASegmentMovesItsFramesAndOlderOnesAreIgnored() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(tmp.resolve("objects"));
        SegmentCorrections corrections = new SegmentCorrections("cam");
        StreamMap map = new StreamMap("cam", store, 0.1, 100_000, tmp.resolve("out")).withCorrections(corrections);
        long start = 1_700_000_000_000_000L;
        corrections.accept(correction(start, 0, 3, 2.0, 1.0));
        corrections.accept(correction(start, 0, 2, 0.5, -3.0)); // older: ignored
        corrections.accept(correction(start, 0, 3, 2.0, 1.0)); // the same again: nothing changes
        corrections.accept(correction(start + 1, 0, 1, 0.5, -3.0)); // another segment (same id, other start)
        for (int f = 0; f < 3; f++) map.accept(frame(store, 0, start, f, ScaleStatus.RELATIVE, 1.0, new int[] {220, 30, 30}, true));
        map.accept(frame(store, 7, start, 3, ScaleStatus.RELATIVE, 1.0, new int[] {30, 30, 220}, true)); // uncorrected
        map.writeSnapshots();

        Path dir = tmp.resolve("out/cam");
        Cloud corrected = read(dir.resolve("segment-" + start + "-0.ply"));
        assertThat(corrected.n).isBetween(16 * 12, 17 * 13); // the shift by 2.5 voxels may add a row and a column
        float minX = Float.MAX_VALUE, maxX = -Float.MAX_VALUE;
        for (int i = 0; i < corrected.n; i++) {
            assertThat(corrected.xyz[3 * i + 2]).isCloseTo(4f, within(1e-4f));
            minX = Math.min(minX, corrected.xyz[3 * i]);
            maxX = Math.max(maxX, corrected.xyz[3 * i]);
        }
        assertThat((minX + maxX) / 2).isCloseTo(1f, within(0.3f)); // the plane's centre x moved by +1
        Cloud other = read(dir.resolve("segment-" + start + "-7.ply"));
        for (int i = 0; i < other.n; i++) assertThat(other.xyz[3 * i + 2]).isCloseTo(2f, within(1e-5f));
        String json = Files.readString(dir.resolve("map.json"));
        assertThat(json).contains("\"median_depth\": 4.00000").contains("\"correction_version\": 3")
                .contains("\"correction_version\": 0");
    }

    /**
     * A segment re-localised after a break (its correction names an earlier segment's world) is moved into that world
     * like any corrected segment, and map.json says whose world it is; the earlier segment and an uncorrected one name none.
     */
    @Test
    void aRelocalisedSegmentIsNamedInTheWorldOfTheEarlierOne() throws Exception {
        LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(tmp.resolve("objects"));
        SegmentCorrections corrections = new SegmentCorrections("cam");
        StreamMap map = new StreamMap("cam", store, 0.1, 100_000, tmp.resolve("out")).withCorrections(corrections);
        long startA = 1_700_000_000_000_000L, startB = startA + 9_000_000L;
        var relocalised = correction(startB, 1, 1, 2.0, 1.0);
        relocalised.setWorldSegmentId(0);
        relocalised.setWorldSegmentStartMicros(startA);
        corrections.accept(relocalised);
        map.accept(frame(store, 0, startA, 0, ScaleStatus.RELATIVE, 1.0, new int[] {220, 30, 30}, true));
        map.accept(frame(store, 1, startB, 1, ScaleStatus.RELATIVE, 1.0, new int[] {30, 30, 220}, true));
        map.writeSnapshots();

        Path dir = tmp.resolve("out/cam");
        Cloud b = read(dir.resolve("segment-" + startB + "-1.ply"));
        for (int i = 0; i < b.n; i++) assertThat(b.xyz[3 * i + 2]).as("corrected into A's world").isCloseTo(4f, within(1e-4f));
        assertThat(corrections.worldOf("cam", startB, 1)).isEqualTo(new SegmentKey(startA, 0));
        assertThat(corrections.worldOf("cam", startA, 0)).isNull();
        String json = Files.readString(dir.resolve("map.json"));
        assertThat(json).contains("\"segment_id\": 1, \"segment_start_micros\": " + startB)
                .contains("\"correction_version\": 1, \"world_segment\": {\"segment_id\": 0, \"segment_start_micros\": " + startA + "}}")
                .contains("\"correction_version\": 0, \"world_segment\": null}");
    }

    private static io.geostream.avro.SegmentCorrection correction(long start, long segment, int version, double scale, double tx) {
        List<io.geostream.avro.KeyframeCorrection> kfs = new java.util.ArrayList<>();
        for (long k : new long[] {0, 8}) {
            kfs.add(io.geostream.avro.KeyframeCorrection.newBuilder().setFrameIndex(k).setScale(scale).setQx(0).setQy(0).setQz(0)
                    .setQw(1).setTx(tx).setTy(0).setTz(0).build());
        }
        return io.geostream.avro.SegmentCorrection.newBuilder().setStreamId("cam").setSegmentId(segment).setSegmentStartMicros(start)
                .setVersion(version).setLoopNewFrameIndex(200).setLoopOldFrameIndex(8).setLoopInliers(40)
                .setLoopCaptureTimeMicros(start + 1).setKeyframes(kfs).build();
    }

    static GeometryFrame frame(LocalDirectoryObjectStore store, long segment, long index, ScaleStatus scale, double factor,
                               int[] colour, boolean withConfidence) throws Exception {
        return frame(store, segment, -1, index, scale, factor, colour, withConfidence);
    }

    static GeometryFrame frame(LocalDirectoryObjectStore store, long segment, long start, long index, ScaleStatus scale, double factor,
                               int[] colour, boolean withConfidence) throws Exception {
        return MapTestFrames.frame(store, "cam", segment, start, index, 0, io.geostream.geometry.RigidTransform.identity(), scale,
                factor, colour, withConfidence);
    }

    static SegmentEvent segmentEvent(long segment, SegmentEventKind kind, long frames) {
        return MapTestFrames.segmentEvent("cam", segment, -1, kind, frames);
    }

    static SegmentEvent segmentEvent(long segment, long start, SegmentEventKind kind, long frames) {
        return MapTestFrames.segmentEvent("cam", segment, start, kind, frames);
    }

    record Cloud(int n, float[] xyz, byte[] rgb) {}

    static Cloud read(Path ply) throws Exception {
        byte[] bytes = Files.readAllBytes(ply);
        String text = new String(bytes, StandardCharsets.US_ASCII);
        int end = text.indexOf("end_header\n") + "end_header\n".length();
        int n = Integer.parseInt(text.substring(text.indexOf("element vertex ") + 15, text.indexOf('\n', text.indexOf("element vertex "))));
        ByteBuffer b = ByteBuffer.wrap(bytes, end, n * 15).order(ByteOrder.LITTLE_ENDIAN);
        float[] xyz = new float[n * 3];
        byte[] rgb = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) xyz[3 * i + k] = b.getFloat();
            for (int k = 0; k < 3; k++) rgb[3 * i + k] = b.get();
        }
        return new Cloud(n, xyz, rgb);
    }
}
