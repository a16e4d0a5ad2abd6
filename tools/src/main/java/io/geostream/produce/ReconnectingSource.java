package io.geostream.produce;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A live source (RTSP camera, webcam) that survives outages: when a read fails or the stream ends, it closes the
 * connection and opens a new one, waiting a bounded exponential backoff between attempts, until it connects again or
 * is {@link #stop() stopped}. The first connection is made the same way, so a camera that is down at start is waited
 * for. Each outage is logged when it starts and when it ends (times, length, attempts and an estimate of the frames
 * missed at the stream's frame rate).
 *
 * <p>Timestamps are capture times on the wall clock ({@link #wallClockTimestamps()}): per connection, the wall clock
 * when the connection was opened plus the stream's own timestamps since its first frame, and never later than the
 * frame's arrival. So the frames of one connection keep the camera's spacing (FFmpeg hands over the frames it buffered
 * while probing the stream in a burst), and an outage shows as a gap in capture time, not as a jump back.
 *
 * <p>{@link #next()} is called by one thread; {@link #stop()} and the figures may be called from any.
 */
public final class ReconnectingSource implements FrameSource {

    /** Waits between connection attempts: {@code initial}, doubled after each failure, at most {@code max}. */
    public record Backoff(Duration initial, Duration max) {
        public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10));

        public Backoff {
            Objects.requireNonNull(initial, "initial");
            Objects.requireNonNull(max, "max");
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + ", " + max);
            }
        }

        /** The wait after the {@code failures}-th failed attempt in a row (1, 2, ...). */
        public Duration after(int failures) {
            Duration d = initial;
            for (int i = 1; i < failures && d.compareTo(max) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(max) > 0 ? max : d;
        }
    }

    /** Where a camera stands, for progress reports. */
    public enum State { CONNECTING, UP, DOWN, STOPPED }

    private final FrameSourceOpener opener;
    private final String description;
    private final Backoff backoff;
    private final double maxFps;
    private final Consumer<String> log;
    private final Object wakeUp = new Object();

    private FrameSource current;
    private boolean everConnected;
    private long connectedAtMicros;
    private long anchorMicros;
    private boolean anchored;
    private double lastFrameRate = Double.NaN;
    private long outageStartMicros = -1;
    private String outageCause;

    private volatile boolean stopped;
    private volatile State state = State.CONNECTING;
    private volatile long reconnects;
    private volatile long outageMicros;
    private volatile long framesMissedEstimate;

    /**
     * @param opener      opens a new connection to the camera
     * @param description the camera for logs, without credentials
     * @param maxFps      the rate the frames are published at if lower than the stream's (for the estimate of frames
     *                    missed), or NaN
     * @param log         where outages are reported, one line each
     */
    public ReconnectingSource(FrameSourceOpener opener, String description, Backoff backoff, double maxFps,
                              Consumer<String> log) {
        this.opener = Objects.requireNonNull(opener, "opener");
        this.description = Objects.requireNonNull(description, "description");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.maxFps = maxFps;
        this.log = Objects.requireNonNull(log, "log");
    }

    @Override
    public SourceFrame next() throws IOException {
        while (!stopped) {
            if (current == null && !connect()) {
                break;
            }
            SourceFrame f;
            String cause;
            try {
                f = current.next();
                cause = "stream ended";
            } catch (IOException e) {
                f = null;
                cause = e.getMessage();
            }
            if (f != null) {
                return onWallClock(f);
            }
            if (stopped) {
                break;
            }
            outageStartMicros = nowMicros();
            outageCause = cause;
            state = State.DOWN;
            closeCurrent();
            log.accept(description + ": lost at " + Instant.EPOCH.plus(outageStartMicros, ChronoUnit.MICROS) + " (" + cause
                    + "); reconnecting");
        }
        state = State.STOPPED;
        return null;
    }

    private SourceFrame onWallClock(SourceFrame f) {
        long arrival = nowMicros();
        if (!anchored) {
            anchorMicros = connectedAtMicros - f.timestampMicros();
            anchored = true;
        }
        // A frame cannot have been captured after it arrived (and the camera's clock may run fast).
        anchorMicros = Math.min(anchorMicros, arrival - f.timestampMicros());
        return new SourceFrame(f.rgb(), f.width(), f.height(), anchorMicros + f.timestampMicros());
    }

    /** Opens a connection, waiting and retrying as long as it takes; false when stopped first. */
    private boolean connect() {
        int failures = 0;
        while (!stopped) {
            long attemptMicros = nowMicros();
            try {
                current = opener.open();
            } catch (FrameSourceException e) {
                failures++;
                Duration wait = backoff.after(failures);
                log.accept(description + ": cannot connect (attempt " + failures + ": " + e.getMessage() + "); next try in "
                        + seconds(wait.toNanos() / 1000L) + " s");
                sleep(wait);
                continue;
            }
            connectedAtMicros = attemptMicros;
            anchored = false;
            double rate = current.frameRate();
            if (!Double.isNaN(rate)) lastFrameRate = rate;
            if (everConnected) {
                endOutage(attemptMicros, failures + 1);
            } else if (failures > 0) {
                log.accept(description + ": connected after " + (failures + 1) + " attempts");
            }
            everConnected = true;
            state = State.UP;
            return true;
        }
        return false;
    }

    private void endOutage(long endMicros, int attempts) {
        long length = endMicros - outageStartMicros;
        double rate = Double.isNaN(maxFps) ? lastFrameRate : Double.isNaN(lastFrameRate) ? maxFps : Math.min(maxFps, lastFrameRate);
        long missed = Double.isNaN(rate) ? 0 : Math.round(length / 1e6 * rate);
        reconnects++;
        outageMicros += length;
        framesMissedEstimate += missed;
        log.accept(description + ": back after " + seconds(length) + " s (outage " + Instant.EPOCH.plus(outageStartMicros, ChronoUnit.MICROS)
                + " .. " + Instant.EPOCH.plus(endMicros, ChronoUnit.MICROS) + ", " + attempts + " attempts, ~" + missed
                + " frames missed" + (Double.isNaN(rate) ? " (frame rate unknown)" : " at " + String.format(Locale.ROOT, "%.1f", rate) + " fps")
                + "; cause: " + outageCause + ")");
        outageStartMicros = -1;
    }

    private void sleep(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (wakeUp) {
            long left;
            while (!stopped && (left = deadline - System.nanoTime()) > 0) {
                try {
                    wakeUp.wait(Math.max(1, left / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopped = true;
                }
            }
        }
    }

    /** Ends the source: {@link #next()} returns null after the frame it may be reading, and stops waiting to reconnect. */
    public void stop() {
        stopped = true;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    public State state() {
        return state;
    }

    /** Outages that have ended (a camera that was down at start is not counted). */
    @Override
    public long reconnects() {
        return reconnects;
    }

    /** Total length of the ended outages, seconds. */
    public double outageSeconds() {
        return outageMicros / 1e6;
    }

    /** Frames the ended outages cost, estimated from their length and the frame rate. */
    @Override
    public long framesMissedEstimate() {
        return framesMissedEstimate;
    }

    @Override
    public double frameRate() {
        return Double.isNaN(lastFrameRate) ? maxFps : lastFrameRate;
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
    public boolean wallClockTimestamps() {
        return true;
    }

    @Override
    public String describe() {
        return description + " (reconnecting)";
    }

    @Override
    public void close() {
        closeCurrent();
    }

    private void closeCurrent() {
        if (current == null) return;
        try {
            current.close();
        } catch (IOException | RuntimeException e) {
            log.accept(description + ": closing the lost connection failed: " + e.getMessage());
        }
        current = null;
    }

    private static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    private static String seconds(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1e6);
    }
}
