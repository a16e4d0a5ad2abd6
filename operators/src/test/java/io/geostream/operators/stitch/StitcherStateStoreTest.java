package io.geostream.operators.stitch;

import io.geostream.records.FrameRecord;
import io.geostream.geometry.HalfFloats;
import io.geostream.stitch.CompactHeldFrame;
import io.geostream.stitch.CorrectableFrame;
import io.geostream.stitch.HalfPointsHeldFrame;
import io.geostream.stitch.StitcherState;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The stitcher state's layout on RocksDB: the held frames as entries of their own, and state written before it. */
class StitcherStateStoreTest {

    /** Opens the store and, beside it, the two states it uses, read raw. */
    static final class Holder extends KeyedProcessFunction<String, String, String> {
        transient StitcherStateStore store;
        transient ValueState<StitcherState> rawValue;
        transient MapState<Integer, CorrectableFrame> rawFrames;

        @Override
        public void open(OpenContext openContext) {
            store = new StitcherStateStore(getRuntimeContext());
            rawValue = getRuntimeContext().getState(new ValueStateDescriptor<>(StitcherStateStore.VALUE, StitcherState.class));
            rawFrames = getRuntimeContext().getMapState(new MapStateDescriptor<>(StitcherStateStore.HELD_FRAMES, Types.INT,
                    TypeInformation.of(CorrectableFrame.class)));
        }

        @Override
        public void processElement(String value, Context ctx, Collector<String> out) {}
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(Holder f) throws Exception {
        return harness(f, null);
    }

