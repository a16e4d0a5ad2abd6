package io.geostream.geometry;

import java.io.Serializable;
import java.util.Arrays;

/**
 * An immutable rigid motion x -> R x + t (R a rotation stored row-major in 9 numbers, t 3 numbers).
 *
 * <p>Naming convention used across the project: a transform called {@code worldFromCamera} maps a
 * point in camera coordinates to world coordinates; its translation is then the camera centre in
 * the world ({@link #center()}) and its rotation's columns are the camera axes in the world.
 */
public final class RigidTransform implements Serializable {
    private static final long serialVersionUID = 1L;
    /** How far R R^T may be from I; loose enough for rotations that went through float storage. */
    private static final double ORTHONORMAL_TOLERANCE = 1e-4;
    private static final RigidTransform IDENTITY = new RigidTransform(Mat3.identity(), new double[3]);

    private final double[] rotation;
    private final double[] translation;

    /**
     * @param rotation    row-major 3x3 rotation (orthonormal within 1e-4, determinant +1); copied
     * @param translation 3 numbers; copied
     */
    public RigidTransform(double[] rotation, double[] translation) {
        Rotations.requireMatrix(rotation, "rotation");
        if (translation == null || translation.length != 3 || !Mat3.allFinite(translation)) {
            throw new IllegalArgumentException("translation must be 3 finite numbers");
        }
        double err = Mat3.orthonormalityError(rotation);
        if (err > ORTHONORMAL_TOLERANCE || Mat3.det(rotation) < 0) {
            throw new IllegalArgumentException("rotation is not a proper rotation (|R R^T - I| = " + err
                    + ", det = " + Mat3.det(rotation) + ")");
        }
        this.rotation = rotation.clone();
        this.translation = translation.clone();
    }

    /** The identity transform. */
    public static RigidTransform identity() {
        return IDENTITY;
    }

    /** A transform from a quaternion {x, y, z, w} (normalised here) and a translation. */
    public static RigidTransform fromQuaternion(double[] quaternionXyzw, double[] translation) {
        if (quaternionXyzw == null || quaternionXyzw.length != 4) {
            throw new IllegalArgumentException("quaternion must be 4 numbers {x, y, z, w}");
        }
        return new RigidTransform(Rotations.fromQuaternion(quaternionXyzw[0], quaternionXyzw[1],
                quaternionXyzw[2], quaternionXyzw[3]), translation);
    }

    /** The rotation, row-major (a copy). */
    public double[] rotation() {
        return rotation.clone();
    }

    /** The translation (a copy). */
    public double[] translation() {
        return translation.clone();
    }

    /** The rotation as a unit quaternion {x, y, z, w} with w >= 0. */
    public double[] quaternion() {
        return Rotations.toQuaternion(rotation);
    }

    /**
     * The origin of the source frame expressed in the target frame, i.e. the translation. For a
     * {@code worldFromCamera} transform this is the camera centre in world coordinates.
     */
    public double[] center() {
        return translation.clone();
    }

    /** R p + t. */
    public double[] apply(double[] p) {
        requirePoint(p);
        double[] q = Mat3.mulVec(rotation, p);
        q[0] += translation[0];
        q[1] += translation[1];
        q[2] += translation[2];
        return q;
    }

    /** R v (directions and normals: no translation). */
    public double[] rotate(double[] v) {
        requirePoint(v);
        return Mat3.mulVec(rotation, v);
    }

    /** The inverse motion x -> R^T (x - t). */
    public RigidTransform inverse() {
        double[] rt = Mat3.transpose(rotation);
        double[] ti = Mat3.mulVec(rt, translation);
        return new RigidTransform(rt, new double[] {-ti[0], -ti[1], -ti[2]}, true);
    }

    /**
     * Composition: {@code a.compose(b)} maps x -> a(b(x)), i.e. b is applied FIRST. With the
     * {@code targetFromSource} naming this chains as {@code worldFromA.compose(aFromB) == worldFromB}.
     */
    public RigidTransform compose(RigidTransform inner) {
        if (inner == null) throw new IllegalArgumentException("inner transform must not be null");
        double[] r = Mat3.mul(rotation, inner.rotation);
        double[] t = Mat3.mulVec(rotation, inner.translation);
        t[0] += translation[0];
        t[1] += translation[1];
        t[2] += translation[2];
        return new RigidTransform(r, t, true);
    }

    /** Trusted constructor for results of operations on valid transforms (no re-validation). */
    private RigidTransform(double[] rotation, double[] translation, boolean trusted) {
        this.rotation = rotation;
        this.translation = translation;
    }

    static void requirePoint(double[] p) {
        if (p == null || p.length != 3) throw new IllegalArgumentException("a point must have 3 coordinates");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RigidTransform other
                && Arrays.equals(rotation, other.rotation) && Arrays.equals(translation, other.translation);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(rotation) + Arrays.hashCode(translation);
    }

    @Override
    public String toString() {
        return "RigidTransform{R=" + Arrays.toString(rotation) + ", t=" + Arrays.toString(translation) + "}";
    }
}
