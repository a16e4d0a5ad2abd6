package io.geostream.geometry;

/**
 * Rotation helpers on 3x3 matrices stored row-major in {@code double[9]}, and on unit quaternions
 * stored as {@code {x, y, z, w}} (Hamilton convention, the ROS / Eigen / Foxglove layout).
 *
 * <p>Trigonometry goes through {@link StrictMath} so that callers that need bit-identical results on
 * every JVM (the synthetic renderer) can rely on these helpers.
 */
public final class Rotations {
    private Rotations() {}

    /**
     * The unit quaternion {x, y, z, w} of a rotation matrix, with {@code w >= 0} (the representative
     * of q and -q chosen so that it is unique). The input is assumed to be a rotation; it is not
     * re-orthonormalised, but the result is normalised.
     */
    public static double[] toQuaternion(double[] r) {
        requireMatrix(r, "r");
        double r00 = r[0], r01 = r[1], r02 = r[2];
        double r10 = r[3], r11 = r[4], r12 = r[5];
        double r20 = r[6], r21 = r[7], r22 = r[8];
        double trace = r00 + r11 + r22;
        double x, y, z, w;
        // Shepperd's method: divide by the largest of the four candidate magnitudes for stability.
        if (trace > 0) {
            double s = Math.sqrt(trace + 1.0) * 2;
            w = 0.25 * s;
            x = (r21 - r12) / s;
            y = (r02 - r20) / s;
            z = (r10 - r01) / s;
        } else if (r00 > r11 && r00 > r22) {
            double s = Math.sqrt(1.0 + r00 - r11 - r22) * 2;
            w = (r21 - r12) / s;
            x = 0.25 * s;
            y = (r01 + r10) / s;
            z = (r02 + r20) / s;
        } else if (r11 > r22) {
            double s = Math.sqrt(1.0 + r11 - r00 - r22) * 2;
            w = (r02 - r20) / s;
            x = (r01 + r10) / s;
            y = 0.25 * s;
            z = (r12 + r21) / s;
        } else {
            double s = Math.sqrt(1.0 + r22 - r00 - r11) * 2;
            w = (r10 - r01) / s;
            x = (r02 + r20) / s;
            y = (r12 + r21) / s;
            z = 0.25 * s;
        }
        double n = Math.sqrt(x * x + y * y + z * z + w * w);
        if (!(n > 0) || !Double.isFinite(n)) {
            throw new IllegalArgumentException("matrix is not a rotation (quaternion norm " + n + ")");
        }
        double sign = w < 0 ? -1 : 1;
        return new double[] {sign * x / n, sign * y / n, sign * z / n, sign * w / n};
    }

    /** The rotation matrix of quaternion (x, y, z, w); the quaternion is normalised first. */
    public static double[] fromQuaternion(double x, double y, double z, double w) {
        double n = Math.sqrt(x * x + y * y + z * z + w * w);
        if (!Double.isFinite(n) || !(n > 1e-12)) {
            throw new IllegalArgumentException("quaternion must be finite and non-zero: "
                    + x + "," + y + "," + z + "," + w);
        }
        x /= n;
        y /= n;
        z /= n;
        w /= n;
        return new double[] {
            1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
            2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
            2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)};
    }

    /** The rotation by {@code radians} about {@code axis} (right-hand rule; the axis is normalised). */
    public static double[] axisAngle(double[] axis, double radians) {
        if (axis == null || axis.length != 3 || !Mat3.allFinite(axis)) {
            throw new IllegalArgumentException("axis must be 3 finite numbers");
        }
        if (!Double.isFinite(radians)) throw new IllegalArgumentException("angle must be finite: " + radians);
        double n = Math.sqrt(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
        if (!(n > 1e-12)) throw new IllegalArgumentException("axis must be non-zero");
        double half = 0.5 * radians;
        double s = StrictMath.sin(half) / n;
        return fromQuaternion(axis[0] * s, axis[1] * s, axis[2] * s, StrictMath.cos(half));
    }

    /** The angle in degrees, in [0, 180], of the relative rotation r1^T r2. */
    public static double angleBetweenDeg(double[] r1, double[] r2) {
        requireMatrix(r1, "r1");
        requireMatrix(r2, "r2");
        double[] d = Mat3.mul(Mat3.transpose(r1), r2);
        // atan2 of sin and cos parts stays accurate near 0 and 180 degrees, unlike acos of the trace.
        double c = 0.5 * (d[0] + d[4] + d[8] - 1);
        double sx = d[7] - d[5], sy = d[2] - d[6], sz = d[3] - d[1];
        double s = 0.5 * Math.sqrt(sx * sx + sy * sy + sz * sz);
        return Math.toDegrees(StrictMath.atan2(s, c));
    }

    /** The matrix product a b. */
    public static double[] multiply(double[] a, double[] b) {
        requireMatrix(a, "a");
        requireMatrix(b, "b");
        return Mat3.mul(a, b);
    }

    /** The transpose (for a rotation: the inverse). */
    public static double[] transpose(double[] r) {
        requireMatrix(r, "r");
        return Mat3.transpose(r);
    }

    /** The rotation nearest to {@code m} in the Frobenius norm (U V^T from its SVD, reflection removed). */
    public static double[] orthonormalize(double[] m) {
        requireMatrix(m, "m");
        return Mat3.rotationFromSvd(Mat3.svd(m));
    }

    static void requireMatrix(double[] m, String name) {
        if (m == null || m.length != 9) {
            throw new IllegalArgumentException(name + " must be a row-major 3x3 matrix (9 numbers)");
        }
        if (!Mat3.allFinite(m)) throw new IllegalArgumentException(name + " has non-finite entries");
    }

    /** The rotation vector (axis times angle in radians, angle in [0, pi]) of a rotation matrix. */
    public static double[] toRotationVector(double[] r) {
        double[] q = toQuaternion(r); // x, y, z, w
        double x = q[0], y = q[1], z = q[2], w = q[3];
        if (w < 0) {
            x = -x;
            y = -y;
            z = -z;
            w = -w;
        }
        double sin = Math.sqrt(x * x + y * y + z * z);
        if (sin < 1e-12) return new double[] {2 * x, 2 * y, 2 * z}; // small angle: angle ~ 2 sin(angle / 2)
        double angle = 2 * Math.atan2(sin, w);
        return new double[] {x / sin * angle, y / sin * angle, z / sin * angle};
    }

    /** The rotation matrix of a rotation vector (axis times angle in radians). */
    public static double[] fromRotationVector(double[] v) {
        double angle = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        if (angle < 1e-15) return new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
        return axisAngle(new double[] {v[0] / angle, v[1] / angle, v[2] / angle}, angle);
    }
}
