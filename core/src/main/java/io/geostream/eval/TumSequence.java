package io.geostream.eval;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.TruthSource;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

/**
 * A TUM RGB-D benchmark sequence as a truth source: {@code rgb.txt} and {@code depth.txt} ({@code timestamp
 * filename} per line), {@code groundtruth.txt} ({@code timestamp tx ty tz qx qy qz qw}, camera to world),
 * 16-bit PNG depth at {@link #DEPTH_FACTOR} units per metre (0 = no measurement). Each colour image is
 * associated with the nearest depth image and the nearest ground-truth pose, each within
 * {@link #MAX_TIME_DIFFERENCE_S}; colour images without both are skipped, as is one whose depth image
 * the previous frame already took. Intrinsics come from the caller (TUM publishes them per camera).
 *
 * <p>Frames without a depth measurement have NaN depth, world points and normals; normals are computed
 * from the depth map (cross product of the neighbours' differences), so they are noisier than the truth
 * of a synthetic scene. Images are read lazily, on {@link #render}.
 */
public final class TumSequence implements TruthSource {
    /** Depth PNG units per metre. */
    public static final double DEPTH_FACTOR = 5000;
    /** Largest time difference (seconds) of an associated depth image or pose. */
    public static final double MAX_TIME_DIFFERENCE_S = 0.02;

    private record Frame(double time, Path rgb, Path depth, RigidTransform pose) {}

    private final Path dir;
    private final List<Frame> frames;
    private final CameraIntrinsics intrinsics;
    private final int downsample;
    private final int width, height;

    private TumSequence(Path dir, List<Frame> frames, CameraIntrinsics intrinsics, int downsample, int width, int height) {
        this.dir = dir;
        this.frames = frames;
        this.intrinsics = intrinsics;
        this.downsample = downsample;
        this.width = width;
        this.height = height;
    }

