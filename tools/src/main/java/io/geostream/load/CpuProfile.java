package io.geostream.load;

import one.profiler.AsyncProfiler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU samples of this whole JVM (every thread: the job, the embedded broker and S3 server, the JIT, GC) over one
 * window, through the async-profiler that Flink ships (its bundled native library): {@code itimer} sampling, which needs no perf_events permission,
 * written as collapsed stacks with the thread name first ({@code scripts/flamegraph.py} draws and attributes them).
 */
final class CpuProfile {
    /** Sampling interval: 10 ms of CPU time per sample. */
    static final long INTERVAL_MS = 10;

    private final AsyncProfiler profiler;

    private CpuProfile(AsyncProfiler profiler) {
        this.profiler = profiler;
    }

    /** Starts sampling; a clear error where the native library cannot load (only linux-x64/arm64 and macOS ship). */
    static CpuProfile start() {
        AsyncProfiler p;
        try {
            p = AsyncProfiler.getInstance();
        } catch (Throwable e) {
            throw new IllegalStateException("--profile: async-profiler's native library did not load on this platform: " + e, e);
        }
        try {
            p.execute("start,event=itimer,interval=" + INTERVAL_MS + "ms,threads");
        } catch (IOException e) {
            throw new IllegalStateException("--profile: cannot start async-profiler: " + e.getMessage(), e);
        }
        return new CpuProfile(p);
    }

    /** Stops and writes the window's collapsed stacks; returns the number of samples. */
    long stop(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        profiler.execute("stop,collapsed,threads,file=" + file.toAbsolutePath());
        long samples = 0;
        for (String line : Files.readAllLines(file)) {
            int space = line.lastIndexOf(' ');
            if (space > 0) samples += Long.parseLong(line.substring(space + 1).trim());
        }
        return samples;
    }
}
