package io.geostream.model.torchscript;

import ai.djl.Device;
import io.geostream.inference.ModelSettings;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.diffusion.NoiseSchedule;
import io.geostream.model.diffusion.PredictionType;
import io.geostream.model.diffusion.Sampler;
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

class DecomposedGeometryModelTest {

    static final Path TINY = TestPackages.model("tiny-decomposed");
    private static final NoiseSchedule SCALED = NoiseSchedule.scaledLinear(0.00085, 0.012, 1000);
    private static final NoiseSchedule FLOW = NoiseSchedule.flowMatching(1000);

    private static ClipInput clip(String stream, long clipId, int t, long seed) {
        Random random = new Random(seed);
        List<ClipInput.Frame> frames = new ArrayList<>();
        for (int i = 0; i < t; i++) {
            byte[] rgb = new byte[64 * 48 * 3];
            random.nextBytes(rgb);
            frames.add(new ClipInput.Frame(i, 1_000_000L * i, rgb, null, false));
        }
        return new ClipInput(stream, 0, clipId, 64, 48, frames, null);
    }

    private static void assertParity(String name, Sampler sampler) throws Exception {
        Path expected = TINY.resolve("expected");
        TestPackages.NpyArray input = TestPackages.readNpy(expected.resolve("input.npy"));
        TestPackages.NpyArray[] noise = {TestPackages.readNpy(expected.resolve("noise_points.npy")),
                TestPackages.readNpy(expected.resolve("noise_normals.npy"))};
        try (DecomposedGeometryModel model = DecomposedGeometryModel.open(TINY, null, sampler)) {
            int t = (int) input.shape()[1];
            DecomposedGeometryModel.Planar out = model.run(input.data(), 1, t, (attribute, k, count) -> {
                assertThat(count).isEqualTo(noise[attribute].data().length);
                return noise[attribute].data();
            });
            TestPackages.NpyArray points = TestPackages.readNpy(expected.resolve(name + "_points.npy"));
            TestPackages.NpyArray normals = TestPackages.readNpy(expected.resolve(name + "_normals.npy"));
            assertThat(TestPackages.maxAbsDiff(out.points(), points.data())).as(name + " points").isLessThanOrEqualTo(1e-4f);
            assertThat(TestPackages.maxAbsDiff(out.normals(), normals.data())).as(name + " normals").isLessThanOrEqualTo(1e-4f);
        }
    }

    @Test
    void singleStepMatchesPyTorch() throws Exception {
        assertParity("single_step", null); // the package's own sampler
    }

    @Test
    void flowEulerMatchesPyTorch() throws Exception {
        assertParity("flow_euler", Sampler.of(Sampler.FLOW_EULER, 4, FLOW, PredictionType.VELOCITY));
    }

    @Test
    void ddimMatchesPyTorch() throws Exception {
        assertParity("ddim", Sampler.of(Sampler.DDIM, 4, SCALED, PredictionType.VELOCITY));
    }

    /**
     * CogVideoX-5B's schedule options: zero terminal SNR (the first of the 16 steps sees pure noise, alphaBar = 0,
     * x0 = -v) and diffusers' half-to-even trailing grid (16 steps visit 811, 561, 311, 61 where half-up gives 812,
     * 562, 312, 62: 7.6e-4 apart in the points, so 1e-4 tells the roundings apart).
     */
    @Test
    void ddimOnAZeroTerminalSnrScheduleMatchesPyTorch() throws Exception {
        NoiseSchedule zsnr = SCALED.withRescaleZeroSnr(true).withTimestepRounding(NoiseSchedule.TimestepRounding.HALF_EVEN);
        assertParity("ddim_zsnr", Sampler.of(Sampler.DDIM, 16, zsnr, PredictionType.VELOCITY));
    }

