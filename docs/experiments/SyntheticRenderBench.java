// Session 22 (2026-12-06): ray-casting one 160x120 frame of a synthetic scene with and without shading
// (SyntheticScene.render against renderGeometry), 400 frames a round, 4 rounds (the first warms the JIT). Not part of
// the build. Run after `mvn -o -B -q install -DskipTests`:
//   CP="core/target/classes:tools/target/lib/*"; javac -d /tmp/rb -cp "$CP" docs/experiments/SyntheticRenderBench.java
//   java -cp "$CP:/tmp/rb" SyntheticRenderBench
import io.geostream.synthetic.*;
public class SyntheticRenderBench {
  public static void main(String[] a) {
    SyntheticScene scene = new SyntheticScene(new SceneSpec(1, 160, 120, 2000, TrajectoryKind.WALK, 0.0, 10));
    for (int round = 0; round < 4; round++) {
      long t0 = System.nanoTime(); for (int i = 0; i < 400; i++) scene.render(i);
      long t1 = System.nanoTime(); for (int i = 0; i < 400; i++) scene.renderGeometry(i);
      long t2 = System.nanoTime();
      System.out.printf("round %d render %.2f ms/frame, geometry only %.2f ms/frame%n", round, (t1-t0)/4e8, (t2-t1)/4e8);
    }
  }
}
