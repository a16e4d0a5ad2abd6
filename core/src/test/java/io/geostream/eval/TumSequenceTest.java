package io.geostream.eval;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.stitch.StitcherSettings;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;
import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;

/** A synthetic scene written as a TUM RGB-D directory reads back as the same truth and scores the same. */
class TumSequenceTest {
    private static final SceneSpec SPEC = new SceneSpec(4, 64, 48, 40, TrajectoryKind.HANDHELD, 0.0, 10);
    private static final double T0 = 1305031102.0;

    /** rgb.txt / depth.txt / groundtruth.txt with offsets, decoys and a colour image without depth. */
    static void writeTum(SyntheticScene scene, Path dir) throws IOException {
        Files.createDirectories(dir.resolve("rgb"));
        Files.createDirectories(dir.resolve("depth"));
        try (PrintWriter rgb = new PrintWriter(Files.newBufferedWriter(dir.resolve("rgb.txt")));
             PrintWriter depth = new PrintWriter(Files.newBufferedWriter(dir.resolve("depth.txt")));
             PrintWriter gt = new PrintWriter(Files.newBufferedWriter(dir.resolve("groundtruth.txt")))) {
            rgb.println("# color images\n# file: 'synthetic'\n# timestamp filename");
            depth.println("# depth maps\n# file: 'synthetic'\n# timestamp filename");
            gt.println("# ground truth trajectory\n# file: 'synthetic'\n# timestamp tx ty tz qx qy qz qw");
            for (int i = 0; i < scene.frames(); i++) {
                FrameTruth t = scene.render(i);
                double time = T0 + i / SPEC.fps();
                String name = String.format(Locale.ROOT, "%.6f.png", time);
                writeRgb(t, dir.resolve("rgb").resolve(name));
                writeDepth(t, dir.resolve("depth").resolve(name));
                rgb.printf(Locale.ROOT, "%.6f rgb/%s%n", time, name);
                depth.printf(Locale.ROOT, "%.6f depth/%s%n", time + 0.004, name);
                double[] c = t.worldFromCamera().translation();
                double[] q = t.worldFromCamera().quaternion();
                gt.printf(Locale.ROOT, "%.4f %.7f %.7f %.7f %.9f %.9f %.9f %.9f%n", time - 0.003, c[0], c[1], c[2], q[0], q[1], q[2], q[3]);
                // A decoy pose 50 ms later (nearest to nothing) and a colour image with no depth near it.
                gt.printf(Locale.ROOT, "%.4f 99 99 99 0 0 0 1%n", time + 0.05);
                if (i == 7) rgb.printf(Locale.ROOT, "%.6f rgb/%s%n", time + 0.05, name);
            }
        }
    }

    private static void writeRgb(FrameTruth t, Path file) {
        try (Mat m = new Mat(t.height(), t.width(), CV_8UC3)) {
            ByteBuffer b = m.createBuffer();
            int step = (int) m.step();
            for (int v = 0; v < t.height(); v++) {
                for (int u = 0; u < t.width(); u++) {
                    int p = v * t.width() + u;
                    for (int c = 0; c < 3; c++) b.put(v * step + 3 * u + c, t.rgb()[3 * p + 2 - c]); // BGR
                }
            }
            assertThat(imwrite(file.toString(), m)).isTrue();
        }
    }

    private static void writeDepth(FrameTruth t, Path file) {
        try (Mat m = new Mat(t.height(), t.width(), CV_16UC1)) {
            ShortBuffer b = m.createBuffer();
            int step = (int) (m.step() / 2);
            for (int v = 0; v < t.height(); v++) {
                for (int u = 0; u < t.width(); u++) {
                    long value = Math.round(t.depth()[v * t.width() + u] * TumSequence.DEPTH_FACTOR);
                    b.put(v * step + u, (short) Math.min(65535, value));
                }
            }
            assertThat(imwrite(file.toString(), m)).isTrue();
        }
    }

    private static TumSequence open(SyntheticScene scene, Path dir) throws IOException {
        return TumSequence.open(dir, scene.intrinsics().fx(), scene.intrinsics().fy(), scene.intrinsics().cx(),
                scene.intrinsics().cy(), 0, 1);
    }