    @Test
    void theSamplersGiveDifferentGeometry() throws Exception {
        Path expected = TINY.resolve("expected");
        float[] a = TestPackages.readNpy(expected.resolve("single_step_points.npy")).data();
        float[] b = TestPackages.readNpy(expected.resolve("ddim_points.npy")).data();
        assertThat(TestPackages.maxAbsDiff(a, b)).isGreaterThan(1e-2f); // the parity tests above could not pass by accident
    }

    @Test
    void predictIsDeterministicBatchIndependentAndSeededByTheClipIdentity() throws Exception {
        Sampler ddim = Sampler.of(Sampler.DDIM, 2, SCALED, PredictionType.VELOCITY);
        ClipInput a = clip("cam-1", 7, 3, 1), b = clip("cam-2", 8, 3, 2);
        try (DecomposedGeometryModel model = DecomposedGeometryModel.open(TINY, null, ddim)) {
            ClipGeometry alone = model.predict(a);
            ClipGeometry again = model.predict(a);
            List<ClipGeometry> batch = model.predictBatch(List.of(b, a));
            assertThat(alone.frames()).hasSize(3);
            for (int t = 0; t < 3; t++) {
                ClipGeometry.FrameGeometry f = alone.frames().get(t);
                assertThat(again.frames().get(t).pointMap()).containsExactly(f.pointMap());
                assertThat(again.frames().get(t).normals()).containsExactly(f.normals());
                assertThat(TestPackages.maxAbsDiff(batch.get(1).frames().get(t).pointMap(), f.pointMap())).isLessThanOrEqualTo(1e-5f);
                assertThat(TestPackages.maxAbsDiff(batch.get(1).frames().get(t).normals(), f.normals())).isLessThanOrEqualTo(1e-5f);
                assertThat(f.confidence()).hasSize(64 * 48);
                for (float c : f.confidence()) assertThat(c).isBetween(0f, 1f);
                float[] n = f.normals();
                for (int p = 0; p < n.length; p += 3 * 97) {
                    assertThat(Math.sqrt(n[p] * n[p] + n[p + 1] * n[p + 1] + n[p + 2] * n[p + 2])).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
                }
            }
            // Same pixels, another clip id: other noise, other geometry (ddim is stochastic in its start).
            ClipInput renamed = new ClipInput("cam-1", 0, 99, 64, 48, a.frames(), null);
            assertThat(TestPackages.maxAbsDiff(model.predict(renamed).frames().get(0).pointMap(), alone.frames().get(0).pointMap()))
                    .isGreaterThan(1e-4f);
        }
    }

    @Test
    void injectedNoiseReplacesTheSeededNoise() throws Exception {
        Sampler ddim = Sampler.of(Sampler.DDIM, 2, SCALED, PredictionType.VELOCITY);
        ClipInput a = clip("cam-1", 7, 2, 1);
        try (DecomposedGeometryModel model = DecomposedGeometryModel.open(TINY, null, ddim)) {
            float[] seeded = model.predict(a).frames().get(0).pointMap();
            model.noiseSource((clip, attribute, count) -> new float[count]);
            float[] zeros = model.predict(a).frames().get(0).pointMap();
            assertThat(TestPackages.maxAbsDiff(seeded, zeros)).isGreaterThan(1e-4f);
        }
        assertThat(ClipNoise.seed("cam-1", 0, 7, 0)).isNotEqualTo(ClipNoise.seed("cam-1", 0, 7, 1))
                .isNotEqualTo(ClipNoise.seed("cam-1", 0, 8, 0)).isEqualTo(ClipNoise.seed("cam-1", 0, 7, 0));
    }

