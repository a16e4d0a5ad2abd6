package io.geostream.geometry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Perspective-n-point for a calibrated pinhole camera: the camera pose from 3-D world points and the
 * pixels where they are seen. Pure Java (EJML), deterministic.
 *
 * <p>How: hypotheses come from a DLT on 6 points (general scenes) and from a plane homography on 4
 * points (walls, floors: the DLT is degenerate for coplanar points), drawn in a seeded RANSAC loop and
 * also computed once from all points; an optional caller prior joins them. The prior and the all-point
 * hypotheses are refined first (Levenberg-Marquardt on the pixel reprojection error with a Cauchy loss,
 * IRLS, on an evenly spread subset of at most 400 points); RANSAC then draws only as many samples as
 * the inlier share found so far calls for (99.9 % confidence), and its best hypothesis is refined the
 * same way. The refined pose with the lowest truncated (MSAC) cost on the subset wins and is refined
 * once more on all its inliers. A few per cent of gross outliers and noisy pixels are tolerated.
 *
 * <p>Not used by the job: OpenCV's PnP ({@link OpenCvPoseEstimator}) fits the same poses 2.1-2.3x faster
 * ({@code geostream bench pose}, docs/benchmarks.md, session 18), so it took every place this one had. It stays as the
 * independent implementation that {@code bench pose} and {@code eval stitching --pose-solver handwritten} check OpenCV's
 * against. What both share is in classes of its own: the result ({@link PoseFit}), the inlier rule and the fewest
 * points ({@link PnpDefaults}), the DLT's normal equations ({@link NormalEquations}, also the intrinsics-free camera's).
 */
public final class PoseEstimator {
    private static final int SCORING_SUBSET = 400;
    private static final int MIN_ITERATIONS = 4;
    private static final int MAX_ITERATIONS = 400;
    private static final long RANSAC_SEED = 0x5EED_F00DL;

    private PoseEstimator() {}

    /** {@link #estimate(double[][], double[][], CameraIntrinsics, RigidTransform, double)} without a prior. */
    public static PoseFit estimate(double[][] worldPoints, double[][] pixels, CameraIntrinsics k) {
        return estimate(worldPoints, pixels, k, null);
    }

    /** Same, with the default inlier threshold: max(2 px, 0.5 % of the image diagonal). */
    public static PoseFit estimate(double[][] worldPoints, double[][] pixels, CameraIntrinsics k,
                                   RigidTransform initialGuessOrNull) {
        if (k == null) throw new IllegalArgumentException("intrinsics must not be null");
        return estimate(worldPoints, pixels, k, initialGuessOrNull, PnpDefaults.inlierThresholdPx(k));
    }

    /**
     * Estimates the pose of the camera that sees {@code worldPoints[i]} at {@code pixels[i]}.
     *
     * @param worldPoints        N points {x, y, z}; rows with non-finite values are skipped
     * @param pixels             N pixels {u, v} (column, row; pixel centres at integers)
     * @param k                  the camera intrinsics
     * @param initialGuessOrNull a prior worldFromCamera pose (e.g. the previous frame's), or null
     * @param inlierThresholdPx  reprojection error in pixels below which a point is an inlier (> 0)
     * @throws IllegalArgumentException for mismatched or malformed input or fewer than {@link PnpDefaults#MIN_POINTS}
     *                                  usable correspondences, or when no pose could be found
     */
    public static PoseFit estimate(double[][] worldPoints, double[][] pixels, CameraIntrinsics k,
                                   RigidTransform initialGuessOrNull, double inlierThresholdPx) {
        if (worldPoints == null || pixels == null) throw new IllegalArgumentException("points must not be null");
        if (k == null) throw new IllegalArgumentException("intrinsics must not be null");
        if (worldPoints.length != pixels.length) {
            throw new IllegalArgumentException(worldPoints.length + " world points but " + pixels.length + " pixels");
        }
        if (!(inlierThresholdPx > 0) || !Double.isFinite(inlierThresholdPx)) {
            throw new IllegalArgumentException("inlier threshold must be positive: " + inlierThresholdPx);
        }
        int total = worldPoints.length;
        double[] world = new double[3 * total];
        double[] normalized = new double[2 * total];
        double[] pix = new double[2 * total];
        int n = 0;
        for (int i = 0; i < total; i++) {
            double[] p = worldPoints[i];
            double[] q = pixels[i];
            if (p == null || p.length != 3) throw new IllegalArgumentException("world point " + i + " must have 3 coordinates");
            if (q == null || q.length != 2) throw new IllegalArgumentException("pixel " + i + " must have 2 coordinates");
            if (!Mat3.allFinite(p) || !Double.isFinite(q[0]) || !Double.isFinite(q[1])) continue;
            System.arraycopy(p, 0, world, 3 * n, 3);
            pix[2 * n] = q[0];
            pix[2 * n + 1] = q[1];
            normalized[2 * n] = (q[0] - k.cx()) / k.fx();
            normalized[2 * n + 1] = (q[1] - k.cy()) / k.fy();
            n++;
        }
        if (n < PnpDefaults.MIN_POINTS) {
            throw new IllegalArgumentException("need at least " + PnpDefaults.MIN_POINTS + " finite correspondences, got " + n);
        }
        Problem problem = new Problem(world, pix, normalized, n, k, inlierThresholdPx);
        return problem.solve(initialGuessOrNull);
    }

