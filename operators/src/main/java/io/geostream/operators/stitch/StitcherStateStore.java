package io.geostream.operators.stitch;

import io.geostream.operators.sink.WriteBehindValueState;
import io.geostream.stitch.CorrectableFrame;
import io.geostream.stitch.StitcherState;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a stream's {@link StitcherState} lies in keyed state: everything but the per-frame method's held frames in the
 * value state {@value #VALUE}, written with {@link StitcherState#heldForCorrection} null, and each held frame (about
 * 0.33 MB at 160x120 since session 32's half points, 0.44 before) as its own entry of the map state {@value #HELD_FRAMES},
 * keyed by its place in the list. One value of a whole held clip (5-7 MB then) cost RocksDB about twice the CPU of the
 * same bytes in a clip's twelve values (its put, and its background flushes and compactions; docs/benchmarks.md,
 * session 30).
 *
 * <p>A value whose list is null takes the map's entries, in key order. A value that holds a list (state written before
 * this layout, with the frames inside; or by an earlier version after a rollback, which would leave this layout's
 * entries behind) is read as written and the map is ignored; the next write moves its frames into the map. Entries past
 * the list's end are removed at each write: the list is always 0..n-1, so the first key not present ends them.
 */
public final class StitcherStateStore implements WriteBehindValueState.Backend<StitcherState> {
    /** The value state's name: the name the whole state had before this layout, so older state restores into it. */
    public static final String VALUE = "stitcher";
    /** The map state of held frames. */
    public static final String HELD_FRAMES = "stitcher-held-frames";

    private final ValueState<StitcherState> value;
    private final MapState<Integer, CorrectableFrame> heldFrames;

    public StitcherStateStore(RuntimeContext store) {
        this.value = store.getState(new ValueStateDescriptor<>(VALUE, StitcherState.class));
        this.heldFrames = store.getMapState(new MapStateDescriptor<>(HELD_FRAMES, Types.INT,
                TypeInformation.of(CorrectableFrame.class)));
    }

    @Override
    public StitcherState value() throws Exception {
        StitcherState s = value.value();
        if (s == null || s.heldForCorrection != null) return s;
        Map<Integer, CorrectableFrame> byPlace = new TreeMap<>();
        for (Map.Entry<Integer, CorrectableFrame> e : heldFrames.entries()) byPlace.put(e.getKey(), e.getValue());
        // A copy: a heap backend hands out the object it holds, which stays as written.
        StitcherState whole = s.withoutHeldForCorrection();
        whole.heldForCorrection = new ArrayList<>(byPlace.values());
        return whole;
    }

    @Override
    public void update(StitcherState s) throws Exception {
        ArrayList<CorrectableFrame> held = s.heldForCorrection == null ? new ArrayList<>() : s.heldForCorrection;
        value.update(s.withoutHeldForCorrection());
        for (int i = 0; i < held.size(); i++) heldFrames.put(i, held.get(i));
        for (int i = held.size(); heldFrames.contains(i); i++) heldFrames.remove(i);
    }

    @Override
    public void clear() {
        value.clear();
        heldFrames.clear();
    }
}
