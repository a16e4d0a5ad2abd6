package io.geostream.cli;

import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Objects;

/** Pinhole intrinsics in pixels ({@code produce}: at the source's native resolution; {@code eval --tum}: of the TUM images). */
final class IntrinsicsFlags {
    @Option(names = "--fx", description = "Focal length x (pixels).")
    Double fx;
    @Option(names = "--fy", description = "Focal length y (pixels).")
    Double fy;
    @Option(names = "--cx", description = "Principal point x (pixels).")
    Double cx;
    @Option(names = "--cy", description = "Principal point y (pixels).")
    Double cy;

    /** True when all four are given, false when none is. */
    boolean given() {
        long n = Arrays.asList(fx, fy, cx, cy).stream().filter(Objects::nonNull).count();
        if (n != 0 && n != 4) throw new IllegalArgumentException("give all of --fx --fy --cx --cy, or none");
        return n == 4;
    }
}