    @Test
    void framesOfAnotherSizeAreResizedAndTheModelSpecPicksTheDecomposedClass() throws Exception {
        try (GeometryModel model = ModelSettings.of(TINY.toString(), "cpu").create()) {
            assertThat(model).isInstanceOf(DecomposedGeometryModel.class);
            assertThat(model.maxBatch()).isEqualTo(4);
            assertThat(model.info().hasConfidence()).isTrue();
            Random random = new Random(3);
            byte[] rgb = new byte[80 * 60 * 3];
            random.nextBytes(rgb);
            ClipInput big = new ClipInput("cam-9", 1, 2, 80, 60, List.of(new ClipInput.Frame(0, 0, rgb, null, false)), null);
            ClipGeometry g = model.predict(big);
            assertThat(g.width()).isEqualTo(64);
            assertThat(g.height()).isEqualTo(48);
        }
        try (GeometryModel e2e = ModelSettings.of(TestPackages.model("tiny-e2e").toString(), null).create()) {
            assertThat(e2e).isInstanceOf(TorchScriptGeometryModel.class);
        }
    }

    @Test
    void modulesLoadOncePerPackageAndTheLastCloseReleasesThem(@TempDir Path dir) throws Exception {
        Path pkg = copy(dir.resolve("pkg"));
        int before = SharedTorchModels.loadCount();
        DecomposedGeometryModel first = DecomposedGeometryModel.open(pkg, null);
        DecomposedGeometryModel second = DecomposedGeometryModel.open(dir.resolve("pkg/../pkg"), "cpu");
        try {
            assertThat(SharedTorchModels.loadCount()).isEqualTo(before + 3);
            assertThat(second.modulesForTest()).containsExactlyElementsOf(first.modulesForTest());
            for (String module : DecomposedPackage.MODULES) {
                assertThat(SharedTorchModels.referenceCount(pkg, module, Device.cpu())).as(module).isEqualTo(2);
            }
        } finally {
            first.close();
            first.close();
        }
        assertThat(SharedTorchModels.referenceCount(pkg, DecomposedPackage.DENOISER, Device.cpu())).isEqualTo(1);
        assertThat(second.predict(clip("cam-1", 0, 1, 1)).frames()).hasSize(1);
        second.close();
        for (String module : DecomposedPackage.MODULES) {
            assertThat(SharedTorchModels.referenceCount(pkg, module, Device.cpu())).isZero();
        }
        assertThatThrownBy(() -> second.predict(clip("cam-1", 0, 1, 1))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aModuleThatOnlyTakesBatchOneFailsAtOpen(@TempDir Path dir) throws Exception {
        Path pkg = copy(dir.resolve("pkg"));
        // The same encoder with its reshape hard-coded to batch 1 (export_tiny_decomposed.py --broken-batch).
        try (var in = DecomposedGeometryModelTest.class.getResourceAsStream("/decomposed-batch1/vae_encoder.pt")) {
            assertThat(in).isNotNull();
            Files.copy(in, pkg.resolve(DecomposedPackage.VAE_ENCODER), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        int before = SharedTorchModels.loadCount();
        assertThatThrownBy(() -> DecomposedGeometryModel.open(pkg, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match its model.json")
                .hasMessageContaining("vae_encoder.pt")
                .hasMessageContaining("maxBatch=4");
        assertThat(SharedTorchModels.loadCount()).isEqualTo(before);
        for (String module : DecomposedPackage.MODULES) {
            assertThat(SharedTorchModels.referenceCount(pkg, module, Device.cpu())).isZero();
        }
    }

    @Test
    void clipsThatDoNotFitTheTemporalCompressionAreRejected(@TempDir Path dir) throws Exception {
        Path pkg = copy(dir.resolve("pkg"));
        edit(pkg, "\"temporalCompression\": 1", "\"temporalCompression\": 4");
        // The tiny encoder is frame-wise, so its dry run (T = 5) fails on the latent frame count: a useful check too.
        assertThatThrownBy(() -> DecomposedGeometryModel.open(pkg, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vae_encoder.pt output has shape");
        DecomposedPackage p = DecomposedPackage.read(pkg);
        assertThat(p.clipRequirements().accepts(5)).isTrue();
        assertThat(p.clipRequirements().accepts(4)).isFalse();
        assertThat(p.latentFrames(9)).isEqualTo(3);
    }

    @Test
    void anFp16PackageRunsOnTheCpuCloseToFp32() throws Exception {
        // The same weights cast to fp16 (export_tiny_decomposed.py --precision fp16): inputs go in as fp16, the
        // sampler runs in fp32 between the module calls.
        ClipInput a = clip("cam-1", 3, 2, 5);
        try (DecomposedGeometryModel fp32 = DecomposedGeometryModel.open(TINY, null);
             DecomposedGeometryModel fp16 = DecomposedGeometryModel.open(TestPackages.model("tiny-decomposed-fp16"), null)) {
            assertThat(fp16.modelPackage().precision()).isEqualTo("fp16");
            ClipGeometry g32 = fp32.predict(a), g16 = fp16.predict(a);
            for (int t = 0; t < 2; t++) {
                float d = TestPackages.maxAbsDiff(g32.frames().get(t).pointMap(), g16.frames().get(t).pointMap());
                assertThat(d).isLessThanOrEqualTo(5e-3f).isGreaterThan(0f); // really computed in half precision
            }
        }
    }

    @Test
    void bf16IsRefusedAtOpenBecauseDjlAbortsOnIt(@TempDir Path dir) throws Exception {
        Path pkg = copy(dir.resolve("pkg"));
        edit(pkg, "\"precision\": \"fp32\"", "\"precision\": \"bf16\"");
        assertThatThrownBy(() -> DecomposedGeometryModel.open(pkg, "cpu"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("field 'precision'").hasMessageContaining("bf16 is not supported");
    }

    @Test
    void badFieldsNameTheFieldAndTheFile(@TempDir Path root) throws Exception {
        String[][] cases = {
                {"\"form\": \"decomposed\"", "\"form\": \"pipeline\"", "form"},
                {"\"latentScale\": 0.7", "\"latentScale\": 0", "latentScale"},
                {"\"latentScale\": 0.7", "\"latentScale\": \"big\"", "latentScale"},
                {"\"predictionType\": \"velocity\"", "\"predictionType\": \"v\"", "predictionType"},
                {"\"kind\": \"scaled-linear\"", "\"kind\": \"cosine\"", "noiseSchedule.kind"},
                {"\"betaStart\": 0.00085", "\"betaStart\": 0.5", "noiseSchedule.betaEnd"},
                {"\"trainSteps\": 1000", "\"trainSteps\": 1", "noiseSchedule.trainSteps"},
                {"\"kind\": \"single-step\"", "\"kind\": \"flow-euler\"", "sampler"},
                {"\"steps\": 1", "\"steps\": 0", "sampler.steps"},
                {"\"pointScale\": 1.0", "\"pointScale\": -1", "output.pointScale"},
                {"\"hasConfidence\": false", "\"hasConfidence\": true", "hasConfidence"},
                {"\"confidence\": \"normal-agreement\"", "\"confidence\": \"made-up\"", "confidence"},
                {"\"precision\": \"fp32\"", "\"precision\": \"int8\"", "precision"},
                {"\"spatialCompression\": 4", "\"spatialCompression\": 5", "spatialCompression"},
                {"\"maxBatch\": 4", "\"maxBatch\": 200", "maxBatch"},
                {"\"latentChannels\": 4,", "", "latentChannels"},
                {"\"trainSteps\": 1000", "\"trainSteps\": 1000, \"rescaleZeroSnr\": \"yes\"", "noiseSchedule.rescaleZeroSnr"},
                {"\"trainSteps\": 1000", "\"trainSteps\": 1000, \"timestepRounding\": \"bankers\"", "noiseSchedule.timestepRounding"},
                {"\"kind\": \"scaled-linear\", \"betaStart\": 0.00085, \"betaEnd\": 0.012, \"trainSteps\": 1000",
                        "\"kind\": \"flow-matching\", \"trainSteps\": 1000, \"rescaleZeroSnr\": true", "noiseSchedule.rescaleZeroSnr"},
                // epsilon has no x0 estimate at the terminal alphaBar = 0 of a zero-SNR schedule
                {"\"predictionType\": \"velocity\", \"noiseSchedule\": { \"kind\": \"scaled-linear\", \"betaStart\": 0.00085, \"betaEnd\": 0.012, \"trainSteps\": 1000",
                        "\"predictionType\": \"epsilon\", \"noiseSchedule\": { \"kind\": \"scaled-linear\", \"betaStart\": 0.00085, \"betaEnd\": 0.012, \"trainSteps\": 1000, \"rescaleZeroSnr\": true",
                        "predictionType"},
        };
        int i = 0;
        for (String[] c : cases) {
            Path dir = copy(root.resolve("case" + i++));
            edit(dir, c[0], c[1]);
            assertThatThrownBy(() -> DecomposedPackage.read(dir))
                    .as("%s -> %s", c[0], c[1])
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("field '" + c[2] + "'")
                    .hasMessageContaining(dir.toRealPath().resolve("model.json").toString());
        }
        // The schedule options are optional (absent: off, half-up) and parsed when present.
        assertThat(DecomposedPackage.read(TINY).noiseSchedule()).isEqualTo(SCALED);
        Path options = copy(root.resolve("options"));
        edit(options, "\"trainSteps\": 1000", "\"trainSteps\": 1000, \"rescaleZeroSnr\": true, \"timestepRounding\": \"half-even\"");
        assertThat(DecomposedPackage.read(options).noiseSchedule())
                .isEqualTo(SCALED.withRescaleZeroSnr(true).withTimestepRounding(NoiseSchedule.TimestepRounding.HALF_EVEN));
        // The end-to-end reader points a decomposed package to the right reader.
        assertThatThrownBy(() -> ModelPackage.read(TINY)).hasMessageContaining("field 'form'").hasMessageContaining("DecomposedPackage");
    }

    @Test
    void aMissingModuleIsNamed(@TempDir Path root) throws Exception {
        for (String module : DecomposedPackage.MODULES) {
            Path dir = copy(root.resolve(module.replace('.', '_')));
            Files.delete(dir.resolve(module));
            assertThatThrownBy(() -> DecomposedPackage.read(dir))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("missing file " + module);
        }
    }

    @Test
    void normalAgreementIsOneForAConsistentPlaneAndZeroForFlippedNormals() {
        int w = 5, h = 4;
        float[] points = new float[3 * w * h], facing = new float[3 * w * h], away = new float[3 * w * h];
        for (int v = 0; v < h; v++) {
            for (int u = 0; u < w; u++) {
                int i = 3 * (v * w + u);
                points[i] = (u - 2) * 0.1f;
                points[i + 1] = (v - 2) * 0.1f;
                points[i + 2] = 2f;
                facing[i + 2] = -1f;
                away[i + 2] = 1f;
            }
        }
        assertThat(NormalAgreement.confidence(points, facing, w, h)).containsOnly(1f);
        assertThat(NormalAgreement.confidence(points, away, w, h)).containsOnly(0f);
        float[] flat = new float[3 * w * h];
        assertThat(NormalAgreement.confidence(flat, facing, w, h)).containsOnly(0f); // degenerate: no surface
    }

    private static Path copy(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(TINY.resolve("model.json"), dir.resolve("model.json"));
        for (String module : DecomposedPackage.MODULES) Files.copy(TINY.resolve(module), dir.resolve(module));
        return dir;
    }

    private static void edit(Path dir, String from, String to) throws IOException {
        String json = Files.readString(dir.resolve("model.json"));
        String compact = json.replaceAll("\\s*\\n\\s*", " ").replace("[ ", "[").replace(" ]", "]");
        assertThat(compact).as("model.json of the copy").contains(from);
        Files.writeString(dir.resolve("model.json"), compact.replace(from, to));
    }
}
