// Session 22 (2026-12-06): the simulated model's CPU per new frame (clips of 16, stride 12, 160x120, one camera's
// WALK scene), mild and realistic presets, 6 rounds of 60 clips (the last 2 are read). Not part of the build. Run
// against two builds' core classes, alternating (the one before: `git worktree add /tmp/before 6b3c3fd^`, then
// `mvn -o -B -q install -DskipTests` there and its core/target/classes):
//   CP="core/target/classes:tools/target/lib/*"; javac -d /tmp/mb -cp "$CP" docs/experiments/SimulatedModelBench.java
//   java -cp "$CP:/tmp/mb" SimulatedModelBench | grep round
import io.geostream.model.*;
import io.geostream.model.simulated.*;
import io.geostream.synthetic.*;
import java.util.*;
public class SimulatedModelBench {
  public static void main(String[] a) throws Exception {
    SceneSpec spec = new SceneSpec(1, 160, 120, 20000, TrajectoryKind.WALK, 0.0, 10);
    SimulatedModelSettings[] presets = {SimulatedModelSettings.defaults(), SimulatedModelSettings.realistic()};
    String[] names = {"mild", "realistic"};
    for (int round = 0; round < 6; round++) for (int k = 0; k < 2; k++) {
      SimulatedGeometryModel m = new SimulatedGeometryModel(presets[k]);
      long t0 = System.nanoTime(); int frames = 0;
      for (int c = 0; c < 60; c++) {
        List<ClipInput.Frame> fr = new ArrayList<>();
        for (int i = 0; i < 16; i++) fr.add(new ClipInput.Frame(c * 12 + i, 100_000L * (c * 12 + i), new byte[160*120*3], null, false));
        m.predict(new ClipInput("cam", 0, c, 160, 120, fr, Map.of(SceneSpec.ATTRIBUTE_KEY, spec.encode())));
        frames += 12;
      }
      System.out.printf("round %d %s %.2f ms per new frame%n", round, names[k], (System.nanoTime() - t0) / 1e6 / frames);
    }
  }
}
