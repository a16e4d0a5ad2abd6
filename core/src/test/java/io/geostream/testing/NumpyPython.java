package io.geostream.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Debian's python3 with numpy, which the numpy cross-checks of scripts/ need: skipped without it, except under CI. */
public final class NumpyPython {

    public static final Path PYTHON = Path.of("/usr/bin/python3");

    private NumpyPython() {}

    /**
     * Returns when python3 can import numpy; otherwise aborts the test (skipped), or fails it under CI (CI set), where
     * .ci/run installs python3-numpy.
     *
     * @param check what is skipped, for the message
     */
    public static void require(String check) throws Exception {
        boolean available = Files.isExecutable(PYTHON)
                && new ProcessBuilder(PYTHON.toString(), "-c", "import numpy").start().waitFor() == 0;
        if (available) return;
        if (System.getenv("CI") != null) throw new AssertionError("CI must provide python3-numpy (installed by .ci/run)");
        Assumptions.abort("python3 with numpy not installed: skipping " + check);
    }
}
