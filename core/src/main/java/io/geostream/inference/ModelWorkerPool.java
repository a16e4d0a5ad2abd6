package io.geostream.inference;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;

/**
 * The retry loop that Flink's async operator cannot give, on top of a {@link ClipBatcher}: a deadline per
 * attempt (counted from the start of the clip's batch, not its wait in the queue), exponential backoff, and typed outcomes. A worker that misses the
 * deadline is retired and replaced, a crashed predictor is rebuilt (both inside the batcher), the job
 * keeps running. Outputs are checked for shape and finiteness.
 *
 * <p>The batcher is either owned (the pool closes it) or shared by several pools in one JVM, e.g. the
 * subtasks of a TaskManager through {@link ModelHosts}, so their clips meet in the same batches.
 *
 * <p>Plain Java (no Flink types), so it can be tested on its own.
 */
public final class ModelWorkerPool implements AutoCloseable {

    private final ClipBatcher batcher;
    private final boolean ownsBatcher;
    private final RetryPolicy policy;
    private final ExecutorService coordinators;
    private volatile boolean closed;

    /** A pool with its own unbatched workers (one clip per forward pass). */
    public ModelWorkerPool(ModelFactory factory, int workers, RetryPolicy policy) {
        this(new ClipBatcher(factory, ClipBatcher.Settings.unbatched(workers)), true, policy);
    }

    /** A pool over a batcher it does not own (shared, closed by whoever created it). */
    public ModelWorkerPool(ClipBatcher shared, RetryPolicy policy) {
        this(shared, false, policy);
    }

    private ModelWorkerPool(ClipBatcher batcher, boolean ownsBatcher, RetryPolicy policy) {
        this.batcher = Objects.requireNonNull(batcher, "batcher");
        this.ownsBatcher = ownsBatcher;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.coordinators = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "geostream-inference-coordinator");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Creates every worker's model now and runs nothing else: a package that cannot load fails here, at
     * job start, not at the first frame. Returns the model's identity.
     */
    public ModelInfo warmUp() throws Exception {
        return batcher.warmUp();
    }

    /** The model's identity once any worker created its model, else null. */
    public ModelInfo modelInfo() {
        return batcher.modelInfo();
    }

    /** How many workers were retired or had their model rebuilt (a metric; shared batchers count all pools). */
    public int rebuilds() {
        return batcher.rebuilds();
    }

    /** The batcher this pool feeds. */
    public ClipBatcher batcher() {
        return batcher;
    }

    /**
     * Runs one clip with retries; never completes exceptionally (failures are outcomes). The first attempt
     * is queued on the caller's thread and blocks while the batcher's queue is full: that is the
     * backpressure the async operator (and the Kafka source behind it) feels.
     */
    public CompletableFuture<ClipOutcome> submit(ClipInput input) {
        Objects.requireNonNull(input, "input");
        ClipBatcher.Request first;
        try {
            first = closed ? null : batcher.submit(input);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.completedFuture(ClipOutcome.failure(ModelException.Reason.MODEL_ERROR.name(),
                    "interrupted while waiting for room in the inference queue", 0, modelInfo()));
        } catch (IllegalStateException e) {
            first = null;
        }
        if (first == null) {
            return CompletableFuture.completedFuture(ClipOutcome.failure(ModelException.Reason.MODEL_ERROR.name(),
                    "pool closed: not attempted", 0, modelInfo()));
        }
        ClipBatcher.Request queued = first;
        return CompletableFuture.supplyAsync(() -> runWithRetries(input, queued), coordinators);
    }

    private ClipOutcome runWithRetries(ClipInput input, ClipBatcher.Request firstRequest) {
        String reason = ModelException.Reason.MODEL_ERROR.name();
        String detail = "not attempted";
        long timeoutMs = policy.attemptTimeout().toMillis();
        for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
            ModelInfo info = batcher.modelInfo();
            if (closed) return ClipOutcome.failure(reason, "pool closed: " + detail, attempt - 1, info);
            ClipBatcher.Request request;
            try {
                if (attempt > 1) {
                    Thread.sleep(policy.backoffBefore(attempt).toMillis());
                    request = batcher.submit(input);
                } else {
                    request = firstRequest;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ClipOutcome.failure(reason, "interrupted: " + detail, attempt - 1, info);
            } catch (IllegalStateException e) {
                return ClipOutcome.failure(reason, "pool closed: " + detail, attempt - 1, info);
            }
            try {
                ClipGeometry g = request.await(timeoutMs);
                info = batcher.modelInfo();
                String problem = OutputChecks.problem(g, input);
                if (problem == null) {
                    return ClipOutcome.success(g, attempt, info);
                }
                // A deterministic model gives the same bad output again: no retry.
                return ClipOutcome.failure(problem.startsWith("shape") ? ModelException.Reason.MODEL_OUTPUT_SHAPE.name()
                        : ModelException.Reason.MODEL_OUTPUT_NON_FINITE.name(), problem, attempt, info);
            } catch (TimeoutException e) {
                batcher.abandon(request, "attempt " + attempt + " missed its " + timeoutMs + " ms deadline");
                reason = ModelException.Reason.MODEL_TIMEOUT.name();
                detail = "attempt " + attempt + " exceeded " + timeoutMs + " ms";
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof ModelException me) {
                    reason = me.reason().name();
                    detail = me.getMessage();
                    if (!me.retryable()) {
                        return ClipOutcome.failure(reason, detail, attempt, batcher.modelInfo());
                    }
                } else if (cause instanceof TimeoutException te) {
                    // A batch-mate missed its deadline and took this clip's worker with it.
                    reason = ModelException.Reason.MODEL_TIMEOUT.name();
                    detail = te.getMessage();
                } else {
                    reason = ModelException.Reason.MODEL_ERROR.name();
                    detail = String.valueOf(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batcher.abandon(request, "interrupted");
                return ClipOutcome.failure(reason, "interrupted", attempt, batcher.modelInfo());
            }
        }
        return ClipOutcome.failure(reason, detail + " (after " + policy.maxAttempts() + " attempts)", policy.maxAttempts(),
                batcher.modelInfo());
    }

    @Override
    public void close() {
        closed = true;
        coordinators.shutdownNow();
        if (ownsBatcher) batcher.close();
    }
}
