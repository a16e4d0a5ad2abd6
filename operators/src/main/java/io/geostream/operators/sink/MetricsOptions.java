package io.geostream.operators.sink;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Settings of the job's own metrics. Keys under {@code geostream.}; the job reads them in {@code GeometryJob}. */
public final class MetricsOptions {
    private MetricsOptions() {}

    public static final ConfigOption<Integer> PER_CAMERA_LIMIT = ConfigOptions.key("geostream.metrics.per-camera-limit")
            .intType().defaultValue(64)
            .withDescription("Most cameras (stream ids) with a metric group of their own (camera=\"<stream id>\": framesOut, "
                    + "endToEndLatencyMs, segmentsStarted) per stitch subtask; the cameras seen after that share the group "
                    + "camera=\"" + CappedMetricGroups.OVERFLOW + "\". Flink keeps a metric group until the task ends, so "
                    + "the cap bounds the memory and the series a long-running job with changing cameras exports. 0 = every "
                    + "camera in the overflow group.");

    /** {@link #PER_CAMERA_LIMIT} of {@code config}, checked: a negative limit fails naming the key. */
    public static int perCameraLimit(ReadableConfig config) {
        int limit = config.get(PER_CAMERA_LIMIT);
        if (limit < 0) {
            throw new IllegalArgumentException(PER_CAMERA_LIMIT.key() + " must be >= 0, got " + limit);
        }
        return limit;
    }
}
