package io.geostream.model.simulated;

import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import io.geostream.synthetic.DeterministicRandom;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TruthSource;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A MEASURING INSTRUMENT, not a model: for streams produced by the synthetic camera (whose
 * {@link SceneSpec} travels in the clip attribute {@link SceneSpec#ATTRIBUTE_KEY}) it re-renders the
 * exact geometry and degrades it the way a clip-local geometry model would, so that everything after
 * the model (stitching, pose recovery, metrics) can be tested against known truth. It never looks at
 * the pixels.
 *
 * <p>Output, per the {@link GeometryModel} contract, is in the clip's FIRST slot's camera frame, then
 * per clip: a gauge (scale log-uniform in [0.5, 2], random rotation and translation by default), an
 * intra-clip drift (a rigid error about each slot's camera growing with the slot), a depth bias depth^(1+b),
 * Gaussian noise along each pixel's ray (1 % of its depth), 2 % outliers (ray distance times U(0.5, 2)),
 * a 3 degree RMS tilt of the normals, one extra displacement per clip for pixels on moving objects,
 * and a confidence in (0, 1] that follows the error imperfectly (outliers are confident half the time).
 * See {@link SimulatedModelSettings}. The realistic preset ({@link ErrorModel#REALISTIC}) adds the terms of
 * {@link RealisticErrors} (a smooth depth error field, a wrong focal length, scale jitter, biased drift, flying
 * pixels, heavy-tailed normals, errors shared between clips, weak confidence) through {@link RealisticDegradation}.
 *
 * <p>Determinism: all randomness comes from a stable 64-bit hash of (stream id, segment id, clip id)
 * and is drawn in slot and pixel order, so the same clip gives identical bytes whatever was predicted
 * before, on one platform. Across platforms the bytes may differ in rare last bits of a float: the per-pixel
 * terms use {@link Math#pow}, {@link Math#exp} and {@link DeterministicRandom#nextGaussianIntrinsicLog()} (the JIT's
 * intrinsics, which may differ from {@link StrictMath} by an ulp of a double), for speed. Not thread-safe (it caches scenes and frames), as the contract allows.
 */
public final class SimulatedGeometryModel implements GeometryModel {
    /** The simulated model's identity, as its outputs carry it. */
    public static final ModelInfo INFO = new ModelInfo("simulated", "1", true);
    private static final int MAX_SCENES = 4;
    private static final double LOG_HALF = StrictMath.log(0.5);
    private static final double LOG_TWO = StrictMath.log(2);

    private final SimulatedModelSettings options;
    /** The realistic terms' degradation, or null for the mild model. */
    private final RealisticDegradation realistic;
    /** The one truth sequence this model serves, or null to follow each clip's scene attribute. */
    private final TruthSource fixedSource;
    private final Map<String, SyntheticScene> scenes = new LinkedHashMap<>(8, 0.75f, true);
    private final LinkedHashMap<String, FrameTruth> frames = new LinkedHashMap<>(16, 0.75f, true);
    private long cachedBytes;

    public SimulatedGeometryModel() {
        this(SimulatedModelSettings.defaults());
    }

    public SimulatedGeometryModel(SimulatedModelSettings options) {
        this.options = Objects.requireNonNull(options, "options");
        this.realistic = options.realism().any() ? new RealisticDegradation(options) : null;
        this.fixedSource = null;
    }

    /**
     * A model that serves one recorded truth sequence (e.g. a TUM RGB-D sequence) for every clip, whatever
     * the clip's attributes: frame i of a clip is frame i of {@code source}.
     */
    public SimulatedGeometryModel(SimulatedModelSettings options, TruthSource source) {
        this.options = Objects.requireNonNull(options, "options");
        this.realistic = options.realism().any() ? new RealisticDegradation(options) : null;
        this.fixedSource = Objects.requireNonNull(source, "source");
    }

    @Override
    public ModelInfo info() {
        return INFO;
    }

    public SimulatedModelSettings options() {
        return options;
    }

    @Override
    public ClipGeometry predict(ClipInput clip) throws ModelException {
        if (clip == null) throw new IllegalArgumentException("clip must not be null");
        TruthSource scene = fixedSource != null ? fixedSource : sceneOf(clip);
        if (clip.width() != scene.width() || clip.height() != scene.height()) {
            throw new ModelException(ModelException.Reason.MODEL_INPUT_REJECTED, "clip is " + clip.width() + "x"
                    + clip.height() + " but its truth is " + scene.width() + "x" + scene.height());
        }
        for (ClipInput.Frame frame : clip.frames()) {
            if (frame.frameIndex() < 0 || frame.frameIndex() >= scene.frames()) {
                throw new ModelException(ModelException.Reason.MODEL_INPUT_REJECTED, "frame index " + frame.frameIndex()
                        + " outside the sequence's 0.." + (scene.frames() - 1));
            }
        }
        String key = scene.id();

        DeterministicRandom random = new DeterministicRandom(
                DeterministicRandom.stableHash(clip.streamId(), clip.segmentId(), clip.clipId()));
        Sim3 gauge = drawGauge(random);
        double scale = gauge.scale();
        // One displacement for the clip's moving-object pixels, drawn directly in the output frame.
        double[] shift = randomDirection(random);
        double shiftLength = scale * options.movingDisplacementMax() * random.uniform(0.5, 1);
        for (int i = 0; i < 3; i++) shift[i] *= shiftLength;

        // Intra-clip drift (one axis and direction per clip, growing with the slot) and depth bias.
        double[] driftAxis = randomDirection(random);
        double[] driftDirection = randomDirection(random);
        double bias = options.depthBiasSigma() * random.nextGaussian();
        RealisticDegradation.ClipDraws realisticDraws = null;
        if (realistic != null) {
            realisticDraws = realistic.drawClip(clip.streamId(), clip.segmentId(), clip.clipId(), clip.length());
            driftAxis = realistic.biasedDirection(clip.streamId(), "axis", driftAxis);
            driftDirection = realistic.biasedDirection(clip.streamId(), "direction", driftDirection);
        }

        RigidTransform firstFromWorld = scene.worldFromCamera((int) clip.frames().get(0).frameIndex()).inverse();
        Sim3 outFromWorld = gauge.compose(Sim3.of(firstFromWorld));
        FrameTruth firstTruth = frame(key, scene, (int) clip.frames().get(0).frameIndex());
        double firstDepth = meanDepth(firstTruth);
        double driftStep = scale * options.driftDepthSharePerSlot() * firstDepth;
        // Its own random stream, so the view-change error leaves every other draw as it was.
        DeterministicRandom viewRandom = new DeterministicRandom(
                DeterministicRandom.stableHash(clip.streamId() + "#view", clip.segmentId(), clip.clipId()));
        ReferenceError reference = ReferenceError.draw(options.realism(), clip, firstTruth, firstDepth * scale);
        List<ClipGeometry.FrameGeometry> out = new ArrayList<>(clip.length());
        for (int slot = 0; slot < clip.length(); slot++) {
            ClipInput.Frame frame = clip.frames().get(slot);
            FrameTruth truth = frame(key, scene, (int) frame.frameIndex());
            Sim3 slotFromWorld = outFromWorld;
            if (slot > 0 && (options.driftDegPerSlot() > 0 || driftStep > 0)) {
                // A rigid error about the slot's camera centre: its pose in the clip is off by this much.
                double[] c = outFromWorld.apply(truth.worldFromCamera().center());
                slotFromWorld = aboutCamera(c, Rotations.axisAngle(driftAxis, Math.toRadians(options.driftDegPerSlot() * slot)),
                        slot * driftStep, driftDirection).compose(outFromWorld);
            }
            slotFromWorld = viewError(clip, scene, key, slot, truth, slotFromWorld, viewRandom, firstDepth);
            if (slot > 0 && reference != null) slotFromWorld = reference.apply(truth, slotFromWorld);
            out.add(realistic == null ? degrade(truth, slotFromWorld, shift, bias, random)
                    : realistic.degrade(truth, slotFromWorld, slot, shift, bias, realisticDraws, clip.streamId()));
        }
        return new ClipGeometry(clip.width(), clip.height(), out);
    }

    /**
     * The view-change error ({@link SimulatedModelSettings#viewErrorShare()}): a rigid error about the slot's
     * camera centre, proportional to the view change (angle, and baseline over the clip's mean depth) to
     * the nearest other slot's frame. Frames the clip holds twice (padding) are not a view change.
     */
    private Sim3 viewError(ClipInput clip, TruthSource scene, String key, int slot, FrameTruth truth, Sim3 slotFromWorld,
                           DeterministicRandom viewRandom, double meanDepth) {
        double share = options.viewErrorShare();
        if (share <= 0 || clip.length() < 2) return slotFromWorld;
        RigidTransform pose = truth.worldFromCamera();
        double bestAngle = 0, bestBaseline = 0, bestChange = Double.POSITIVE_INFINITY;
        for (int other = 0; other < clip.length(); other++) {
            long otherIndex = clip.frames().get(other).frameIndex();
            if (otherIndex == clip.frames().get(slot).frameIndex()) continue;
            RigidTransform otherPose = scene.worldFromCamera((int) otherIndex);
            double angle = Math.toRadians(Rotations.angleBetweenDeg(pose.rotation(), otherPose.rotation()));
            double[] a = pose.center(), b = otherPose.center();
            double baseline = Math.sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
            double change = angle + baseline / meanDepth;
            if (change < bestChange) {
                bestChange = change;
                bestAngle = angle;
                bestBaseline = baseline;
            }
        }
        if (!(bestChange > 0) || !Double.isFinite(bestChange)) return slotFromWorld;
        double[] axis = randomDirection(viewRandom);
        double[] direction = randomDirection(viewRandom);
        double[] c = slotFromWorld.apply(pose.center());
        return aboutCamera(c, Rotations.axisAngle(axis, share * bestAngle), share * bestBaseline * slotFromWorld.scale(),
                direction).compose(slotFromWorld);
    }

    /**
     * A rigid error of a slot's pose in the clip: the rotation {@code r} (row-major) about the slot's camera centre
     * {@code c} (clip coordinates), then a shift of {@code length} along the unit {@code direction}. Pre-compose it with the slot's
     * transform.
     */
    static Sim3 aboutCamera(double[] c, double[] r, double length, double[] direction) {
        double[] t = new double[3];
        for (int i = 0; i < 3; i++) {
            t[i] = c[i] + length * direction[i] - (r[3 * i] * c[0] + r[3 * i + 1] * c[1] + r[3 * i + 2] * c[2]);
        }
        return new Sim3(1, r, t);
    }

    private Sim3 drawGauge(DeterministicRandom random) {
        // Always draw the same number of values so options do not shift the rest of the stream.
        double scaleDraw = random.uniform(LOG_HALF, LOG_TWO);
        double[] axis = randomDirection(random);
        double angle = Math.toRadians(options.gaugeRotationMaxDeg()) * random.nextDouble();
        double[] direction = randomDirection(random);
        double length = options.gaugeTranslationMax() * random.nextDouble();
        double scale = options.randomScale() ? StrictMath.exp(scaleDraw) : 1;
        double[] rotation = angle > 0 ? Rotations.axisAngle(axis, angle) : new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
        double[] translation = {scale * length * direction[0], scale * length * direction[1], scale * length * direction[2]};
        return new Sim3(scale, rotation, translation);
    }

    private static double meanDepth(FrameTruth truth) {
        double sum = 0;
        int n = 0;
        for (float d : truth.depth()) {
            if (Float.isFinite(d) && d > 0) {
                sum += d;
                n++;
            }
        }
        return n == 0 ? 1 : sum / n;
    }

    /** A uniformly random unit vector (also the realistic terms' draw). */
    static double[] randomDirection(DeterministicRandom random) {
        double x, y, z, n;
        do {
            x = random.nextGaussian();
            y = random.nextGaussian();
            z = random.nextGaussian();
            n = Math.sqrt(x * x + y * y + z * z);
        } while (n < 1e-9);
        return new double[] {x / n, y / n, z / n};
    }

    /** Truth of one frame into the clip's output frame, with per-pixel errors and confidences. */
    private ClipGeometry.FrameGeometry degrade(FrameTruth truth, Sim3 outFromWorld, double[] movingShift,
                                               double depthBias, DeterministicRandom random) {
        int n = truth.width() * truth.height();
        double s = outFromWorld.scale();
        double[] r = outFromWorld.rotation();
        double[] t = outFromWorld.translation();
        double[] centre = outFromWorld.apply(truth.worldFromCamera().center());
        double[] normalRotation = Rotations.multiply(r, truth.worldFromCamera().rotation()); // camera -> out
        float[] pw = truth.pointsWorld();
        float[] nc = truth.normalsCamera();
        float[] depth = truth.depth();
        boolean[] moving = truth.moving();
        float[] points = new float[3 * n];
        float[] normals = new float[3 * n];
        float[] confidence = new float[n];
        double noise = options.depthNoiseRelative();
        double outliers = options.outlierShare();
        double tiltSigma = Math.toRadians(options.normalTiltRmsDeg()) / Math.sqrt(2);
        for (int p = 0; p < n; p++) {
            double wx = pw[3 * p], wy = pw[3 * p + 1], wz = pw[3 * p + 2];
            double qx = s * (r[0] * wx + r[1] * wy + r[2] * wz) + t[0];
            double qy = s * (r[3] * wx + r[4] * wy + r[5] * wz) + t[1];
            double qz = s * (r[6] * wx + r[7] * wy + r[8] * wz) + t[2];
            if (moving[p]) {
                qx += movingShift[0];
                qy += movingShift[1];
                qz += movingShift[2];
            }
            double rx = qx - centre[0], ry = qy - centre[1], rz = qz - centre[2];
            double trueDistance = Math.sqrt(rx * rx + ry * ry + rz * rz);
            // depth^(1+b) along the ray: the ray distance scales by depth^b (depth in metres). Math.pow, not StrictMath's:
            // the JIT's intrinsic, where StrictMath's Java port of fdlibm was 29 % of this model's CPU in a 64-camera soak;
            // the two differ by at most an ulp of a double, far below the float the point is stored as.
            double distance = depthBias == 0 || !(depth[p] > 0) ? trueDistance : trueDistance * Math.pow(depth[p], depthBias);
            double sigma = noise * s * depth[p];
            double normalisedError = random.nextGaussianIntrinsicLog();
            boolean outlier = outliers > 0 && random.nextDouble() < outliers;
            double newDistance = outlier ? distance * random.uniform(0.5, 2) : distance + sigma * normalisedError;
            double k = trueDistance > 0 ? newDistance / trueDistance : 1;
            points[3 * p] = (float) (centre[0] + k * rx);
            points[3 * p + 1] = (float) (centre[1] + k * ry);
            points[3 * p + 2] = (float) (centre[2] + k * rz);

            double cx = nc[3 * p], cy = nc[3 * p + 1], cz = nc[3 * p + 2];
            double nx = normalRotation[0] * cx + normalRotation[1] * cy + normalRotation[2] * cz;
            double ny = normalRotation[3] * cx + normalRotation[4] * cy + normalRotation[5] * cz;
            double nz = normalRotation[6] * cx + normalRotation[7] * cy + normalRotation[8] * cz;
            if (tiltSigma > 0) {
                double gx = tiltSigma * random.nextGaussianIntrinsicLog(), gy = tiltSigma * random.nextGaussianIntrinsicLog(),
                        gz = tiltSigma * random.nextGaussianIntrinsicLog();
                double along = gx * nx + gy * ny + gz * nz; // keep only the part perpendicular to n
                nx += gx - along * nx;
                ny += gy - along * ny;
                nz += gz - along * nz;
            }
            double norm = Math.sqrt(nx * nx + ny * ny + nz * nz);
            normals[3 * p] = (float) (nx / norm);
            normals[3 * p + 1] = (float) (ny / norm);
            normals[3 * p + 2] = (float) (nz / norm);

            double c;
            if (outlier) {
                c = random.nextDouble() < 0.5 ? random.uniform(0.6, 1.0) : random.uniform(0.02, 0.3);
            } else {
                c = 0.3 + 0.7 * Math.exp(-0.5 * normalisedError * normalisedError) * random.uniform(0.7, 1.0);
            }
            if (moving[p]) c *= 0.5;
            confidence[p] = (float) Math.min(1, Math.max(1e-3, c));
        }
        return new ClipGeometry.FrameGeometry(points, normals, confidence);
    }

    /** A rendered frame from the LRU cache (bounded by {@link SimulatedModelSettings#frameCacheBytes()}). */
    /** The synthetic scene named by the clip's {@link SceneSpec#ATTRIBUTE_KEY} attribute (a few kept). */
    private SyntheticScene sceneOf(ClipInput clip) throws ModelException {
        String encoded = clip.attributes().get(SceneSpec.ATTRIBUTE_KEY);
        if (encoded == null) {
            throw new ModelException(ModelException.Reason.MODEL_INPUT_REJECTED,
                    "clip has no synthetic scene attribute '" + SceneSpec.ATTRIBUTE_KEY + "'; the simulated model"
                            + " only serves synthetic streams");
        }
        SceneSpec spec;
        try {
            spec = SceneSpec.parse(encoded);
        } catch (IllegalArgumentException e) {
            throw new ModelException(ModelException.Reason.MODEL_INPUT_REJECTED, "bad synthetic scene spec: " + e.getMessage(), e);
        }
        SyntheticScene scene = scenes.computeIfAbsent(spec.encode(), k -> new SyntheticScene(spec));
        if (scenes.size() > MAX_SCENES) {
            Iterator<String> eldest = scenes.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
        return scene;
    }

    private FrameTruth frame(String sceneKey, TruthSource scene, int frameIndex) {
        String key = sceneKey + '#' + frameIndex;
        FrameTruth cached = frames.get(key);
        if (cached != null) return cached;
        FrameTruth truth = scene.renderGeometry(frameIndex);
        long bytes = bytesOf(truth);
        if (bytes <= options.frameCacheBytes()) {
            frames.put(key, truth);
            cachedBytes += bytes;
            Iterator<FrameTruth> eldest = frames.values().iterator();
            while (cachedBytes > options.frameCacheBytes() && eldest.hasNext()) {
                cachedBytes -= bytesOf(eldest.next());
                eldest.remove();
            }
        }
        return truth;
    }

    private static long bytesOf(FrameTruth truth) {
        long n = (long) truth.width() * truth.height();
        return (truth.rgb() == null ? 0 : 3 * n) + 4 * n + 12 * n + 12 * n + n + 256;
    }
}
