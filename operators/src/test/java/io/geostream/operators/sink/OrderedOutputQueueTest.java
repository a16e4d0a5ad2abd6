package io.geostream.operators.sink;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrderedOutputQueueTest {

    /** A pending output completed by the test. */
    private static final class Write implements OrderedOutputQueue.Pending<String> {
        final String name;
        final CompletableFuture<String> done = new CompletableFuture<>();

        Write(String name) {
            this.name = name;
        }

        @Override
        public boolean isDone() {
            return done.isDone();
        }

        @Override
        public void emit(Consumer<String> out) throws Exception {
            try {
                out.accept(done.join());
            } catch (java.util.concurrent.CompletionException e) {
                throw (Exception) e.getCause();
            }
        }
    }

    @Test
    void emitsOnlyTheFinishedHeadAndKeepsTheOrder() throws Exception {
        OrderedOutputQueue<String> queue = new OrderedOutputQueue<>();
        Write a = new Write("a"), c = new Write("c");
        queue.addReady("start");
        queue.add(a);
        queue.addReady("b");
        queue.add(c);
        List<String> out = new ArrayList<>();

        queue.emit(out::add, 10);
        assertThat(out).containsExactly("start"); // "b" waits behind the unfinished a

        c.done.complete("c");
        queue.emit(out::add, 10);
        assertThat(out).containsExactly("start"); // c is done, but a is still ahead of it
        assertThat(queue.inFlight()).isEqualTo(2);

        a.done.complete("a");
        queue.emit(out::add, 10);
        assertThat(out).containsExactly("start", "a", "b", "c");
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.inFlight()).isZero();
    }

    @Test
    void waitsForTheOldestBeyondTheBoundAndDrainWaitsForAll() throws Exception {
        OrderedOutputQueue<String> queue = new OrderedOutputQueue<>();
        List<Write> writes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Write w = new Write("w" + i);
            writes.add(w);
            queue.add(w);
        }
        // Completed from another thread after a while: emit must wait for w0 and w1 to get down to 2 in flight.
        Thread completer = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Write w : writes) w.done.complete(w.name);
        });
        completer.start();
        List<String> out = new ArrayList<>();
        queue.emit(out::add, 2);
        assertThat(out).startsWith("w0", "w1");
        assertThat(queue.inFlight()).isLessThanOrEqualTo(2);
        queue.drain(out::add);
        completer.join();
        assertThat(out).containsExactly("w0", "w1", "w2", "w3");
    }

    @Test
    void aFailedWriteThrowsAndLeavesWhatFollowsQueued() throws Exception {
        OrderedOutputQueue<String> queue = new OrderedOutputQueue<>();
        Write bad = new Write("bad"), good = new Write("good");
        queue.add(bad);
        queue.add(good);
        bad.done.completeExceptionally(new IOException("503 Slow Down"));
        good.done.complete("good");
        List<String> out = new ArrayList<>();
        assertThatThrownBy(() -> queue.drain(out::add)).isInstanceOf(IOException.class).hasMessageContaining("503");
        assertThat(out).isEmpty();
        assertThat(queue.inFlight()).isEqualTo(1);
        queue.drain(out::add);
        assertThat(out).containsExactly("good");
    }
}
