package io.geostream.eval;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;

import java.util.ArrayList;
import java.util.List;

/**
 * Held-out clips with their true geometry for a model evaluation ({@code geostream eval model}), at a model's size, and
 * the scoring of a model's output or a baseline on them with {@link ClipGeometryAccuracy}.
 *
 * <p>Synthetic clips: {@link SyntheticScene} with the {@link TrajectoryKind#ORBIT} camera (never in the training set;
 * its 60 degree field of view is a held-out value too), rendered directly at the model size, consecutive frames at the
 * scene's frame rate, {@code clips} clips per seed spread over one lap of the orbit. TUM clips: a recorded sequence at
 * full resolution as the model's input (the model resizes it, {@code resize: stretch}); the truth is its depth resampled
 * to the model size by nearest neighbour, back-projected with the intrinsics stretched the same way
 * ({@link CameraIntrinsics#scaledTo}), normals from that point grid ({@link TumSequence}'s construction).
 *
 * <p>Truth of a clip, per frame: the points seen at each pixel and their normals (facing the camera) in the FIRST
 * frame's camera coordinates (optical: +x right, +y down, +z forward), as the model contract asks of a model, and the
 * frame's camera centre there; NaN where there is no truth (a depth sensor's holes).
 */
public final class ModelEvaluation {
    /** The clip length for a package that takes any length (then the nearest length its temporal compression takes). */
    public static final int DEFAULT_CLIP_FRAMES = 9;
    /** The synthetic scenes' camera path: held out of training. */
    public static final TrajectoryKind TRAJECTORY = TrajectoryKind.ORBIT;

    private ModelEvaluation() {}

    /**
     * One clip to evaluate on.
     *
     * @param id         e.g. {@code seed1-clip0} or {@code tum-clip0}
     * @param input      the frames as the model gets them (any size: the model resizes them to its own)
     * @param intrinsics the true intrinsics at the model size (the truth's size)
     * @param points     per frame, the true points in the clip's first-frame camera (interleaved xyz; NaN where unknown)
     * @param normals    per frame, the true unit normals in the same frame, facing the camera (NaN where unknown)
     * @param centres    per frame, the true camera centre in the same frame
     * @param firstFrame the sequence's index of the clip's first frame
     */
    public record EvalClip(String id, ClipInput input, CameraIntrinsics intrinsics, List<float[]> points,
                           List<float[]> normals, List<double[]> centres, int firstFrame) {
        public int width() {
            return intrinsics.width();
        }

        public int height() {
            return intrinsics.height();
        }

        public int frames() {
            return points.size();
        }
    }

    /**
     * First frames of the synthetic clips of a seed: {@code clips} clips {@code max(T, round(lap x fps / clips))} frames
     * apart, so they spread over one lap of the orbit (24 s) and never overlap.
     */
    public static List<Integer> syntheticStarts(int clipFrames, int clips, double fps) {
        requirePositive(clipFrames, clips);
        int spacing = (int) Math.max(clipFrames, Math.round(SyntheticScene.ORBIT_PERIOD_S * fps / clips));
        List<Integer> starts = new ArrayList<>();
        for (int k = 0; k < clips; k++) starts.add(k * spacing);
        return starts;
    }

    /**
     * The synthetic clips of one seed at {@code width x height}: scene {@code SceneSpec(seed, width, height, ..., ORBIT,
     * no moving objects, fps)}, clips at {@link #syntheticStarts}. The same seed gives the same views at every size.
     */
    public static List<EvalClip> synthetic(long seed, int width, int height, int clipFrames, int clips, double fps) {
        return synthetic(seed, width, height, clipFrames, clips, fps, 1);
    }

