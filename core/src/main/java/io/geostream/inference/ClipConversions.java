package io.geostream.inference;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * Between the records a job carries ({@link ClipTask}, {@link ClipResult}) and the model contract ({@link ClipInput},
 * {@link ClipGeometry}). The inference stage and the offline evaluation call the model through the same two steps,
 * so an evaluation sees exactly what the job would feed the model.
 */
public final class ClipConversions {
    private ClipConversions() {
    }

    /** The model's view of a clip task. */
    public static ClipInput toInput(ClipTask task) {
        List<ClipInput.Frame> frames = new ArrayList<>(task.frames.length);
        for (int i = 0; i < task.frames.length; i++) {
            FrameRecord f = task.frames[i];
            CameraIntrinsics k = f.intrinsics == null ? null
                    : new CameraIntrinsics(f.intrinsics[0], f.intrinsics[1], f.intrinsics[2], f.intrinsics[3], f.width, f.height);
            frames.add(new ClipInput.Frame(f.frameIndex, f.captureTimeMicros, f.rgb, k, i >= task.realSlots()));
        }
        FrameRecord first = task.frames[0];
        return new ClipInput(task.streamId, task.segmentId, task.clipId, first.width, first.height, frames, task.attributes);
    }

    /** Copies a model output into a result (per-slot arrays). */
    public static void fill(ClipResult r, ClipGeometry g) {
        int n = g.frames().size();
        r.width = g.width();
        r.height = g.height();
        r.pointMaps = new float[n][];
        r.normals = new float[n][];
        boolean conf = g.frames().get(0).confidence() != null;
        r.confidence = conf ? new float[n][] : null;
        for (int i = 0; i < n; i++) {
            r.pointMaps[i] = g.frames().get(i).pointMap();
            r.normals[i] = g.frames().get(i).normals();
            if (conf) r.confidence[i] = g.frames().get(i).confidence();
        }
    }
}
