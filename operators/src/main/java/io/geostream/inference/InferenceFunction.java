package io.geostream.inference;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ModelInfo;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Async inference. Flink's async timeout covers all retries and {@link ResultFuture} has no side
 * output, so the retry loop with a per-attempt deadline lives in {@link ModelWorkerPool} and every
 * clip completes with a {@link ClipResult}: geometry or a typed failure, split downstream. Segment-end
 * markers pass straight through.
 */
public class InferenceFunction extends RichAsyncFunction<ClipTask, ClipResult> {
    private static final long serialVersionUID = 1L;

    private final ModelFactory factory;
    private final int workers;
    private final RetryPolicy policy;
    private transient ModelWorkerPool pool;
    private transient ModelInfo info;
    private transient Counter failures;
    private transient Counter clipsInferred;

    public InferenceFunction(ModelFactory factory, int workers, RetryPolicy policy) {
        this.factory = factory;
        this.workers = workers;
        this.policy = policy;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        pool = new ModelWorkerPool(factory, workers, policy);
        // Load every worker's model now: a broken package fails the job at start, not at the first clip.
        info = pool.warmUp();
        failures = getRuntimeContext().getMetricGroup().counter("clipsFailed");
        clipsInferred = getRuntimeContext().getMetricGroup().counter("clipsInferred");
        getRuntimeContext().getMetricGroup().gauge("workerRebuilds", () -> pool.rebuilds());
    }

    @Override
    public void asyncInvoke(ClipTask task, ResultFuture<ClipResult> resultFuture) {
        if (task.isMarker()) {
            ClipResult r = new ClipResult();
            r.task = task;
            r.modelId = info.id();
            r.modelVersion = info.version();
            resultFuture.complete(Collections.singletonList(r));
            return;
        }
        pool.submit(toInput(task)).whenComplete((outcome, error) -> {
            ClipResult r = new ClipResult();
            r.task = task;
            r.modelId = info.id();
            r.modelVersion = info.version();
            if (error != null) {
                r.failureReason = "MODEL_ERROR";
                r.failureDetail = String.valueOf(error);
            } else if (outcome.failed()) {
                r.failureReason = outcome.failureReason();
                r.failureDetail = outcome.failureDetail();
                r.attempts = outcome.attempts();
            } else {
                fill(r, outcome.geometry());
                r.attempts = outcome.attempts();
            }
            if (r.failed()) failures.inc(); else clipsInferred.inc();
            resultFuture.complete(Collections.singletonList(r));
        });
    }

    @Override
    public void timeout(ClipTask task, ResultFuture<ClipResult> resultFuture) {
        // Completing instead of failing keeps the job alive; the stitcher dead-letters the clip's frames.
        ClipResult r = new ClipResult();
        r.task = task;
        r.modelId = info.id();
        r.modelVersion = info.version();
        r.failureReason = "MODEL_TIMEOUT";
        r.failureDetail = "async operator timeout after all attempts";
        failures.inc();
        resultFuture.complete(Collections.singletonList(r));
    }

    @Override
    public void close() {
        if (pool != null) pool.close();
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
}