    /**
     * As {@link #synthetic(long, int, int, int, int, double)}, the model's input rendered {@code inputScale} times
     * larger in each direction (as a camera of more pixels than the model takes: the model resizes it), the truth at
     * {@code width x height}. The same seed gives the same views at every size, so input and truth see the same scene.
     */
    public static List<EvalClip> synthetic(long seed, int width, int height, int clipFrames, int clips, double fps,
                                           int inputScale) {
        if (inputScale < 1 || inputScale > 16) throw new IllegalArgumentException("inputScale must be in [1, 16], got " + inputScale);
        List<Integer> starts = syntheticStarts(clipFrames, clips, fps);
        int frames = starts.get(starts.size() - 1) + clipFrames;
        SyntheticScene scene = new SyntheticScene(new SceneSpec(seed, width, height, frames, TRAJECTORY, 0.0, fps));
        SyntheticScene camera = inputScale == 1 ? scene
                : new SyntheticScene(new SceneSpec(seed, inputScale * width, inputScale * height, frames, TRAJECTORY, 0.0, fps));
        String stream = "eval-seed" + seed;
        List<EvalClip> out = new ArrayList<>();
        for (int k = 0; k < starts.size(); k++) {
            int start = starts.get(k);
            RigidTransform firstFromWorld = scene.worldFromCamera(start).inverse();
            List<ClipInput.Frame> inputs = new ArrayList<>();
            List<float[]> points = new ArrayList<>(), normals = new ArrayList<>();
            List<double[]> centres = new ArrayList<>();
            for (int i = start; i < start + clipFrames; i++) {
                FrameTruth t = scene.render(i);
                FrameTruth seen = camera == scene ? t : camera.render(i);
                inputs.add(new ClipInput.Frame(i, seen.captureTimeMicros(), seen.rgb(), seen.intrinsics(), false));
                points.add(transformPoints(firstFromWorld, t.pointsWorld()));
                normals.add(rotate(firstFromWorld.compose(t.worldFromCamera()), t.normalsCamera()));
                centres.add(firstFromWorld.apply(t.worldFromCamera().center()));
            }
            ClipInput input = new ClipInput(stream, 0, k, inputScale * width, inputScale * height, inputs, null);
            out.add(new EvalClip("seed" + seed + "-clip" + k, input, scene.intrinsics(), points, normals, centres, start));
        }
        return out;
    }

    /** First frames of {@code clips} clips of T frames spread evenly over a sequence of {@code available} frames. */
    public static List<Integer> evenStarts(int available, int clipFrames, int clips) {
        requirePositive(clipFrames, clips);
        if (available < clipFrames) {
            throw new IllegalArgumentException("the sequence has " + available + " frames, a clip needs " + clipFrames);
        }
        int room = available - clipFrames;
        List<Integer> starts = new ArrayList<>();
        for (int k = 0; k < clips; k++) {
            int s = clips == 1 ? 0 : (int) Math.round((double) k * room / (clips - 1));
            if (!starts.contains(s)) starts.add(s);
        }
        return starts;
    }

    /**
     * The clips of a TUM sequence (opened at full resolution) with their truth at {@code width x height}: {@link
     * #evenStarts}; the frames go to the model as recorded.
     */
    public static List<EvalClip> tum(TumSequence sequence, int width, int height, int clipFrames, int clips) {
        List<Integer> starts = evenStarts(sequence.frames(), clipFrames, clips);
        CameraIntrinsics source = sequence.intrinsics();
        CameraIntrinsics k = source.scaledTo(width, height);
        List<EvalClip> out = new ArrayList<>();
        for (int c = 0; c < starts.size(); c++) {
            int start = starts.get(c);
            RigidTransform firstFromWorld = sequence.worldFromCamera(start).inverse();
            List<ClipInput.Frame> inputs = new ArrayList<>();
            List<float[]> points = new ArrayList<>(), normals = new ArrayList<>();
            List<double[]> centres = new ArrayList<>();
            for (int i = start; i < start + clipFrames; i++) {
                FrameTruth t = sequence.render(i);
                inputs.add(new ClipInput.Frame(i, t.captureTimeMicros(), t.rgb(), source, false));
                float[] camera = GeometryBaselines.backProject(k, nearestDepth(t.depth(), t.width(), t.height(), width, height));
                RigidTransform firstFromCamera = firstFromWorld.compose(t.worldFromCamera());
                points.add(transformPoints(firstFromCamera, camera));
                normals.add(rotate(firstFromCamera, TumSequence.cameraNormals(camera, width, height)));
                centres.add(firstFromWorld.apply(t.worldFromCamera().center()));
            }
            ClipInput input = new ClipInput("eval-tum", 0, c, sequence.width(), sequence.height(), inputs, null);
            out.add(new EvalClip("tum-clip" + c, input, k, points, normals, centres, start));
        }
        return out;
    }

