package io.geostream.model.simulated;

import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Sim3;
import io.geostream.model.ClipGeometry;
import io.geostream.synthetic.DeterministicRandom;
import io.geostream.synthetic.FrameTruth;

/**
 * Degrades one frame's truth with the {@link RealisticErrors} terms on top of the mild model's (the caller has
 * already composed the gauge, drift and view error into the slot's transform). Per pixel, in the frame's camera:
 * the true point is moved onto the ray of the clip's wrong focal length, its ray distance multiplied by the smooth
 * depth field, the slot's scale jitter, the depth bias and per-pixel noise (or an outlier factor, or pulled towards
 * a neighbour across a depth edge), then mapped into the clip's output frame; normals are tilted by a heavy-tailed
 * angle.
 *
 * <p>Two clips that predict the same frame share part of its errors: the depth field and the pixel noise are
 * sqrt(rho) times a part seeded by (stream, frame) plus sqrt(1 - rho) times a part seeded by the clip.
 */
final class RealisticDegradation {
    /** Waves per smooth field. */
    private static final int WAVES = 6;
    /** Highest spatial frequency of a wave, in cycles across the image. */
    private static final double MAX_CYCLES = 1.5;
    /** A 4-neighbour whose depth differs by more than this share makes a pixel a depth-edge pixel. */
    private static final double EDGE_JUMP = 0.10;
    private static final double TAIL_MIN_DEG = 20, TAIL_MAX_DEG = 90;

    private final SimulatedModelSettings options;
    private final RealisticErrors terms;

    RealisticDegradation(SimulatedModelSettings options) {
        this.options = options;
        this.terms = options.realism();
    }

    /** What is drawn once per clip. */
    record ClipDraws(double focalError, double[] slotScale, SmoothField clipField, DeterministicRandom pixels) {}

    ClipDraws drawClip(String streamId, long segmentId, long clipId, int slots) {
        DeterministicRandom r = new DeterministicRandom(DeterministicRandom.stableHash(streamId + "#realistic", segmentId, clipId));
        double magnitude = r.uniform(terms.focalErrorMin(), terms.focalErrorMax());
        double focal = r.nextDouble() < 0.5 ? -magnitude : magnitude;
        double[] slotScale = new double[slots];
        for (int k = 0; k < slots; k++) {
            double g = r.nextGaussian();
            slotScale[k] = k == 0 ? 1 : Math.max(0.5, 1 + terms.frameScaleJitter() * g);
        }
        return new ClipDraws(focal, slotScale, SmoothField.draw(r), r);
    }

    /**
     * The drift axis (or direction) with the sequence's systematic part mixed in: a model errs the same way in
     * every clip of a sequence, not only at random.
     */
    double[] biasedDirection(String streamId, String what, double[] clipDirection) {
        double b = terms.driftBias();
        if (b <= 0) return clipDirection;
        DeterministicRandom r = new DeterministicRandom(DeterministicRandom.stableHash(streamId + "#bias-" + what, 0, 0));
        double[] sequence = SimulatedGeometryModel.randomDirection(r);
        double[] mixed = new double[3];
        for (int i = 0; i < 3; i++) mixed[i] = b * sequence[i] + (1 - b) * clipDirection[i];
        double n = Math.sqrt(mixed[0] * mixed[0] + mixed[1] * mixed[1] + mixed[2] * mixed[2]);
        if (!(n > 1e-9)) return clipDirection;
        for (int i = 0; i < 3; i++) mixed[i] /= n;
        return mixed;
    }

