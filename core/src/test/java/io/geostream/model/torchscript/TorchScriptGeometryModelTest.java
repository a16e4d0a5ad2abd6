package io.geostream.model.torchscript;

import ai.djl.Device;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ModelException;
import io.geostream.model.ModelException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TorchScriptGeometryModelTest {

    private static final Path TINY = TestPackages.model("tiny-e2e");
    private static final Path BATCH1 = TestPackages.model("tiny-e2e-batch1");

    private static ClipInput clip(int w, int h, int t, long seed) {
        Random random = new Random(seed);
        List<ClipInput.Frame> frames = new ArrayList<>();
        for (int i = 0; i < t; i++) {
            byte[] rgb = new byte[w * h * 3];
            random.nextBytes(rgb);
            frames.add(new ClipInput.Frame(i, 1_000_000L * i, rgb, null, false));
        }
        return new ClipInput("cam-1", 0, 0, w, h, frames, null);
    }

    /** Frame t of a planar [1,T,C,H,W] tensor as row-major pixels with channels interleaved (the reference layout). */
    private static float[] interleave(float[] planar, int t, int channels, int h, int w) {
        int plane = h * w, base = t * channels * plane;
        float[] out = new float[channels * plane];
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < plane; p++) out[p * channels + c] = planar[base + c * plane + p];
        }
        return out;
    }

    @Test
    void matchesTheOutputsPyTorchComputed() throws Exception {
        Path expected = TINY.resolve("expected");
        TestPackages.NpyArray input = TestPackages.readNpy(expected.resolve("input.npy"));
        assertThat(input.shape()).containsExactly(1, 4, 3, 48, 64);
        try (TorchScriptGeometryModel model = TorchScriptGeometryModel.open(TINY, null)) {
            GeometryTranslator.RawOutput raw = model.predictPrepared(input.data(), input.shape());
            String[] names = {"points", "normals", "confidence"};
            for (int i = 0; i < names.length; i++) {
                TestPackages.NpyArray want = TestPackages.readNpy(expected.resolve(names[i] + ".npy"));
                assertThat(raw.shapes().get(i)).as(names[i]).containsExactly(want.shape());
                assertThat(TestPackages.maxAbsDiff(raw.flat(i), want.data())).as(names[i]).isLessThanOrEqualTo(1e-5f);
            }
        }
    }

    @Test
    void predictsGeometryInTheModelCameraWithInterleavedLayout() throws Exception {
        ClipInput clip = clip(64, 48, 3, 11);
        try (TorchScriptGeometryModel model = TorchScriptGeometryModel.open(TINY, "cpu")) {
            ClipGeometry g = model.predict(clip);
            assertThat(g.width()).isEqualTo(64);
            assertThat(g.height()).isEqualTo(48);
            assertThat(g.frames()).hasSize(3);
            // The tiny model sees every pixel along K^-1 [u v 1] with fx = fy = 0.9 W, cx = (W-1)/2,
            // cy = (H-1)/2: checking that ray per pixel proves the row-major, xyz-interleaved layout.
            double f = 0.9 * 64, cx = 31.5, cy = 23.5;
            for (ClipGeometry.FrameGeometry frame : g.frames()) {
                float[] p = frame.pointMap(), n = frame.normals(), c = frame.confidence();
                assertThat(c).hasSize(64 * 48);
                for (int v = 0; v < 48; v += 7) {
                    for (int u = 0; u < 64; u += 5) {
                        int i = (v * 64 + u) * 3;
                        assertThat(p[i + 2]).isGreaterThan(1.5f);
                        assertThat(p[i] / p[i + 2]).isCloseTo((float) ((u - cx) / f), within(1e-5f));
                        assertThat(p[i + 1] / p[i + 2]).isCloseTo((float) ((v - cy) / f), within(1e-5f));
                        double len = Math.sqrt(n[i] * n[i] + n[i + 1] * n[i + 1] + n[i + 2] * n[i + 2]);
                        assertThat(len).isCloseTo(1.0, within(1e-4));
                        assertThat(c[v * 64 + u]).isBetween(0f, 1f);
                    }
                }
            }
        }
    }

    @Test
    void rgbPathNormalisesLikeTheDocumentedFormula() throws Exception {
        ClipInput clip = clip(64, 48, 2, 5);
        float[] mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
        int plane = 64 * 48;
        float[] tensor = new float[2 * 3 * plane];
        for (int t = 0; t < 2; t++) {
            byte[] rgb = clip.frames().get(t).rgb();
            for (int p = 0; p < plane; p++) {
                for (int ch = 0; ch < 3; ch++) {
                    tensor[(t * 3 + ch) * plane + p] = ((rgb[p * 3 + ch] & 0xFF) / 255f - mean[ch]) / std[ch];
                }
            }
        }
        try (TorchScriptGeometryModel model = TorchScriptGeometryModel.open(TINY, null)) {
            ClipGeometry g = model.predict(clip);
            GeometryTranslator.RawOutput raw = model.predictPrepared(tensor, new long[] {1, 2, 3, 48, 64});
            for (int t = 0; t < 2; t++) {
                assertThat(g.frames().get(t).pointMap())
                        .containsExactly(interleave(raw.flat(0), t, 3, 48, 64));
                assertThat(g.frames().get(t).normals())
                        .containsExactly(interleave(raw.flat(1), t, 3, 48, 64));
                assertThat(g.frames().get(t).confidence())
                        .containsExactly(interleave(raw.flat(2), t, 1, 48, 64));
            }
        }
    }

    @Test
    void resizesLargerFramesToTheModelSizeDeterministically() throws Exception {
        ClipInput clip = clip(96, 72, 2, 3);
        try (TorchScriptGeometryModel model = TorchScriptGeometryModel.open(TINY, null)) {
            ClipGeometry a = model.predict(clip);
            ClipGeometry b = model.predict(clip);
            assertThat(a.width()).isEqualTo(64);
            assertThat(a.height()).isEqualTo(48);
            assertThat(a.frames()).hasSize(2);
            for (int t = 0; t < 2; t++) {
                for (float v : a.frames().get(t).pointMap()) assertThat(Float.isFinite(v)).isTrue();
                for (float v : a.frames().get(t).normals()) assertThat(Float.isFinite(v)).isTrue();
                assertThat(a.frames().get(t).pointMap()).containsExactly(b.frames().get(t).pointMap());
            }
        }
    }

    @Test
    void instancesShareOneLoadAndTheLastCloseReleasesIt(@TempDir Path dir) throws Exception {
        // A private copy: its own registry key, whatever other tests in this JVM hold open.
        Path pkg = Files.createDirectory(dir.resolve("pkg"));
        Files.copy(TINY.resolve("model.json"), pkg.resolve("model.json"));
        Files.copy(TINY.resolve("geometry.pt"), pkg.resolve("geometry.pt"));
        int before = SharedTorchModels.loadCount();
        assertThat(SharedTorchModels.referenceCount(pkg, Device.cpu())).isZero();
        TorchScriptGeometryModel first = TorchScriptGeometryModel.open(pkg, null);
        // The same package through another spelling of its path still shares the load.
        TorchScriptGeometryModel second = TorchScriptGeometryModel.open(dir.resolve("pkg/../pkg"), "cpu");
        var shared = first.loadedModule();
        try {
            assertThat(SharedTorchModels.loadCount()).isEqualTo(before + 1);
            assertThat(second.loadedModule()).isSameAs(shared);
            assertThat(SharedTorchModels.referenceCount(pkg, Device.cpu())).isEqualTo(2);
            assertThat(first.info()).isEqualTo(second.info());
            assertThat(first.info().hasConfidence()).isTrue();
        } finally {
            first.close();
            first.close(); // idempotent: must not drop the second instance's reference
        }
        assertThat(SharedTorchModels.referenceCount(pkg, Device.cpu())).isEqualTo(1);
        assertThat(shared.getNDManager().isOpen()).isTrue();
        assertThat(second.predict(clip(64, 48, 1, 1)).frames()).hasSize(1);
        second.close();
        assertThat(SharedTorchModels.referenceCount(pkg, Device.cpu())).isZero();
        assertThat(shared.getNDManager().isOpen()).isFalse();
        assertThatThrownBy(() -> second.predict(clip(64, 48, 1, 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aModuleThatOnlyTakesBatchOneFailsAtOpenNamingMaxBatch() {
        int before = SharedTorchModels.loadCount();
        assertThatThrownBy(() -> TorchScriptGeometryModel.open(BATCH1, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match its model.json")
                .hasMessageContaining("maxBatch=4");
        assertThat(SharedTorchModels.loadCount()).isEqualTo(before);
        assertThat(SharedTorchModels.referenceCount(BATCH1, Device.cpu())).isZero();
    }

    @Test
    void aModuleWithoutTheDeclaredConfidenceFailsAtOpen(@TempDir Path dir) throws IOException {
        // Same module, but model.json claims no confidence: the dry run sees 3 outputs instead of 2.
        Files.copy(TINY.resolve("geometry.pt"), dir.resolve("geometry.pt"));
        Files.writeString(dir.resolve("model.json"),
                Files.readString(TINY.resolve("model.json")).replace("\"hasConfidence\": true", "\"hasConfidence\": false"));
        assertThatThrownBy(() -> TorchScriptGeometryModel.open(dir, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match its model.json")
                .hasMessageContaining("expected 2 outputs");
    }

    @Test
    void clipLengthOtherThanTheTracedOneIsRejected(@TempDir Path dir) throws Exception {
        Files.copy(TINY.resolve("geometry.pt"), dir.resolve("geometry.pt"));
        Files.writeString(dir.resolve("model.json"),
                Files.readString(TINY.resolve("model.json")).replace("\"clipFrames\": 0", "\"clipFrames\": 3"));
        try (TorchScriptGeometryModel model = TorchScriptGeometryModel.open(dir, null)) {
            assertThat(model.predict(clip(64, 48, 3, 2)).frames()).hasSize(3);
            assertThatThrownBy(() -> model.predict(clip(64, 48, 2, 2)))
                    .isInstanceOfSatisfying(ModelException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.MODEL_INPUT_REJECTED);
                        assertThat(e.getMessage()).contains("3 frames, got 2");
                    });
        }
    }

    @Test
    void openFailsClearlyOnABadPackageOrDevice(@TempDir Path dir) throws IOException {
        Files.copy(TINY.resolve("model.json"), dir.resolve("model.json"));
        assertThatThrownBy(() -> TorchScriptGeometryModel.open(dir, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing file geometry.pt");
        Files.writeString(dir.resolve("geometry.pt"), "not a TorchScript archive");
        assertThatThrownBy(() -> TorchScriptGeometryModel.open(dir, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot load");
        assertThatThrownBy(() -> TorchScriptGeometryModel.open(TINY, "tpu"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("device");
        assertThat(TorchScriptGeometryModel.parseDevice("gpu:1")).isEqualTo(Device.gpu(1));
    }

    @Test
    void outputChecksGiveTypedReasons() {
        var ok = GeometryTranslator.RawOutput.planar(
                List.of(new float[6], new float[6], new float[2]),
                List.of(new long[] {1, 1, 3, 1, 2}, new long[] {1, 1, 3, 1, 2}, new long[] {1, 1, 1, 1, 2}));
        assertThatThrownBy(() -> TorchScriptGeometryModel.checkOutputs(ok, 1, 2, 1, 2, true))
                .isInstanceOfSatisfying(ModelException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MODEL_OUTPUT_SHAPE));
        float[] nan = new float[6];
        nan[4] = Float.NaN;
        var bad = GeometryTranslator.RawOutput.planar(List.of(new float[6], nan, new float[2]), ok.shapes());
        assertThatThrownBy(() -> TorchScriptGeometryModel.checkOutputs(bad, 1, 1, 1, 2, true))
                .isInstanceOfSatisfying(ModelException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.MODEL_OUTPUT_NON_FINITE);
                    assertThat(e.getMessage()).contains("normals");
                });
        assertThatThrownBy(() -> TorchScriptGeometryModel.checkOutputs(ok, 1, 1, 1, 2, false))
                .isInstanceOfSatisfying(ModelException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MODEL_OUTPUT_SHAPE));
    }

    @Test
    void engineFailuresBecomeModelErrors() throws Exception {
        try (TorchScriptGeometryModel model = TorchScriptGeometryModel.open(TINY, null)) {
            // A 4-D tensor makes the module's 5-way shape unpacking fail inside TorchScript.
            assertThatThrownBy(() -> model.predictPrepared(new float[3 * 4 * 4], new long[] {1, 3, 4, 4}))
                    .isInstanceOfSatisfying(ModelException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.MODEL_ERROR);
                        assertThat(e.retryable()).isTrue();
                    });
        }
    }

    @Test
    void aBatchedForwardGivesEachClipWhatItGetsAlone() throws Exception {
        List<ClipInput> clips = new ArrayList<>(List.of(clip(64, 48, 2, 11), clip(96, 72, 2, 12), clip(64, 48, 3, 13)));
        for (int i = 0; i < 7; i++) clips.add(clip(64, 48, 2, 14 + i));
        try (TorchScriptGeometryModel model = TorchScriptGeometryModel.open(TINY, null)) {
            assertThat(model.maxBatch()).isEqualTo(8);
            List<ClipGeometry> batched = model.predictBatch(clips); // 9 clips of T=2 (8 + 1) and 1 of T=3
            assertThat(batched).hasSize(clips.size());
            for (int i = 0; i < clips.size(); i++) {
                ClipGeometry alone = model.predict(clips.get(i));
                assertThat(batched.get(i).frames()).hasSize(clips.get(i).length());
                for (int t = 0; t < clips.get(i).length(); t++) {
                    assertThat(TestPackages.maxAbsDiff(batched.get(i).frames().get(t).pointMap(), alone.frames().get(t).pointMap())).isLessThan(1e-5f);
                    assertThat(TestPackages.maxAbsDiff(batched.get(i).frames().get(t).normals(), alone.frames().get(t).normals())).isLessThan(1e-5f);
                    assertThat(TestPackages.maxAbsDiff(batched.get(i).frames().get(t).confidence(), alone.frames().get(t).confidence())).isLessThan(1e-5f);
                }
            }
        }
    }
}
