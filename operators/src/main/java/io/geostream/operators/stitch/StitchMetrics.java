package io.geostream.operators.stitch;

import io.geostream.avro.GeometryFrame;
import io.geostream.operators.sink.CappedMetricGroups;
import io.geostream.operators.sink.DeadLetterCounters;
import io.geostream.stitch.StitchEvent;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import java.util.HashMap;
import java.util.Map;

/**
 * The stitch operator's metrics. Per frame: latency from ingest (processing) and from capture (end to end, camera
 * clocks and Kafka included) to output. Per clip (its first frame out): overlap residual, inlier share, and the
 * scale step between consecutive clips of the stream, |ln(s_k / s_k-1)| in thousandths: a model whose per-clip scale
 * jumps shows here. Flink histograms hold longs: residuals in thousandths of the segment's unit, shares in percent.
 * Per camera ({@link CameraFigures}, group {@code camera=<stream id>}): frames out, end-to-end latency and segments
 * started, for at most {@code perCameraLimit} cameras per subtask, the others together in {@code camera=_other}.
 */
final class StitchMetrics {
    private final Counter framesOut;
    private final Counter framesFailed;
    private final Counter segmentsStarted;
    private final Counter streamsReleased;
    private final DeadLetterCounters failedByReason;
    private final Histogram residualRms;
    private final Histogram inlierSharePercent;
    private final Histogram scaleStepPermille;
    private final Histogram processingLatencyMs;
    private final Histogram captureToOutputMs;
    /** Last stitched clip id, its scale and segment per stream: bookkeeping of the figures only (a restart resets it). */
    private final Map<String, double[]> lastClipScale = new HashMap<>();

    private final Histogram releaseLagMs;
    private final Histogram pipelineOverheadMs;
    /** pipelineOverheadMs split by stage, in {@link OverheadStage}'s order. */
    private final Histogram[] overheadStagesMs = new Histogram[OverheadStage.values().length];
    private final MetricGroup group;
    private final CappedMetricGroups<CameraFigures> cameras;

    /** The figures of one camera (or of the overflow group's cameras together). */
    record CameraFigures(Counter framesOut, Histogram endToEndLatencyMs, Counter segmentsStarted) {
        static final String GROUP = "camera";

        static CameraFigures register(MetricGroup camera) {
            return new CameraFigures(camera.counter("framesOut"),
                    camera.histogram("endToEndLatencyMs", new DescriptiveStatisticsHistogram(1000)),
                    camera.counter("segmentsStarted"));
        }
    }

    StitchMetrics(MetricGroup metrics, int perCameraLimit) {
        group = metrics;
        cameras = new CappedMetricGroups<>(metrics, CameraFigures.GROUP, perCameraLimit, CameraFigures::register);
        framesOut = metrics.counter("framesOut");
        framesFailed = metrics.counter("framesFailed");
        segmentsStarted = metrics.counter("segmentsStarted");
        failedByReason = new DeadLetterCounters(metrics);
        residualRms = metrics.histogram("stitchResidualRmsMilli", new DescriptiveStatisticsHistogram(1000));
        inlierSharePercent = metrics.histogram("stitchInlierSharePercent", new DescriptiveStatisticsHistogram(1000));
        scaleStepPermille = metrics.histogram("stitchScaleStepPermille", new DescriptiveStatisticsHistogram(1000));
        processingLatencyMs = metrics.histogram("processingLatencyMs", new DescriptiveStatisticsHistogram(1000));
        captureToOutputMs = metrics.histogram("endToEndLatencyMs", new DescriptiveStatisticsHistogram(1000));
        releaseLagMs = metrics.histogram("stitchReleaseLagMs", new DescriptiveStatisticsHistogram(1000));
        streamsReleased = metrics.counter("streamsReleased");
        pipelineOverheadMs = metrics.histogram("pipelineOverheadMs", new DescriptiveStatisticsHistogram(1000));
        for (OverheadStage stage : OverheadStage.values()) {
            overheadStagesMs[stage.ordinal()] = metrics.histogram(stage.metricName(), new DescriptiveStatisticsHistogram(1000));
        }
    }

