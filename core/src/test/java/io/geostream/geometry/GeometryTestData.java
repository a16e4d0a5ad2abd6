package io.geostream.geometry;

import java.util.Random;

/** Shared seeded random fixtures for the geometry tests. */
final class GeometryTestData {
    private GeometryTestData() {}

    static double[] randomRotation(Random random) {
        return Rotations.fromQuaternion(random.nextGaussian(), random.nextGaussian(), random.nextGaussian(),
                random.nextGaussian());
    }

    static Sim3 randomSim3(Random random) {
        double scale = Math.exp(random.nextDouble() * 3 - 1.5);
        return new Sim3(scale, randomRotation(random),
                new double[] {random.nextGaussian() * 5, random.nextGaussian() * 5, random.nextGaussian() * 5});
    }

    static double[][] randomPoints(Random random, int n, double spread) {
        double[][] p = new double[n][3];
        for (double[] q : p) {
            q[0] = random.nextGaussian() * spread;
            q[1] = random.nextGaussian() * spread;
            q[2] = random.nextGaussian() * spread;
        }
        return p;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static double distance(double[] a, double[] b) {
        double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
}
