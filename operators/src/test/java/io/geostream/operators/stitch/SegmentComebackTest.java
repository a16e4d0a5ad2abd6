package io.geostream.operators.stitch;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.avro.SegmentReason;
import io.geostream.clip.ClipCutterSettings;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.operators.clip.ClipCutterFunction;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.stitch.StitcherSettings;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream that comes back, both ways the job releases its state: after an end-of-stream marker, and after the idle
 * TTL. The real clip operator (with its TTL on the harness's processing time) cuts the frames, the simulated model
 * predicts, the real stitch operator stitches and writes: each run's segment is numbered 0 again, and its records carry
 * a different identity ({@code segmentStartMicros}, the capture time of the run's first frame) in every GeometryFrame
 * and SegmentEvent, so consumers keyed on the identity keep the runs apart.
 */
class SegmentComebackTest {
    private static final String STREAM = "cam";
    private static final long HOUR = 3_600_000_000L;
    private static final ClipCutterSettings CLIPS = new ClipCutterSettings(8, 6, 2, 10_000);
    private static final SceneSpec SCENE = new SceneSpec(5, 48, 36, 20, TrajectoryKind.ORBIT, 0.0, 10);

    static final class FramesByStream implements KeySelector<FrameRecord, String> {
        @Override public String getKey(FrameRecord f) { return f.streamId; }
    }

    static final class ResultsByStream implements KeySelector<ClipResult, String> {
        @Override public String getKey(ClipResult r) { return r.task.streamId; }
    }

    @TempDir
    Path objects;

    /** The synthetic stream, every capture time {@code shiftMicros} later; with or without its end-of-stream marker. */
    private static List<FrameRecord> run(long shiftMicros, boolean endMarker) {
        List<FrameRecord> frames = new ArrayList<>(SyntheticPipeline.frames(STREAM, SCENE, true));
        assertThat(frames.get(frames.size() - 1).endOfStream).isTrue();
        if (!endMarker) frames.remove(frames.size() - 1);
        for (FrameRecord f : frames) f.captureTimeMicros += shiftMicros;
        return frames;
    }

    @Test
    void aStreamBackAfterItsEndMarkerOrItsIdleTtlStartsSegmentZeroWithANewIdentity() throws Exception {
        List<FrameRecord> first = run(0, true), second = run(HOUR, false), third = run(2 * HOUR, true);
        List<ClipTask> tasks;
        try (var cutter = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ClipCutterFunction(CLIPS, Duration.ofSeconds(10))), new FramesByStream(), Types.STRING)) {
            cutter.open();
            cutter.setProcessingTime(0);
            for (FrameRecord f : first) cutter.processElement(new StreamRecord<>(f, f.captureTimeMicros / 1000));
            assertThat(cutter.numKeyedStateEntries()).as("released at the end-of-stream marker").isZero();
            for (FrameRecord f : second) cutter.processElement(new StreamRecord<>(f, f.captureTimeMicros / 1000));
            assertThat(cutter.numKeyedStateEntries()).isPositive();
            cutter.setProcessingTime(20_000); // past the TTL without a frame (and no watermark): flushed, then released
            assertThat(cutter.numKeyedStateEntries()).as("released by the idle TTL").isZero();
            for (FrameRecord f : third) cutter.processElement(new StreamRecord<>(f, f.captureTimeMicros / 1000));
            tasks = new ArrayList<>(cutter.extractOutputValues());
        }
        assertThat(tasks.stream().filter(t -> t.releasesStream)).hasSize(3);
        assertThat(tasks).allMatch(t -> t.segmentId == 0);

        List<ClipResult> results = SyntheticPipeline.infer(tasks, new SimulatedGeometryModel(SimulatedModelSettings.defaults()));
        List<OutputRecord> out;
        try (var stitch = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StitchFunction(StitcherSettings.defaults(), StorageSettings.local(objects))),
                new ResultsByStream(), Types.STRING)) {
            stitch.open();
            for (ClipResult r : results) stitch.processElement(new StreamRecord<>(r));
            out = stitch.extractOutputValues();
            assertThat(stitch.numKeyedStateEntries()).isZero();
        }

        List<GeometryFrame> frames = new ArrayList<>();
        List<SegmentEvent> segments = new ArrayList<>();
        for (OutputRecord o : out) {
            if (o.kind == OutputRecord.Kind.GEOMETRY) frames.add(SingleObjectCodec.geometryFrames().decode(o.value));
            if (o.kind == OutputRecord.Kind.SEGMENT) segments.add(SingleObjectCodec.segmentEvents().decode(o.value));
        }
        long[] starts = {first.get(0).captureTimeMicros, second.get(0).captureTimeMicros, third.get(0).captureTimeMicros};
        assertThat(starts[1]).isEqualTo(starts[0] + HOUR);

        // Three segments, all numbered 0, each with the capture time of its run's first frame.
        assertThat(segments).extracting(SegmentEvent::getKind).containsExactly(
                SegmentEventKind.STARTED, SegmentEventKind.ENDED, SegmentEventKind.STARTED, SegmentEventKind.ENDED,
                SegmentEventKind.STARTED, SegmentEventKind.ENDED);
        assertThat(segments).extracting(SegmentEvent::getSegmentId).containsOnly(0L);
        assertThat(segments).extracting(SegmentEvent::getSegmentStartMicros)
                .containsExactly(starts[0], starts[0], starts[1], starts[1], starts[2], starts[2]);
        assertThat(segments).filteredOn(e -> e.getKind() == SegmentEventKind.ENDED).extracting(SegmentEvent::getReason)
                .containsExactly(SegmentReason.END_OF_STREAM, SegmentReason.STREAM_IDLE, SegmentReason.END_OF_STREAM);
        assertThat(segments).filteredOn(e -> e.getKind() == SegmentEventKind.STARTED)
                .allSatisfy(e -> assertThat(e.getSegmentStartMicros()).isEqualTo(e.getEventTimeMicros()));

        // Every frame: segment 0, the identity of its own run; frame indices 0..19 three times over.
        assertThat(frames).hasSize(60).allMatch(g -> g.getSegmentId() == 0);
        for (int run = 0; run < 3; run++) {
            long from = starts[run], to = run < 2 ? starts[run + 1] : Long.MAX_VALUE;
            List<GeometryFrame> ofRun = frames.stream().filter(g -> g.getCaptureTimeMicros() >= from && g.getCaptureTimeMicros() < to).toList();
            assertThat(ofRun).hasSize(20).allMatch(g -> g.getSegmentStartMicros() == from);
        }
        Set<String> identities = new HashSet<>();
        frames.forEach(g -> identities.add(g.getSegmentStartMicros() + "/" + g.getSegmentId()));
        assertThat(identities).hasSize(3);
        // Nor do the payloads of the runs overwrite one another (their keys hold the capture time).
        assertThat(frames.stream().map(g -> g.getPayloads().getPointMapUri()).distinct()).hasSize(60);
    }
}
