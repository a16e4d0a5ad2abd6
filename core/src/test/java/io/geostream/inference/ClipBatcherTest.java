package io.geostream.inference;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class ClipBatcherTest {

    private static final RetryPolicy POLICY = new RetryPolicy(3, Duration.ofMillis(400), Duration.ofMillis(10), Duration.ofMillis(40));

    /**
     * A batched model that records every forward pass (the streams in it) and encodes each clip's identity
     * in its output, so a misrouted result is visible. Clip id 13 is rejected; clip id 99 hangs once.
     */
    static final class RecordingModel implements GeometryModel {
        static final List<List<String>> BATCHES = new CopyOnWriteArrayList<>();
        static final AtomicBoolean HUNG = new AtomicBoolean();
        static volatile CountDownLatch gate = new CountDownLatch(0);

        static void reset() {
            BATCHES.clear();
            HUNG.set(false);
            gate = new CountDownLatch(0);
        }

        @Override
        public ModelInfo info() { return new ModelInfo("recording", "1", false); }

        @Override
        public int maxBatch() { return 8; }

        @Override
        public ClipGeometry predict(ClipInput clip) throws ModelException {
            return predictBatch(List.of(clip)).get(0);
        }

        @Override
        public List<ClipGeometry> predictBatch(List<ClipInput> clips) throws ModelException {
            List<String> names = new ArrayList<>();
            for (ClipInput c : clips) names.add(c.streamId() + "/" + c.clipId());
            BATCHES.add(names);
            try {
                gate.await();
                for (ClipInput c : clips) {
                    if (c.clipId() == 99 && HUNG.compareAndSet(false, true)) Thread.sleep(60_000);
                }
                Thread.sleep(1); // a forward pass takes time, so concurrent clips pile up into batches
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ModelException(ModelException.Reason.MODEL_ERROR, "interrupted");
            }
            List<ClipGeometry> out = new ArrayList<>();
            for (ClipInput c : clips) {
                if (c.clipId() == 13) throw new ModelException(ModelException.Reason.MODEL_INPUT_REJECTED, "clip 13 is bad");
                out.add(encode(c));
            }
            return out;
        }

        static ClipGeometry encode(ClipInput c) {
            int n = c.width() * c.height();
            List<ClipGeometry.FrameGeometry> frames = new ArrayList<>();
            for (int t = 0; t < c.length(); t++) {
                float[] p = new float[3 * n];
                float[] nm = new float[3 * n];
                java.util.Arrays.fill(p, c.streamId().hashCode() % 1000 + 1000f * c.clipId());
                nm[2] = 1f;
                frames.add(new ClipGeometry.FrameGeometry(p, nm, null));
            }
            return new ClipGeometry(c.width(), c.height(), frames);
        }
    }

    private static ClipInput clip(String stream, long clipId) {
        List<ClipInput.Frame> frames = List.of(
                new ClipInput.Frame(0, 0, new byte[4 * 3 * 3], null, false),
                new ClipInput.Frame(1, 1, new byte[4 * 3 * 3], null, false));
        return new ClipInput(stream, 0, clipId, 4, 3, frames, Map.of());
    }

    @BeforeEach
    void reset() {
        RecordingModel.reset();
    }

    @Test
    void clipsFromTwoSubtasksShareOneBatch() throws Exception {
        try (ClipBatcher host = new ClipBatcher(RecordingModel::new, new ClipBatcher.Settings(1, 4, Duration.ofSeconds(3), 16));
             ModelWorkerPool subtaskA = new ModelWorkerPool(host, POLICY);
             ModelWorkerPool subtaskB = new ModelWorkerPool(host, POLICY)) {
            host.warmUp();
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<ClipOutcome>> outcomes = new CopyOnWriteArrayList<>();
            Thread a = new Thread(() -> {
                await(start);
                outcomes.add(subtaskA.submit(clip("cam-a", 1)));
                outcomes.add(subtaskA.submit(clip("cam-a", 2)));
            });
            Thread b = new Thread(() -> {
                await(start);
                outcomes.add(subtaskB.submit(clip("cam-b", 1)));
                outcomes.add(subtaskB.submit(clip("cam-b", 2)));
            });
            a.start();
            b.start();
            start.countDown();
            a.join();
            b.join();
            for (CompletableFuture<ClipOutcome> o : outcomes) assertThat(o.get(5, TimeUnit.SECONDS).failed()).isFalse();
            // Closed by size (4), long before the 3 s delay, with both subtasks' clips in it.
            assertThat(RecordingModel.BATCHES).hasSize(1);
            assertThat(RecordingModel.BATCHES.get(0)).containsExactlyInAnyOrder("cam-a/1", "cam-a/2", "cam-b/1", "cam-b/2");
            assertThat(host.batches()).isEqualTo(1);
        }
    }

    @Test
    void resultsGoBackToTheirOwnClipUnderConcurrency() throws Exception {
        int threads = 8, perThread = 25;
        try (ClipBatcher host = new ClipBatcher(RecordingModel::new, new ClipBatcher.Settings(2, 4, Duration.ofMillis(5), 8));
             ModelWorkerPool pool = new ModelWorkerPool(host, POLICY)) {
            List<Thread> submitters = new ArrayList<>();
            List<Object[]> results = Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                String stream = "cam-" + t;
                submitters.add(new Thread(() -> {
                    for (int c = 0; c < perThread; c++) {
                        ClipInput in = clip(stream, c == 13 ? 14 + perThread : c);
                        results.add(new Object[] {in, pool.submit(in)});
                    }
                }));
            }
            submitters.forEach(Thread::start);
            for (Thread t : submitters) t.join();
            assertThat(results).hasSize(threads * perThread);
            for (Object[] r : results) {
                ClipInput in = (ClipInput) r[0];
                @SuppressWarnings("unchecked")
                ClipOutcome o = ((CompletableFuture<ClipOutcome>) r[1]).get(10, TimeUnit.SECONDS);
                assertThat(o.failed()).as(o.failureDetail()).isFalse();
                float expected = in.streamId().hashCode() % 1000 + 1000f * in.clipId();
                assertThat(o.geometry().frames().get(1).pointMap()[5]).isEqualTo(expected);
            }
            int largest = RecordingModel.BATCHES.stream().mapToInt(List::size).max().orElse(0);
            assertThat(largest).as("some clips were batched together").isBetween(2, 4);
            assertThat(host.clips()).isEqualTo(threads * perThread);
        }
    }

    @Test
    void theDelayClosesAPartialBatch() throws Exception {
        try (ClipBatcher host = new ClipBatcher(RecordingModel::new, new ClipBatcher.Settings(1, 4, Duration.ofMillis(150), 8));
             ModelWorkerPool pool = new ModelWorkerPool(host, POLICY)) {
            host.warmUp();
            long t0 = System.nanoTime();
            ClipOutcome o = pool.submit(clip("cam", 1)).get(5, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(o.failed()).isFalse();
            assertThat(RecordingModel.BATCHES).containsExactly(List.of("cam/1"));
            assertThat(ms).isGreaterThanOrEqualTo(140);
        }
    }

    @Test
    void aBadClipDoesNotFailItsBatchMates() throws Exception {
        try (ClipBatcher host = new ClipBatcher(RecordingModel::new, new ClipBatcher.Settings(1, 3, Duration.ofSeconds(3), 8));
             ModelWorkerPool pool = new ModelWorkerPool(host, POLICY)) {
            host.warmUp();
            CompletableFuture<ClipOutcome> good1 = pool.submit(clip("cam", 12));
            CompletableFuture<ClipOutcome> bad = pool.submit(clip("cam", 13));
            CompletableFuture<ClipOutcome> good2 = pool.submit(clip("cam", 14));
            assertThat(good1.get(5, TimeUnit.SECONDS).failed()).isFalse();
            assertThat(good2.get(5, TimeUnit.SECONDS).failed()).isFalse();
            ClipOutcome o = bad.get(5, TimeUnit.SECONDS);
            assertThat(o.failureReason()).isEqualTo("MODEL_INPUT_REJECTED");
            assertThat(o.attempts()).isEqualTo(1);
            assertThat(RecordingModel.BATCHES.get(0)).hasSize(3);
        }
    }

    @Test
    void aHungBatchRetiresItsWorkerAndEveryClipInItIsRetried() throws Exception {
        try (ClipBatcher host = new ClipBatcher(RecordingModel::new, new ClipBatcher.Settings(1, 3, Duration.ofSeconds(2), 8));
             ModelWorkerPool pool = new ModelWorkerPool(host, POLICY)) {
            host.warmUp();
            List<CompletableFuture<ClipOutcome>> all = List.of(
                    pool.submit(clip("cam", 98)), pool.submit(clip("cam", 99)), pool.submit(clip("cam", 100)));
            for (CompletableFuture<ClipOutcome> f : all) {
                ClipOutcome o = f.get(10, TimeUnit.SECONDS);
                assertThat(o.failed()).as(o.failureDetail()).isFalse();
                assertThat(o.attempts()).isEqualTo(2);
            }
            assertThat(host.rebuilds()).isEqualTo(1);
        }
    }

    @Test
    void aFullQueueBlocksTheSubmitter() throws Exception {
        RecordingModel.gate = new CountDownLatch(1);
        try (ClipBatcher host = new ClipBatcher(RecordingModel::new, new ClipBatcher.Settings(1, 1, Duration.ZERO, 1));
             ModelWorkerPool pool = new ModelWorkerPool(host, new RetryPolicy(1, Duration.ofSeconds(10), Duration.ZERO, Duration.ZERO))) {
            host.warmUp();
            pool.submit(clip("cam", 1)); // taken by the worker, which blocks on the gate
            long deadline = System.currentTimeMillis() + 5_000;
            while (RecordingModel.BATCHES.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(5);
            pool.submit(clip("cam", 2)); // fills the queue
            CountDownLatch third = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                pool.submit(clip("cam", 3));
                third.countDown();
            });
            t.start();
            assertThat(third.await(300, TimeUnit.MILLISECONDS)).as("submit blocked while the queue is full").isFalse();
            RecordingModel.gate.countDown();
            assertThat(third.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
