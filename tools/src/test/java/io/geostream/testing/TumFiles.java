package io.geostream.testing;

import io.geostream.avro.GeometryFrame;
import io.geostream.map.SegmentKey;
import org.assertj.core.data.Offset;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks of consumers' TUM trajectories against the committed records, with a parser of their own. */
public final class TumFiles {
    private TumFiles() {}

    /** Committed frames by {@code <stream>/<segment base name>} (the segment identity, as the consumers name files). */
    public static Map<String, List<GeometryFrame>> bySegment(List<GeometryFrame> frames) {
        Map<String, List<GeometryFrame>> out = new TreeMap<>();
        for (GeometryFrame g : frames) {
            String name = g.getStreamId() + "/" + new SegmentKey(g.getSegmentStartMicros(), g.getSegmentId()).baseName();
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(g);
        }
        return out;
    }

    /**
     * Parses {@code tum} as TUM (comment and blank lines skipped; 8 columns: timestamp in seconds, tx ty tz qx qy qz qw),
     * asserts unit quaternions, timestamps in order, one line per capture time, exactly one line per frame, and that
     * each frame's line is at its capture time (to the microsecond) with its record's pose (to 1e-6 relative).
     *
     * @return the lines' values (tx ty tz qx qy qz qw) by timestamp in microseconds
     */
    public static Map<Long, double[]> assertHoldsThePosesOf(Path tum, List<GeometryFrame> frames) throws Exception {
        assertThat(tum).exists();
        List<String> lines = Files.readAllLines(tum).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(lines).as("TUM lines of %s", tum).hasSize(frames.size());
        Map<Long, double[]> poses = new HashMap<>();
        long previous = Long.MIN_VALUE;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            assertThat(f).as(line).hasSize(8);
            long micros = new BigDecimal(f[0]).movePointRight(6).longValueExact();
            assertThat(micros).as("timestamps in order").isGreaterThanOrEqualTo(previous);
            previous = micros;
            double[] v = new double[7];
            for (int i = 0; i < 7; i++) v[i] = Double.parseDouble(f[i + 1]);
            double norm = Math.sqrt(v[3] * v[3] + v[4] * v[4] + v[5] * v[5] + v[6] * v[6]);
            assertThat(norm).as("quaternion norm in %s", line).isCloseTo(1.0, Offset.offset(1e-6));
            assertThat(poses.put(micros, v)).as("one line per capture time").isNull();
        }
        for (GeometryFrame g : frames) {
            double[] v = poses.get(g.getCaptureTimeMicros());
            assertThat(v).as("%s#%d at %d in %s", g.getStreamId(), g.getFrameIndex(), g.getCaptureTimeMicros(), tum).isNotNull();
            var q = g.getWorldFromCamera();
            double[] expected = {q.getTx(), q.getTy(), q.getTz(), q.getQx(), q.getQy(), q.getQz(), q.getQw()};
            for (int i = 0; i < 7; i++) {
                assertThat(v[i]).as("pose of %s#%d", g.getStreamId(), g.getFrameIndex())
                        .isCloseTo(expected[i], Offset.offset(1e-6 * Math.max(1, Math.abs(expected[i]))));
            }
        }
        return poses;
    }
}
