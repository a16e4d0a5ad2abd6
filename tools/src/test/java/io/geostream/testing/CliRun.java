package io.geostream.testing;

import io.geostream.cli.GeostreamCli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One {@code geostream ...} command run in this JVM with its stdout and stderr captured (what picocli and the command
 * print; log4j's console appender keeps the stderr it started with).
 */
public record CliRun(int exitCode, String stdout, String stderr) {

    /** The exit code of {@code geostream <base...> <more...>} run in this JVM (output not captured). */
    public static int exitCode(String[] base, String... more) {
        String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return GeostreamCli.execute(args);
    }

    public static CliRun of(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream(), capturedErr = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            code = GeostreamCli.execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        CliRun run = new CliRun(code, capturedOut.toString(StandardCharsets.UTF_8), capturedErr.toString(StandardCharsets.UTF_8));
        err.print(run.stderr); // still in the test's log
        return run;
    }

    /**
     * The command's result: stdout must be exactly one line of space-separated {@code key=value} pairs (everything else
     * belongs on stderr); returns them in order.
     */
    public Map<String, String> result() {
        List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("stdout of the command: one key=value result line").hasSize(1);
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String pair : lines.get(0).strip().split(" ")) {
            assertThat(pair).as("a key=value pair of %s", lines.get(0)).matches("[a-z][a-z0-9_]*=\\S*");
            int eq = pair.indexOf('=');
            pairs.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return pairs;
    }
}
