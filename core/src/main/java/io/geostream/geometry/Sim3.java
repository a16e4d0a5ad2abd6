package io.geostream.geometry;

import java.io.Serializable;
import java.util.Arrays;

/**
 * An immutable similarity x -> s R x + t (scale s > 0, R a rotation row-major in 9 numbers, t 3
 * numbers). Used to bring one clip's gauge (scale, rotation, origin) onto another's.
 */
public final class Sim3 implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final double ORTHONORMAL_TOLERANCE = 1e-4;
    private static final Sim3 IDENTITY = new Sim3(1, Mat3.identity(), new double[3], true);

    private final double scale;
    private final double[] rotation;
    private final double[] translation;

    /**
     * @param scale       finite, positive
     * @param rotation    row-major 3x3 rotation (orthonormal within 1e-4, determinant +1); copied
     * @param translation 3 finite numbers; copied
     */
    public Sim3(double scale, double[] rotation, double[] translation) {
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite and positive: " + scale);
        }
        Rotations.requireMatrix(rotation, "rotation");
        if (translation == null || translation.length != 3 || !Mat3.allFinite(translation)) {
            throw new IllegalArgumentException("translation must be 3 finite numbers");
        }
        double err = Mat3.orthonormalityError(rotation);
        if (err > ORTHONORMAL_TOLERANCE || Mat3.det(rotation) < 0) {
            throw new IllegalArgumentException("rotation is not a proper rotation (|R R^T - I| = " + err + ")");
        }
        this.scale = scale;
        this.rotation = rotation.clone();
        this.translation = translation.clone();
    }

    private Sim3(double scale, double[] rotation, double[] translation, boolean trusted) {
        this.scale = scale;
        this.rotation = rotation;
        this.translation = translation;
    }

    /** The identity similarity. */
    public static Sim3 identity() {
        return IDENTITY;
    }

    /** The similarity with scale 1 and the rigid transform's rotation and translation. */
    public static Sim3 of(RigidTransform rigid) {
        if (rigid == null) throw new IllegalArgumentException("rigid transform must not be null");
        return new Sim3(1, rigid.rotation(), rigid.translation(), true);
    }

    public double scale() {
        return scale;
    }

    /** The rotation, row-major (a copy). */
    public double[] rotation() {
        return rotation.clone();
    }

    /** The translation (a copy). */
    public double[] translation() {
        return translation.clone();
    }

    /** s R p + t. */
    public double[] apply(double[] p) {
        RigidTransform.requirePoint(p);
        double[] q = Mat3.mulVec(rotation, p);
        return new double[] {scale * q[0] + translation[0], scale * q[1] + translation[1], scale * q[2] + translation[2]};
    }

    /** The inverse x -> (1/s) R^T (x - t). */
    public Sim3 inverse() {
        double[] rt = Mat3.transpose(rotation);
        double[] ti = Mat3.mulVec(rt, translation);
        double inv = 1.0 / scale;
        return new Sim3(inv, rt, new double[] {-inv * ti[0], -inv * ti[1], -inv * ti[2]}, true);
    }

    /** Composition: {@code a.compose(b)} maps x -> a(b(x)), i.e. b is applied FIRST. */
    public Sim3 compose(Sim3 inner) {
        if (inner == null) throw new IllegalArgumentException("inner similarity must not be null");
        double[] r = Mat3.mul(rotation, inner.rotation);
        double[] t = Mat3.mulVec(rotation, inner.translation);
        return new Sim3(scale * inner.scale, r, new double[] {
            scale * t[0] + translation[0], scale * t[1] + translation[1], scale * t[2] + translation[2]}, true);
    }

    /**
     * Applies the similarity to interleaved points (x, y, z, x, y, z, ...), returning a new array. A
     * point with any non-finite coordinate comes out as (NaN, NaN, NaN).
     */
    public float[] applyToPoints(float[] xyzInterleaved) {
        return transformInterleaved(xyzInterleaved, scale, translation);
    }

    /**
     * Rotates interleaved vectors (normals, directions) by R only (no scale, no translation),
     * returning a new array. A vector with any non-finite component comes out as NaN.
     */
    public float[] rotateVectors(float[] xyzInterleaved) {
        return transformInterleaved(xyzInterleaved, 1.0, ZERO);
    }

    private static final double[] ZERO = {0, 0, 0};

    /** x -> s R x + t on interleaved triples; any non-finite triple becomes (NaN, NaN, NaN). */
    private float[] transformInterleaved(float[] xyzInterleaved, double s, double[] t) {
        requireInterleaved(xyzInterleaved);
        float[] out = new float[xyzInterleaved.length];
        double[] r = rotation;
        for (int i = 0; i < out.length; i += 3) {
            float x = xyzInterleaved[i], y = xyzInterleaved[i + 1], z = xyzInterleaved[i + 2];
            if (!Float.isFinite(x) || !Float.isFinite(y) || !Float.isFinite(z)) {
                out[i] = out[i + 1] = out[i + 2] = Float.NaN;
                continue;
            }
            out[i] = (float) (s * (r[0] * x + r[1] * y + r[2] * z) + t[0]);
            out[i + 1] = (float) (s * (r[3] * x + r[4] * y + r[5] * z) + t[1]);
            out[i + 2] = (float) (s * (r[6] * x + r[7] * y + r[8] * z) + t[2]);
        }
        return out;
    }

    /**
     * The pose of a camera after this similarity is applied to its world: rotation R Rc and centre
     * s R c + t (a similarity does not scale the camera's own axes, so the result stays rigid).
     *
     * @param worldFromCamera the camera pose in the source world
     * @return the camera pose in the target world
     */
    public RigidTransform transformPose(RigidTransform worldFromCamera) {
        if (worldFromCamera == null) throw new IllegalArgumentException("pose must not be null");
        double[] r = Mat3.mul(rotation, worldFromCamera.rotation());
        return new RigidTransform(r, apply(worldFromCamera.center()));
    }

    private static void requireInterleaved(float[] a) {
        if (a == null || a.length % 3 != 0) {
            throw new IllegalArgumentException("expected interleaved xyz floats (length a multiple of 3)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sim3 other && Double.compare(scale, other.scale) == 0
                && Arrays.equals(rotation, other.rotation) && Arrays.equals(translation, other.translation);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Double.hashCode(scale) + Arrays.hashCode(rotation)) + Arrays.hashCode(translation);
    }

    @Override
    public String toString() {
        return "Sim3{s=" + scale + ", R=" + Arrays.toString(rotation) + ", t=" + Arrays.toString(translation) + "}";
    }
}