    ClipGeometry.FrameGeometry degrade(FrameTruth truth, Sim3 slotFromWorld, int slot, double[] movingShift, double depthBias,
                                       ClipDraws clip, String streamId) {
        int w = truth.width(), h = truth.height(), n = w * h;
        double rho = terms.sharedFrameCorrelation();
        double shared = Math.sqrt(rho), own = Math.sqrt(1 - rho);
        float[] field = fieldOf(clip.clipField(), streamId, truth.frameIndex(), w, h, shared, own);
        DeterministicRandom frameNoise = new DeterministicRandom(
                DeterministicRandom.stableHash(streamId + "#noise", truth.frameIndex(), 0));
        DeterministicRandom random = clip.pixels();

        RigidTransform wc = truth.worldFromCamera();
        Sim3 outFromCamera = slotFromWorld.compose(Sim3.of(wc));
        double s = outFromCamera.scale();
        double[] r = outFromCamera.rotation(), t = outFromCamera.translation();
        double[] rw = wc.rotation(), cw = wc.center();
        float[] pw = truth.pointsWorld(), nc = truth.normalsCamera(), depth = truth.depth();
        boolean[] moving = truth.moving();
        float[] points = new float[3 * n], normals = new float[3 * n];
        float[] confidence = terms.confidence() == ConfidenceMode.NONE ? null : new float[n];
        double focalScale = 1 / (1 + clip.focalError());
        double slotScale = clip.slotScale()[Math.min(slot, clip.slotScale().length - 1)];
        double noise = options.depthNoiseRelative(), outliers = options.outlierShare();
        double coreSigma = Math.toRadians(terms.normalCoreDeg());
        for (int p = 0; p < n; p++) {
            // The true point in the frame's camera.
            double dx = pw[3 * p] - cw[0], dy = pw[3 * p + 1] - cw[1], dz = pw[3 * p + 2] - cw[2];
            double x = rw[0] * dx + rw[3] * dy + rw[6] * dz;
            double y = rw[1] * dx + rw[4] * dy + rw[7] * dz;
            double z = rw[2] * dx + rw[5] * dy + rw[8] * dz;
            // Off the true ray: the same pixel and depth seen through the clip's wrong focal length.
            x *= focalScale;
            y *= focalScale;

            double pixelNoise = shared * frameNoise.nextGaussianIntrinsicLog() + own * random.nextGaussianIntrinsicLog();
            boolean outlier = outliers > 0 && random.nextDouble() < outliers;
            double flying = flyingFactor(depth, w, h, p, random);
            double m = Math.exp(terms.depthFieldSigma() * field[p]) * slotScale;
            if (depthBias != 0 && depth[p] > 0) m *= Math.pow(depth[p], depthBias); // the intrinsic (SimulatedGeometryModel.degrade)
            m *= outlier ? random.uniform(0.5, 2) : 1 + noise * pixelNoise;
            m *= flying;
            x *= m;
            y *= m;
            z *= m;
            double qx = s * (r[0] * x + r[1] * y + r[2] * z) + t[0];
            double qy = s * (r[3] * x + r[4] * y + r[5] * z) + t[1];
            double qz = s * (r[6] * x + r[7] * y + r[8] * z) + t[2];
            if (moving[p]) {
                qx += movingShift[0];
                qy += movingShift[1];
                qz += movingShift[2];
            }
            points[3 * p] = (float) qx;
            points[3 * p + 1] = (float) qy;
            points[3 * p + 2] = (float) qz;

            double cx = nc[3 * p], cy = nc[3 * p + 1], cz = nc[3 * p + 2];
            double nx = r[0] * cx + r[1] * cy + r[2] * cz;
            double ny = r[3] * cx + r[4] * cy + r[5] * cz;
            double nz = r[6] * cx + r[7] * cy + r[8] * cz;
            double angle = random.nextDouble() < terms.normalTailShare()
                    ? Math.toRadians(random.uniform(TAIL_MIN_DEG, TAIL_MAX_DEG))
                    : coreSigma * Math.sqrt(-2 * Math.log(1 - random.nextDouble()));
            double gx = random.nextGaussianIntrinsicLog(), gy = random.nextGaussianIntrinsicLog(), gz = random.nextGaussianIntrinsicLog();
            double along = gx * nx + gy * ny + gz * nz;
            gx -= along * nx;
            gy -= along * ny;
            gz -= along * nz;
            double gn = Math.sqrt(gx * gx + gy * gy + gz * gz);
            if (gn > 1e-12 && angle > 0) {
                double c = Math.cos(angle), sn = Math.sin(angle) / gn;
                nx = c * nx + sn * gx;
                ny = c * ny + sn * gy;
                nz = c * nz + sn * gz;
            }
            double norm = Math.sqrt(nx * nx + ny * ny + nz * nz);
            normals[3 * p] = (float) (nx / norm);
            normals[3 * p + 1] = (float) (ny / norm);
            normals[3 * p + 2] = (float) (nz / norm);

            if (confidence != null) {
                double fit = Math.exp(-0.5 * pixelNoise * pixelNoise) * (outlier || flying != 1 ? 0.2 : 1);
                double c = terms.confidence() == ConfidenceMode.INFORMATIVE
                        ? 0.3 + 0.7 * fit * random.uniform(0.7, 1.0)
                        : 0.3 + 0.7 * (0.25 * fit + 0.75 * random.nextDouble());
                if (moving[p]) c *= 0.5;
                confidence[p] = (float) Math.min(1, Math.max(1e-3, c));
            }
        }
        return new ClipGeometry.FrameGeometry(points, normals, confidence);
    }

