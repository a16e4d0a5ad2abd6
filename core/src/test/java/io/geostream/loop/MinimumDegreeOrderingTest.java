package io.geostream.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class MinimumDegreeOrderingTest {

    /** A chain of n keyframes and a revisit: keyframes from {@code back} on seen again from {@code ahead} on, every other one. */
    private static List<BitSet> patrol(int n, int back, int ahead, int loops) {
        List<BitSet> g = new ArrayList<>();
        for (int v = 0; v < n; v++) g.add(new BitSet(n));
        for (int v = 1; v < n; v++) join(g, v - 1, v);
        for (int k = 0; k < loops; k++) join(g, back + 2 * k, ahead + 2 * k);
        return g;
    }

    private static void join(List<BitSet> g, int a, int b) {
        g.get(a).set(b);
        g.get(b).set(a);
    }

    /** Entries the elimination in this order adds (the Cholesky factor's fill, counted in node pairs). */
    private static int fill(List<BitSet> graph, int[] position) {
        int n = graph.size();
        int[] order = new int[n];
        for (int v = 0; v < n; v++) order[position[v]] = v;
        List<BitSet> g = new ArrayList<>();
        for (BitSet b : graph) g.add((BitSet) b.clone());
        BitSet gone = new BitSet(n);
        int added = 0;
        for (int v : order) {
            BitSet around = (BitSet) g.get(v).clone();
            around.andNot(gone);
            for (int a = around.nextSetBit(0); a >= 0; a = around.nextSetBit(a + 1)) {
                for (int b = around.nextSetBit(a + 1); b >= 0; b = around.nextSetBit(b + 1)) {
                    if (!g.get(a).get(b)) {
                        join(g, a, b);
                        added++;
                    }
                }
            }
            gone.set(v);
        }
        return added;
    }

    private static int[] asAdded(int n) {
        int[] p = new int[n];
        for (int v = 0; v < n; v++) p[v] = v;
        return p;
    }

    @Test
    void theOrderIsAPermutation() {
        Random random = new Random(7);
        List<BitSet> g = new ArrayList<>();
        int n = 60;
        for (int v = 0; v < n; v++) g.add(new BitSet(n));
        for (int e = 0; e < 150; e++) join(g, random.nextInt(n), random.nextInt(n)); // self-loops included
        int[] position = MinimumDegreeOrdering.positions(g);
        BitSet seen = new BitSet(n);
        for (int p : position) {
            assertThat(p).isBetween(0, n - 1);
            seen.set(p);
        }
        assertThat(seen.cardinality()).isEqualTo(n);
    }

    @Test
    void aRevisitedChainFactorsWithLittleFillInThisOrderAndMuchInInsertionOrder() {
        List<BitSet> g = patrol(300, 20, 200, 40);
        int inInsertionOrder = fill(g, asAdded(g.size()));
        int inThisOrder = fill(g, MinimumDegreeOrdering.positions(g));
        // In insertion order each loop's newer keyframe is joined to everything back to its older one.
        assertThat(inInsertionOrder).isGreaterThan(40 * 100);
        assertThat(inThisOrder).isLessThan(inInsertionOrder / 20);
    }

    @Test
    void aTreeNeedsNoFill() {
        Random random = new Random(3);
        int n = 200;
        List<BitSet> g = new ArrayList<>();
        for (int v = 0; v < n; v++) g.add(new BitSet(n));
        for (int v = 1; v < n; v++) join(g, v, random.nextInt(v)); // a loop-free graph: only leaves are eliminated
        assertThat(fill(g, asAdded(n))).isPositive();
        assertThat(fill(g, MinimumDegreeOrdering.positions(g))).isZero();
    }
}
