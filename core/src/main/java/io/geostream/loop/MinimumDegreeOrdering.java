package io.geostream.loop;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * An elimination order for a sparse symmetric system given by its graph (the pose graph's free nodes and the edges
 * between them), by the minimum-degree rule: eliminate the node with the fewest neighbours left, join its neighbours,
 * repeat (ties to the lowest index, so the order is deterministic). Ordered so, a chain with loops factors with little
 * fill; in insertion order every loop from keyframe i to keyframe j fills the factor's rows between them, and with the
 * loop closer's 64 loops over a 400-keyframe window the sparse Cholesky took 0.5-0.7 s per solve (it was 95 % of
 * {@link Sim3PoseGraph#optimize}'s time). EJML's sparse Cholesky offers no fill-reducing ordering (only none or random),
 * so this one is the project's own: the exact rule, without the approximations (AMD's) that very large graphs need; a
 * pose-graph window is at most a few hundred nodes.
 */
final class MinimumDegreeOrdering {

    private MinimumDegreeOrdering() {
    }

    /**
     * @param neighbours per node, the nodes it shares an edge with (symmetric; self-loops ignored)
     * @return {@code position[node]}: where the node comes in the elimination order (a permutation of 0..n-1)
     */
    static int[] positions(List<BitSet> neighbours) {
        int n = neighbours.size();
        List<BitSet> adjacent = new ArrayList<>(n);
        for (int v = 0; v < n; v++) {
            BitSet copy = (BitSet) neighbours.get(v).clone();
            copy.clear(v);
            adjacent.add(copy);
        }
        int[] position = new int[n];
        BitSet left = new BitSet(n);
        left.set(0, n);
        for (int step = 0; step < n; step++) {
            int best = -1, bestDegree = Integer.MAX_VALUE;
            for (int v = left.nextSetBit(0); v >= 0; v = left.nextSetBit(v + 1)) {
                int degree = adjacent.get(v).cardinality();
                if (degree < bestDegree) {
                    best = v;
                    bestDegree = degree;
                }
            }
            position[best] = step;
            left.clear(best);
            BitSet around = adjacent.get(best);
            // Eliminating a node joins its neighbours (the fill it causes), then it leaves the graph.
            for (int u = around.nextSetBit(0); u >= 0; u = around.nextSetBit(u + 1)) {
                BitSet au = adjacent.get(u);
                au.or(around);
                au.clear(u);
                au.clear(best);
            }
            around.clear();
        }
        return position;
    }
}