    /** One estimation: the data, and the machinery working on camera-from-world poses {R(9), t(3)}. */
    private static final class Problem {
        final double[] world;
        final double[] pix;
        final double[] normalized;
        final int n;
        final CameraIntrinsics k;
        final double threshold;
        final int[] all;
        final int[] scoring;

        Problem(double[] world, double[] pix, double[] normalized, int n, CameraIntrinsics k, double threshold) {
            this.world = world;
            this.pix = pix;
            this.normalized = normalized;
            this.n = n;
            this.k = k;
            this.threshold = threshold;
            this.all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            if (n <= SCORING_SUBSET) {
                scoring = all;
            } else {
                scoring = new int[SCORING_SUBSET];
                for (int i = 0; i < SCORING_SUBSET; i++) scoring[i] = (int) ((long) i * n / SCORING_SUBSET);
            }
        }

        PoseFit solve(RigidTransform prior) {
            List<double[]> candidates = new ArrayList<>();
            if (prior != null) {
                RigidTransform cfw = prior.inverse();
                candidates.add(pose(cfw.rotation(), cfw.translation()));
            }
            addIfValid(candidates, dlt(all));
            addIfValid(candidates, planeHomography(all));

            // The deterministic candidates first: the inlier share the best of them reaches tells RANSAC how
            // many samples it still needs (on clean data, a few instead of a fixed minimum of dozens).
            // Candidates are refined and compared on the scoring subset; the winner's last refinement uses
            // all of its inliers, so the subset costs no accuracy (eval stitching: same ATE to 4 digits).
            double[] best = null;
            double bestCost = Double.POSITIVE_INFINITY;
            for (double[] candidate : candidates) {
                double[] refined = refine(candidate, scoring, threshold);
                double cost = msacCost(refined, scoring);
                if (cost < bestCost) {
                    bestCost = cost;
                    best = refined;
                }
            }
            double knownShare = best == null ? 0 : (double) countInliers(best, scoring) / scoring.length;
            double[] sampled = ransac(knownShare);
            if (sampled != null && Mat3.allFinite(sampled)) {
                double[] refined = refine(sampled, scoring, threshold);
                double cost = msacCost(refined, scoring);
                if (cost < bestCost) {
                    bestCost = cost;
                    best = refined;
                }
            }
            if (best == null) throw new IllegalArgumentException("no camera pose could be estimated from the points");
            // Only the winner is refined again on its inliers with a tighter loss (the candidates mostly
            // converge to the same pose; refining each again would repeat the same work).
            int[] inliers = inliers(best);
            if (inliers.length >= PnpDefaults.MIN_POINTS) {
                best = refine(best, inliers, 0.5 * threshold);
                inliers = inliers(best);
            }
            int[] rmsSet = inliers.length > 0 ? inliers : all;
            double sum = 0;
            for (int i : rmsSet) sum += squaredError(best, i);
            double rms = Math.sqrt(sum / rmsSet.length);
            double[] r = new double[9];
            System.arraycopy(best, 0, r, 0, 9);
            RigidTransform cameraFromWorld = new RigidTransform(r, new double[] {best[9], best[10], best[11]});
            return new PoseFit(cameraFromWorld.inverse(), rms, inliers.length, n);
        }