    /**
     * A depth map resampled to {@code width x height} by nearest neighbour under the stretch convention (pixel centres at
     * integer coordinates, outer edges shared): model pixel x takes source pixel floor((x + 0.5) srcW / W).
     */
    public static float[] nearestDepth(float[] depth, int srcWidth, int srcHeight, int width, int height) {
        if (depth.length != srcWidth * srcHeight) throw new IllegalArgumentException("depth map does not match its size");
        float[] out = new float[width * height];
        for (int v = 0; v < height; v++) {
            int sv = Math.min(srcHeight - 1, (int) Math.floor((v + 0.5) * srcHeight / height));
            for (int u = 0; u < width; u++) {
                int su = Math.min(srcWidth - 1, (int) Math.floor((u + 0.5) * srcWidth / width));
                out[v * width + u] = depth[sv * srcWidth + su];
            }
        }
        return out;
    }

    /**
     * Scores a model's output for the clip.
     *
     * @throws IllegalArgumentException when the output's size or frame count differs from the truth's
     */
    public static ClipGeometryAccuracy.Scores score(EvalClip clip, ClipGeometry predicted) {
        if (predicted.width() != clip.width() || predicted.height() != clip.height()) {
            throw new IllegalArgumentException("clip " + clip.id() + ": the prediction is " + predicted.width() + "x"
                    + predicted.height() + " but the truth is " + clip.width() + "x" + clip.height());
        }
        if (predicted.frames().size() != clip.frames()) {
            throw new IllegalArgumentException("clip " + clip.id() + ": the prediction has " + predicted.frames().size()
                    + " frames, the clip " + clip.frames());
        }
        List<float[]> points = new ArrayList<>(), normals = new ArrayList<>();
        for (ClipGeometry.FrameGeometry f : predicted.frames()) {
            points.add(f.pointMap());
            normals.add(f.normals());
        }
        return ClipGeometryAccuracy.score(clip.width(), clip.height(), points, normals, clip.points(), clip.normals(),
                clip.centres());
    }

    /** Scores a baseline's prediction (the same maps for every frame) for the clip. */
    public static ClipGeometryAccuracy.Scores score(EvalClip clip, GeometryBaselines.Prediction predicted) {
        if (predicted.width() != clip.width() || predicted.height() != clip.height()) {
            throw new IllegalArgumentException("clip " + clip.id() + ": the baseline is " + predicted.width() + "x"
                    + predicted.height() + " but the truth is " + clip.width() + "x" + clip.height());
        }
        return ClipGeometryAccuracy.score(clip.width(), clip.height(), predicted.pointsPerFrame(clip.frames()),
                predicted.normalsPerFrame(clip.frames()), clip.points(), clip.normals(), clip.centres());
    }

    static float[] transformPoints(RigidTransform t, float[] xyz) {
        double[] r = t.rotation(), c = t.translation();
        float[] out = new float[xyz.length];
        for (int p = 0; p + 2 < xyz.length; p += 3) {
            double x = xyz[p], y = xyz[p + 1], z = xyz[p + 2];
            out[p] = (float) (r[0] * x + r[1] * y + r[2] * z + c[0]);
            out[p + 1] = (float) (r[3] * x + r[4] * y + r[5] * z + c[1]);
            out[p + 2] = (float) (r[6] * x + r[7] * y + r[8] * z + c[2]);
        }
        return out;
    }

    static float[] rotate(RigidTransform t, float[] xyz) {
        double[] r = t.rotation();
        float[] out = new float[xyz.length];
        for (int p = 0; p + 2 < xyz.length; p += 3) {
            double x = xyz[p], y = xyz[p + 1], z = xyz[p + 2];
            out[p] = (float) (r[0] * x + r[1] * y + r[2] * z);
            out[p + 1] = (float) (r[3] * x + r[4] * y + r[5] * z);
            out[p + 2] = (float) (r[6] * x + r[7] * y + r[8] * z);
        }
        return out;
    }

    private static void requirePositive(int clipFrames, int clips) {
        if (clipFrames < 1) throw new IllegalArgumentException("clip length must be >= 1, got " + clipFrames);
        if (clips < 1) throw new IllegalArgumentException("clips must be >= 1, got " + clips);
    }
}
