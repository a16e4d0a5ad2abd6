package io.geostream.geometry;

/** Trajectory accuracy metrics in the TUM / evo convention. */
public final class TrajectoryMetrics {
    private TrajectoryMetrics() {}

    /**
     * Absolute trajectory error after one least-squares Sim(3) alignment (like {@code evo_ape -as}).
     *
     * @param rmse               RMS of |truth_i - alignment(estimate_i)|, in the truth's units
     * @param pathLength         sum of distances between consecutive true positions
     * @param rmseOverPathLength rmse / pathLength (NaN when the true path has zero length)
     * @param alignment          the similarity mapping the estimate onto the truth
     */
    public record AteResult(double rmse, double pathLength, double rmseOverPathLength, Sim3 alignment) {}

    /**
     * ATE of estimated camera positions against true ones (same order, same length, N >= 3). A
     * straight-line trajectory is accepted (the rotation about the line does not change the error).
     *
     * @throws IllegalArgumentException for mismatched, too short or non-finite input, or when either
     *                                  trajectory does not move at all
     */
    public static AteResult ate(double[][] estimatedPositions, double[][] truePositions) {
        Sim3 alignment = Umeyama.fitAllowingCollinear(estimatedPositions, truePositions);
        double rmse = Umeyama.rmsResidual(alignment, estimatedPositions, truePositions);
        double path = 0;
        for (int i = 1; i < truePositions.length; i++) {
            double dx = truePositions[i][0] - truePositions[i - 1][0];
            double dy = truePositions[i][1] - truePositions[i - 1][1];
            double dz = truePositions[i][2] - truePositions[i - 1][2];
            path += Math.sqrt(dx * dx + dy * dy + dz * dz);
        }
        return new AteResult(rmse, path, path > 0 ? rmse / path : Double.NaN, alignment);
    }
}
