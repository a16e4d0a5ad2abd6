package io.geostream.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench pipeline --profile}'s sampler loads here (the async-profiler Flink ships), attributes a busy thread's
 * samples to it by name, and the two scripts that read its output run on it: the flame graph and the attribution.
 */
class CpuProfileTest {

    @TempDir
    Path dir;

    @Test
    void samplesABusyThreadAndTheScriptsReadTheProfile() throws Exception {
        CpuProfile profile = CpuProfile.start();
        Thread busy = new Thread(CpuProfileTest::spin, "busy-test-thread");
        busy.start();
        busy.join();
        Path file = dir.resolve("job-1.collapsed");
        long samples = profile.stop(file);

        List<String> lines = Files.readAllLines(file);
        long busySamples = lines.stream().filter(l -> l.startsWith("[busy-test-thread"))
                .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
        // ~1.5 s of CPU at one sample per 10 ms: well over 30 samples even on a loaded machine
        assertThat(busySamples).isGreaterThan(30);
        assertThat(samples).isGreaterThanOrEqualTo(busySamples);
        assertThat(lines).anyMatch(l -> l.startsWith("[busy-test-thread") && l.contains("CpuProfileTest.spin"));

        Path svg = dir.resolve("graph.svg");
        String flame = python("scripts/flamegraph.py", file.toString(), "--out", svg.toString(), "--threads", "busy-test",
                "--share", "spin=CpuProfileTest.spin");
        assertThat(flame).matches("samples=\\d+ kept=\\d+ spin=(0\\.9\\d\\d|1\\.000)");
        assertThat(Files.readString(svg)).startsWith("<svg").contains("CpuProfileTest.spin");

        String attribution = python("scripts/cpu_attribution.py", file.toString(), "100", file.toString(), "50");
        // the same profile as both jobs, with twice the frames for the first: its CPU per frame is half
        assertThat(attribution).matches("job_ms_per_frame=[\\d.]+ io_ms_per_frame=[\\d.]+ gap_ms=-[\\d.]+ attributed=0\\.00");
        double job = Double.parseDouble(attribution.replaceAll(".*job_ms_per_frame=([\\d.]+).*", "$1"));
        double io = Double.parseDouble(attribution.replaceAll(".*io_ms_per_frame=([\\d.]+).*", "$1"));
        assertThat(io).isCloseTo(2 * job, org.assertj.core.data.Offset.offset(0.02));
    }

    private static void spin() {
        long until = System.nanoTime() + 1_500_000_000L;
        double x = 0;
        while (System.nanoTime() < until) x += Math.sqrt(x + 1);
        if (x == -1) System.out.println(x);
    }

    /** The script's last stdout line. */
    private static String python(String script, String... args) throws Exception {
        Path root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
        List<String> cmd = new java.util.ArrayList<>(List.of("python3", root.resolve(script).toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(script).isZero();
        return out.substring(out.lastIndexOf('\n') + 1);
    }
}