        private static void addIfValid(List<double[]> list, double[] pose) {
            if (pose != null && Mat3.allFinite(pose)) list.add(pose);
        }

        /**
         * Seeded RANSAC over 6-point DLT and 4-point plane-homography hypotheses; MSAC scoring. It stops once
         * the best inlier share seen (its own hypotheses' or {@code knownShare}, that of a pose found
         * otherwise) implies an all-inlier 6-point sample was drawn with 99.9 % confidence, after at least
         * {@link #MIN_ITERATIONS} and at most {@link #MAX_ITERATIONS} iterations.
         */
        double[] ransac(double knownShare) {
            SplittableRandom random = new SplittableRandom(RANSAC_SEED);
            double[] best = null;
            double bestCost = Double.POSITIVE_INFINITY;
            double bestShare = knownShare;
            int needed = Math.max(MIN_ITERATIONS, iterationsFor(bestShare, 6));
            for (int it = 0; it < Math.min(needed, MAX_ITERATIONS); it++) {
                for (int kind = 0; kind < 2; kind++) {
                    int[] sample = sample(random, kind == 0 ? 6 : 4);
                    double[] hypothesis = kind == 0 ? dlt(sample) : planeHomography(sample);
                    if (hypothesis == null || !Mat3.allFinite(hypothesis)) continue;
                    double cost = msacCost(hypothesis, scoring);
                    if (cost < bestCost) {
                        bestCost = cost;
                        best = hypothesis;
                        double inlierShare = (double) countInliers(hypothesis, scoring) / scoring.length;
                        if (inlierShare > bestShare) {
                            bestShare = inlierShare;
                            needed = Math.max(MIN_ITERATIONS, iterationsFor(bestShare, 6));
                        }
                    }
                }
            }
            return best;
        }

        private static int iterationsFor(double inlierShare, int sampleSize) {
            double good = StrictMath.pow(inlierShare, sampleSize);
            if (good >= 1) return 0;
            if (good <= 1e-9) return MAX_ITERATIONS;
            return (int) Math.ceil(StrictMath.log(1e-3) / StrictMath.log(1 - good));
        }

        private int[] sample(SplittableRandom random, int size) {
            int[] out = new int[size];
            for (int i = 0; i < size; i++) {
                int candidate;
                boolean repeated;
                do {
                    candidate = random.nextInt(n);
                    repeated = false;
                    for (int j = 0; j < i; j++) repeated |= out[j] == candidate;
                } while (repeated);
                out[i] = candidate;
            }
            return out;
        }

        /** Squared pixel reprojection error, or +infinity when the point is not in front of the camera. */
        double squaredError(double[] pose, int i) {
            double x = world[3 * i], y = world[3 * i + 1], z = world[3 * i + 2];
            double cz = pose[6] * x + pose[7] * y + pose[8] * z + pose[11];
            if (!(cz > 1e-12)) return Double.POSITIVE_INFINITY;
            double cx = pose[0] * x + pose[1] * y + pose[2] * z + pose[9];
            double cy = pose[3] * x + pose[4] * y + pose[5] * z + pose[10];
            double du = k.fx() * cx / cz + k.cx() - pix[2 * i];
            double dv = k.fy() * cy / cz + k.cy() - pix[2 * i + 1];
            return du * du + dv * dv;
        }

        double msacCost(double[] pose, int[] indices) {
            double t2 = threshold * threshold;
            double cost = 0;
            for (int i : indices) cost += Math.min(squaredError(pose, i), t2);
            return cost;
        }

        int countInliers(double[] pose, int[] indices) {
            double t2 = threshold * threshold;
            int count = 0;
            for (int i : indices) if (squaredError(pose, i) < t2) count++;
            return count;
        }

