package io.geostream.produce;

import java.io.IOException;

/**
 * At most {@code maxFps} frames per second of a faster source, by its timestamps: frames are kept on a grid one period
 * apart (a frame up to half a source period early still counts, so a 25 fps source capped at 10 gives 10, not 8.3),
 * the others are dropped. After a gap the grid restarts at the next frame.
 */
public final class RateCappedSource implements FrameSource {
    private final FrameSource source;
    private final double maxFps;
    private final long periodMicros;
    private long dueMicros = Long.MIN_VALUE;
    private long dropped;

    public RateCappedSource(FrameSource source, double maxFps) {
        if (!(maxFps > 0 && Double.isFinite(maxFps))) {
            throw new IllegalArgumentException("maxFps must be positive, got " + maxFps);
        }
        this.source = source;
        this.maxFps = maxFps;
        this.periodMicros = Math.max(1, Math.round(1e6 / maxFps));
    }

    @Override
    public SourceFrame next() throws IOException {
        SourceFrame f;
        while ((f = source.next()) != null) {
            long t = f.timestampMicros();
            double rate = source.frameRate();
            long tolerance = Double.isNaN(rate) ? 0 : Math.min(periodMicros, Math.round(1e6 / rate)) / 2;
            if (dueMicros == Long.MIN_VALUE || t >= dueMicros - tolerance) {
                dueMicros = dueMicros == Long.MIN_VALUE || t - dueMicros > periodMicros ? t + periodMicros : dueMicros + periodMicros;
                return f;
            }
            dropped++;
        }
        return null;
    }

    /** Frames skipped to keep to the rate. */
    public long dropped() {
        return dropped;
    }

    @Override
    public double frameRate() {
        double r = source.frameRate();
        return Double.isNaN(r) ? maxFps : Math.min(r, maxFps);
    }

    @Override
    public long lengthInFrames() {
        long n = source.lengthInFrames();
        double r = source.frameRate();
        return n < 0 || Double.isNaN(r) || r <= maxFps ? n : (long) Math.ceil(n * maxFps / r);
    }

    @Override
    public boolean live() {
        return source.live();
    }

    @Override
    public boolean wallClockTimestamps() {
        return source.wallClockTimestamps();
    }

    @Override
    public String describe() {
        return source.describe() + " at most " + maxFps + " fps";
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