    /**
     * Reads the index files and associates them.
     *
     * @param fx,fy,cx,cy intrinsics of the full-resolution images (pixels)
     * @param maxFrames   keep at most this many associated frames (0 = all)
     * @param downsample  keep every k-th pixel in each direction (1 = full resolution); intrinsics follow
     * @throws IOException              when a file cannot be read
     * @throws IllegalArgumentException for a malformed line, no associated frame, or bad arguments
     */
    public static TumSequence open(Path dir, double fx, double fy, double cx, double cy, int maxFrames, int downsample)
            throws IOException {
        if (!(fx > 0 && fy > 0 && Double.isFinite(cx) && Double.isFinite(cy))) {
            throw new IllegalArgumentException("intrinsics need fx, fy > 0 and finite cx, cy");
        }
        if (maxFrames < 0) throw new IllegalArgumentException("maxFrames must be >= 0, got " + maxFrames);
        if (downsample < 1 || downsample > 16) throw new IllegalArgumentException("downsample must be in [1, 16], got " + downsample);
        List<String[]> rgb = table(dir.resolve("rgb.txt"), 2);
        List<String[]> depth = table(dir.resolve("depth.txt"), 2);
        List<String[]> gt = table(dir.resolve("groundtruth.txt"), 8);
        double[] depthTimes = times(depth);
        double[] gtTimes = times(gt);
        List<Frame> frames = new ArrayList<>();
        int lastDepth = -1;
        for (String[] r : rgb) {
            double t = Double.parseDouble(r[0]);
            int d = nearest(depthTimes, t);
            int g = nearest(gtTimes, t);
            if (d < 0 || g < 0 || d == lastDepth) continue;
            lastDepth = d;
            String[] p = gt.get(g);
            double[] v = new double[7];
            for (int i = 0; i < 7; i++) v[i] = Double.parseDouble(p[i + 1]);
            RigidTransform pose = RigidTransform.fromQuaternion(new double[] {v[3], v[4], v[5], v[6]}, new double[] {v[0], v[1], v[2]});
            frames.add(new Frame(t, dir.resolve(r[1]), dir.resolve(depth.get(d)[1]), pose));
            if (maxFrames > 0 && frames.size() == maxFrames) break;
        }
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no colour image of " + dir + " has a depth image and a pose within "
                    + MAX_TIME_DIFFERENCE_S + " s");
        }
        Mat first = imread(frames.get(0).rgb().toString(), IMREAD_COLOR);
        if (first.empty()) throw new IOException("cannot read image " + frames.get(0).rgb());
        int w = first.cols() / downsample, h = first.rows() / downsample;
        first.close();
        CameraIntrinsics k = new CameraIntrinsics(fx / downsample, fy / downsample, cx / downsample, cy / downsample, w, h);
        return new TumSequence(dir, List.copyOf(frames), k, downsample, w, h);
    }

    /** The intrinsics at this sequence's (possibly downsampled) resolution. */
    public CameraIntrinsics intrinsics() {
        return intrinsics;
    }

    @Override
    public int frames() {
        return frames.size();
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public long captureTimeMicros(int frameIndex) {
        return Math.round(frames.get(frameIndex).time() * 1e6);
    }

    @Override
    public RigidTransform worldFromCamera(int frameIndex) {
        return frames.get(frameIndex).pose();
    }

    @Override
    public String id() {
        return "tum:" + dir.toAbsolutePath() + ";n=" + frames.size() + ";k=" + downsample;
    }

    @Override
    public FrameTruth render(int frameIndex) {
        Frame f = frames.get(frameIndex);
        byte[] rgb = new byte[3 * width * height];
        float[] depth = new float[width * height];
        try (Mat bgr = imread(f.rgb().toString(), IMREAD_COLOR); Mat raw = imread(f.depth().toString(), IMREAD_UNCHANGED)) {
            if (bgr.empty() || bgr.type() != CV_8UC3) throw new IllegalStateException("cannot read colour image " + f.rgb());
            if (raw.empty() || raw.type() != CV_16UC1) {
                throw new IllegalStateException("depth image " + f.depth() + " is not a 16-bit single-channel PNG");
            }
            if (bgr.cols() / downsample != width || bgr.rows() / downsample != height
                    || raw.cols() != bgr.cols() || raw.rows() != bgr.rows()) {
                throw new IllegalStateException("frame " + frameIndex + " (" + f.rgb() + ") differs in size from the first frame"
                        + " or from its depth image");
            }
            try (Mat rgbMat = new Mat()) {
                cvtColor(bgr, rgbMat, COLOR_BGR2RGB);
                ByteBuffer pixels = rgbMat.createBuffer();
                int stride = (int) rgbMat.step();
                for (int v = 0; v < height; v++) {
                    for (int u = 0; u < width; u++) {
                        int src = (v * downsample) * stride + 3 * (u * downsample);
                        for (int c = 0; c < 3; c++) rgb[3 * (v * width + u) + c] = pixels.get(src + c);
                    }
                }
            }
            ShortBuffer d = raw.createBuffer();
            int rowShorts = (int) (raw.step() / 2);
            for (int v = 0; v < height; v++) {
                for (int u = 0; u < width; u++) {
                    int value = d.get((v * downsample) * rowShorts + u * downsample) & 0xffff;
                    depth[v * width + u] = value == 0 ? Float.NaN : (float) (value / DEPTH_FACTOR);
                }
            }
        }
        float[] cam = new float[3 * width * height];
        for (int v = 0; v < height; v++) {
            for (int u = 0; u < width; u++) {
                int p = v * width + u;
                float z = depth[p];
                cam[3 * p] = (float) ((u - intrinsics.cx()) * z / intrinsics.fx());
                cam[3 * p + 1] = (float) ((v - intrinsics.cy()) * z / intrinsics.fy());
                cam[3 * p + 2] = z;
            }
        }
        double[] r = f.pose().rotation();
        double[] t = f.pose().translation();
        float[] world = new float[cam.length];
        for (int p = 0; p < width * height; p++) {
            double x = cam[3 * p], y = cam[3 * p + 1], z = cam[3 * p + 2];
            world[3 * p] = (float) (r[0] * x + r[1] * y + r[2] * z + t[0]);
            world[3 * p + 1] = (float) (r[3] * x + r[4] * y + r[5] * z + t[1]);
            world[3 * p + 2] = (float) (r[6] * x + r[7] * y + r[8] * z + t[2]);
        }
        return new FrameTruth(frameIndex, captureTimeMicros(frameIndex), width, height, rgb, depth,
                cameraNormals(cam, width, height),
                world, new boolean[width * height], f.pose(), intrinsics);
    }

    /**
     * Camera-frame normals from a camera-frame point grid (interleaved xyz, NaN where unknown): cross product of the
     * horizontal and vertical central differences (one-sided at the border), facing the camera; NaN where a
     * neighbour is unknown.
     */
    static float[] cameraNormals(float[] cam, int width, int height) {
        float[] n = new float[cam.length];
        Arrays.fill(n, Float.NaN);
        for (int v = 0; v < height; v++) {
            for (int u = 0; u < width; u++) {
                int p = v * width + u;
                int left = u > 0 ? p - 1 : p, right = u + 1 < width ? p + 1 : p;
                int up = v > 0 ? p - width : p, down = v + 1 < height ? p + width : p;
                if (left == right || up == down) continue;
                double ax = cam[3 * right] - cam[3 * left], ay = cam[3 * right + 1] - cam[3 * left + 1], az = cam[3 * right + 2] - cam[3 * left + 2];
                double bx = cam[3 * down] - cam[3 * up], by = cam[3 * down + 1] - cam[3 * up + 1], bz = cam[3 * down + 2] - cam[3 * up + 2];
                double nx = ay * bz - az * by, ny = az * bx - ax * bz, nz = ax * by - ay * bx;
                double len = Math.sqrt(nx * nx + ny * ny + nz * nz);
                if (!(len > 0) || !Double.isFinite(len)) continue;
                // Face the camera: the normal points against the viewing ray (towards the origin).
                double sign = nx * cam[3 * p] + ny * cam[3 * p + 1] + nz * cam[3 * p + 2] > 0 ? -1 : 1;
                n[3 * p] = (float) (sign * nx / len);
                n[3 * p + 1] = (float) (sign * ny / len);
                n[3 * p + 2] = (float) (sign * nz / len);
            }
        }
        return n;
    }

    /** Non-comment lines split on whitespace, each with at least {@code columns} fields. */
    private static List<String[]> table(Path file, int columns) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("missing TUM index file " + file);
        List<String[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] fields = line.split("\\s+");
            if (fields.length < columns) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s:%d: expected %d fields, got %d",
                        file, i + 1, columns, fields.length));
            }
            try {
                Double.parseDouble(fields[0]);
                if (columns == 8) for (int c = 1; c < 8; c++) Double.parseDouble(fields[c]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s:%d: not a number: %s", file, i + 1, line), e);
            }
            rows.add(fields);
        }
        rows.sort((a, b) -> Double.compare(Double.parseDouble(a[0]), Double.parseDouble(b[0])));
        return rows;
    }

    private static double[] times(List<String[]> rows) {
        double[] t = new double[rows.size()];
        for (int i = 0; i < t.length; i++) t[i] = Double.parseDouble(rows.get(i)[0]);
        return t;
    }

    /** Index of the sorted time nearest to {@code t} if within {@link #MAX_TIME_DIFFERENCE_S}, else -1. */
    static int nearest(double[] sorted, double t) {
        int i = Arrays.binarySearch(sorted, t);
        if (i >= 0) return i;
        int hi = -i - 1, lo = hi - 1;
        int best = -1;
        double bestDt = Double.POSITIVE_INFINITY;
        for (int c : new int[] {lo, hi}) {
            if (c < 0 || c >= sorted.length) continue;
            double dt = Math.abs(sorted[c] - t);
            if (dt < bestDt) {
                bestDt = dt;
                best = c;
            }
        }
        return bestDt <= MAX_TIME_DIFFERENCE_S ? best : -1;
    }
}