        int[] inliers(double[] pose) {
            double t2 = threshold * threshold;
            int[] tmp = new int[n];
            int count = 0;
            for (int i = 0; i < n; i++) if (squaredError(pose, i) < t2) tmp[count++] = i;
            int[] out = new int[count];
            System.arraycopy(tmp, 0, out, 0, count);
            return out;
        }

        /**
         * DLT on normalised image coordinates: P (3x4) with x ~ P X, Hartley-normalised on both sides,
         * then projected onto a rotation. Null when the points do not determine P (e.g. coplanar).
         */
        double[] dlt(int[] idx) {
            if (idx.length < 6) return null;
            double[] wn = worldNormalization(idx);
            double[] in = imageNormalization(idx);
            double[] ata = new double[144];
            double[] row1 = new double[12];
            double[] row2 = new double[12];
            for (int i : idx) {
                double X = (world[3 * i] - wn[0]) * wn[3];
                double Y = (world[3 * i + 1] - wn[1]) * wn[3];
                double Z = (world[3 * i + 2] - wn[2]) * wn[3];
                double u = (normalized[2 * i] - in[0]) * in[2];
                double v = (normalized[2 * i + 1] - in[1]) * in[2];
                accumulateProjectionRows(ata, row1, row2, new double[] {X, Y, Z, 1}, u, v);
            }
            double[] p = NormalEquations.nullVector(ata, 12);
            if (p == null) return null;
            // Undo the normalisations: P = Timg^-1 P' Tworld.
            double[] pw = new double[12];
            for (int r = 0; r < 3; r++) {
                double a = p[4 * r], b = p[4 * r + 1], c = p[4 * r + 2], d = p[4 * r + 3];
                pw[4 * r] = a * wn[3];
                pw[4 * r + 1] = b * wn[3];
                pw[4 * r + 2] = c * wn[3];
                pw[4 * r + 3] = d - wn[3] * (a * wn[0] + b * wn[1] + c * wn[2]);
            }
            double s = 1 / in[2];
            double[] full = new double[12];
            for (int c = 0; c < 4; c++) {
                full[c] = s * pw[c] + in[0] * pw[8 + c];
                full[4 + c] = s * pw[4 + c] + in[1] * pw[8 + c];
                full[8 + c] = pw[8 + c];
            }
            double[] m = {full[0], full[1], full[2], full[4], full[5], full[6], full[8], full[9], full[10]};
            if (Mat3.det(m) < 0) {
                for (int i = 0; i < 12; i++) full[i] = -full[i];
                for (int i = 0; i < 9; i++) m[i] = -m[i];
            }
            Mat3.Svd svd = Mat3.svd(m);
            double sigma = (svd.s()[0] + svd.s()[1] + svd.s()[2]) / 3;
            if (!(sigma > 0) || svd.s()[2] <= 1e-9 * svd.s()[0]) return null;
            double[] r = Mat3.rotationFromSvd(svd);
            return pose(r, new double[] {full[3] / sigma, full[7] / sigma, full[11] / sigma});
        }

