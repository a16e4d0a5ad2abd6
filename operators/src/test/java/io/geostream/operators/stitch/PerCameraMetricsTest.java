package io.geostream.operators.stitch;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.operators.RecordingMetrics;
import io.geostream.operators.sink.CappedMetricGroups;
import io.geostream.operators.sink.MetricsOptions;
import io.geostream.records.ClipResult;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import io.geostream.records.StreamIds;
import io.geostream.stitch.StitchMethod;
import io.geostream.stitch.StitcherSettings;
import io.geostream.storage.StorageSettings;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.SyntheticPipeline;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The stitch operator's per-camera metric groups ({@code camera.<stream id>.framesOut|endToEndLatencyMs|segmentsStarted}):
 * at most {@code geostream.metrics.per-camera-limit} cameras have their own, the others are counted together in
 * {@code camera._other}, and nothing is lost between the two.
 */
class PerCameraMetricsTest {
    private static final Pattern CAMERA = Pattern.compile(".*\\.camera\\.([^.]+)\\.(framesOut|endToEndLatencyMs|segmentsStarted)$");

    @TempDir
    Path objects;

    /** Clips of {@code streams} cameras (frames 10, 14, 18, ... per camera: each a different count), round-robin as a busy subtask sees them. */
    private static Map<String, List<ClipResult>> cameras(int streams) throws Exception {
        Map<String, List<ClipResult>> out = new LinkedHashMap<>();
        for (int i = 0; i < streams; i++) {
            SceneSpec spec = new SceneSpec(20 + i, 32, 24, 10 + 4 * i, TrajectoryKind.ORBIT, 0.0, 10);
            out.put("cam-" + i, SyntheticPipeline.infer(SyntheticPipeline.clips(SyntheticPipeline.frames("cam-" + i, spec, true),
                    new ClipCutterSettings(6, 4, 2, 10_000)), new SimulatedGeometryModel(SimulatedModelSettings.defaults())));
        }
        return out;
    }

    private static List<ClipResult> roundRobin(Map<String, List<ClipResult>> byCamera) {
        List<ClipResult> out = new ArrayList<>();
        int longest = byCamera.values().stream().mapToInt(List::size).max().orElse(0);
        for (int k = 0; k < longest; k++) {
            for (List<ClipResult> clips : byCamera.values()) if (k < clips.size()) out.add(clips.get(k));
        }
        return out;
    }

