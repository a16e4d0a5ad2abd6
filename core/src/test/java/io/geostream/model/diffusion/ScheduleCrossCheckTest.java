package io.geostream.model.diffusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geostream.testing.NumpyPython;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The schedules and DDIM grids against an independent implementation: models/diffusion_reference.py (numpy; its
 * half-to-even grid is diffusers' own expression {@code np.round(np.arange(T, 0, -T / N)) - 1}), every t and every
 * N. Skipped without /usr/bin/python3 + numpy, except under CI (CI set), where it fails instead.
 */
class ScheduleCrossCheckTest {

    private static final Path PYTHON = NumpyPython.PYTHON;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void needsNumpy() throws Exception {
        NumpyPython.require("the numpy schedule cross-check");
    }

    private static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models/diffusion_reference.py");
            if (Files.isRegularFile(candidate)) return candidate;
        }
        throw new IllegalStateException("models/diffusion_reference.py not found above " + Path.of("").toAbsolutePath());
    }

    /** The reference's alphaBar for every t and trailing grid for every N in 1..maxSteps. */
    private static JsonNode reference(NoiseSchedule s, int maxSteps) throws Exception {
        String schedule = JSON.writeValueAsString(Map.of(
                "kind", s.kind().json(), "betaStart", s.betaStart(), "betaEnd", s.betaEnd(), "trainSteps", s.trainSteps(),
                "rescaleZeroSnr", s.rescaleZeroSnr(), "timestepRounding", s.timestepRounding().json()));
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script().toString(), schedule));
        for (int n = 1; n <= maxSteps; n++) command.add(Integer.toString(n));
        Process p = new ProcessBuilder(command).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err).isZero();
        return JSON.readTree(out);
    }

    /** alphaBar at every t, and the trailing grid of every N up to maxSteps. */
    private static void assertMatches(NoiseSchedule s, int maxSteps) throws Exception {
        JsonNode ref = reference(s, maxSteps);
        JsonNode alphaBar = ref.get("alphaBar");
        assertThat(alphaBar.size()).isEqualTo(s.trainSteps());
        for (int t = 0; t < s.trainSteps(); t++) {
            assertThat(s.alphaBar(t)).as("%s alphaBar_%d", s, t).isCloseTo(alphaBar.get(t).doubleValue(), within(1e-13));
        }
        if (s.rescaleZeroSnr()) assertThat(alphaBar.get(s.trainSteps() - 1).doubleValue()).isEqualTo(0.0);
        for (int n = 1; n <= maxSteps; n++) {
            JsonNode grid = ref.get("timesteps").get(Integer.toString(n));
            int[] want = new int[grid.size()];
            for (int i = 0; i < want.length; i++) want[i] = grid.get(i).intValue();
            assertThat(s.trailingTimesteps(n)).as("%s, N = %d", s, n).containsExactly(want);
        }
    }

    @Test
    void cogVideoXScheduleMatchesNumpyAtEveryTimeAndEveryStepCount() throws Exception {
        assertMatches(NoiseSchedule.scaledLinear(0.00085, 0.012, 1000).withRescaleZeroSnr(true)
                .withTimestepRounding(NoiseSchedule.TimestepRounding.HALF_EVEN), 1000);
    }

    @Test
    void theOtherCombinationsMatchToo() throws Exception {
        assertMatches(NoiseSchedule.scaledLinear(0.00085, 0.012, 1000), 1000); // today's default: half-up, no rescale
        assertMatches(NoiseSchedule.linearBeta(0.0001, 0.02, 1000).withRescaleZeroSnr(true), 0); // the grid does not see betas
        // T = 999: T / N is rarely exact, so numpy's arange arithmetic (not T - i T / N) decides many halves.
        assertMatches(NoiseSchedule.scaledLinear(0.00085, 0.012, 999).withTimestepRounding(NoiseSchedule.TimestepRounding.HALF_EVEN), 999);
    }
}
