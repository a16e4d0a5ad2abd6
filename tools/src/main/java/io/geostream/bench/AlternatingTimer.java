package io.geostream.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Times several bodies on the calling thread, one after the other in each round, so drift of a shared machine hits
 * them alike, in the given order in even measured rounds and reversed in odd ones: with two bodies and an even number of
 * measured rounds (the benchmarks' default 50) each runs first in half of them, so an order effect (caches or the
 * allocator left by the body before) hits both alike;
 * medians of wall time and of the calling thread's CPU time over the measured rounds.
 */
final class AlternatingTimer {

    /** One timed body. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** Medians in milliseconds of one body. */
    record Medians(double wallMs, double cpuMs) {}

    private AlternatingTimer() {}

    /**
     * @param warmups rounds run but not measured
     * @param runs    measured rounds, at least 1
     * @return the medians of each body, in the order given
     */
    static Medians[] time(int warmups, int runs, Body... bodies) throws Exception {
        if (runs < 1 || warmups < 0) throw new IllegalArgumentException("runs must be >= 1 and warmups >= 0");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[][] wall = new double[bodies.length][runs];
        double[][] cpu = new double[bodies.length][runs];
        for (int i = 0; i < warmups + runs; i++) {
            for (int k = 0; k < bodies.length; k++) {
                int b = Math.floorMod(i - warmups, 2) == 0 ? k : bodies.length - 1 - k;
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                bodies[b].run();
                long t1 = System.nanoTime();
                long c1 = threads.getCurrentThreadCpuTime();
                if (i >= warmups) {
                    wall[b][i - warmups] = (t1 - t0) / 1e6;
                    cpu[b][i - warmups] = (c1 - c0) / 1e6;
                }
            }
        }
        Medians[] out = new Medians[bodies.length];
        for (int b = 0; b < bodies.length; b++) out[b] = new Medians(median(wall[b]), median(cpu[b]));
        return out;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