    /** The per-camera figures after stitching {@code results} with the given cap: camera -> metric -> count. */
    private Map<String, Map<String, Long>> run(List<ClipResult> results, int limit, List<OutputRecord> output) throws Exception {
        RecordingMetrics recorded = new RecordingMetrics("stitch");
        try (MockEnvironment environment = recorded.environment();
             var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                     new StitchFunction(StitcherSettings.defaults(), StorageSettings.local(objects), StitchMethod.PER_FRAME, limit)),
                     new StitchFunctionTest.ByStream(), Types.STRING, environment)) {
            h.open();
            for (ClipResult r : results) h.processElement(new StreamRecord<>(r));
            output.addAll(h.extractOutputValues());
            Map<String, Map<String, Long>> byCamera = new TreeMap<>();
            long operatorFramesOut = -1;
            for (Map.Entry<String, Metric> e : recorded.all().entrySet()) {
                Matcher m = CAMERA.matcher(e.getKey());
                if (m.matches()) {
                    long n = e.getValue() instanceof Counter c ? c.getCount() : ((Histogram) e.getValue()).getCount();
                    byCamera.computeIfAbsent(m.group(1), k -> new TreeMap<>()).put(m.group(2), n);
                } else if (e.getKey().endsWith(".framesOut") && e.getValue() instanceof Counter c) {
                    operatorFramesOut = c.getCount();
                }
            }
            // The per-camera groups split the operator's own count, none lost, none twice.
            assertThat(byCamera.values().stream().mapToLong(m -> m.getOrDefault("framesOut", 0L)).sum()).isEqualTo(operatorFramesOut);
            return byCamera;
        }
    }

    private static long framesOut(List<OutputRecord> output, String stream) {
        return output.stream().filter(o -> o.kind == OutputRecord.Kind.GEOMETRY && new String(o.key, StandardCharsets.UTF_8).equals(stream)).count();
    }

    @Test
    void theFirstCamerasHaveTheirOwnGroupsAndTheRestShareTheOverflowGroup() throws Exception {
        Map<String, List<ClipResult>> cameras = cameras(5);
        List<OutputRecord> output = new ArrayList<>();
        Map<String, Map<String, Long>> figures = run(roundRobin(cameras), 2, output);

        assertThat(figures.keySet()).containsExactlyInAnyOrder("cam-0", "cam-1", CappedMetricGroups.OVERFLOW);
        for (String own : List.of("cam-0", "cam-1")) {
            long frames = framesOut(output, own);
            assertThat(frames).as(own).isPositive();
            assertThat(figures.get(own)).as(own).containsEntry("framesOut", frames).containsEntry("endToEndLatencyMs", frames)
                    .containsEntry("segmentsStarted", 1L);
        }
        long others = framesOut(output, "cam-2") + framesOut(output, "cam-3") + framesOut(output, "cam-4");
        assertThat(figures.get(CappedMetricGroups.OVERFLOW)).containsEntry("framesOut", others)
                .containsEntry("endToEndLatencyMs", others).containsEntry("segmentsStarted", 3L);
        assertThat(others).isEqualTo(18 + 22 + 26); // every frame of the three cameras past the cap
    }

    @Test
    void aCapAboveTheCamerasGivesEachItsOwnAndZeroPutsAllInTheOverflow() throws Exception {
        Map<String, List<ClipResult>> cameras = cameras(3);
        List<OutputRecord> output = new ArrayList<>();
        Map<String, Map<String, Long>> figures = run(roundRobin(cameras), MetricsOptions.PER_CAMERA_LIMIT.defaultValue(), output);
        assertThat(figures.keySet()).containsExactly("cam-0", "cam-1", "cam-2");
        for (String cam : cameras.keySet()) assertThat(figures.get(cam).get("framesOut")).isEqualTo(framesOut(output, cam));

        Map<String, Map<String, Long>> none = run(roundRobin(cameras), 0, new ArrayList<>());
        assertThat(none.keySet()).containsExactly(CappedMetricGroups.OVERFLOW);
        assertThat(none.get(CappedMetricGroups.OVERFLOW)).containsEntry("framesOut", 10L + 14 + 18).containsEntry("segmentsStarted", 3L);
    }

    @Test
    void aNegativeCapFailsNamingTheKey() {
        Configuration c = new Configuration();
        c.set(MetricsOptions.PER_CAMERA_LIMIT, -1);
        assertThatThrownBy(() -> MetricsOptions.perCameraLimit(c)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("geostream.metrics.per-camera-limit must be >= 0, got -1");
        assertThat(MetricsOptions.perCameraLimit(new Configuration())).isEqualTo(64);
        assertThatThrownBy(() -> new StitchFunction(StitcherSettings.defaults(), StorageSettings.local(objects), StitchMethod.PER_FRAME, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(StreamIds.isValid(CappedMetricGroups.OVERFLOW)).as("no stream id can take the overflow group's name").isFalse();
    }

    @Test
    void pipelineOverheadCountsTheFramesReleasedByClipsWhoseModelTimeIsKnownLessThatTime() throws Exception {
        long started = System.currentTimeMillis();
        double[] fast = overhead(40);
        double[] slow = overhead(10_040);
        long took = System.currentTimeMillis() - started;
        assertThat(fast[0]).isPositive().isEqualTo(slow[0]); // frames released by the clips whose model time is known
        assertThat(fast[1]).as("frames out while the model time was known").isEqualTo(fast[0]);
        // Wall time since capture less the model's time: 10 s more model time, 10 s less overhead (the second run
        // started at most `took` later).
        assertThat(fast[2] - slow[2]).isBetween(10_000.0 - took, 10_000.0 + 1);
    }

    @Test
    void theStagesOfTheOverheadAddUpToItForTheFramesWhoseClipCarriesEveryStamp() throws Exception {
        List<ClipResult> results = cameras(5).get("cam-4");
        int stampedClips = results.size() / 2;
        for (int i = 0; i < results.size(); i++) {
            ClipResult r = results.get(i);
            r.inferenceMillis = 40;
            if (i >= stampedClips) continue; // the rest as from before the clip operator stamped its tasks
            long newestCaptureMillis = 0;
            for (int slot = 0; slot < r.task.realSlots(); slot++) {
                FrameRecord f = r.task.frames[slot];
                newestCaptureMillis = Math.max(newestCaptureMillis, f.captureTimeMicros / 1000);
                f.ingestTimeMillis = f.captureTimeMicros / 1000 + 7;
            }
            r.task.cutAtMillis = newestCaptureMillis + 7 + 3;
        }
        Map<String, Histogram> mixed = stitched(results);
        long stageCount = mixed.get(OverheadStage.INGEST.metricName()).getCount();
        for (OverheadStage stage : OverheadStage.values()) {
            assertThat(mixed.get(stage.metricName()).getCount()).as("%s: the same frames in every stage", stage).isEqualTo(stageCount);
        }
        assertThat(stageCount).as("only the frames released by the stamped clips")
                .isPositive().isLessThan(mixed.get("pipelineOverheadMs").getCount());

        Map<String, Histogram> stamped = stitched(results.subList(0, stampedClips));
        assertThat(stamped.get("pipelineOverheadIngestMs").getStatistics().getMean()).isEqualTo(7.0);
        assertThat(stamped.get("pipelineOverheadClipMs").getStatistics().getMean()).isEqualTo(3.0);
        double sumOfStages = 0;
        for (OverheadStage stage : OverheadStage.values()) sumOfStages += stamped.get(stage.metricName()).getStatistics().getMean();
        assertThat(sumOfStages).isCloseTo(stamped.get("pipelineOverheadMs").getStatistics().getMean(), within(0.01)); // ms; means of ~1e11
    }

    /** A per_frame stitch function (4 cameras with groups of their own) in a keyed harness, opened. */
    private KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> openHarness(MockEnvironment environment) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                new StitchFunction(StitcherSettings.defaults(), StorageSettings.local(objects), StitchMethod.PER_FRAME, 4)),
                new StitchFunctionTest.ByStream(), Types.STRING, environment);
        h.open();
        return h;
    }

    /** The stitch stage's histograms after stitching {@code results} (one camera's), by metric name. */
    private Map<String, Histogram> stitched(List<ClipResult> results) throws Exception {
        RecordingMetrics recorded = new RecordingMetrics("stitch");
        try (MockEnvironment environment = recorded.environment(); var h = openHarness(environment)) {
            for (ClipResult r : results) h.processElement(new StreamRecord<>(r));
            Map<String, Histogram> out = new LinkedHashMap<>();
            recorded.all().forEach((name, metric) -> {
                if (metric instanceof Histogram histogram) out.put(name.substring(name.lastIndexOf('.') + 1), histogram);
            });
            return out;
        }
    }

    /** Stitches a camera's clips, the first half with the given model time, the rest unknown: {count, frames out, mean}. */
    private double[] overhead(long inferenceMillis) throws Exception {
        List<ClipResult> results = cameras(5).get("cam-4"); // 26 frames, clips of 6 every 4
        int known = results.size() / 2;
        for (int i = 0; i < results.size(); i++) results.get(i).inferenceMillis = i < known ? inferenceMillis : -1;
        RecordingMetrics recorded = new RecordingMetrics("stitch");
        try (MockEnvironment environment = recorded.environment(); var h = openHarness(environment)) {
            for (ClipResult r : results.subList(0, known)) h.processElement(new StreamRecord<>(r));
            long outWhileKnown = framesOut(h.extractOutputValues(), "cam-4");
            for (ClipResult r : results.subList(known, results.size())) h.processElement(new StreamRecord<>(r));
            Histogram overhead = (Histogram) recorded.all().entrySet().stream().filter(e -> e.getKey().endsWith(".pipelineOverheadMs"))
                    .findFirst().orElseThrow().getValue();
            return new double[] {overhead.getCount(), outWhileKnown, overhead.getStatistics().getMean()};
        }
    }
}
