package io.geostream.model.torchscript;

/**
 * The confidence stand-in for models without a confidence output: per pixel, how well the predicted normal
 * agrees with the normal of the predicted point map, {@code c = (1 + n_pred . n_fd) / 2} in [0, 1], where
 * {@code n_fd = normalise(dv x du)}, du and dv the point map's central differences along +u and +v (clamped
 * at the border, i.e. one-sided there), which faces the camera for a surface seen from the front. A pixel
 * whose differences are degenerate (|dv x du| below 1e-12) gets 0.
 */
public final class NormalAgreement {
    private NormalAgreement() {}

    /**
     * @param points  3*W*H floats, row-major, xyz interleaved
     * @param normals 3*W*H floats, same layout, unit vectors
     * @return W*H confidences in [0, 1]
     */
    public static float[] confidence(float[] points, float[] normals, int width, int height) {
        if (points.length != 3 * width * height || normals.length != points.length) {
            throw new IllegalArgumentException("points and normals need 3 x " + width + " x " + height + " floats");
        }
        float[] out = new float[width * height];
        for (int v = 0; v < height; v++) {
            int vm = Math.max(v - 1, 0), vp = Math.min(v + 1, height - 1);
            for (int u = 0; u < width; u++) {
                int um = Math.max(u - 1, 0), up = Math.min(u + 1, width - 1);
                int r = (v * width + up) * 3, l = (v * width + um) * 3;
                int d = (vp * width + u) * 3, a = (vm * width + u) * 3;
                double dux = points[r] - points[l], duy = points[r + 1] - points[l + 1], duz = points[r + 2] - points[l + 2];
                double dvx = points[d] - points[a], dvy = points[d + 1] - points[a + 1], dvz = points[d + 2] - points[a + 2];
                double nx = dvy * duz - dvz * duy, ny = dvz * dux - dvx * duz, nz = dvx * duy - dvy * dux;
                double len = Math.sqrt(nx * nx + ny * ny + nz * nz);
                int p = v * width + u, i = 3 * p;
                if (len < 1e-12) {
                    out[p] = 0f;
                    continue;
                }
                double dot = (nx * normals[i] + ny * normals[i + 1] + nz * normals[i + 2]) / len;
                out[p] = (float) Math.min(1.0, Math.max(0.0, 0.5 * (1.0 + dot)));
            }
        }
        return out;
    }
}