        /**
         * Pose from the homography between the best-fit plane of the selected world points and their
         * normalised image coordinates (exact for coplanar points, an approximation otherwise).
         */
        double[] planeHomography(int[] idx) {
            if (idx.length < 4) return null;
            double[] centroid = new double[3];
            for (int i : idx) for (int c = 0; c < 3; c++) centroid[c] += world[3 * i + c];
            for (int c = 0; c < 3; c++) centroid[c] /= idx.length;
            double[] scatter = new double[9];
            for (int i : idx) {
                double[] d = {world[3 * i] - centroid[0], world[3 * i + 1] - centroid[1], world[3 * i + 2] - centroid[2]};
                for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) scatter[3 * a + b] += d[a] * d[b];
            }
            Mat3.Svd svd = Mat3.svd(scatter);
            if (!(svd.s()[1] > 1e-12 * Math.max(svd.s()[0], 1e-300))) return null;
            double[] u = svd.u();
            double[] e1 = {u[0], u[3], u[6]};
            double[] e2 = {u[1], u[4], u[7]};
            double[] e3 = cross(e1, e2);
            int m = idx.length;
            double[] a = new double[m];
            double[] b = new double[m];
            double spread = 0;
            for (int j = 0; j < m; j++) {
                int i = idx[j];
                double[] d = {world[3 * i] - centroid[0], world[3 * i + 1] - centroid[1], world[3 * i + 2] - centroid[2]};
                a[j] = dot(d, e1);
                b[j] = dot(d, e2);
                spread += a[j] * a[j] + b[j] * b[j];
            }
            double planeScale = Math.sqrt(2 * m / spread);
            double[] in = imageNormalization(idx);
            double[] ata = new double[81];
            double[] row1 = new double[9];
            double[] row2 = new double[9];
            for (int j = 0; j < m; j++) {
                int i = idx[j];
                double pa = a[j] * planeScale, pb = b[j] * planeScale;
                double x = (normalized[2 * i] - in[0]) * in[2];
                double y = (normalized[2 * i + 1] - in[1]) * in[2];
                accumulateProjectionRows(ata, row1, row2, new double[] {pa, pb, 1}, x, y);
            }
            double[] hn = NormalEquations.nullVector(ata, 9);
            if (hn == null) return null;
            // H = Timg^-1 H' diag(planeScale, planeScale, 1)
            double s = 1 / in[2];
            double[] h = new double[9];
            for (int c = 0; c < 3; c++) {
                double colScale = c < 2 ? planeScale : 1;
                h[c] = (s * hn[c] + in[0] * hn[6 + c]) * colScale;
                h[3 + c] = (s * hn[3 + c] + in[1] * hn[6 + c]) * colScale;
                h[6 + c] = hn[6 + c] * colScale;
            }
            double[] h1 = {h[0], h[3], h[6]};
            double[] h2 = {h[1], h[4], h[7]};
            double[] h3 = {h[2], h[5], h[8]};
            double lambda = 0.5 * (norm(h1) + norm(h2));
            if (!(lambda > 0)) return null;
            if (h3[2] < 0) lambda = -lambda; // the plane's centroid must be in front of the camera
            double[] r1 = scale(h1, 1 / lambda);
            double[] r2 = scale(h2, 1 / lambda);
            double[] r3 = cross(r1, r2);
            double[] q = Rotations.orthonormalize(new double[] {
                r1[0], r2[0], r3[0], r1[1], r2[1], r3[1], r1[2], r2[2], r3[2]});
            double[] tPlane = scale(h3, 1 / lambda);
            double[] basisT = {e1[0], e1[1], e1[2], e2[0], e2[1], e2[2], e3[0], e3[1], e3[2]}; // E^T
            double[] r = Mat3.mul(q, basisT);
            double[] rc = Mat3.mulVec(r, centroid);
            return pose(r, new double[] {tPlane[0] - rc[0], tPlane[1] - rc[1], tPlane[2] - rc[2]});
        }

        /** {cx, cy, cz, 1/scale}: centroid and inverse RMS distance/sqrt(3) of the selected world points. */
        private double[] worldNormalization(int[] idx) {
            double[] c = new double[3];
            for (int i : idx) for (int j = 0; j < 3; j++) c[j] += world[3 * i + j];
            for (int j = 0; j < 3; j++) c[j] /= idx.length;
            double ss = 0;
            for (int i : idx) {
                for (int j = 0; j < 3; j++) {
                    double d = world[3 * i + j] - c[j];
                    ss += d * d;
                }
            }
            double rms = Math.sqrt(ss / (3 * idx.length));
            return new double[] {c[0], c[1], c[2], rms > 0 ? 1 / rms : 1};
        }

        /** {mx, my, 1/scale} for the selected normalised image coordinates. */
        private double[] imageNormalization(int[] idx) {
            double mx = 0, my = 0;
            for (int i : idx) {
                mx += normalized[2 * i];
                my += normalized[2 * i + 1];
            }
            mx /= idx.length;
            my /= idx.length;
            double ss = 0;
            for (int i : idx) {
                double dx = normalized[2 * i] - mx, dy = normalized[2 * i + 1] - my;
                ss += dx * dx + dy * dy;
            }
            double rms = Math.sqrt(ss / (2 * idx.length));
            return new double[] {mx, my, rms > 0 ? 1 / rms : 1};
        }

