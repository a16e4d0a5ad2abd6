package io.geostream.loop;

import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.DMatrixSparseCSC;
import org.ejml.data.DMatrixSparseTriplet;
import org.ejml.interfaces.linsol.LinearSolverSparse;
import org.ejml.ops.DConvertMatrixStruct;
import org.ejml.sparse.FillReducing;
import org.ejml.sparse.csc.factory.LinearSolverFactory_DSCC;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Sim(3) pose graph: nodes are keyframe cameras (world-from-camera similarities: a clip-local model's
 * stitched world drifts in scale as well as pose), edges relative measurements between two of them. Node 0
 * is held fixed (it fixes the world frame and its scale), and so is any node added with {@link #addFixedNode} (an
 * anchor: a camera outside the part being solved that an edge still ties to it); the others are moved by Gauss-Newton with right
 * perturbations x -> x exp(d), d = (rotation vector, translation, log scale), minimising the weighted
 * residuals log(Z^-1 Ti^-1 Tj) of all edges. The normal equations are sparse (a chain plus a few loops) and
 * solved with EJML's sparse Cholesky, the unknowns in minimum-degree order ({@link MinimumDegreeOrdering}).
 */
public final class Sim3PoseGraph implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private static final int DOF = 7;
    private static final double STEP = 1e-6;
    private static final double DAMPING = 1e-9;

    /**
     * One relative measurement: {@code iFromJ} maps camera j's coordinates into camera i's.
     *
     * @param weights 3 inverse standard deviations: rotation (per radian), translation (per unit of camera i),
     *                log scale
     */
    public record Edge(int i, int j, Sim3 iFromJ, double[] weights) implements java.io.Serializable {
        public Edge {
            Objects.requireNonNull(iFromJ, "iFromJ");
            if (i == j || i < 0 || j < 0) throw new IllegalArgumentException("an edge joins two different nodes");
            if (weights == null || weights.length != 3) throw new IllegalArgumentException("need 3 weights");
            weights = weights.clone();
        }
    }

    /** Unknowns in minimum-degree order (false: in the order their nodes were added, as before; for tests). */
    private final boolean fillReducing;
    private final List<Sim3> nodes = new ArrayList<>();
    private final List<Edge> edges = new ArrayList<>();
    /**
     * Per node: its index among the free nodes (in the order they were added), or -1 for a fixed node. Its block of
     * DOF unknowns sits at {@code DOF * blockOf[index]} in the normal equations ({@link #eliminationOrder}).
     */
    private final List<Integer> unknown = new ArrayList<>();
    private int freeNodes;

    public Sim3PoseGraph() {
        this(true);
    }

    Sim3PoseGraph(boolean fillReducing) {
        this.fillReducing = fillReducing;
    }

    /** @return the new node's index (node 0 is fixed) */
    public int addNode(Sim3 worldFromCamera) {
        nodes.add(Objects.requireNonNull(worldFromCamera, "worldFromCamera"));
        unknown.add(nodes.size() == 1 ? -1 : freeNodes++);
        return nodes.size() - 1;
    }

    /** Adds a node that the optimisation does not move. @return its index */
    public int addFixedNode(Sim3 worldFromCamera) {
        nodes.add(Objects.requireNonNull(worldFromCamera, "worldFromCamera"));
        unknown.add(-1);
        return nodes.size() - 1;
    }

    public void addEdge(Edge e) {
        if (e.i() >= nodes.size() || e.j() >= nodes.size()) throw new IllegalArgumentException("edge to a missing node");
        edges.add(e);
    }

    public int nodeCount() {
        return nodes.size();
    }

    public int edgeCount() {
        return edges.size();
    }

    public Sim3 node(int i) {
        return nodes.get(i);
    }

    /** Sum of squared weighted residuals. */
    public double cost() {
        double c = 0;
        for (Edge e : edges) {
            double[] r = residual(e, nodes.get(e.i()), nodes.get(e.j()));
            for (double v : r) c += v * v;
        }
        return c;
    }

    /**
     * Gauss-Newton until the cost stops falling (relative change below 1e-9) or {@code maxIterations}.
     *
     * @return the final cost
     */
    public double optimize(int maxIterations) {
        int n = nodes.size();
        if (freeNodes == 0 || edges.isEmpty()) return cost();
        double cost = cost();
        int[] blockOf = eliminationOrder();
        for (int it = 0; it < maxIterations; it++) {
            int unknowns = DOF * freeNodes;
            Map<Long, double[]> blocks = new HashMap<>();
            double[] b = new double[unknowns];
            for (Edge e : edges) accumulate(e, blockOf, blocks, b);
            DMatrixSparseTriplet triplets = new DMatrixSparseTriplet(unknowns, unknowns, blocks.size() * DOF * DOF + unknowns);
            for (Map.Entry<Long, double[]> entry : blocks.entrySet()) {
                int bi = (int) (entry.getKey() >>> 32), bj = entry.getKey().intValue();
                double[] block = entry.getValue();
                for (int r = 0; r < DOF; r++) {
                    for (int c = 0; c < DOF; c++) {
                        double v = block[r * DOF + c] + (bi == bj && r == c ? DAMPING : 0);
                        if (v != 0) triplets.addItem(DOF * bi + r, DOF * bj + c, v);
                    }
                }
            }
            DMatrixSparseCSC h = DConvertMatrixStruct.convert(triplets, (DMatrixSparseCSC) null);
            LinearSolverSparse<DMatrixSparseCSC, DMatrixRMaj> solver = LinearSolverFactory_DSCC.cholesky(FillReducing.NONE);
            if (!solver.setA(h)) break;
            DMatrixRMaj rhs = new DMatrixRMaj(unknowns, 1);
            for (int k = 0; k < unknowns; k++) rhs.set(k, 0, -b[k]);
            DMatrixRMaj x = new DMatrixRMaj(unknowns, 1);
            solver.solve(rhs, x);
            List<Sim3> before = new ArrayList<>(nodes);
            for (int node = 0; node < n; node++) {
                int u = unknown.get(node);
                if (u < 0) continue;
                double[] d = new double[DOF];
                for (int k = 0; k < DOF; k++) d[k] = x.get(DOF * blockOf[u] + k, 0);
                nodes.set(node, nodes.get(node).compose(exp(d)));
            }
            double next = cost();
            if (!(next < cost)) { // no progress (or NaN): keep the better nodes
                nodes.clear();
                nodes.addAll(before);
                break;
            }
            boolean converged = (cost - next) <= 1e-9 * cost;
            cost = next;
            if (converged) break;
        }
        return cost;
    }

    /** Per free node's index, its block's place in the normal equations (see {@link MinimumDegreeOrdering}). */
    int[] eliminationOrder() {
        if (!fillReducing) {
            int[] asAdded = new int[freeNodes];
            for (int u = 0; u < freeNodes; u++) asAdded[u] = u;
            return asAdded;
        }
        List<BitSet> neighbours = new ArrayList<>(freeNodes);
        for (int u = 0; u < freeNodes; u++) neighbours.add(new BitSet(freeNodes));
        for (Edge e : edges) {
            int a = unknown.get(e.i()), c = unknown.get(e.j());
            if (a < 0 || c < 0) continue;
            neighbours.get(a).set(c);
            neighbours.get(c).set(a);
        }
        return MinimumDegreeOrdering.positions(neighbours);
    }

    /** Adds the edge's J^T J blocks and J^T r to the normal equations (fixed nodes' columns dropped). */
    private void accumulate(Edge e, int[] blockOf, Map<Long, double[]> blocks, double[] b) {
        Sim3 ti = nodes.get(e.i()), tj = nodes.get(e.j());
        double[] r0 = residual(e, ti, tj);
        double[][] jac = new double[2 * DOF][]; // column k: d r / d param k (first node i, then node j)
        for (int k = 0; k < DOF; k++) {
            double[] d = new double[DOF];
            d[k] = STEP;
            double[] plus = residual(e, ti.compose(exp(d)), tj);
            d[k] = -STEP;
            double[] minus = residual(e, ti.compose(exp(d)), tj);
            jac[k] = difference(plus, minus);
            d[k] = STEP;
            plus = residual(e, ti, tj.compose(exp(d)));
            d[k] = -STEP;
            minus = residual(e, ti, tj.compose(exp(d)));
            jac[DOF + k] = difference(plus, minus);
        }
        int[] node = {e.i(), e.j()};
        for (int a = 0; a < 2; a++) {
            int ra = unknown.get(node[a]);
            if (ra < 0) continue;
            ra = blockOf[ra];
            for (int p = 0; p < DOF; p++) b[DOF * ra + p] += dot(jac[a * DOF + p], r0);
            for (int c = 0; c < 2; c++) {
                int rc = unknown.get(node[c]);
                if (rc < 0) continue;
                rc = blockOf[rc];
                double[] block = blocks.computeIfAbsent(((long) ra << 32) | rc, key -> new double[DOF * DOF]);
                for (int p = 0; p < DOF; p++) {
                    for (int q = 0; q < DOF; q++) block[p * DOF + q] += dot(jac[a * DOF + p], jac[c * DOF + q]);
                }
            }
        }
    }

    /** Weighted log of the edge error Z^-1 Ti^-1 Tj: rotation vector, translation, log scale. */
    static double[] residual(Edge e, Sim3 ti, Sim3 tj) {
        Sim3 err = e.iFromJ().inverse().compose(ti.inverse().compose(tj));
        double[] w = e.weights();
        double[] rv = Rotations.toRotationVector(err.rotation());
        double[] t = err.translation();
        return new double[] {w[0] * rv[0], w[0] * rv[1], w[0] * rv[2], w[1] * t[0], w[1] * t[1], w[1] * t[2],
            w[2] * Math.log(err.scale())};
    }

    static Sim3 exp(double[] d) {
        return new Sim3(Math.exp(d[6]), Rotations.fromRotationVector(new double[] {d[0], d[1], d[2]}),
                new double[] {d[3], d[4], d[5]});
    }

    private static double[] difference(double[] plus, double[] minus) {
        double[] out = new double[plus.length];
        for (int i = 0; i < out.length; i++) out[i] = (plus[i] - minus[i]) / (2 * STEP);
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
