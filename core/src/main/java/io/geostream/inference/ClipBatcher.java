package io.geostream.inference;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A size-or-deadline batcher in front of a model: clips from any number of callers (streams, subtasks of
 * the same JVM) go into ONE bounded queue; each worker thread, which owns its own {@link GeometryModel}
 * (one predictor per thread), takes the oldest clip and closes the batch when it holds {@code maxBatch}
 * clips or {@code maxDelay} has passed since it took that first clip, then runs one
 * {@link GeometryModel#predictBatch} and completes every clip's own future.
 *
 * <p>Backpressure: {@link #submit} blocks while the queue is full, so a slow model stalls the caller
 * (the async operator's mailbox thread, and through it the Kafka source) instead of buffering without bound.
 *
 * <p>Failure handling: a batch that fails with a {@link ModelException} is re-run clip by clip so one bad
 * clip cannot fail its batch-mates; any other error means the predictor crashed, and the worker closes its
 * model and creates a new one for the next batch. Deadlines count from the start of a clip's batch
 * ({@link Request#await}); a caller whose deadline passes calls {@link #abandon}: a clip still queued is
 * simply dropped; a clip in a running batch retires that worker (its thread is
 * interrupted and its model closed once the native call returns) and starts a fresh worker, and the
 * batch-mates fail with a {@link TimeoutException} so their callers retry at once.
 *
 * <p>Plain Java (no Flink types). Thread-safe.
 */
public final class ClipBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClipBatcher.class);

    /**
     * @param workers       worker threads, each with its own model instance
     * @param maxBatch      most clips per forward pass (further capped by {@link GeometryModel#maxBatch()})
     * @param maxDelay      longest a batch waits for more clips after its first one
     * @param queueCapacity clips that may wait for a worker before {@link #submit} blocks
     */
    public record Settings(int workers, int maxBatch, Duration maxDelay, int queueCapacity) implements java.io.Serializable {
        public Settings {
            if (workers < 1 || workers > 256) throw new IllegalArgumentException("workers must be in [1, 256], got " + workers);
            if (maxBatch < 1 || maxBatch > 1024) throw new IllegalArgumentException("maxBatch must be in [1, 1024], got " + maxBatch);
            Objects.requireNonNull(maxDelay, "maxDelay");
            if (maxDelay.isNegative()) throw new IllegalArgumentException("maxDelay must be >= 0");
            if (queueCapacity < 1) throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
        }

        /** No batching: one clip per forward pass, as before batching existed. */
        public static Settings unbatched(int workers) {
            return new Settings(workers, 1, Duration.ZERO, Math.max(16, 4 * workers));
        }
    }

    /** One clip waiting for, or inside, a batch. */
    public static final class Request {
        final ClipInput input;
        final CompletableFuture<ClipGeometry> result = new CompletableFuture<>();
        volatile Worker takenBy;
        /** System.nanoTime() when its batch started running; 0 while it waits. */
        volatile long startedNanos;

        Request(ClipInput input) {
            this.input = input;
        }

        /** Completes with the clip's geometry, or exceptionally (ModelException, TimeoutException, a crash). */
        public CompletableFuture<ClipGeometry> result() { return result; }

        /**
         * Waits for the result with a deadline that starts when the clip's batch starts running: time spent
         * waiting in the queue behind other clips is not the model's fault (the queue is bounded and Flink's
         * async timeout covers the whole wait).
         *
         * @throws TimeoutException when the batch ran longer than {@code timeoutMs}
         */
        public ClipGeometry await(long timeoutMs) throws InterruptedException, java.util.concurrent.ExecutionException, TimeoutException {
            long budget = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (true) {
                long started = startedNanos;
                if (started == 0) {
                    try {
                        return result.get(20, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException stillQueued) {
                        continue;
                    }
                }
                long left = started + budget - System.nanoTime();
                if (left <= 0 && !result.isDone()) throw new TimeoutException("ran longer than " + timeoutMs + " ms");
                return result.get(Math.max(0, left), TimeUnit.NANOSECONDS);
            }
        }
    }

    private final ModelFactory factory;
    private final Settings settings;
    private final BlockingQueue<Request> queue;
    private final List<Worker> workers = new ArrayList<>();
    private final AtomicInteger workerIds = new AtomicInteger();
    private final AtomicInteger rebuilds = new AtomicInteger();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong clips = new AtomicLong();
    private volatile ModelInfo modelInfo;
    private volatile boolean closed;

    public ClipBatcher(ModelFactory factory, Settings settings) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        synchronized (this) {
            for (int i = 0; i < settings.workers(); i++) startWorker();
        }
    }

    public Settings settings() { return settings; }

    /**
     * Creates every worker's model now, on its own thread: a package that cannot load fails here, at job
     * start, not at the first clip. Returns the model's identity.
     */
    public ModelInfo warmUp() throws Exception {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        synchronized (this) {
            for (Worker w : workers) all.add(w.warmUp());
        }
        for (CompletableFuture<Void> f : all) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Exception ex) throw ex;
                throw e;
            }
        }
        return modelInfo;
    }

    /** The model's identity once any worker created its model, else null. */
    public ModelInfo modelInfo() { return modelInfo; }

    /** Workers retired (deadline missed) or whose model was rebuilt after a crash. */
    public int rebuilds() { return rebuilds.get(); }

    /** Forward passes run so far (a batch re-run clip by clip counts once). */
    public long batches() { return batches.get(); }

    /** Clips that went through a forward pass so far. */
    public long clips() { return clips.get(); }

    /** Clips waiting for a worker now. */
    public int queued() { return queue.size(); }

    /**
     * Queues a clip, blocking while the queue is full (backpressure).
     *
     * @throws InterruptedException  when interrupted while waiting for room
     * @throws IllegalStateException when the batcher is closed
     */
    public Request submit(ClipInput input) throws InterruptedException {
        Objects.requireNonNull(input, "input");
        if (closed) throw new IllegalStateException("batcher is closed");
        Request r = new Request(input);
        queue.put(r);
        return r;
    }

    /**
     * Gives up on a clip whose caller's deadline passed: fails its future with a TimeoutException, and if it
     * is inside a running batch, retires that worker (see the class comment).
     */
    public void abandon(Request r, String why) {
        if (!r.result.completeExceptionally(new TimeoutException(why))) return;
        if (queue.remove(r)) return;
        Worker w = r.takenBy;
        if (w != null) w.retireIfRunning(r, why);
    }

    @Override
    public void close() {
        List<Worker> all;
        synchronized (this) {
            if (closed) return;
            closed = true;
            all = new ArrayList<>(workers);
            workers.clear();
        }
        for (Worker w : all) w.thread.interrupt();
        Request r;
        while ((r = queue.poll()) != null) {
            r.result.completeExceptionally(new IllegalStateException("batcher closed"));
        }
        // Let idle workers close their models before returning, so a closed host holds no native model;
        // a worker inside a forward pass closes its model when that returns (bounded wait).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Worker w : all) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || Thread.currentThread() == w.thread) continue;
            try {
                w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private synchronized void startWorker() {
        if (closed) return;
        Worker w = new Worker(workerIds.incrementAndGet());
        workers.add(w);
        w.thread.start();
    }

    private synchronized void replace(Worker retired) {
        workers.remove(retired);
        startWorker();
    }

    /** A thread that owns one model and runs batches from the shared queue. */
    final class Worker implements Runnable {
        final int id;
        final Thread thread;
        private final BlockingQueue<CompletableFuture<Void>> warmUps = new java.util.concurrent.LinkedBlockingQueue<>();
        private volatile List<Request> current = List.of();
        private volatile boolean retired;
        private GeometryModel model;

        Worker(int id) {
            this.id = id;
            this.thread = new Thread(this, "geostream-model-worker-" + id);
            this.thread.setDaemon(true);
        }

        CompletableFuture<Void> warmUp() {
            CompletableFuture<Void> f = new CompletableFuture<>();
            warmUps.add(f); // picked up within one queue poll; no interrupt, a batch may be running
            return f;
        }

        void retireIfRunning(Request r, String why) {
            synchronized (this) {
                if (retired || !current.contains(r)) return;
                retired = true;
            }
            LOG.warn("Retiring inference worker {} and starting a new one: {}", id, why);
            rebuilds.incrementAndGet();
            thread.interrupt();
            for (Request mate : current) {
                mate.result.completeExceptionally(new TimeoutException("a batch-mate missed its deadline (" + why + "); worker replaced"));
            }
            replace(this);
        }

        @Override
        public void run() {
            try {
                while (!closed && !retired) {
                    CompletableFuture<Void> w;
                    while ((w = warmUps.poll()) != null) {
                        try {
                            model();
                            w.complete(null);
                        } catch (Throwable e) {
                            w.completeExceptionally(e);
                        }
                    }
                    Request first;
                    try {
                        first = queue.poll(50, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        continue; // close or retirement: re-check
                    }
                    if (first == null) continue;
                    List<Request> batch = collect(first);
                    if (batch.isEmpty()) continue;
                    long now = System.nanoTime();
                    for (Request r : batch) r.startedNanos = now;
                    runBatch(batch);
                    synchronized (this) {
                        current = List.of();
                    }
                    Thread.interrupted(); // a late interrupt meant for a batch that already finished
                }
            } finally {
                closeModel();
                CompletableFuture<Void> w;
                while ((w = warmUps.poll()) != null) w.completeExceptionally(new IllegalStateException("worker stopped"));
            }
        }

        /** The first clip plus whatever arrives before the batch is full or its delay has passed. */
        private List<Request> collect(Request first) {
            List<Request> batch = new ArrayList<>();
            first.takenBy = this;
            batch.add(first);
            int limit = settings.maxBatch();
            if (model != null) limit = Math.min(limit, Math.max(1, model.maxBatch()));
            long deadline = System.nanoTime() + settings.maxDelay().toNanos();
            while (batch.size() < limit) {
                long left = deadline - System.nanoTime();
                Request r;
                try {
                    r = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                if (r == null) break;
                r.takenBy = this;
                batch.add(r);
            }
            batch.removeIf(r -> r.result.isDone()); // abandoned while queued
            synchronized (this) {
                current = List.copyOf(batch);
            }
            if (Thread.interrupted() && (closed || retired)) {
                for (Request r : batch) r.result.completeExceptionally(new IllegalStateException("batcher closed"));
                return List.of();
            }
            return batch;
        }

        private void runBatch(List<Request> batch) {
            List<ClipInput> inputs = new ArrayList<>(batch.size());
            for (Request r : batch) inputs.add(r.input);
            try {
                GeometryModel m = model();
                List<ClipGeometry> out = batch.size() == 1 ? List.of(m.predict(inputs.get(0))) : m.predictBatch(inputs);
                batches.incrementAndGet();
                clips.addAndGet(batch.size());
                if (out.size() != batch.size()) {
                    throw new ModelException(ModelException.Reason.MODEL_OUTPUT_SHAPE,
                            "predictBatch returned " + out.size() + " results for " + batch.size() + " clips");
                }
                for (int i = 0; i < batch.size(); i++) batch.get(i).result.complete(out.get(i));
            } catch (ModelException e) {
                if (batch.size() == 1 || retired || closed) {
                    for (Request r : batch) r.result.completeExceptionally(e);
                    return;
                }
                // One clip may be bad: run them alone so the others still get their geometry.
                for (int i = 0; i < batch.size(); i++) {
                    if (retired || closed) {
                        batch.get(i).result.completeExceptionally(e);
                        continue;
                    }
                    try {
                        batch.get(i).result.complete(model().predict(inputs.get(i)));
                    } catch (ModelException single) {
                        batch.get(i).result.completeExceptionally(single);
                    } catch (Throwable crash) {
                        crashed(batch.subList(i, batch.size()), crash);
                        return;
                    }
                }
            } catch (Throwable crash) {
                crashed(batch, crash);
            }
        }

        private void crashed(List<Request> batch, Throwable crash) {
            for (Request r : batch) r.result.completeExceptionally(crash);
            if (retired || closed) return;
            LOG.warn("Inference worker {}: predictor crashed, rebuilding its model", id, crash);
            rebuilds.incrementAndGet();
            closeModel();
        }

        private GeometryModel model() throws Exception {
            if (model == null) {
                model = factory.create();
                modelInfo = model.info();
            }
            return model;
        }

        private void closeModel() {
            GeometryModel m = model;
            model = null;
            if (m != null) {
                try {
                    m.close();
                } catch (Exception e) {
                    LOG.warn("Closing a model failed", e);
                }
            }
        }
    }
}
