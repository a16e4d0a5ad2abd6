package io.geostream.loop;

import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A ring of cameras whose odometry drifts in scale and heading: one loop edge pulls the ring shut. */
class Sim3PoseGraphTest {

    private static final int N = 40;

    private static Sim3 truePose(int i) {
        double a = 2 * Math.PI * i / N;
        // Cameras on a unit circle, looking along the tangent.
        return new Sim3(1, Rotations.axisAngle(new double[] {0, 1, 0}, -a), new double[] {Math.cos(a), 0, Math.sin(a)});
    }

    private static double distance(double[] a, double[] b) {
        return Math.sqrt(Math.pow(a[0] - b[0], 2) + Math.pow(a[1] - b[1], 2) + Math.pow(a[2] - b[2], 2));
    }

    @Test
    void oneLoopEdgeRemovesMostOfTheDrift() {
        Sim3PoseGraph graph = new Sim3PoseGraph();
        double[] odometryWeights = {100, 50, 50};
        Sim3 estimate = truePose(0);
        graph.addNode(estimate);
        // Each measured step is 2 % larger and turns 0.5 deg more than the truth: the chain spirals outwards.
        Sim3 bias = new Sim3(1.02, Rotations.axisAngle(new double[] {0, 1, 0}, Math.toRadians(0.5)), new double[] {0, 0, 0});
        List<Sim3> drifted = new ArrayList<>(List.of(estimate));
        for (int i = 1; i < N; i++) {
            Sim3 step = truePose(i - 1).inverse().compose(truePose(i)).compose(bias);
            estimate = estimate.compose(step);
            drifted.add(estimate);
            graph.addNode(estimate);
            graph.addEdge(new Sim3PoseGraph.Edge(i - 1, i, step, odometryWeights));
        }
        double before = distance(graph.node(N - 1).translation(), truePose(N - 1).translation());
        // The last camera sees the first one's place again: the loop measures the true relation.
        graph.addEdge(new Sim3PoseGraph.Edge(0, N - 1, truePose(0).inverse().compose(truePose(N - 1)), new double[] {200, 200, 200}));
        double costBefore = graph.cost();
        double costAfter = graph.optimize(30);
        double after = distance(graph.node(N - 1).translation(), truePose(N - 1).translation());
        assertThat(costAfter).isLessThan(costBefore / 10);
        assertThat(after).isLessThan(before / 5);
        assertThat(graph.node(0)).isEqualTo(truePose(0)); // the gauge: node 0 never moves
        double worstMid = 0;
        for (int i = 0; i < N; i++) worstMid = Math.max(worstMid, distance(graph.node(i).translation(), truePose(i).translation()));
        double worstDrifted = 0;
        for (int i = 0; i < N; i++) worstDrifted = Math.max(worstDrifted, distance(drifted.get(i).translation(), truePose(i).translation()));
        assertThat(worstMid).isLessThan(worstDrifted / 3);
    }

    @Test
    void aFixedAnchorHoldsTheFarEndOfTheChain() {
        // Nodes 1..N-1 drift as above; node 0 (fixed, the gauge) and an anchor with the true pose of the last camera,
        // added as a fixed node, tie both ends: the anchor must not move and must pull the chain's end onto it.
        Sim3PoseGraph graph = new Sim3PoseGraph();
        double[] odometryWeights = {100, 50, 50};
        Sim3 bias = new Sim3(1.02, Rotations.axisAngle(new double[] {0, 1, 0}, Math.toRadians(0.5)), new double[] {0, 0, 0});
        Sim3 estimate = truePose(0);
        graph.addNode(estimate);
        for (int i = 1; i < N / 2; i++) {
            Sim3 step = truePose(i - 1).inverse().compose(truePose(i)).compose(bias);
            estimate = estimate.compose(step);
            graph.addNode(estimate);
            graph.addEdge(new Sim3PoseGraph.Edge(i - 1, i, step, odometryWeights));
        }
        int last = N / 2 - 1;
        double before = distance(graph.node(last).translation(), truePose(last).translation());
        int anchor = graph.addFixedNode(truePose(last + 1));
        graph.addEdge(new Sim3PoseGraph.Edge(anchor, last, truePose(last + 1).inverse().compose(truePose(last)),
                new double[] {200, 200, 200}));
        graph.optimize(30);
        assertThat(graph.node(anchor)).isEqualTo(truePose(last + 1));
        assertThat(graph.node(0)).isEqualTo(truePose(0));
        assertThat(distance(graph.node(last).translation(), truePose(last).translation())).isLessThan(before / 5);
    }

