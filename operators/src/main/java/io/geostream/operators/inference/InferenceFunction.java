package io.geostream.operators.inference;

import io.geostream.inference.ClipBatcher;
import io.geostream.inference.ClipConversions;
import io.geostream.inference.ModelFactory;
import io.geostream.inference.ModelHosts;
import io.geostream.inference.ModelSettings;
import io.geostream.inference.ModelWorkerPool;
import io.geostream.inference.RetryPolicy;
import io.geostream.model.ModelInfo;
import io.geostream.operators.clip.ClipSizing;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
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

    /** Name of Flink's GPU external resource ({@code external-resources: gpu}). */
    public static final String GPU_RESOURCE = "gpu";

    private final ModelFactory factory;
    private final ClipBatcher.Settings batching;
    private final RetryPolicy policy;
    /** The job's clip length, checked against the package when the model opens; 0 = not checked. */
    private final int clipLength;
    private transient ModelWorkerPool pool;
    private transient ClipBatcher host;
    private transient ModelInfo info;
    private transient Counter failures;
    private transient Counter clipsInferred;
    private transient Histogram latencyMs;

    /** Unbatched: {@code workers} worker threads per model host, one clip per forward pass. */
    public InferenceFunction(ModelFactory factory, int workers, RetryPolicy policy) {
        this(factory, ClipBatcher.Settings.unbatched(workers), policy);
    }

    /**
     * @param factory  the model; a {@link ModelSettings} is hosted once per TaskManager JVM and device and shared
     *                 by all slots (other factories are hosted per factory instance)
     * @param batching the host's workers, max batch, max delay and queue size
     * @param policy   per-attempt deadline and retries
     */
    public InferenceFunction(ModelFactory factory, ClipBatcher.Settings batching, RetryPolicy policy) {
        this(factory, batching, policy, 0);
    }

    /**
     * @param clipLength the job's clip length T: {@link #open} fails when the model package (as the TaskManager sees
     *                   it) cannot take it, since the client that built the job may not have seen the package
     */
    public InferenceFunction(ModelFactory factory, ClipBatcher.Settings batching, RetryPolicy policy, int clipLength) {
        this.factory = factory;
        this.batching = batching;
        this.policy = policy;
        this.clipLength = clipLength;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        if (clipLength > 0 && factory instanceof ModelSettings spec) {
            ClipSizing.check(clipLength, spec.clipRequirements(), spec.toString());
        }
        ModelFactory resolved = withDevice(factory, gpuIndexes(), getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        String key = hostKey(resolved, batching);
        // If Flink drops the job's class loader while a host is still held (a failed close), the hook frees
        // the worker threads and native models it would otherwise leak.
        getRuntimeContext().registerUserCodeClassLoaderReleaseHookIfAbsent("geostream-model-hosts", ModelHosts::closeAll);
        // One host per TaskManager JVM: the first slot loads and warms up every worker's model (a broken
        // package fails the job at start, not at the first clip); the other slots share it.
        host = ModelHosts.acquire(key, resolved, batching);
        pool = new ModelWorkerPool(host, policy);
        info = host.modelInfo();
        failures = getRuntimeContext().getMetricGroup().counter("clipsFailed");
        clipsInferred = getRuntimeContext().getMetricGroup().counter("clipsInferred");
        ClipBatcher shared = host;
        getRuntimeContext().getMetricGroup().gauge("workerRebuilds", shared::rebuilds);
        getRuntimeContext().getMetricGroup().gauge("inferenceBatches", shared::batches);
        getRuntimeContext().getMetricGroup().gauge("inferenceQueued", shared::queued);
        // Mean clips per forward pass of the TaskManager's model host since it started (all slots share it).
        getRuntimeContext().getMetricGroup().gauge("inferenceClipsPerBatch",
                () -> shared.batches() == 0 ? 0.0 : (double) shared.clips() / shared.batches());
        // Submit to result, queue wait and retries included; the last 1000 clips.
        latencyMs = getRuntimeContext().getMetricGroup().histogram("inferenceLatencyMs", new DescriptiveStatisticsHistogram(1000));
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
        long submittedNanos = System.nanoTime();
        pool.submit(ClipConversions.toInput(task)).whenComplete((outcome, error) -> {
            long elapsedMs = (System.nanoTime() - submittedNanos) / 1_000_000L;
            latencyMs.update(elapsedMs);
            ClipResult r = new ClipResult();
            r.task = task;
            r.inferenceMillis = elapsedMs;
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
                ClipConversions.fill(r, outcome.geometry());
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
        pool = null;
        if (host != null) ModelHosts.release(host);
        host = null;
    }

    /** Indexes of the GPUs Flink gave this TaskManager ({@code external-resource.gpu}), sorted; empty when none. */
    private List<Integer> gpuIndexes() {
        List<Integer> out = new ArrayList<>();
        try {
            for (ExternalResourceInfo r : getRuntimeContext().getExternalResourceInfos(GPU_RESOURCE)) {
                r.getProperty("index").ifPresent(i -> out.add(Integer.parseInt(i.trim())));
            }
        } catch (UnsupportedOperationException | IllegalStateException | NumberFormatException none) {
            return List.of();
        }
        Collections.sort(out);
        return out;
    }

    /**
     * A {@link ModelSettings} without a configured device runs on one of the TaskManager's GPUs when Flink
     * declares some (subtasks spread round-robin over them), else on the CPU; an explicit device wins.
     */
    static ModelFactory withDevice(ModelFactory factory, List<Integer> gpus, int subtask) {
        if (factory instanceof ModelSettings spec && !spec.isSimulated() && spec.device() == null) {
            return spec.withDevice(gpus.isEmpty() ? "cpu" : "gpu:" + gpus.get(Math.floorMod(subtask, gpus.size())));
        }
        return factory;
    }

    /** The key of the shared host: same model, device and batching share one host per JVM. */
    static String hostKey(ModelFactory factory, ClipBatcher.Settings batching) {
        String model = factory instanceof ModelSettings ? factory.toString()
                : factory.getClass().getName() + "@" + System.identityHashCode(factory);
        return model + "|" + batching;
    }
}