        /**
         * Levenberg-Marquardt on the Cauchy-robustified reprojection error over {@code idx}. The pose is
         * updated as R <- exp([w]x) R, t <- t + dt.
         */
        double[] refine(double[] start, int[] idx, double cauchyScale) {
            double[] pose = start.clone();
            double c2 = cauchyScale * cauchyScale;
            double cost = robustCost(pose, idx, c2);
            double lambda = 1e-3;
            double[] h = new double[36];
            double[] g = new double[6];
            double[] jr = new double[6];
            double[] jc = new double[6];
            for (int iteration = 0; iteration < 100 && cost > 0; iteration++) {
                Arrays.fill(h, 0);
                Arrays.fill(g, 0);
                for (int i : idx) {
                    double x = world[3 * i], y = world[3 * i + 1], z = world[3 * i + 2];
                    double rx = pose[0] * x + pose[1] * y + pose[2] * z;
                    double ry = pose[3] * x + pose[4] * y + pose[5] * z;
                    double rz = pose[6] * x + pose[7] * y + pose[8] * z;
                    double px = rx + pose[9], py = ry + pose[10], pz = rz + pose[11];
                    if (!(pz > 1e-12)) continue;
                    double iz = 1 / pz;
                    double du = k.fx() * px * iz + k.cx() - pix[2 * i];
                    double dv = k.fy() * py * iz + k.cy() - pix[2 * i + 1];
                    double weight = 1 / (1 + (du * du + dv * dv) / c2);
                    // d(proj)/dp
                    double a0 = k.fx() * iz, a2 = -k.fx() * px * iz * iz;
                    double b1 = k.fy() * iz, b2 = -k.fy() * py * iz * iz;
                    // dp/dw = -[R X]x ; dp/dt = I
                    // -[r]x = [[0, rz, -ry], [-rz, 0, rx], [ry, -rx, 0]]
                    jr[0] = a2 * ry;
                    jr[1] = a0 * rz - a2 * rx;
                    jr[2] = -a0 * ry;
                    jr[3] = a0;
                    jr[4] = 0;
                    jr[5] = a2;
                    jc[0] = -b1 * rz + b2 * ry;
                    jc[1] = -b2 * rx;
                    jc[2] = b1 * rx;
                    jc[3] = 0;
                    jc[4] = b1;
                    jc[5] = b2;
                    for (int a = 0; a < 6; a++) {
                        g[a] += weight * (jr[a] * du + jc[a] * dv);
                        for (int b = a; b < 6; b++) h[6 * a + b] += weight * (jr[a] * jr[b] + jc[a] * jc[b]);
                    }
                }
                for (int a = 0; a < 6; a++) for (int b = 0; b < a; b++) h[6 * a + b] = h[6 * b + a];
                boolean improved = false;
                while (lambda < 1e12) {
                    double[] damped = h.clone();
                    for (int a = 0; a < 6; a++) damped[7 * a] += lambda * Math.max(h[7 * a], 1e-12);
                    double[] step = solve6(damped, g);
                    if (step == null) {
                        lambda *= 10;
                        continue;
                    }
                    double[] candidate = update(pose, step);
                    double candidateCost = robustCost(candidate, idx, c2);
                    if (candidateCost < cost) {
                        double stepNorm = 0;
                        for (double s : step) stepNorm = Math.max(stepNorm, Math.abs(s));
                        // Converged when the step or the relative cost decrease is negligible; going on until no step
                        // decreases the cost at all spent most of the time in ~20 rejected, ever more damped steps.
                        boolean converged = stepNorm < 1e-12 || (cost - candidateCost) < 1e-10 * cost;
                        pose = candidate;
                        cost = candidateCost;
                        lambda = Math.max(lambda / 10, 1e-12);
                        improved = !converged;
                        break;
                    }
                    lambda *= 10;
                }
                if (!improved) break;
            }
            return pose;
        }

        private double robustCost(double[] pose, int[] idx, double c2) {
            double cost = 0;
            for (int i : idx) {
                double e2 = squaredError(pose, i);
                cost += Double.isFinite(e2) ? StrictMath.log1p(e2 / c2) : 60; // behind the camera: a large constant
            }
            return cost;
        }

