package io.geostream.export;

import io.geostream.eval.TumTrajectory;
import io.geostream.geometry.RigidTransform;
import io.geostream.map.SegmentFrame;
import io.geostream.map.SegmentKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ground-truth camera poses of streams: {@code DIR/<stream>.tum} (TUM format, camera-to-world in the truth's own world
 * frame, timestamps = the frames' capture times), as a synthetic demo writes them into {@code OUT/truth/}. A stream
 * without a file has no truth.
 */
public final class StreamTruth {
    private final Path dir;
    private final Map<String, Map<Long, RigidTransform>> byStream = new HashMap<>();

    public StreamTruth(Path dir) {
        this.dir = dir;
    }

    /** The stream's truth by capture time in microseconds; empty when it has none. */
    public Map<Long, RigidTransform> of(String streamId) throws IOException {
        Map<Long, RigidTransform> truth = byStream.get(streamId);
        if (truth == null) {
            truth = new HashMap<>();
            Path file = dir.resolve(streamId + ".tum");
            if (Files.isRegularFile(file)) {
                for (TumTrajectory.Entry e : TumTrajectory.read(file)) truth.put(e.timestampMicros(), e.worldFromCamera());
            }
            byStream.put(streamId, truth);
        }
        return truth;
    }

    /**
     * The truth of a segment's frames (those whose capture time the truth has), expressed as the segment's poses are:
     * camera to the segment's world frame, i.e. relative to the camera of the segment's first frame (the truth at the
     * segment's start time; where the truth lacks it, at the segment's first frame that has truth). In the truth's
     * units (metres for a synthetic scene): a RELATIVE segment's trajectory matches it up to one scale.
     */
    public List<TumTrajectory.Entry> forSegment(String streamId, SegmentKey key, List<SegmentFrame> frames) throws IOException {
        Map<Long, RigidTransform> truth = of(streamId);
        List<TumTrajectory.Entry> out = new ArrayList<>();
        if (truth.isEmpty()) return out;
        RigidTransform reference = key.known() ? truth.get(key.startMicros()) : null;
        for (SegmentFrame f : frames) {
            RigidTransform t = truth.get(f.captureTimeMicros());
            if (t == null) continue;
            if (reference == null) reference = t;
            out.add(new TumTrajectory.Entry(f.captureTimeMicros(), reference.inverse().compose(t)));
        }
        return out;
    }
}
