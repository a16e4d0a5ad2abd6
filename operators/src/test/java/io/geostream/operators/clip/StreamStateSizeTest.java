package io.geostream.operators.clip;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.inference.ClipConversions;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.loop.LoopClosureSettings;
import io.geostream.operators.loop.LoopClosureFunction;
import io.geostream.operators.stitch.StitchFunction;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.records.LoopFrame;
import io.geostream.records.OutputRecord;
import io.geostream.stitch.StitcherSettings;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.StorageSettings;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.SyntheticPipeline;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keyed state of many streams that each sent one clip and went quiet, measured as checkpointed bytes of the
 * clip, stitch and loop-closure operators (heap backend snapshots, timers included): while the clip's overlap is
 * held, after the event-time idle flush, and after the idle TTL (nothing: no keyed entries and no timers). Prints
 * {@code streams=.. width=.. height=.. state_bytes=.. ...}. CI runs the 1,000 streams at 32x24 (about a
 * minute: the stitcher's first clip costs ~50 ms per stream); per-camera figures at the soak's size (seconds):
 * {@code mvn -o -B -pl operators test -Dtest=StreamStateSizeTest -Dgeostream.state-size.streams=8
 * -Dgeostream.state-size.width=160 -Dgeostream.state-size.height=120}.
 */
class StreamStateSizeTest {

    private static final ClipCutterSettings CLIPS = new ClipCutterSettings(16, 12, 8, 30_000);
    private static final Duration TTL = Duration.ofHours(1);

    @TempDir
    Path objects;

    /** Keeps nothing: the payload bytes do not matter here, only the operators' state. */
    static final class DiscardingStore implements ObjectStore {
        private final ObjectStore inner;
        DiscardingStore(ObjectStore inner) { this.inner = inner; }
        @Override public void put(String key, byte[] bytes, String contentType, java.util.Map<String, String> metadata) {}
        @Override public java.util.Map<String, String> metadata(String key) throws IOException { return inner.metadata(key); }
        @Override public byte[] get(String key) throws IOException { return inner.get(key); }
        @Override public boolean exists(String key) throws IOException { return inner.exists(key); }
        @Override public List<String> list(String prefix) throws IOException { return inner.list(prefix); }
        @Override public String uriOf(String key) { return inner.uriOf(key); }
        @Override public Optional<String> keyOf(String uri) { return inner.keyOf(uri); }
        @Override public void close() throws IOException { inner.close(); }
    }

    @Test
    void manyQuietStreamsShrinkToCountersAfterTheIdleFlushAndToNothingAfterTheTtl() throws Exception {
        int streams = Integer.getInteger("geostream.state-size.streams", 1000);
        int width = Integer.getInteger("geostream.state-size.width", 32);
        int height = Integer.getInteger("geostream.state-size.height", 24);
        SceneSpec spec = new SceneSpec(7, width, height, CLIPS.clipLength(), TrajectoryKind.ORBIT, 0.0, 10);
        List<FrameRecord> frames = SyntheticPipeline.frames("cam-0", spec, true);
        frames = frames.subList(0, CLIPS.clipLength()); // one clip, no end-of-stream marker: the stream just goes quiet
        SimulatedGeometryModel model = new SimulatedGeometryModel(SimulatedModelSettings.defaults());
        ClipResult geometry = null;

        StorageSettings storage = StorageSettings.local(objects).decorated(DiscardingStore::new);
        try (var clip = new KeyedOneInputStreamOperatorTestHarness<>(
                     new KeyedProcessOperator<>(new ClipCutterFunction(CLIPS, TTL)), new GeometryKey(), Types.STRING);
             var stitch = new KeyedOneInputStreamOperatorTestHarness<>(
                     new KeyedProcessOperator<>(new StitchFunction(StitcherSettings.defaults(), storage).withLoopFrames()),
                     new ResultKey(), Types.STRING);
             var loop = new KeyedOneInputStreamOperatorTestHarness<>(
                     new KeyedProcessOperator<>(new LoopClosureFunction(LoopClosureSettings.defaults())), new LoopKey(), Types.STRING)) {
            // The figure must not be capped by the memory-backed checkpoint storage's 5 MiB default.
            clip.setCheckpointStorage(new JobManagerCheckpointStorage(Integer.MAX_VALUE));
            stitch.setCheckpointStorage(new JobManagerCheckpointStorage(Integer.MAX_VALUE));
            loop.setCheckpointStorage(new JobManagerCheckpointStorage(Integer.MAX_VALUE));
            clip.open();
            stitch.open();
            loop.open();
            clip.setProcessingTime(0);
            for (int i = 0; i < streams; i++) {
                for (FrameRecord f : frames) clip.processElement(new StreamRecord<>(copy(f, "cam-" + i), f.captureTimeMicros / 1000));
            }
            List<ClipTask> tasks = clip.extractOutputValues();
            clip.getOutput().clear();
            assertThat(tasks).hasSize(streams);
            for (ClipTask t : tasks) {
                if (geometry == null) {
                    geometry = new ClipResult();
                    ClipConversions.fill(geometry, model.predict(ClipConversions.toInput(t)));
                }
                stitch.processElement(new StreamRecord<>(resultOf(t, geometry, model)));
            }
            stitch.getOutput().clear();
            assertThat(forwardLoopFrames(stitch, loop)).as("the stitcher holds the clip until the next one or the flush").isZero();
            long clipHeld = stateBytes(clip), stitchHeld = stitchBytes(stitch);

            clip.processWatermark(frames.get(frames.size() - 1).captureTimeMicros / 1000 + CLIPS.idleTimeoutMillis());
            forward(clip, stitch, model, streams);
            // The flush publishes the held frames and ends each segment: the loop closer holds a keyframe graph per
            // stream until the segment's end releases it.
            List<LoopFrame> published = drain(stitch);
            for (LoopFrame f : published) if (!f.release) loop.processElement(new StreamRecord<>(f));
            assertThat(loop.numKeyedStateEntries()).isGreaterThanOrEqualTo(streams);
            long loopHeld = loopBytes(loop);
            for (LoopFrame f : published) if (f.release) loop.processElement(new StreamRecord<>(f));
            assertThat(published.stream().filter(f -> f.release).count()).as("one segment end per stream").isEqualTo(streams);
            assertThat(loop.numKeyedStateEntries()).isZero();
            long clipIdle = stateBytes(clip), stitchIdle = stitchBytes(stitch), loopIdle = loopBytes(loop);

            clip.setProcessingTime(TTL.toMillis() * 2);
            forward(clip, stitch, model, streams);
            assertThat(forwardLoopFrames(stitch, loop)).as("one release per stream reaches the loop closer").isEqualTo(streams);
            long clipReleased = stateBytes(clip), stitchReleased = stitchBytes(stitch), loopReleased = loopBytes(loop);
            for (var h : List.of(clip, stitch, loop)) {
                assertThat(h.numKeyedStateEntries()).isZero();
                assertThat(h.numProcessingTimeTimers()).isZero();
                assertThat(h.numEventTimeTimers()).isZero();
            }
            assertThat(clipIdle + stitchIdle).isLessThan((clipHeld + stitchHeld) / 4);

            System.out.printf("streams=%d width=%d height=%d state_bytes=%d clip_state_bytes=%d stitch_state_bytes=%d "
                            + "loop_state_bytes_before_segment_end=%d bytes_per_stream=%d after_idle_flush_bytes=%d after_ttl_bytes=%d "
                            + "after_ttl_entries=0 after_ttl_timers=0%n",
                    streams, width, height, clipHeld + stitchHeld, clipHeld, stitchHeld, loopHeld,
                    (clipHeld + stitchHeld) / streams, clipIdle + stitchIdle + loopIdle,
                    clipReleased + stitchReleased + loopReleased);
        }
    }

    /** Hands the clip operator's new tasks (segment-end or release markers here) to the stitcher. */
    private static void forward(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, ClipTask> clip,
                                KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> stitch,
                                SimulatedGeometryModel model, int streams) throws Exception {
        List<ClipTask> tasks = clip.extractOutputValues();
        clip.getOutput().clear();
        assertThat(tasks).hasSize(streams);
        for (ClipTask t : tasks) {
            assertThat(t.isMarker()).isTrue();
            stitch.processElement(new StreamRecord<>(resultOf(t, null, model)));
        }
        stitch.getOutput().clear();
    }

    /** Hands the stitcher's side output (stitched frames, releases) to the loop closer; returns how many. */
    private static int forwardLoopFrames(KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> stitch,
                                         KeyedOneInputStreamOperatorTestHarness<String, LoopFrame, OutputRecord> loop) throws Exception {
        List<LoopFrame> frames = drain(stitch);
        for (LoopFrame f : frames) loop.processElement(new StreamRecord<>(f));
        loop.getOutput().clear();
        return frames.size();
    }

    private static List<LoopFrame> drain(KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> stitch) {
        var side = stitch.getSideOutput(StitchFunction.LOOP_FRAMES);
        List<LoopFrame> out = new java.util.ArrayList<>();
        if (side != null) for (StreamRecord<LoopFrame> r; (r = side.poll()) != null; ) out.add(r.getValue());
        return out;
    }

    private static ClipResult resultOf(ClipTask t, ClipResult geometry, SimulatedGeometryModel model) {
        ClipResult r = new ClipResult();
        r.task = t;
        r.modelId = model.info().id();
        r.modelVersion = model.info().version();
        if (geometry != null) {
            // Every stream films the same scene: share the computed geometry instead of re-running the model.
            r.width = geometry.width;
            r.height = geometry.height;
            r.pointMaps = geometry.pointMaps;
            r.normals = geometry.normals;
            r.confidence = geometry.confidence;
        }
        return r;
    }

    private static FrameRecord copy(FrameRecord f, String stream) {
        FrameRecord c = new FrameRecord();
        c.streamId = stream;
        c.frameIndex = f.frameIndex;
        c.captureTimeMicros = f.captureTimeMicros;
        c.width = f.width;
        c.height = f.height;
        c.rgb = f.rgb;
        c.intrinsics = f.intrinsics;
        c.attributes = f.attributes;
        return c;
    }

    private static long stateBytes(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, ClipTask> h) throws Exception {
        return keyedBytes(h.snapshot(1L, 1L));
    }

    private static long stitchBytes(KeyedOneInputStreamOperatorTestHarness<String, ClipResult, OutputRecord> h) throws Exception {
        return keyedBytes(h.snapshot(1L, 1L));
    }

    private static long loopBytes(KeyedOneInputStreamOperatorTestHarness<String, LoopFrame, OutputRecord> h) throws Exception {
        return keyedBytes(h.snapshot(1L, 1L));
    }

    private static long keyedBytes(OperatorSubtaskState s) {
        long bytes = 0;
        for (KeyedStateHandle k : s.getManagedKeyedState()) bytes += k.getStateSize();
        return bytes;
    }

    static final class GeometryKey implements org.apache.flink.api.java.functions.KeySelector<FrameRecord, String> {
        @Override public String getKey(FrameRecord f) { return f.streamId; }
    }

    static final class LoopKey implements org.apache.flink.api.java.functions.KeySelector<LoopFrame, String> {
        @Override public String getKey(LoopFrame f) { return f.streamId; }
    }

    static final class ResultKey implements org.apache.flink.api.java.functions.KeySelector<ClipResult, String> {
        @Override public String getKey(ClipResult r) { return r.task.streamId; }
    }
}
