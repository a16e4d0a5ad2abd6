package io.geostream.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The exit rule of {@code bench pipeline}: it fails when either job's median throughput over its measured runs is 0 (a
 * throughput ratio of a job that produced nothing says nothing) or when the whole job's throughput is below
 * {@code minRatio} of the I/O-only job's (the target the project holds the job's stitching to, issue 13: 0.5).
 *
 * @param jobFps  median committed frames per second of the whole job
 * @param ioFps   of the I/O-only job
 * @param reasons why the run fails (empty: it passes), each a short token for the result line
 */
public record PipelineBenchVerdict(double jobFps, double ioFps, double minRatio, List<String> reasons) {

    public PipelineBenchVerdict {
        reasons = List.copyOf(reasons);
    }

    public static PipelineBenchVerdict of(double jobFps, double ioFps, double minRatio) {
        List<String> reasons = new ArrayList<>();
        if (!(jobFps > 0)) reasons.add("job_produced_nothing");
        if (!(ioFps > 0)) reasons.add("io_only_produced_nothing");
        if (reasons.isEmpty() && jobFps / ioFps < minRatio) reasons.add("ratio_below_target");
        return new PipelineBenchVerdict(jobFps, ioFps, minRatio, reasons);
    }

    /** job_fps / io_only_fps, NaN when the I/O-only job produced nothing. */
    public double ratio() {
        return ioFps > 0 ? jobFps / ioFps : Double.NaN;
    }

    public boolean passed() {
        return reasons.isEmpty();
    }

    /** The command's last stdout line. */
    public String resultLine() {
        return String.format(Locale.ROOT, "job_fps=%.1f io_only_fps=%.1f ratio=%.3f min_ratio=%.3f result=%s reasons=%s",
                jobFps, ioFps, ratio(), minRatio, passed() ? "ok" : "missed", passed() ? "none" : String.join(",", reasons));
    }
}
