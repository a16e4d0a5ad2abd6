package io.geostream.operators.stitch;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.clip.ClipCutterSettings;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.operators.sink.DrainingKeyedProcessOperator;
import io.geostream.records.ClipResult;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.stitch.OverlapPolicy;
import io.geostream.stitch.StitchMethod;
import io.geostream.stitch.StitcherSettings;
import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.PayloadCodecs;
import io.geostream.storage.StorageSettings;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.SyntheticPipeline;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The keyed stitch operator: order restored after unordered inference, payloads written before events. */
class StitchFunctionTest {

    static final class ByStream implements KeySelector<ClipResult, String> {
        @Override public String getKey(ClipResult r) { return r.task.streamId; }
    }

    @TempDir
    Path objects;

    private static List<ClipResult> simulate(SceneSpec spec, ClipCutterSettings clips, boolean giveIntrinsics) throws Exception {
        return SyntheticPipeline.infer(SyntheticPipeline.clips(SyntheticPipeline.frames("cam", spec, giveIntrinsics), clips),
                new SimulatedGeometryModel(SimulatedModelSettings.defaults()));
    }

    private List<OutputRecord> run(List<ClipResult> results) throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StitchFunction(StitcherSettings.defaults(), StorageSettings.local(objects))),
                new ByStream(), Types.STRING)) {
            h.open();
            for (ClipResult r : results) h.processElement(new StreamRecord<>(r));
            return h.extractOutputValues();
        }
    }

    /** Same records in the same order; frames equal in every field but the processing latency. */
    private static void assertSameOutput(List<OutputRecord> actual, List<OutputRecord> expected) throws Exception {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).kind).isEqualTo(expected.get(i).kind);
            if (expected.get(i).kind == OutputRecord.Kind.GEOMETRY) {
                GeometryFrame a = SingleObjectCodec.geometryFrames().decode(expected.get(i).value);
                GeometryFrame b = SingleObjectCodec.geometryFrames().decode(actual.get(i).value);
                a.setProcessingLatencyMillis(0L);
                b.setProcessingLatencyMillis(0L);
                assertThat(b).isEqualTo(a);
            } else {
                assertThat(actual.get(i).value).isEqualTo(expected.get(i).value);
            }
        }
    }

    @Test
    void outOfOrderResultsGiveTheSameOutputAsInOrderOnes() throws Exception {
        SceneSpec spec = new SceneSpec(5, 48, 36, 30, TrajectoryKind.ORBIT, 0.0, 10);
        List<ClipResult> results = simulate(spec, new ClipCutterSettings(8, 6, 2, 10_000), true);
        assertThat(results).hasSizeGreaterThan(3);

        List<OutputRecord> inOrder = run(results);
        List<ClipResult> shuffled = new ArrayList<>(results);
        Collections.reverse(shuffled);
        List<OutputRecord> reversed = run(shuffled);

        assertSameOutput(reversed, inOrder);
        List<Long> frames = new ArrayList<>();
        for (OutputRecord o : inOrder) {
            if (o.kind == OutputRecord.Kind.GEOMETRY) frames.add(SingleObjectCodec.geometryFrames().decode(o.value).getFrameIndex());
        }
        assertThat(frames).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 30).boxed().toList());
        SegmentEvent first = SingleObjectCodec.segmentEvents().decode(inOrder.get(0).value);
        SegmentEvent last = SingleObjectCodec.segmentEvents().decode(inOrder.get(inOrder.size() - 1).value);
        assertThat(first.getKind()).isEqualTo(SegmentEventKind.STARTED);
        assertThat(last.getKind()).isEqualTo(SegmentEventKind.ENDED);
    }

    @Test
    void payloadsExistWithTheShapesTheEventStates() throws Exception {
        SceneSpec spec = new SceneSpec(6, 40, 30, 10, TrajectoryKind.WALK, 0.0, 10);
        List<ClipResult> results = simulate(spec, new ClipCutterSettings(6, 4, 2, 10_000), false);
        List<OutputRecord> out = run(results);
        try (LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(objects)) {
            int n = 0;
            for (OutputRecord r : out) {
                if (r.kind != OutputRecord.Kind.GEOMETRY) continue;
                GeometryFrame g = SingleObjectCodec.geometryFrames().decode(r.value);
                var p = g.getPayloads();
                assertThat(p.getPointMapUri()).startsWith("file:").contains("/simulated/1/cam/seg-000000/");
                var points = PayloadCodecs.readNpyFloat32(store.get(store.keyOf(p.getPointMapUri()).orElseThrow()));
                assertThat(points.shape()).containsExactly(30, 40, 3);
                var conf = PayloadCodecs.readNpyFloat32(store.get(store.keyOf(p.getConfidenceUri()).orElseThrow()));
                assertThat(conf.shape()).containsExactly(30, 40);
                int[] depth = PayloadCodecs.readPng16(store.get(store.keyOf(p.getDepthUri()).orElseThrow()));
                assertThat(depth).hasSize(40 * 30);
                assertThat(java.util.Arrays.stream(depth).filter(d -> d > 0).count()).isGreaterThan(40 * 30 * 9 / 10);
                assertThat(store.exists(store.keyOf(p.getNormalsUri()).orElseThrow())).isTrue();
                assertThat(store.exists(store.keyOf(p.getRgbUri()).orElseThrow())).isTrue();
                assertThat(g.getIntrinsics().getSource().name()).isEqualTo("ESTIMATED");
                n++;
            }
            assertThat(n).isEqualTo(10);
        }
    }

    @Test
    void aReleasedStreamLeavesNoStateAndItsNextRunMayOvertakeTheRelease() throws Exception {
        SceneSpec spec = new SceneSpec(5, 48, 36, 20, TrajectoryKind.ORBIT, 0.0, 10);
        ClipCutterSettings clips = new ClipCutterSettings(8, 6, 2, 10_000);
        List<ClipResult> first = simulate(spec, clips, true);
        List<ClipResult> second = simulate(spec, clips, true);
        // What the clip operator marks when it releases the stream at its end-of-stream marker.
        first.get(first.size() - 1).task.releasesStream = true;
        second.get(second.size() - 1).task.releasesStream = true;
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StitchFunction(StitcherSettings.defaults(), StorageSettings.local(objects))),
                new ByStream(), Types.STRING)) {
            h.open();
            for (ClipResult r : first.subList(0, first.size() - 1)) h.processElement(new StreamRecord<>(r));
            assertThat(h.numKeyedStateEntries()).isGreaterThan(0);
            // Unordered inference: the whole second run arrives before the first run's releasing task.
            for (ClipResult r : second) h.processElement(new StreamRecord<>(r));
            h.processElement(new StreamRecord<>(first.get(first.size() - 1)));
            List<Long> frames = new ArrayList<>();
            for (OutputRecord o : h.extractOutputValues()) {
                if (o.kind == OutputRecord.Kind.GEOMETRY) frames.add(SingleObjectCodec.geometryFrames().decode(o.value).getFrameIndex());
            }
            List<Long> expected = new ArrayList<>();
            for (int run = 0; run < 2; run++) for (long i = 0; i < 20; i++) expected.add(i);
            assertThat(frames).isEqualTo(expected);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    private List<OutputRecord> runWith(StorageSettings storage, List<ClipResult> results) throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StitchFunction(StitcherSettings.defaults(), storage)), new ByStream(), Types.STRING)) {
            h.open();
            for (ClipResult r : results) h.processElement(new StreamRecord<>(r));
            return h.extractOutputValues();
        }
    }

    @Test
    void payloadWritesRideOutTransientFailuresAndDeadLetterPermanentOnes() throws Exception {
        SceneSpec spec = new SceneSpec(5, 48, 36, 10, TrajectoryKind.ORBIT, 0.0, 10);
        List<ClipResult> results = simulate(spec, new ClipCutterSettings(8, 6, 2, 10_000), true);

        // Four 503s in a row: retried with back-off, nothing lost.
        List<OutputRecord> flaky = runWith(StorageSettings.local(objects).decorated(
                io.geostream.testing.FlakyObjectStore.decorator("stitch-503", 4)), results);
        assertThat(io.geostream.testing.FlakyObjectStore.failuresLeft("stitch-503")).isZero();
        assertThat(flaky.stream().filter(o -> o.kind == OutputRecord.Kind.GEOMETRY)).hasSize(10);

        // 403 on every put: each frame becomes a dead letter with a reason, and the operator does not fail.
        List<OutputRecord> denied = runWith(StorageSettings.local(objects).decorated(io.geostream.testing.FlakyObjectStore.denyingPuts()), results);
        assertThat(denied.stream().filter(o -> o.kind == OutputRecord.Kind.GEOMETRY)).isEmpty();
        List<io.geostream.avro.DeadLetter> letters = new ArrayList<>();
        for (OutputRecord o : denied) {
            if (o.kind == OutputRecord.Kind.DEAD_LETTER) letters.add(SingleObjectCodec.deadLetters().decode(o.value));
        }
        assertThat(letters).hasSize(10);
        assertThat(letters).allSatisfy(d -> {
            assertThat(d.getReasonCode()).isEqualTo(StitchFunction.PAYLOAD_WRITE_FAILED);
            assertThat(d.getDetail()).startsWith("access denied");
            assertThat(d.getStage()).isEqualTo("storage");
        });
    }

    @Test
    void underTheDrainingOperatorWritesOutliveTheElementAndAllGoOutBeforeTheBarrier() throws Exception {
        SceneSpec spec = new SceneSpec(5, 48, 36, 20, TrajectoryKind.ORBIT, 0.0, 10);
        List<ClipResult> results = simulate(spec, new ClipCutterSettings(8, 6, 2, 10_000), true);
        List<OutputRecord> plain = run(results);

        StorageSettings slow = StorageSettings.local(objects).decorated(io.geostream.testing.GatedObjectStore.closedGate("stitch-slow"));
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new DrainingKeyedProcessOperator<>(new StitchFunction(StitcherSettings.defaults(), slow)), new ByStream(), Types.STRING)) {
            h.open();
            for (ClipResult r : results) h.processElement(new StreamRecord<>(r));
            // Every put is held at the gate: the elements returned, and no frame event went out before its payloads.
            assertThat(h.extractOutputValues()).noneMatch(o -> o.kind == OutputRecord.Kind.GEOMETRY);

            io.geostream.testing.GatedObjectStore.open("stitch-slow");
            h.prepareSnapshotPreBarrier(1); // what the task does before a checkpoint barrier goes downstream
            List<OutputRecord> drained = h.extractOutputValues();
            assertSameOutput(drained, plain);
        }
    }

    @Test
    void finishedOutputsGoOutWhileNoInputArrivesWithoutWaitingForABarrier() throws Exception {
        SceneSpec spec = new SceneSpec(5, 48, 36, 20, TrajectoryKind.ORBIT, 0.0, 10);
        List<ClipResult> results = simulate(spec, new ClipCutterSettings(8, 6, 2, 10_000), true);
        List<OutputRecord> plain = run(results);

        StorageSettings slow = StorageSettings.local(objects).decorated(io.geostream.testing.GatedObjectStore.closedGate("stitch-idle"));
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new DrainingKeyedProcessOperator<>(new StitchFunction(StitcherSettings.defaults(), slow)), new ByStream(), Types.STRING)) {
            h.open();
            for (ClipResult r : results) h.processElement(new StreamRecord<>(r));
            assertThat(h.extractOutputValues()).noneMatch(o -> o.kind == OutputRecord.Kind.GEOMETRY);

            io.geostream.testing.GatedObjectStore.open("stitch-idle");
            // No more input and no barrier: only the operator's processing-time poll can hand the outputs on.
            long deadline = System.currentTimeMillis() + 30_000;
            while (h.extractOutputValues().size() < plain.size() && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
                h.setProcessingTime(h.getProcessingTime() + DrainingKeyedProcessOperator.POLL_MILLIS);
            }
            assertSameOutput(h.extractOutputValues(), plain);
        }
    }

    private KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> harness(StitcherSettings config,
                                                                                          StitchMethod method) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StitchFunction(config, StorageSettings.local(objects), method)),
                new ByStream(), Types.STRING);
    }

    /** As the job runs it: on RocksDB, payload writes in flight across clips, stitcher state on the heap between barriers. */
    private KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> drainingHarness(StitcherSettings config,
                                                                                                  StitchMethod method) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new DrainingKeyedProcessOperator<>(new StitchFunction(config, StorageSettings.local(objects), method)),
                new ByStream(), Types.STRING);
        h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend(false));
        return h;
    }

    /** Frames held in state (blended overlap frames; the per-frame method's whole clip) survive a snapshot and restore. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = StitchMethod.class, names = {"ROBUST_KEYFRAMES", "PER_FRAME"})
    void framesHeldInStateSurviveASnapshotAndRestore(StitchMethod method) throws Exception {
        assertSnapshotAndRestoreChangeNothing(method, false);
    }

    /**
     * The same as the job runs the operator: the stitcher state of each stream stays on the heap between barriers and
     * reaches the backend only in the flush before the barrier; a restored task reads it back.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = StitchMethod.class, names = {"ROBUST_KEYFRAMES", "PER_FRAME"})
    void underTheDrainingOperatorHeapStateSurvivesASnapshotAndRestore(StitchMethod method) throws Exception {
        assertSnapshotAndRestoreChangeNothing(method, true);
    }

    private void assertSnapshotAndRestoreChangeNothing(StitchMethod method, boolean draining) throws Exception {
        SceneSpec spec = new SceneSpec(8, 40, 30, 30, TrajectoryKind.HANDHELD, 0.0, 10);
        List<ClipResult> results = simulate(spec, new ClipCutterSettings(8, 5, 2, 10_000, 1), true);
        StitcherSettings config = StitcherSettings.defaults().withOverlapPolicy(OverlapPolicy.BLENDED);
        List<OutputRecord> straight;
        try (var h = draining ? drainingHarness(config, method) : harness(config, method)) {
            h.open();
            for (ClipResult r : results) h.processElement(new StreamRecord<>(r));
            h.prepareSnapshotPreBarrier(1); // the draining operator's outputs still in flight
            straight = h.extractOutputValues();
        }
        int cut = results.size() / 2;
        List<OutputRecord> resumed = new ArrayList<>();
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = draining ? drainingHarness(config, method) : harness(config, method)) {
            h.open();
            for (ClipResult r : results.subList(0, cut)) h.processElement(new StreamRecord<>(r));
            h.prepareSnapshotPreBarrier(1); // as the task does before the barrier
            resumed.addAll(h.extractOutputValues());
            snapshot = h.snapshot(1, 1);
        }
        try (var h = draining ? drainingHarness(config, method) : harness(config, method)) {
            h.initializeState(snapshot);
            h.open();
            for (ClipResult r : results.subList(cut, results.size())) h.processElement(new StreamRecord<>(r));
            h.prepareSnapshotPreBarrier(2);
            resumed.addAll(h.extractOutputValues());
        }
        List<Long> frames = new ArrayList<>();
        assertThat(resumed).hasSameSizeAs(straight);
        for (int i = 0; i < straight.size(); i++) {
            assertThat(resumed.get(i).kind).isEqualTo(straight.get(i).kind);
            if (straight.get(i).kind != OutputRecord.Kind.GEOMETRY) continue;
            GeometryFrame a = SingleObjectCodec.geometryFrames().decode(straight.get(i).value);
            GeometryFrame b = SingleObjectCodec.geometryFrames().decode(resumed.get(i).value);
            a.setProcessingLatencyMillis(0L);
            b.setProcessingLatencyMillis(0L);
            assertThat(b).isEqualTo(a);
            frames.add(a.getFrameIndex());
        }
        assertThat(frames).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 30).boxed().toList());
    }
}