    /**
     * A frame handed downstream: the wall time from the capture of the newest frame of the clip that released it to
     * now, less the model host's time for that clip. What waiting for frames (the clip's fill, per_frame's stride) and
     * the model do not explain: Kafka to the job, the clip operator, queues, stitching and the payload writes. Before
     * the commit (the sink adds the checkpoint's wait). A camera clock behind the job's inflates it; one ahead lowers
     * it (clipped at 0). Also each stage of it ({@link OverheadStage}, {@code pipelineOverhead<Stage>Ms}), where
     * the clip carries every stamp; the stages are not clipped, so that they add up to the whole (a negative stage is
     * a clock off the job's: a camera's for Ingest, another task manager's for Clip).
     */
    void pipelineOverhead(ReleaseTimes released, long eventMillis, long emitMillis) {
        if (!released.knowsModelTime()) return;
        pipelineOverheadMs.update(Math.max(0, released.overheadMillis(emitMillis)));
        long[] stages = released.stages(eventMillis, emitMillis);
        if (stages == null) return;
        for (int i = 0; i < stages.length; i++) overheadStagesMs[i].update(stages[i]);
    }

    /**
     * A frame released by a clip's arrival: the capture-time span from the frame to that clip's newest frame. It is
     * what waiting for clips costs in capture time: the clip's fill (up to T - 1 frames) and, with the per_frame
     * method, the one stride a clip's frames wait for the next clip.
     */
    void frameReleased(long lagMs) {
        releaseLagMs.update(Math.max(0, lagMs));
    }

    /** Gauges of the stitcher state kept on the heap between checkpoints. */
    void watchStateCache(io.geostream.operators.sink.WriteBehindValueState<?, ?> cache) {
        group.gauge("stitchStateCacheBytes", (org.apache.flink.metrics.Gauge<Long>) cache::cachedBytes);
        group.gauge("stitchStateCacheStreams", (org.apache.flink.metrics.Gauge<Integer>) cache::cachedKeys);
        group.gauge("stitchStateWritesThrough", (org.apache.flink.metrics.Gauge<Long>) cache::writesThrough);
        // The flush runs on the task thread before each checkpoint barrier: what it adds to every checkpoint.
        group.gauge("stitchStateFlushMs", (org.apache.flink.metrics.Gauge<Long>) cache::lastFlushMillis);
        group.gauge("stitchStateFlushValues", (org.apache.flink.metrics.Gauge<Integer>) cache::lastFlushValues);
    }

    void segmentStarted(String streamId) {
        segmentsStarted.inc();
        cameras.of(streamId).segmentsStarted().inc();
    }

    void streamReleased() {
        streamsReleased.inc();
    }

    void frameFailed(String reasonCode) {
        framesFailed.inc();
        failedByReason.inc(reasonCode);
    }

    void frameOut(StitchEvent.StitchedFrame f, GeometryFrame g) {
        framesOut.inc();
        processingLatencyMs.update(g.getProcessingLatencyMillis());
        long endToEndMs = Math.max(0, System.currentTimeMillis() - f.frame().captureTimeMicros / 1000L);
        captureToOutputMs.update(endToEndMs);
        CameraFigures camera = cameras.of(f.frame().streamId);
        camera.framesOut().inc();
        camera.endToEndLatencyMs().update(endToEndMs);
        double[] last = lastClipScale.get(f.frame().streamId);
        if (last != null && last[0] == f.clipId()) return;
        if (Double.isFinite(f.residualRms())) residualRms.update(Math.round(f.residualRms() * 1000));
        if (Double.isFinite(f.inlierShare())) inlierSharePercent.update(Math.round(f.inlierShare() * 100));
        if (last != null && last[2] == f.segmentId() && f.clipScale() > 0 && last[1] > 0) {
            scaleStepPermille.update(Math.round(Math.abs(Math.log(f.clipScale() / last[1])) * 1000));
        }
        lastClipScale.put(f.frame().streamId, new double[] {f.clipId(), f.clipScale(), f.segmentId()});
    }
}
