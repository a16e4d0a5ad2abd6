package io.geostream.inference;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of model workers, each a thread that owns its own {@link GeometryModel}, with the retry
 * loop that Flink's async operator cannot give: a deadline per attempt, exponential backoff, and a
 * worker that misses its deadline or throws an unexpected error is discarded and rebuilt (a crashed
 * predictor is replaced, the job keeps running). Outputs are checked for shape and finiteness.
 *
 * <p>Plain Java (no Flink types), so it can be tested on its own.
 */
public final class ModelWorkerPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelWorkerPool.class);

    private final ModelFactory factory;
    private final RetryPolicy policy;
    private final BlockingQueue<Worker> idle;
    private final ExecutorService coordinators;
    private final AtomicInteger workerIds = new AtomicInteger();
    private final AtomicInteger rebuilds = new AtomicInteger();
    private volatile ModelInfo modelInfo;
    private volatile boolean closed;

    public ModelWorkerPool(ModelFactory factory, int workers, RetryPolicy policy) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.policy = Objects.requireNonNull(policy, "policy");
        if (workers < 1 || workers > 256) throw new IllegalArgumentException("workers must be in [1, 256], got " + workers);
        this.idle = new ArrayBlockingQueue<>(workers);
        for (int i = 0; i < workers; i++) {
            idle.add(new Worker());
        }
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
        Worker[] all = idle.toArray(new Worker[0]);
        for (Worker w : all) {
            w.executor.submit(() -> { w.model(); return null; }).get();
        }
        return modelInfo;
    }

    /** The model's identity once any worker created its model, else null. */
    public ModelInfo modelInfo() {
        return modelInfo;
    }

    /** How many workers were discarded and rebuilt (a metric). */
    public int rebuilds() {
        return rebuilds.get();
    }

    /** Runs one clip with retries; never completes exceptionally (failures are outcomes). */
    public CompletableFuture<ClipOutcome> submit(ClipInput input) {
        Objects.requireNonNull(input, "input");
        return CompletableFuture.supplyAsync(() -> runWithRetries(input), coordinators);
    }

    private ClipOutcome runWithRetries(ClipInput input) {
        String reason = ModelException.Reason.MODEL_ERROR.name();
        String detail = "not attempted";
        for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
            if (closed) return ClipOutcome.failure(reason, "pool closed: " + detail, attempt - 1, modelInfo);
            if (attempt > 1) {
                try {
                    Thread.sleep(policy.backoffBefore(attempt).toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return ClipOutcome.failure(reason, "interrupted: " + detail, attempt - 1, modelInfo);
                }
            }
            Worker worker;
            try {
                worker = idle.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ClipOutcome.failure(reason, "interrupted: " + detail, attempt - 1, modelInfo);
            }
            Future<ClipGeometry> f = worker.executor.submit(() -> worker.model().predict(input));
            try {
                ClipGeometry g = f.get(policy.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
                String problem = OutputChecks.problem(g, input);
                idle.add(worker);
                if (problem == null) {
                    return ClipOutcome.success(g, attempt, modelInfo);
                }
                // A deterministic model gives the same bad output again: no retry.
                return ClipOutcome.failure(problem.startsWith("shape") ? ModelException.Reason.MODEL_OUTPUT_SHAPE.name()
                        : ModelException.Reason.MODEL_OUTPUT_NON_FINITE.name(), problem, attempt, modelInfo);
            } catch (TimeoutException e) {
                f.cancel(true);
                replace(worker, "attempt " + attempt + " missed its " + policy.attemptTimeout().toMillis() + " ms deadline");
                reason = ModelException.Reason.MODEL_TIMEOUT.name();
                detail = "attempt " + attempt + " exceeded " + policy.attemptTimeout().toMillis() + " ms";
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof ModelException me) {
                    idle.add(worker);
                    reason = me.reason().name();
                    detail = me.getMessage();
                    if (!me.retryable()) {
                        return ClipOutcome.failure(reason, detail, attempt, modelInfo);
                    }
                } else {
                    replace(worker, "unexpected " + cause);
                    reason = ModelException.Reason.MODEL_ERROR.name();
                    detail = String.valueOf(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                idle.add(worker);
                return ClipOutcome.failure(reason, "interrupted", attempt, modelInfo);
            }
        }
        return ClipOutcome.failure(reason, detail + " (after " + policy.maxAttempts() + " attempts)", policy.maxAttempts(), modelInfo);
    }

    private void replace(Worker broken, String why) {
        LOG.warn("Rebuilding inference worker {}: {}", broken.id, why);
        rebuilds.incrementAndGet();
        broken.discard();
        idle.add(new Worker());
    }

    @Override
    public void close() {
        closed = true;
        coordinators.shutdownNow();
        Worker w;
        while ((w = idle.poll()) != null) {
            w.discard();
        }
    }

    /** A thread with its own model, created lazily on that thread. */
    private final class Worker {
        final int id = workerIds.incrementAndGet();
        final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "geostream-model-worker-" + id);
            t.setDaemon(true);
            return t;
        });
        private GeometryModel model;

        GeometryModel model() throws Exception {
            if (model == null) {
                model = factory.create();
                modelInfo = model.info();
            }
            return model;
        }

        /**
         * Closes the model on its own thread once the current call returns (a native predictor must not
         * be closed under a running forward pass), then lets the thread end. A call that never returns
         * leaks this one daemon thread, which the warning makes visible.
         */
        void discard() {
            try {
                executor.execute(() -> {
                    GeometryModel m = model;
                    model = null;
                    if (m != null) {
                        try {
                            m.close();
                        } catch (Exception e) {
                            LOG.warn("Closing a discarded model failed", e);
                        }
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException alreadyShutDown) {
                return;
            }
            executor.shutdown();
        }
    }
}
