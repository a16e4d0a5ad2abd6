package io.geostream.eval;

import io.geostream.geometry.RigidTransform;

import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trajectories in the TUM RGB-D format that evo reads: {@code timestamp tx ty tz qx qy qz qw}, camera-to-world, the
 * quaternion Hamilton (x, y, z, w) as {@link RigidTransform#quaternion()} gives it (unit, {@code w >= 0}).
 */
public final class TumTrajectory {
    /** The header line the writers put first (TUM readers skip {@code #} lines). */
    public static final String HEADER = "# timestamp tx ty tz qx qy qz qw\n";

    private TumTrajectory() {}

    /** One line per pose; timestamps in seconds. */
    public static void write(Writer out, double[] timestampsSeconds, RigidTransform[] worldFromCamera) throws IOException {
        if (timestampsSeconds.length != worldFromCamera.length) throw new IllegalArgumentException("one timestamp per pose");
        out.write(HEADER);
        for (int i = 0; i < worldFromCamera.length; i++) {
            writePose(out, String.format(Locale.ROOT, "%.6f", timestampsSeconds[i]), worldFromCamera[i]);
        }
    }

    /**
     * One line per pose; timestamps in microseconds (capture times), written as seconds with exactly six decimals, so
     * they read back to the same microsecond (a double of seconds since the epoch cannot hold every microsecond).
     */
    public static void write(Writer out, long[] timestampsMicros, RigidTransform[] worldFromCamera) throws IOException {
        if (timestampsMicros.length != worldFromCamera.length) throw new IllegalArgumentException("one timestamp per pose");
        out.write(HEADER);
        for (int i = 0; i < worldFromCamera.length; i++) {
            writePose(out, seconds(timestampsMicros[i]), worldFromCamera[i]);
        }
    }

    /** Microseconds as seconds with six decimals, exactly (e.g. {@code -1500000} as {@code -1.500000}). */
    public static String seconds(long micros) {
        return BigDecimal.valueOf(micros, 6).toPlainString();
    }

    private static void writePose(Writer out, String timestamp, RigidTransform pose) throws IOException {
        double[] t = pose.translation();
        double[] q = pose.quaternion();
        out.write(String.format(Locale.ROOT, "%s %.9f %.9f %.9f %.9f %.9f %.9f %.9f%n", timestamp, t[0], t[1], t[2],
                q[0], q[1], q[2], q[3]));
    }

    /** A pose of a TUM file: its timestamp in microseconds and camera-to-world transform. */
    public record Entry(long timestampMicros, RigidTransform worldFromCamera) {}

    /**
     * Reads a TUM trajectory: blank and {@code #} lines skipped, eight numbers a line separated by white space,
     * timestamps rounded to the microsecond, the quaternion normalised.
     *
     * @throws IllegalArgumentException naming the file and line of anything else
     */
    public static List<Entry> read(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) continue;
            String[] f = s.split("\\s+");
            try {
                if (f.length != 8) throw new IllegalArgumentException("expected 8 columns, got " + f.length);
                long micros = new BigDecimal(f[0]).movePointRight(6).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
                double[] v = new double[7];
                for (int i = 0; i < 7; i++) v[i] = Double.parseDouble(f[i + 1]);
                out.add(new Entry(micros, RigidTransform.fromQuaternion(new double[] {v[3], v[4], v[5], v[6]},
                        new double[] {v[0], v[1], v[2]})));
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException(file + " line " + lineNumber + ": not a TUM pose (" + e.getMessage() + ")", e);
            }
        }
        return out;
    }
}
