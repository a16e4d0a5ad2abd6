// Session 23 (2026-12-06): the loop closer's Sim(3) pose-graph solve at the window's full size: a ring walked by N
// keyframes with drifting odometry, then L loops from the newest keyframes one and two laps back (the defaults' bound:
// 400 keyframes, 64 loop edges), 20 Gauss-Newton iterations at most, rounds after the JIT settles. Not part of the build.
// Run against two builds' core classes (the one before: `git worktree add /tmp/base 2f2fe3c`, then
// `mvn -o -B -q install -DskipTests` there):
//   CP="core/target/classes:tools/target/lib/*"; javac -d /tmp/pgb -cp "$CP" docs/experiments/PoseGraphBench.java
//   java -cp "$CP:/tmp/pgb" PoseGraphBench 400 64 12 | tail -3                           # this build
//   java -cp "/tmp/base/core/target/classes:tools/target/lib/*:/tmp/pgb" PoseGraphBench 400 64 12 | tail -3   # before
// Measured: unknowns in insertion order (2f2fe3c) 502-711 ms per solve (rounds 9-11 of two runs; 95 % of it EJML's
// sparse Cholesky), in minimum-degree order 24-41 ms, the same final costs.
import io.geostream.geometry.*;
import io.geostream.loop.*;
import java.util.*;
public class PoseGraphBench {
  public static void main(String[] a) {
    int n = Integer.parseInt(a[0]), loops = Integer.parseInt(a[1]);
    Random r = new Random(1);
    for (int round = 0; round < Integer.parseInt(a[2]); round++) {
      Sim3PoseGraph g = new Sim3PoseGraph();
      List<Sim3> truth = new ArrayList<>();
      Sim3 pose = Sim3.identity(), drifted = Sim3.identity();
      double[] w = {100, 50, 50};
      for (int i = 0; i < n; i++) {
        Sim3 step = new Sim3(1, Rotations.fromRotationVector(new double[]{0, 2 * Math.PI / 130, 0}), new double[]{0.05, 0, 0});
        Sim3 noisy = new Sim3(Math.exp(0.01 * r.nextGaussian()), Rotations.fromRotationVector(new double[]{0.01 * r.nextGaussian(), 2 * Math.PI / 130 + 0.01 * r.nextGaussian(), 0.01 * r.nextGaussian()}), new double[]{0.05 + 0.002 * r.nextGaussian(), 0.002 * r.nextGaussian(), 0});
        if (i > 0) { pose = pose.compose(step); drifted = drifted.compose(noisy); }
        truth.add(pose);
        int id = g.addNode(drifted);
        if (i > 0) g.addEdge(new Sim3PoseGraph.Edge(id - 1, id, noisy, w));
      }
      for (int l = 0; l < loops; l++) {
        int j = n - 1 - l * 2, i = j - 130 * (1 + l % 2);
        if (i < 0) break;
        g.addEdge(new Sim3PoseGraph.Edge(i, j, truth.get(i).inverse().compose(truth.get(j)), new double[]{50, 33, 10}));
      }
      long t0 = System.nanoTime();
      double c0 = g.cost();
      double c = g.optimize(20);
      System.out.printf("round %d nodes %d edges %d cost %.3g -> %.3g %.1f ms%n", round, g.nodeCount(), g.edgeCount(), c0, c, (System.nanoTime() - t0) / 1e6);
    }
  }
}
