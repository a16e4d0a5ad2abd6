package io.geostream.model.torchscript;

import io.geostream.model.diffusion.DdimSampler;
import io.geostream.model.diffusion.NoiseSchedule;
import io.geostream.model.diffusion.PredictionType;
import io.geostream.model.diffusion.Sampler;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * models/package_json.py, the model.json writer of both export scripts, against the Java reader. The CogVideoX-5B
 * example it writes (what export_cogvideox_unigeo.py writes for CogVideoX-5B with its defaults) is committed as a
 * test resource: DecomposedPackage must accept it without Python, and, where /usr/bin/python3 exists (always under
 * CI), the writer must still produce it byte for byte and pass its own tests (models/test_package_json.py).
 */
class PackageJsonTest {

    private static Path resource() throws Exception {
        return Path.of(PackageJsonTest.class.getResource("/package-json/cogvideox-5b/model.json").toURI());
    }

    private static Path models() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("models/package_json.py"))) return dir.resolve("models");
        }
        throw new IllegalStateException("models/package_json.py not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void theCogVideoXExampleIsAValidDecomposedPackage(@TempDir Path dir) throws Exception {
        Files.copy(resource(), dir.resolve("model.json"));
        for (String module : DecomposedPackage.MODULES) Files.createFile(dir.resolve(module)); // read() checks presence only
        DecomposedPackage pkg = DecomposedPackage.read(dir);
        assertThat(pkg.precision()).isEqualTo("fp32");
        assertThat(pkg.clipFrames()).isEqualTo(49);
        assertThat(pkg.latentFrames(49)).isEqualTo(13);
        assertThat(pkg.latentChannels()).isEqualTo(16);
        assertThat(pkg.spatialCompression()).isEqualTo(8);
        assertThat(pkg.maxBatch()).isEqualTo(1);
        assertThat(pkg.predictionType()).isEqualTo(PredictionType.VELOCITY);
        assertThat(pkg.hasConfidence()).isFalse();
        NoiseSchedule schedule = pkg.noiseSchedule();
        assertThat(schedule).isEqualTo(NoiseSchedule.scaledLinear(0.00085, 0.012, 1000).withRescaleZeroSnr(true)
                .withTimestepRounding(NoiseSchedule.TimestepRounding.HALF_EVEN));
        assertThat(schedule.alphaBar(999)).isEqualTo(0.0);
        assertThat(pkg.sampler().kind()).isEqualTo(Sampler.SINGLE_STEP);
        // CogVideoX's own sampler on the same schedule: 50 trailing steps, 999 down to 19.
        DdimSampler ddim = (DdimSampler) Sampler.of(Sampler.DDIM, 50, schedule, pkg.predictionType());
        assertThat(ddim.timesteps()[0]).isEqualTo(999);
        assertThat(ddim.timesteps()[49]).isEqualTo(19);
    }

    @Test
    void theWriterStillProducesTheCommittedExampleAndPassesItsOwnTests() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            if (System.getenv("CI") != null) throw new AssertionError("CI must provide /usr/bin/python3");
            Assumptions.abort("/usr/bin/python3 not installed: skipping the model.json writer check");
        }
        assertThat(run(python, models().resolve("package_json.py").toString(), "--example", "cogvideox-5b"))
                .isEqualTo(Files.readString(resource()));
        run(python, models().resolve("test_package_json.py").toString());
    }

    /** Runs python with the arguments, requires exit 0, returns stdout. */
    private static String run(Path python, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = python.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Path err = Files.createTempFile("package-json", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(String.join(" ", command) + ": " + Files.readString(err)).isZero();
            return out;
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
