package io.geostream.eval;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.storage.NpyArray;
import io.geostream.storage.PayloadCodecs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * Predictions that know nothing of the clip, scored by the same code as a model ({@link ClipGeometryAccuracy}): what a
 * model must beat. Each repeats one point map and one normal map for every frame of the clip (as if the camera stood
 * still), in the camera frame of the clip's first frame (optical: +x right, +y down, +z forward).
 *
 * <ul>
 *   <li>{@link #plane}: a fronto-parallel plane at constant depth, normals (0, 0, -1): facing the camera, the
 *       convention of the truth ({@code FrameTruth}, {@code TumSequence}) and of {@code tiny-e2e}.</li>
 *   <li>{@link MeanMaps}: the training set's mean z-depth and mean normal maps ({@code <package>/baseline-mean/depth.npy}
 *       float32 [H, W], any scale, and {@code normals.npy} float32 [H, W, 3], unit, camera frame).</li>
 * </ul>
 * Points are depth x K^-1 [u v 1] with the clip's true intrinsics at the model's resolution; scale (and shift) are
 * aligned per clip by the metrics, as for a model.
 */
public final class GeometryBaselines {
    /** Directory of the mean maps inside a model package. */
    public static final String MEAN_DIR = "baseline-mean";
    public static final String MEAN_DEPTH = "depth.npy";
    public static final String MEAN_NORMALS = "normals.npy";

    private GeometryBaselines() {}

    /** One frame's predicted point map and normals, repeated for every frame of a clip. */
    public record Prediction(int width, int height, float[] points, float[] normals) {
        /** The same maps for each of {@code frames} frames. */
        public List<float[]> pointsPerFrame(int frames) {
            return Collections.nCopies(frames, points);
        }

        public List<float[]> normalsPerFrame(int frames) {
            return Collections.nCopies(frames, normals);
        }
    }

    /** A fronto-parallel plane at z = 1 (any depth scores the same once aligned), normals (0, 0, -1). */
    public static Prediction plane(CameraIntrinsics k) {
        int n = k.width() * k.height();
        float[] depth = new float[n];
        java.util.Arrays.fill(depth, 1f);
        float[] normals = new float[3 * n];
        for (int p = 0; p < n; p++) normals[3 * p + 2] = -1f;
        return new Prediction(k.width(), k.height(), backProject(k, depth), normals);
    }

    /** z-depth per pixel (row-major) to camera points z K^-1 [u v 1] (interleaved xyz). */
    public static float[] backProject(CameraIntrinsics k, float[] depth) {
        int w = k.width(), h = k.height();
        if (depth.length != w * h) {
            throw new IllegalArgumentException("depth map has " + depth.length + " pixels, intrinsics are for " + w + "x" + h);
        }
        float[] points = new float[3 * w * h];
        for (int v = 0; v < h; v++) {
            double y = (v - k.cy()) / k.fy();
            for (int u = 0; u < w; u++) {
                int p = v * w + u;
                double z = depth[p];
                points[3 * p] = (float) ((u - k.cx()) / k.fx() * z);
                points[3 * p + 1] = (float) (y * z);
                points[3 * p + 2] = (float) z;
            }
        }
        return points;
    }

    /**
     * The training set's mean maps.
     *
     * @param depth   z-depth, row-major [height, width], any scale
     * @param normals unit normals in the camera frame, [height, width, 3]
     */
    public record MeanMaps(int width, int height, float[] depth, float[] normals) {
        public MeanMaps {
            if (depth.length != width * height || normals.length != 3 * width * height) {
                throw new IllegalArgumentException("mean maps do not match " + width + "x" + height);
            }
        }

        /**
         * Reads {@code <packageDir>/baseline-mean/depth.npy} and {@code normals.npy}.
         *
         * @return null when neither file exists (the package ships no mean maps)
         * @throws IllegalArgumentException when only one exists, or a file is not float32 of the shapes above
         */
        public static MeanMaps read(Path packageDir) throws IOException {
            Path dir = packageDir.resolve(MEAN_DIR);
            Path depthFile = dir.resolve(MEAN_DEPTH), normalsFile = dir.resolve(MEAN_NORMALS);
            boolean hasDepth = Files.isRegularFile(depthFile), hasNormals = Files.isRegularFile(normalsFile);
            if (!hasDepth && !hasNormals) return null;
            if (!hasDepth || !hasNormals) {
                throw new IllegalArgumentException(dir + " needs both " + MEAN_DEPTH + " and " + MEAN_NORMALS + ", "
                        + (hasDepth ? MEAN_NORMALS : MEAN_DEPTH) + " is missing");
            }
            NpyArray d = readNpy(depthFile), nm = readNpy(normalsFile);
            if (d.shape().length != 2) {
                throw new IllegalArgumentException(depthFile + ": shape " + java.util.Arrays.toString(d.shape())
                        + ", expected [H, W]");
            }
            int h = d.shape()[0], w = d.shape()[1];
            if (nm.shape().length != 3 || nm.shape()[0] != h || nm.shape()[1] != w || nm.shape()[2] != 3) {
                throw new IllegalArgumentException(normalsFile + ": shape " + java.util.Arrays.toString(nm.shape())
                        + ", expected [" + h + ", " + w + ", 3] (as depth.npy)");
            }
            return new MeanMaps(w, h, d.data(), nm.data());
        }

        private static NpyArray readNpy(Path file) throws IOException {
            try {
                return PayloadCodecs.readNpyFloat32(Files.readAllBytes(file));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        }

        /**
         * The prediction for a clip whose true intrinsics at the model size are {@code k}.
         *
         * @throws IllegalArgumentException when the maps are not at k's size
         */
        public Prediction prediction(CameraIntrinsics k) {
            if (k.width() != width || k.height() != height) {
                throw new IllegalArgumentException("mean maps are " + width + "x" + height + " but the clips are "
                        + k.width() + "x" + k.height());
            }
            return new Prediction(width, height, backProject(k, depth), normals.clone());
        }
    }
}
