package io.geostream.geometry;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * A homogeneous least-squares system A h = 0 (a DLT's) kept as its normal matrix A^T A, row by row, and solved for the
 * unit h that minimises |A h|: 2n rows of 12 (a projection matrix) need 12 x 12 doubles, not 24 n.
 */
final class NormalEquations {
    private NormalEquations() {}

    /** Adds {@code row}'s outer product to the {@code size} x {@code size} normal matrix {@code ata} (A^T A, row by row). */
    static void accumulate(double[] ata, double[] row, int size) {
        for (int a = 0; a < size; a++) {
            double ra = row[a];
            if (ra == 0) continue;
            for (int b = 0; b < size; b++) ata[size * a + b] += ra * row[b];
        }
    }

    /** The right singular vector of the smallest singular value of a symmetric PSD matrix, or null. */
    static double[] nullVector(double[] ata, int size) {
        if (!Mat3.allFinite(ata)) return null;
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(size, size, false, true, false);
        if (!svd.decompose(new DMatrixRMaj(size, size, true, ata))) return null;
        double[] sv = svd.getSingularValues();
        int min = 0;
        for (int i = 1; i < size; i++) if (sv[i] < sv[min]) min = i;
        DMatrixRMaj v = svd.getV(null, false);
        double[] out = new double[size];
        for (int i = 0; i < size; i++) out[i] = v.get(i, min);
        return out;
    }
}
