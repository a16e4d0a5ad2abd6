package io.geostream.geometry;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/** Package-private 3x3 helpers on row-major double[9] arrays; callers validate arguments. */
final class Mat3 {
    private Mat3() {}

    static double[] identity() {
        return new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
    }

    static double[] mul(double[] a, double[] b) {
        double[] c = new double[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                c[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
            }
        }
        return c;
    }

    static double[] transpose(double[] a) {
        return new double[] {a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]};
    }

    static double[] mulVec(double[] a, double[] v) {
        return new double[] {
            a[0] * v[0] + a[1] * v[1] + a[2] * v[2],
            a[3] * v[0] + a[4] * v[1] + a[5] * v[2],
            a[6] * v[0] + a[7] * v[1] + a[8] * v[2]};
    }

    static double det(double[] a) {
        return a[0] * (a[4] * a[8] - a[5] * a[7])
                - a[1] * (a[3] * a[8] - a[5] * a[6])
                + a[2] * (a[3] * a[7] - a[4] * a[6]);
    }

    static boolean allFinite(double[] a) {
        for (double v : a) {
            if (!Double.isFinite(v)) return false;
        }
        return true;
    }

    /** Largest absolute entry of R R^T - I. */
    static double orthonormalityError(double[] r) {
        double[] p = mul(r, transpose(r));
        double err = 0;
        for (int i = 0; i < 9; i++) {
            double target = (i % 4 == 0) ? 1 : 0;
            err = Math.max(err, Math.abs(p[i] - target));
        }
        return err;
    }

    /** Singular value decomposition a = U diag(s) V^T with s descending. */
    record Svd(double[] u, double[] s, double[] v) {}

    static Svd svd(double[] a) {
        SingularValueDecomposition_F64<DMatrixRMaj> dec = DecompositionFactory_DDRM.svd(3, 3, true, true, false);
        DMatrixRMaj m = new DMatrixRMaj(3, 3, true, a);
        if (!dec.decompose(m)) {
            throw new IllegalArgumentException("SVD of a 3x3 matrix failed (non-finite entries?)");
        }
        DMatrixRMaj u = dec.getU(null, false);
        DMatrixRMaj v = dec.getV(null, false);
        DMatrixRMaj w = dec.getW(null);
        SingularOps_DDRM.descendingOrder(u, false, w, v, false);
        return new Svd(u.data.clone(), new double[] {w.get(0, 0), w.get(1, 1), w.get(2, 2)}, v.data.clone());
    }

    /** U diag(1, 1, det(U V^T)) V^T: the rotation closest to U V^T given the SVD of some matrix. */
    static double[] rotationFromSvd(Svd svd) {
        double[] vt = transpose(svd.v());
        double d = det(svd.u()) * det(svd.v()) < 0 ? -1 : 1;
        double[] ud = svd.u().clone();
        ud[2] *= d;
        ud[5] *= d;
        ud[8] *= d;
        return mul(ud, vt);
    }
}