    /**
     * A pixel on a depth edge (a 4-neighbour more than 10 % nearer or farther) flies, with the configured share: its
     * depth is pulled 20-80 % of the way to that neighbour's, as a network that regresses depth smooths the edge.
     */
    private double flyingFactor(float[] depth, int w, int h, int p, DeterministicRandom random) {
        if (terms.flyingPixelShare() <= 0) return 1;
        double d = depth[p];
        if (!(d > 0)) return 1;
        int u = p % w, v = p / w;
        double neighbour = Double.NaN, jump = EDGE_JUMP;
        int[] candidates = {u > 0 ? p - 1 : -1, u < w - 1 ? p + 1 : -1, v > 0 ? p - w : -1, v < h - 1 ? p + w : -1};
        for (int q : candidates) {
            if (q < 0 || !(depth[q] > 0)) continue;
            double rel = Math.abs(depth[q] - d) / Math.min(depth[q], d);
            if (rel > jump) {
                jump = rel;
                neighbour = depth[q];
            }
        }
        if (Double.isNaN(neighbour) || random.nextDouble() >= terms.flyingPixelShare()) return 1;
        double alpha = random.uniform(0.2, 0.8);
        return (1 - alpha) + alpha * neighbour / d;
    }

    /**
     * The frame's depth field: its clip's part and the part all clips share for this frame, which changes smoothly
     * with the frame index (two seeded fields at knots every {@link RealisticErrors#depthFieldFrames()} frames,
     * cross-faded with cos/sin weights so the variance stays 1).
     */
    private float[] fieldOf(SmoothField clipField, String streamId, int frameIndex, int w, int h, double shared, double own) {
        double length = terms.depthFieldFrames();
        long knot = (long) Math.floor(frameIndex / length);
        double phase = (frameIndex / length - knot) * Math.PI / 2;
        SmoothField a = SmoothField.draw(new DeterministicRandom(DeterministicRandom.stableHash(streamId + "#field", knot, 0)));
        SmoothField b = SmoothField.draw(new DeterministicRandom(DeterministicRandom.stableHash(streamId + "#field", knot + 1, 0)));
        float[] out = clipField.sample(w, h, own);
        a.addTo(out, w, h, shared * Math.cos(phase));
        b.addTo(out, w, h, shared * Math.sin(phase));
        return out;
    }

    /**
     * A sum of {@link #WAVES} plane waves over the image (up to {@link #MAX_CYCLES} cycles across it) with random
     * phases and Gaussian amplitudes scaled to unit variance. Evaluated separably: cos(a + b) = cos a cos b - sin a sin b.
     */
    record SmoothField(double[] kx, double[] ky, double[] phase, double[] amplitude) {
        static SmoothField draw(DeterministicRandom r) {
            double[] kx = new double[WAVES], ky = new double[WAVES], phase = new double[WAVES], amplitude = new double[WAVES];
            for (int i = 0; i < WAVES; i++) {
                kx[i] = r.uniform(-MAX_CYCLES, MAX_CYCLES);
                ky[i] = r.uniform(-MAX_CYCLES, MAX_CYCLES);
                phase[i] = r.uniform(0, 2 * Math.PI);
                amplitude[i] = r.nextGaussian() * Math.sqrt(2.0 / WAVES);
            }
            return new SmoothField(kx, ky, phase, amplitude);
        }

        float[] sample(int w, int h, double weight) {
            float[] out = new float[w * h];
            addTo(out, w, h, weight);
            return out;
        }

        void addTo(float[] out, int w, int h, double weight) {
            if (weight == 0) return;
            double[] cu = new double[w], su = new double[w], cv = new double[h], sv = new double[h];
            for (int i = 0; i < WAVES; i++) {
                double a = weight * amplitude[i];
                for (int u = 0; u < w; u++) {
                    double arg = 2 * Math.PI * kx[i] * u / w + phase[i];
                    cu[u] = Math.cos(arg);
                    su[u] = Math.sin(arg);
                }
                for (int v = 0; v < h; v++) {
                    double arg = 2 * Math.PI * ky[i] * v / h;
                    cv[v] = Math.cos(arg);
                    sv[v] = Math.sin(arg);
                }
                for (int v = 0; v < h; v++) {
                    int row = v * w;
                    for (int u = 0; u < w; u++) out[row + u] += (float) (a * (cu[u] * cv[v] - su[u] * sv[v]));
                }
            }
        }
    }
}