    /** On RocksDB, restored from {@code snapshot} when given, the current key cam-a. */
    private static KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(Holder f, OperatorSubtaskState snapshot)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(f), (String v) -> v, Types.STRING);
        h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend(false));
        if (snapshot != null) h.initializeState(snapshot);
        h.open();
        h.getOperator().setCurrentKey("cam-a");
        return h;
    }

    /** A held frame whose points name it; compact, as the per-frame method holds them (a subclass of HeldFrame). */
    private static CorrectableFrame frame(long index) {
        CompactHeldFrame held = new CompactHeldFrame();
        held.frame = new FrameRecord();
        held.frame.streamId = "cam-a";
        held.frame.frameIndex = index;
        held.worldPoints = new float[] {index, index + 0.5f, -index};
        held.normalsWorldHalf = HalfFloats.fromFloats(new float[] {0, 0, -1});
        held.width = 1;
        held.height = 1;
        CorrectableFrame c = new CorrectableFrame();
        c.held = held;
        c.slot = (int) index;
        c.cameraCenter = new double[] {index, 0, 0};
        c.cameraRotation = new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
        return c;
    }

    private static StitcherState holding(long... indices) {
        StitcherState s = new StitcherState();
        s.segmentOpen = true;
        s.lastHandledFrameIndex = 41;
        for (long i : indices) s.heldForCorrection.add(frame(i));
        return s;
    }

    private static List<Long> indices(StitcherState s) {
        List<Long> out = new ArrayList<>();
        for (CorrectableFrame c : s.heldForCorrection) {
            assertThat(c.held.worldPoints).containsExactly(c.held.frame.frameIndex, c.held.frame.frameIndex + 0.5f, -c.held.frame.frameIndex);
            assertThat(c.held).isInstanceOf(CompactHeldFrame.class);
            assertThat(c.held.normals()).containsExactly(0f, 0f, -1f);
            out.add(c.held.frame.frameIndex);
        }
        return out;
    }

    private static int entries(MapState<Integer, CorrectableFrame> frames) throws Exception {
        int n = 0;
        for (var ignored : frames.keys()) n++;
        return n;
    }

    @Test
    void eachHeldFrameIsAnEntryOfItsOwnAndTheyReadBackInOrder() throws Exception {
        Holder f = new Holder();
        try (var h = harness(f)) {
            // More than ten, so that a map read in the order of its keys' text would put 10 and 11 before 2.
            f.store.update(holding(30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41));
            assertThat(f.rawValue.value().heldForCorrection).isNull();
            assertThat(f.rawValue.value().lastHandledFrameIndex).isEqualTo(41);
            assertThat(entries(f.rawFrames)).isEqualTo(12);
            StitcherState read = f.store.value();
            assertThat(read.segmentOpen).isTrue();
            assertThat(indices(read)).containsExactly(30L, 31L, 32L, 33L, 34L, 35L, 36L, 37L, 38L, 39L, 40L, 41L);
        }
    }

    @Test
    void aShorterClipRemovesTheEntriesPastItsEndAndClearRemovesAll() throws Exception {
        Holder f = new Holder();
        try (var h = harness(f)) {
            f.store.update(holding(1, 2, 3, 4));
            f.store.update(holding(5, 6));
            assertThat(entries(f.rawFrames)).isEqualTo(2);
            assertThat(indices(f.store.value())).containsExactly(5L, 6L);
            f.store.update(holding());
            assertThat(entries(f.rawFrames)).isZero();
            assertThat(f.store.value().heldForCorrection).isEmpty();
            f.store.update(holding(7));
            f.store.clear();
            assertThat(f.store.value()).isNull();
            assertThat(entries(f.rawFrames)).isZero();
        }
    }

    @Test
    void stateWrittenWithTheFramesInsideTheValueReadsAsWrittenAndMovesOutAtTheNextWrite() throws Exception {
        Holder f = new Holder();
        try (var h = harness(f)) {
            f.rawValue.update(holding(8, 9, 10)); // as the operator wrote it before this layout
            StitcherState read = f.store.value();
            assertThat(indices(read)).containsExactly(8L, 9L, 10L);
            f.store.update(read);
            assertThat(f.rawValue.value().heldForCorrection).isNull();
            assertThat(entries(f.rawFrames)).isEqualTo(3);
            assertThat(indices(f.store.value())).containsExactly(8L, 9L, 10L);
        }
    }

    @Test
    void writingLeavesTheCallersStateWhole() throws Exception {
        Holder f = new Holder();
        try (var h = harness(f)) {
            StitcherState s = holding(1, 2);
            f.store.update(s);
            assertThat(indices(s)).containsExactly(1L, 2L);
        }
    }

    /**
     * A value that holds a list, even an empty one, was written with its frames inside (an earlier version's layout, or
     * an earlier version's write after a rollback that left this layout's entries behind): the map's entries are not
     * its frames, and the next write removes them.
     */
    @Test
    void aValueThatHoldsAListIgnoresTheEntriesLeftInTheMap() throws Exception {
        Holder f = new Holder();
        try (var h = harness(f)) {
            f.store.update(holding(1, 2, 3));
            f.rawValue.update(holding()); // an earlier version's write: its list is empty, not null
            StitcherState read = f.store.value();
            assertThat(read.heldForCorrection).isEmpty();
            f.store.update(read);
            assertThat(entries(f.rawFrames)).isZero();
            assertThat(f.store.value().heldForCorrection).isEmpty();
        }
    }

    /** Both layouts, two cameras, through a snapshot and a restore into a new task. */
    @Test
    void bothLayoutsSurviveASnapshotAndRestore() throws Exception {
        Holder f = new Holder();
        OperatorSubtaskState snapshot;
        try (var h = harness(f)) {
            f.store.update(holding(20, 21, 22));
            h.getOperator().setCurrentKey("cam-b");
            f.rawValue.update(holding(5, 6)); // written as before this layout
            snapshot = h.snapshot(1, 1);
        }
        Holder restored = new Holder();
        try (var h = harness(restored, snapshot)) {
            assertThat(indices(restored.store.value())).containsExactly(20L, 21L, 22L);
            h.getOperator().setCurrentKey("cam-b");
            assertThat(indices(restored.store.value())).containsExactly(5L, 6L);
            assertThat(entries(restored.rawFrames)).isZero();
        }
    }

    /**
     * A held frame with its points as half offsets (what the per-frame method holds since session 32) goes through the
     * map state and a snapshot as it was held: the same class, the same halves, the same points once read.
     */
    @Test
    void halfPointsSurviveASnapshotAndRestore() throws Exception {
        float[] offsets = {0.25f, -1.5f, 3.0f, Float.NaN, Float.NaN, Float.NaN};
        StitcherState s = holding(20);
        CorrectableFrame c = s.heldForCorrection.get(0);
        HalfPointsHeldFrame held = new HalfPointsHeldFrame();
        held.frame = c.held.frame;
        held.width = 2;
        held.height = 1;
        held.normalsWorldHalf = HalfFloats.fromFloats(new float[] {0, 0, -1, 0, 0, -1});
        held.pointsHalf = HalfFloats.fromFloats(offsets);
        held.pointsOrigin = new double[] {100, 200, 300};
        c.held = held;
        Holder f = new Holder();
        OperatorSubtaskState snapshot;
        try (var h = harness(f)) {
            f.store.update(s);
            snapshot = h.snapshot(1, 1);
        }
        Holder restored = new Holder();
        try (var h = harness(restored, snapshot)) {
            CorrectableFrame read = restored.store.value().heldForCorrection.get(0);
            assertThat(read.held).isInstanceOf(HalfPointsHeldFrame.class);
            HalfPointsHeldFrame r = (HalfPointsHeldFrame) read.held;
            assertThat(r.worldPoints).isNull();
            assertThat(r.pointsHalf).containsExactly(held.pointsHalf);
            assertThat(r.points()).containsExactly(100.25f, 198.5f, 303f, Float.NaN, Float.NaN, Float.NaN);
        }
    }
}
