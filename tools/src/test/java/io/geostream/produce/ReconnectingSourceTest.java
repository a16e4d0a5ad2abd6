package io.geostream.produce;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reconnect logic against a camera that fails and comes back: a paced in-memory source per connection, scripted
 * to refuse connections, deliver frames and then lose the stream. (The real RTSP server is in MultiCameraProducerITCase.)
 */
class ReconnectingSourceTest {
    static final long PERIOD_MICROS = 20_000; // a 50 fps camera

    /** One connection: {@code frames} frames at the camera's pace, then the stream ends (or a read error). */
    static final class PacedConnection implements FrameSource {
        final int frames;
        final boolean failAtEnd;
        int sent;

        PacedConnection(int frames, boolean failAtEnd) {
            this.frames = frames;
            this.failAtEnd = failAtEnd;
        }

        @Override
        public SourceFrame next() throws IOException {
            if (sent == frames) {
                if (failAtEnd) throw new FrameSourceException("connection reset by peer");
                return null;
            }
            try {
                Thread.sleep(PERIOD_MICROS / 1000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            // Each connection's own timestamps start again at 0, as a re-opened RTSP stream's do.
            return new SourceFrame(new byte[2 * 2 * 3], 2, 2, sent++ * PERIOD_MICROS);
        }

        @Override
        public double frameRate() {
            return 1e6 / PERIOD_MICROS;
        }

        @Override
        public long lengthInFrames() {
            return -1;
        }

        @Override
        public boolean live() {
            return true;
        }

        @Override
        public String describe() {
            return "paced test camera";
        }

        @Override
        public void close() {
        }
    }

    /** Opens the scripted connections in turn: null is a refused connection; after the script, every attempt is refused. */
    static final class Script implements FrameSourceOpener {
        final Deque<FrameSource> connections;
        final List<Long> attemptMicros = Collections.synchronizedList(new ArrayList<>());

        Script(FrameSource... connections) {
            this.connections = new ArrayDeque<>();
            for (FrameSource c : connections) this.connections.add(c == null ? REFUSED : c);
        }

        @Override
        public FrameSource open() throws FrameSourceException {
            attemptMicros.add(nowMicros());
            FrameSource next = connections.poll();
            if (next == null || next == REFUSED) throw new FrameSourceException("connection refused");
            return next;
        }
    }

    static final FrameSource REFUSED = new PacedConnection(0, false);

    static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    @Test
    void backoffDoublesUpToItsBound() {
        ReconnectingSource.Backoff b = new ReconnectingSource.Backoff(Duration.ofMillis(100), Duration.ofMillis(700));
        assertThat(List.of(b.after(1), b.after(2), b.after(3), b.after(4), b.after(50)))
                .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(700),
                        Duration.ofMillis(700));
    }

    @Test
    void reconnectsAfterAnOutageWithWallClockTimesThatShowTheGap() throws Exception {
        // Down at start (2 refusals), 5 frames, a read error, 3 refusals, 5 frames, the stream ends, then down for good.
        Script script = new Script(null, null, new PacedConnection(5, true), null, null, null, new PacedConnection(5, false));
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        ReconnectingSource.Backoff backoff = new ReconnectingSource.Backoff(Duration.ofMillis(10), Duration.ofMillis(40));
        ReconnectingSource source = new ReconnectingSource(script, "cam-test", backoff, Double.NaN, log::add);
        assertThat(source.wallClockTimestamps()).isTrue();
        assertThat(source.state()).isEqualTo(ReconnectingSource.State.CONNECTING);

        List<Long> times = new ArrayList<>();
        List<Long> arrivals = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            SourceFrame f = source.next();
            assertThat(f).as("frame %d", i).isNotNull();
            times.add(f.timestampMicros());
            arrivals.add(nowMicros());
        }
        assertThat(source.state()).isEqualTo(ReconnectingSource.State.UP);
        // Attempts: 2 refused + 1 connected, then 3 refused + 1 connected.
        assertThat(script.attemptMicros).hasSize(7);
        // First frame: captured when the connection was opened (the stream's time 0: after the refused attempt before
        // it and the 20 ms wait), and never after it arrived.
        assertThat(times.get(0)).isGreaterThanOrEqualTo(script.attemptMicros.get(1) + 20_000).isLessThanOrEqualTo(arrivals.get(0));
        for (int i = 1; i < 10; i++) {
            assertThat(times.get(i)).as("time %d", i).isGreaterThan(times.get(i - 1)).isLessThanOrEqualTo(arrivals.get(i));
            if (i != 5) {
                // Within a connection the camera's own spacing holds.
                assertThat(times.get(i) - times.get(i - 1)).as("step %d", i).isEqualTo(PERIOD_MICROS);
            }
        }
        // The outage: the waits 10 + 20 + 40 ms between the refusals, then the new connection's first frame.
        long gap = times.get(5) - times.get(4);
        assertThat(gap).isGreaterThanOrEqualTo(70_000 + PERIOD_MICROS).isLessThan(2_000_000);
        assertThat(times.get(5)).isGreaterThanOrEqualTo(script.attemptMicros.get(5) + 40_000);
        assertThat(source.reconnects()).isEqualTo(1);
        assertThat(source.outageSeconds()).isBetween(0.07, 2.0);
        // ~gap x 50 fps frames missed.
        assertThat(source.framesMissedEstimate()).isBetween(3L, 100L);
        assertThat(String.join("\n", log))
                .contains("cam-test: connected after 3 attempts")
                .contains("cam-test: lost at", "connection reset by peer")
                .contains("cam-test: back after", "4 attempts", "frames missed at 50.0 fps");

        // The stream ends, every reconnection is refused: a stop from another thread ends the wait at once.
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                // stop now
            }
            source.stop();
        });
        stopper.start();
        long waitStart = System.nanoTime();
        assertThat(source.next()).isNull();
        long waitedMillis = (System.nanoTime() - waitStart) / 1_000_000;
        stopper.join();
        // Backoff is at its 40 ms bound, so it kept trying (several attempts) and the stop was seen within one wait.
        assertThat(waitedMillis).isBetween(290L, 1000L);
        assertThat(script.attemptMicros.size()).isGreaterThan(7 + 3);
        assertThat(source.state()).isEqualTo(ReconnectingSource.State.STOPPED);
        assertThat(String.join("\n", log)).contains("stream ended");
        // An outage still running at the stop is not counted as a reconnect.
        assertThat(source.reconnects()).isEqualTo(1);
        source.close();
    }

    @Test
    void aRefusedCameraIsLoggedWithoutItsPassword() throws Exception {
        // Port 1 on the loopback: refused at once. FFmpeg's own message quotes the URL; the log must not.
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        String url = "rtsp://admin:s3cret@127.0.0.1:1/stream1";
        ReconnectingSource source = new ReconnectingSource(() -> FrameSources.open(url, 30), "cam (" + FrameSources.redacted(url) + ")",
                new ReconnectingSource.Backoff(Duration.ofMillis(50), Duration.ofMillis(50)), Double.NaN, log::add);
        Thread stopper = new Thread(() -> {
            while (log.size() < 2) Thread.onSpinWait();
            source.stop();
        });
        stopper.start();
        assertThat(source.next()).isNull();
        stopper.join();
        assertThat(log.get(0)).contains("cam (rtsp://***@127.0.0.1:1/stream1): cannot connect (attempt 1", "rtsp://***@127.0.0.1:1")
                .doesNotContain("s3cret").doesNotContain("setFormat");
    }
}
