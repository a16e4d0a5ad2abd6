package io.geostream.produce;

import java.io.IOException;
import java.util.Objects;

/**
 * A file or image folder played again and again: at its end it is opened anew, and the timestamps of each pass
 * continue one frame period after the last frame of the one before, so capture times keep increasing. Ends only
 * when a pass yields no frame at all.
 */
public final class LoopingSource implements FrameSource {
    private final FrameSourceOpener opener;
    private FrameSource current;
    private long offsetMicros;
    private long lastMicros = Long.MIN_VALUE;
    private long passes = 1;

    public LoopingSource(FrameSourceOpener opener) throws FrameSourceException {
        this.opener = Objects.requireNonNull(opener, "opener");
        this.current = opener.open();
    }

    @Override
    public SourceFrame next() throws IOException {
        SourceFrame f = current.next();
        if (f == null) {
            if (lastMicros == Long.MIN_VALUE) {
                return null;
            }
            double fps = current.frameRate();
            current.close();
            current = opener.open();
            passes++;
            f = current.next();
            if (f == null) {
                return null;
            }
            long period = Double.isNaN(fps) ? 1 : Math.max(1, Math.round(1e6 / fps));
            offsetMicros = lastMicros + period - f.timestampMicros();
        }
        lastMicros = offsetMicros + f.timestampMicros();
        return new SourceFrame(f.rgb(), f.width(), f.height(), lastMicros);
    }

    /** How many times the source has been opened. */
    public long passes() {
        return passes;
    }

    @Override
    public double frameRate() {
        return current.frameRate();
    }

    @Override
    public long lengthInFrames() {
        return -1;
    }

    @Override
    public boolean live() {
        return current.live();
    }

    @Override
    public String describe() {
        return current.describe() + " (looped)";
    }

    @Override
    public void close() throws IOException {
        current.close();
    }
}
