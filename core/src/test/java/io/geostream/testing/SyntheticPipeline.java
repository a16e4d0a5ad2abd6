package io.geostream.testing;

import io.geostream.clip.ClipCutter;
import io.geostream.clip.ClipCutterSettings;
import io.geostream.clip.ClipCutterState;
import io.geostream.inference.ClipConversions;
import io.geostream.model.ClipGeometry;
import io.geostream.model.GeometryModel;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;

import java.util.ArrayList;
import java.util.List;

/** Runs synthetic frames through the plain cores (cutter -> model) without Flink, for stitching tests. */
public final class SyntheticPipeline {
    private SyntheticPipeline() {}

    /** The frames of a synthetic stream as ingest would hand them on (raw RGB, optional intrinsics). */
    public static List<FrameRecord> frames(String stream, SceneSpec spec, boolean giveIntrinsics) {
        SyntheticScene scene = new SyntheticScene(spec);
        List<FrameRecord> out = new ArrayList<>();
        for (int i = 0; i < spec.frames(); i++) {
            out.add(io.geostream.eval.StitchingEvaluation.frameRecord(stream, scene.render(i), spec.encode(), giveIntrinsics));
        }
        FrameRecord end = TestFrames.endMarker(stream, spec.frames());
        out.add(end);
        return out;
    }

    /** Cuts the frames into clips. */
    public static List<ClipTask> clips(List<FrameRecord> frames, ClipCutterSettings config) {
        ClipCutter cutter = new ClipCutter(config);
        ClipCutterState state = new ClipCutterState();
        List<ClipTask> tasks = new ArrayList<>();
        for (FrameRecord f : frames) tasks.addAll(cutter.onFrame(state, f).tasks());
        return tasks;
    }

    /** Runs the model on each clip (markers pass through), as the inference operator does. */
    public static List<ClipResult> infer(List<ClipTask> tasks, GeometryModel model) throws Exception {
        List<ClipResult> results = new ArrayList<>();
        for (ClipTask t : tasks) {
            ClipResult r = new ClipResult();
            r.task = t;
            r.modelId = model.info().id();
            r.modelVersion = model.info().version();
            if (!t.isMarker()) {
                ClipGeometry g = model.predict(ClipConversions.toInput(t));
                ClipConversions.fill(r, g);
            }
            results.add(r);
        }
        return results;
    }
}