    @Test
    void readsBackTheSceneTruth(@TempDir Path dir) throws IOException {
        SyntheticScene scene = new SyntheticScene(SPEC);
        writeTum(scene, dir);
        TumSequence tum = open(scene, dir);
        assertThat(tum.frames()).isEqualTo(SPEC.frames());
        assertThat(tum.width()).isEqualTo(SPEC.width());
        for (int i : new int[] {0, 8, 39}) {
            FrameTruth a = scene.render(i), b = tum.render(i);
            assertThat(b.worldFromCamera().center()).containsExactly(a.worldFromCamera().center(), offset(1e-6));
            assertThat(b.rgb()).containsExactly(a.rgb());
            for (int p = 0; p < a.depth().length; p += 7) {
                assertThat((double) b.depth()[p]).isCloseTo(a.depth()[p], offset(1.0 / TumSequence.DEPTH_FACTOR));
                for (int c = 0; c < 3; c++) {
                    assertThat((double) b.pointsWorld()[3 * p + c]).isCloseTo(a.pointsWorld()[3 * p + c], offset(2e-3));
                }
            }
        }
        // Downsampling by 2 keeps every other pixel, with the intrinsics halved.
        TumSequence half = TumSequence.open(dir, scene.intrinsics().fx(), scene.intrinsics().fy(), scene.intrinsics().cx(),
                scene.intrinsics().cy(), 10, 2);
        assertThat(half.frames()).isEqualTo(10);
        assertThat(half.width()).isEqualTo(32);
        assertThat((double) half.render(3).depth()[5 * 32 + 7]).isCloseTo(scene.render(3).depth()[10 * 64 + 14], offset(1e-3));
    }

    @Test
    void evaluationOnTheTumCopyMatchesTheScene(@TempDir Path dir) throws Exception {
        SyntheticScene scene = new SyntheticScene(SPEC);
        writeTum(scene, dir);
        ClipCutterSettings clips = new ClipCutterSettings(8, 5, 4, 10_000, 1);
        List<String> methods = List.of("robust", "robust_keyframes");
        Map<String, StitchingEvaluation.Scores> direct = StitchingEvaluation.run(SPEC, SimulatedModelSettings.defaults(), clips,
                StitcherSettings.defaults(), true, methods);
        Map<String, StitchingEvaluation.Scores> viaTum = StitchingEvaluation.run(open(scene, dir), "eval", SimulatedModelSettings.defaults(),
                clips, StitcherSettings.defaults(), true, methods);
        for (String m : methods) {
            StitchingEvaluation.Scores a = direct.get(m), b = viaTum.get(m);
            assertThat(b.frames()).isEqualTo(a.frames()).isEqualTo(SPEC.frames());
            assertThat(b.segmentBreaks()).isEqualTo(a.segmentBreaks());
            assertThat(b.ateOverLength()).as(m).isCloseTo(a.ateOverLength(), offset(0.1 * a.ateOverLength() + 1e-4));
            assertThat(b.absrelGlobal()).as(m).isCloseTo(a.absrelGlobal(), offset(0.05 * a.absrelGlobal()));
            assertThat(b.normalMeanDeg()).as(m).isCloseTo(a.normalMeanDeg(), offset(5.0));
        }
    }

    @Test
    void badInputGivesClearErrors(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> TumSequence.open(dir, 500, 500, 320, 240, 0, 1)).isInstanceOf(IOException.class)
                .hasMessageContaining("rgb.txt");
        Files.writeString(dir.resolve("rgb.txt"), "1.0 rgb/a.png\n");
        Files.writeString(dir.resolve("depth.txt"), "1.5 depth/a.png\n");
        Files.writeString(dir.resolve("groundtruth.txt"), "1.0 0 0 0 0 0 0\n");
        assertThatThrownBy(() -> TumSequence.open(dir, 500, 500, 320, 240, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("groundtruth.txt:1").hasMessageContaining("expected 8 fields");
        Files.writeString(dir.resolve("groundtruth.txt"), "1.0 0 0 0 0 0 0 1\n");
        assertThatThrownBy(() -> TumSequence.open(dir, 500, 500, 320, 240, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("within 0.02 s");
    }
}