    @Test
    void aConsistentGraphStaysWhereItIs() {
        Sim3PoseGraph graph = new Sim3PoseGraph();
        for (int i = 0; i < 5; i++) graph.addNode(truePose(i));
        for (int i = 1; i < 5; i++) {
            graph.addEdge(new Sim3PoseGraph.Edge(i - 1, i, truePose(i - 1).inverse().compose(truePose(i)), new double[] {1, 1, 1}));
        }
        assertThat(graph.cost()).isLessThan(1e-20);
        graph.optimize(10);
        for (int i = 0; i < 5; i++) assertThat(distance(graph.node(i).translation(), truePose(i).translation())).isLessThan(1e-9);
    }

    @Test
    void theEliminationOrderChangesTheWorkNotTheSolution() {
        // A patrol: 160 keyframes of drifting odometry around the ring four times, then 30 loops to the first lap.
        java.util.Random random = new java.util.Random(11);
        Sim3PoseGraph ordered = new Sim3PoseGraph(), asAdded = new Sim3PoseGraph(false);
        double[] odometry = {100, 50, 50}, loop = {50, 33, 10};
        Sim3 estimate = truePose(0);
        for (int i = 0; i < 4 * N; i++) {
            if (i > 0) {
                Sim3 noise = new Sim3(Math.exp(0.01 * random.nextGaussian()), Rotations.fromRotationVector(new double[] {
                    0.01 * random.nextGaussian(), 0.01 * random.nextGaussian(), 0.01 * random.nextGaussian()}),
                        new double[] {0.005 * random.nextGaussian(), 0.005 * random.nextGaussian(), 0});
                Sim3 step = truePose(i - 1).inverse().compose(truePose(i)).compose(noise);
                estimate = estimate.compose(step);
                for (Sim3PoseGraph g : List.of(ordered, asAdded)) {
                    g.addNode(estimate);
                    g.addEdge(new Sim3PoseGraph.Edge(i - 1, i, step, odometry));
                }
            } else {
                ordered.addNode(estimate);
                asAdded.addNode(estimate);
            }
        }
        for (int k = 0; k < 30; k++) {
            int older = 5 + k, newer = 3 * N + 5 + k; // the same place, three laps later
            for (Sim3PoseGraph g : List.of(ordered, asAdded)) {
                g.addEdge(new Sim3PoseGraph.Edge(older, newer, truePose(older).inverse().compose(truePose(newer)), loop));
            }
        }
        int[] asAddedOrder = asAdded.eliminationOrder(), minimumDegree = ordered.eliminationOrder();
        for (int u = 0; u < asAddedOrder.length; u++) assertThat(asAddedOrder[u]).isEqualTo(u);
        assertThat(minimumDegree).as("the default graph reorders its unknowns").isNotEqualTo(asAddedOrder);
        double before = ordered.cost();
        double a = ordered.optimize(20), b = asAdded.optimize(20);
        assertThat(a).isLessThan(before / 10).isCloseTo(b, org.assertj.core.data.Percentage.withPercentage(1e-6));
        for (int i = 0; i < 4 * N; i++) {
            assertThat(distance(ordered.node(i).translation(), asAdded.node(i).translation())).isLessThan(1e-9);
            assertThat(ordered.node(i).scale()).isCloseTo(asAdded.node(i).scale(), org.assertj.core.data.Offset.offset(1e-9));
        }
    }
}
