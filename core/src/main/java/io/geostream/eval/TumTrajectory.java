package io.geostream.eval;

import io.geostream.geometry.RigidTransform;

import java.io.IOException;
import java.io.Writer;
import java.util.Locale;

/** Writes trajectories in the TUM RGB-D format that evo reads: {@code timestamp tx ty tz qx qy qz qw}, camera-to-world. */
public final class TumTrajectory {
    private TumTrajectory() {}

    /** One line per pose; timestamps in seconds. */
    public static void write(Writer out, double[] timestampsSeconds, RigidTransform[] worldFromCamera) throws IOException {
        if (timestampsSeconds.length != worldFromCamera.length) throw new IllegalArgumentException("one timestamp per pose");
        out.write("# timestamp tx ty tz qx qy qz qw\n");
        for (int i = 0; i < worldFromCamera.length; i++) {
            double[] t = worldFromCamera[i].translation();
            double[] q = worldFromCamera[i].quaternion();
            out.write(String.format(Locale.ROOT, "%.6f %.9f %.9f %.9f %.9f %.9f %.9f %.9f%n",
                    timestampsSeconds[i], t[0], t[1], t[2], q[0], q[1], q[2], q[3]));
        }
    }
}