        /** Applies the Gauss-Newton increment -d, where d solves (H + damping) d = J^T W r. */
        private static double[] update(double[] pose, double[] d) {
            double[] dr = expSo3(-d[0], -d[1], -d[2]);
            double[] r = new double[9];
            System.arraycopy(pose, 0, r, 0, 9);
            return pose(Mat3.mul(dr, r), new double[] {pose[9] - d[3], pose[10] - d[4], pose[11] - d[5]});
        }
    }

    /** Packs a camera-from-world pose as {R (9, row-major), t (3)}. */
    private static double[] pose(double[] r, double[] t) {
        double[] p = new double[12];
        System.arraycopy(r, 0, p, 0, 9);
        System.arraycopy(t, 0, p, 9, 3);
        return p;
    }

    /** The rotation exp([w]x) (Rodrigues, with a Taylor expansion for tiny angles). */
    private static double[] expSo3(double wx, double wy, double wz) {
        double theta2 = wx * wx + wy * wy + wz * wz;
        double theta = Math.sqrt(theta2);
        double a;
        double b;
        if (theta < 1e-6) {
            a = 1 - theta2 / 6;
            b = 0.5 - theta2 / 24;
        } else {
            a = StrictMath.sin(theta) / theta;
            b = (1 - StrictMath.cos(theta)) / theta2;
        }
        // R = I + a [w]x + b [w]x^2
        return new double[] {
            1 + b * (-wy * wy - wz * wz), -a * wz + b * wx * wy, a * wy + b * wx * wz,
            a * wz + b * wx * wy, 1 + b * (-wx * wx - wz * wz), -a * wx + b * wy * wz,
            -a * wy + b * wx * wz, a * wx + b * wy * wz, 1 + b * (-wx * wx - wy * wy)};
    }

    /** Solves the 6x6 system a x = b by Gaussian elimination with partial pivoting; null if singular. */
    private static double[] solve6(double[] a, double[] b) {
        double[] m = a.clone();
        double[] x = b.clone();
        for (int col = 0; col < 6; col++) {
            int pivot = col;
            for (int r = col + 1; r < 6; r++) if (Math.abs(m[6 * r + col]) > Math.abs(m[6 * pivot + col])) pivot = r;
            if (!(Math.abs(m[6 * pivot + col]) > 1e-300)) return null;
            if (pivot != col) {
                for (int c = 0; c < 6; c++) {
                    double tmp = m[6 * col + c];
                    m[6 * col + c] = m[6 * pivot + c];
                    m[6 * pivot + c] = tmp;
                }
                double tmp = x[col];
                x[col] = x[pivot];
                x[pivot] = tmp;
            }
            for (int r = col + 1; r < 6; r++) {
                double f = m[6 * r + col] / m[6 * col + col];
                if (f == 0) continue;
                for (int c = col; c < 6; c++) m[6 * r + c] -= f * m[6 * col + c];
                x[r] -= f * x[col];
            }
        }
        for (int r = 5; r >= 0; r--) {
            double s = x[r];
            for (int c = r + 1; c < 6; c++) s -= m[6 * r + c] * x[c];
            x[r] = s / m[6 * r + r];
        }
        for (double v : x) if (!Double.isFinite(v)) return null;
        return x;
    }

    private static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    private static double dot(double[] a, double[] b) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static double[] scale(double[] a, double s) {
        return new double[] {a[0] * s, a[1] * s, a[2] * s};
    }

    /**
     * Adds the two DLT equations of one correspondence, h (homogeneous source point, length n) seen at
     * image point (u, v): [h 0 -u h] and [0 h -v h], to the normal matrix {@code ata} (3n x 3n).
     */
    private static void accumulateProjectionRows(double[] ata, double[] row1, double[] row2, double[] h, double u, double v) {
        int n = h.length;
        for (int c = 0; c < n; c++) {
            row1[c] = h[c];
            row1[n + c] = 0;
            row1[2 * n + c] = -u * h[c];
            row2[c] = 0;
            row2[n + c] = h[c];
            row2[2 * n + c] = -v * h[c];
        }
        NormalEquations.accumulate(ata, row1, 3 * n);
        NormalEquations.accumulate(ata, row2, 3 * n);
    }
}
