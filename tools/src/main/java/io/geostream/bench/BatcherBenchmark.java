package io.geostream.bench;

import io.geostream.inference.ClipBatcher;
import io.geostream.inference.ModelFactory;
import io.geostream.model.ClipInput;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throughput and latency of a {@link ClipBatcher} per max batch size, closed loop: {@code 2 x maxBatch}
 * clients each submit a clip, wait for its geometry and submit the next, for a fixed time. Latency is
 * from submit to result (queueing + batching delay + forward + post-processing).
 */
public final class BatcherBenchmark {

    /** One point of the curve. */
    public record Point(int maxBatch, int clients, long clips, double clipsPerSecond, double p50Ms, double p99Ms, double meanBatch) {}

    private BatcherBenchmark() {}

    /**
     * @param factory  the model (each worker creates its own instance)
     * @param clip     the clip every client sends
     * @param maxBatch the batch size to measure
     * @param workers  model worker threads
     * @param maxDelay the batcher's max delay
     * @param warmUp   time run first and not measured
     * @param measure  time measured
     */
    public static Point run(ModelFactory factory, ClipInput clip, int maxBatch, int workers, Duration maxDelay,
                            Duration warmUp, Duration measure) throws Exception {
        int clients = 2 * maxBatch * workers;
        try (ClipBatcher batcher = new ClipBatcher(factory, new ClipBatcher.Settings(workers, maxBatch, maxDelay, 4 * clients))) {
            batcher.warmUp();
            drive(batcher, clip, clients, warmUp.toNanos(), null);
            long batches0 = batcher.batches(), clips0 = batcher.clips();
            List<Long> latencies = new ArrayList<>();
            long t0 = System.nanoTime();
            drive(batcher, clip, clients, measure.toNanos(), latencies);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            double meanBatch = (batcher.clips() - clips0) / (double) Math.max(1, batcher.batches() - batches0);
            return new Point(maxBatch, clients, sorted.length, sorted.length / seconds,
                    percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6, meanBatch);
        }
    }

    private static void drive(ClipBatcher batcher, ClipInput clip, int clients, long nanos, List<Long> latencies) throws Exception {
        long end = System.nanoTime() + nanos;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        batcher.submit(clip).result().get(60, TimeUnit.SECONDS);
                        long d = System.nanoTime() - s;
                        if (latencies != null) {
                            synchronized (latencies) {
                                latencies.add(d);
                            }
                        }
                    }
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            }, "bench-client-" + c);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) t.join();
        if (!errors.isEmpty()) throw new IllegalStateException("a client failed: " + errors.get(0), errors.get(0));
    }

    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

}
