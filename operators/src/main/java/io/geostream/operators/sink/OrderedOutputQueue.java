package io.geostream.operators.sink;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Outputs in the order they must go out, some of them still waiting for writes (payloads to the object store)
 * to end. {@link #emit} hands downstream every output at the head whose writes have ended, and waits for the
 * oldest ones only when more than a given number are still in flight: an operator keeps writing while it works
 * on its next input, and its output order stays that of its input.
 *
 * <p>Not thread-safe: one operator's task thread adds and emits.
 */
public final class OrderedOutputQueue<OUT> {

    /** An output whose writes may still be under way. */
    public interface Pending<OUT> {
        /** Whether {@link #emit} will not wait. */
        boolean isDone();

        /** Waits for the writes, then hands the output (or what replaces it, e.g. a dead letter) to {@code out}. */
        void emit(Consumer<OUT> out) throws Exception;
    }

    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private int inFlight;

    /** Queues an output that is ready now (it still waits for those queued before it). */
    public void addReady(OUT output) {
        queue.add(new Ready<>(Objects.requireNonNull(output, "output")));
    }

    /** Queues an output whose writes are under way. */
    public void add(Pending<OUT> pending) {
        queue.add(Objects.requireNonNull(pending, "pending"));
        inFlight++;
    }

    /** Outputs queued whose writes were under way when queued and that have not been emitted yet. */
    public int inFlight() {
        return inFlight;
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /**
     * Emits, in order, the head outputs whose writes have ended, and beyond them, waiting, until at most
     * {@code maxInFlight} pending outputs are left. A failed write's exception propagates; the outputs behind it
     * stay queued.
     */
    @SuppressWarnings("unchecked")
    public void emit(Consumer<OUT> out, int maxInFlight) throws Exception {
        while (!queue.isEmpty()) {
            Object head = queue.peekFirst();
            if (head instanceof Ready<?> ready) {
                queue.pollFirst();
                out.accept((OUT) ready.output());
                continue;
            }
            Pending<OUT> pending = (Pending<OUT>) head;
            if (!pending.isDone() && inFlight <= maxInFlight) return;
            queue.pollFirst();
            inFlight--;
            pending.emit(out);
        }
    }

    /** Emits everything queued, waiting for every write still under way. */
    public void drain(Consumer<OUT> out) throws Exception {
        emit(out, 0);
    }

    private record Ready<OUT>(OUT output) {}
}
