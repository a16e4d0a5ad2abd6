package io.geostream.load;

import io.geostream.geometry.HalfFloats;
import io.geostream.operators.sink.WriteBehindValueState;
import io.geostream.operators.stitch.StitcherStateStore;
import io.geostream.stitch.CompactHeldFrame;
import io.geostream.stitch.CorrectableFrame;
import io.geostream.stitch.HalfPointsHeldFrame;
import io.geostream.stitch.StitcherState;
import io.geostream.testing.TestFrames;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What writing the stitch operator's held clips costs on Flink's RocksDB backend, in the two layouts (a figure, not a
 * pass/fail target): each stream's whole {@link StitcherState} as one value (the layout before session 30) against
 * {@link StitcherStateStore} (each held frame an entry of its own). Per round, as the bench pipeline's checkpoints do:
 * every stream's state replaced by a new clip of 12 held frames at 160x120 (float points, half normals and
 * confidence, RGB), then an incremental snapshot. The layouts alternate, so that drift of the machine hits both.
 * {@code mvn -o -B -pl tools test -Dtest=StitcherStateCostCheck -Dgeostream.stitcher-state-cost=true}; prints
 * {@code one_value_cpu_ms_per_round=.. per_frame_cpu_ms_per_round=.. ratio=..} (process CPU: the task thread, RocksDB's
 * own threads, the JIT and GC). {@link #halfPointsAgainstFloatPoints} compares, in the per-frame layout, the held points
 * as floats (before session 32) with {@link HalfPointsHeldFrame}'s half offsets, their conversions both ways included.
 */
@EnabledIfSystemProperty(named = "geostream.stitcher-state-cost", matches = "true")
class StitcherStateCostCheck {
    static final int STREAMS = 4, FRAMES = 12, W = 160, H = 120;

    /** Holds either layout. */
    static final class Writer extends KeyedProcessFunction<String, String, String> {
        final boolean perFrame;
        transient WriteBehindValueState.Backend<StitcherState> layout;

        Writer(boolean perFrame) {
            this.perFrame = perFrame;
        }

        @Override
        public void open(OpenContext openContext) {
            layout = perFrame ? new StitcherStateStore(getRuntimeContext())
                    : WriteBehindValueState.Backend.of(getRuntimeContext().getState(new ValueStateDescriptor<>("stitcher", StitcherState.class)));
        }

        @Override
        public void processElement(String value, Context ctx, Collector<String> out) {}
    }

    /** A stream's state holding a new clip of held frames with model-like (incompressible) values. */
    static StitcherState clip(Random random, String stream, long firstIndex) {
        StitcherState s = new StitcherState();
        s.segmentOpen = true;
        int n = W * H;
        for (int i = 0; i < FRAMES; i++) {
            CompactHeldFrame held = new CompactHeldFrame();
            held.frame = TestFrames.frame(stream, firstIndex + i, W, H);
            random.nextBytes(held.frame.rgb);
            held.width = W;
            held.height = H;
            held.worldPoints = new float[3 * n];
            float[] normals = new float[3 * n], confidence = new float[n];
            for (int p = 0; p < 3 * n; p++) {
                held.worldPoints[p] = 1 + 3 * random.nextFloat();
                normals[p] = random.nextFloat() - 0.5f;
            }
            for (int p = 0; p < n; p++) confidence[p] = random.nextFloat();
            held.normalsWorldHalf = HalfFloats.fromFloats(normals);
            held.confidenceHalf = HalfFloats.fromFloats(confidence);
            held.method = "per_frame";
            CorrectableFrame c = new CorrectableFrame();
            c.held = held;
            c.slot = i + 4;
            c.cameraCenter = new double[] {i, 0, 0};
            c.cameraRotation = new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
            s.heldForCorrection.add(c);
        }
        return s;
    }

    /** Process CPU (ns) of {@code rounds} rounds of one layout, after {@code warmup} unmeasured ones. */
    static long cpuNanos(boolean perFrame, int warmup, int rounds, StitcherState[][] clips) throws Exception {
        return run(perFrame, false, false, warmup, rounds, clips)[0];
    }

    /** The frames of {@code s} with their points as half offsets from their cameras, as the stitcher holds them now. */
    static StitcherState withHalfPoints(StitcherState s) {
        StitcherState out = new StitcherState();
        out.segmentOpen = s.segmentOpen;
        for (CorrectableFrame c : s.heldForCorrection) {
            CorrectableFrame h = new CorrectableFrame();
            h.held = HalfPointsHeldFrame.of(c.held, c.cameraCenter);
            h.slot = c.slot;
            h.cameraCenter = c.cameraCenter;
            h.cameraRotation = c.cameraRotation;
            out.heldForCorrection.add(h);
        }
        return out;
    }

    /**
     * {process CPU ns, state size of the last snapshot in bytes} of {@code rounds} rounds after {@code warmup}; with
     * {@code halfPoints} each round converts the clips' points to half offsets before writing them; with
     * {@code readBack} it reads every frame's points back after writing (what the stitcher pays for them).
     */
    static long[] run(boolean perFrame, boolean halfPoints, boolean readBack, int warmup, int rounds, StitcherState[][] clips)
            throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Writer f = new Writer(perFrame);
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(f), (String v) -> v, Types.STRING)) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
            // File checkpoints, as the bench pipeline's and the deployed job's (the snapshot uploads the new SST files).
            h.setCheckpointStorage(new org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage(
                    java.nio.file.Files.createTempDirectory("stitcher-state-cost").toUri()));
            h.open();
            long start = 0, stateBytes = 0;
            for (int round = 0; round < warmup + rounds; round++) {
                if (round == warmup) start = os.getProcessCpuTime();
                for (int s = 0; s < STREAMS; s++) {
                    h.getOperator().setCurrentKey("cam-" + s);
                    StitcherState clip = clips[round % clips.length][s];
                    f.layout.update(halfPoints ? withHalfPoints(clip) : clip);
                    if (readBack) {
                        for (CorrectableFrame c : f.layout.value().heldForCorrection) assertThat(c.held.points()).hasSize(3 * W * H);
                    }
                }
                stateBytes = h.snapshot(round + 1, round + 1).getStateSize();
            }
            long cpu = os.getProcessCpuTime() - start;
            h.getOperator().setCurrentKey("cam-0");
            assertThat(f.layout.value().heldForCorrection).hasSize(FRAMES);
            return new long[] {cpu, stateBytes};
        }
    }

    /** Four rounds' worth of held clips for every stream, from {@code seed}. */
    static StitcherState[][] clips(long seed) {
        Random random = new Random(seed);
        StitcherState[][] clips = new StitcherState[4][STREAMS];
        for (int c = 0; c < clips.length; c++) for (int s = 0; s < STREAMS; s++) clips[c][s] = clip(random, "cam-" + s, 12L * c);
        return clips;
    }

    @Test
    void heldClipsCostOnRocksDbInBothLayouts() throws Exception {
        StitcherState[][] clips = clips(30);
        int warmup = 10, rounds = 60, repeats = 3;
        long one = 0, perFrame = 0;
        for (int r = 0; r < repeats; r++) {
            one += cpuNanos(false, warmup, rounds, clips);
            perFrame += cpuNanos(true, warmup, rounds, clips);
        }
        double oneMs = one / 1e6 / (rounds * repeats), perFrameMs = perFrame / 1e6 / (rounds * repeats);
        System.out.printf(Locale.ROOT, "streams=%d frames_per_clip=%d one_value_cpu_ms_per_round=%.1f per_frame_cpu_ms_per_round=%.1f ratio=%.2f%n",
                STREAMS, FRAMES, oneMs, perFrameMs, perFrameMs / oneMs);
    }

    @Test
    void halfPointsAgainstFloatPoints() throws Exception {
        StitcherState[][] clips = clips(32);
        int warmup = 10, rounds = 60, repeats = 3;
        long floats = 0, halves = 0, floatBytes = 0, halfBytes = 0;
        for (int r = 0; r < repeats; r++) {
            long[] f = run(true, false, true, warmup, rounds, clips);
            long[] h = run(true, true, true, warmup, rounds, clips);
            floats += f[0];
            halves += h[0];
            floatBytes = f[1];
            halfBytes = h[1];
        }
        double floatMs = floats / 1e6 / (rounds * repeats), halfMs = halves / 1e6 / (rounds * repeats);
        System.out.printf(Locale.ROOT, "streams=%d frames_per_clip=%d float_points_cpu_ms_per_round=%.1f half_points_cpu_ms_per_round=%.1f"
                        + " cpu_ratio=%.2f float_points_state_bytes=%d half_points_state_bytes=%d bytes_ratio=%.3f%n",
                STREAMS, FRAMES, floatMs, halfMs, halfMs / floatMs, floatBytes, halfBytes, (double) halfBytes / floatBytes);
    }
}
