package io.geostream.produce;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A looped image folder (real PNGs through OpenCV) and the frame-rate cap on sources with given timestamps. */
class LoopingAndRateCappedSourceTest {

    /** A file-like source: frames at the given timestamps, as fast as asked. */
    static final class Timestamps implements FrameSource {
        final long[] micros;
        final double fps;
        int next;

        Timestamps(double fps, long... micros) {
            this.fps = fps;
            this.micros = micros;
        }

        @Override
        public SourceFrame next() {
            return next < micros.length ? new SourceFrame(new byte[3], 1, 1, micros[next++]) : null;
        }

        @Override
        public double frameRate() {
            return fps;
        }

        @Override
        public long lengthInFrames() {
            return micros.length;
        }

        @Override
        public boolean live() {
            return false;
        }

        @Override
        public String describe() {
            return "timestamps";
        }

        @Override
        public void close() {
        }
    }

    static List<Long> drain(FrameSource s, int max) throws IOException {
        List<Long> out = new ArrayList<>();
        SourceFrame f;
        while (out.size() < max && (f = s.next()) != null) out.add(f.timestampMicros());
        return out;
    }

    @Test
    void aLoopedFolderStartsAgainWithTimesThatGoOn(@TempDir Path dir) throws Exception {
        for (int i = 0; i < 3; i++) {
            ImageFolderSourceTest.writePng(dir.resolve(i + ".png"), 8, 6, 0x102030 * (i + 1));
        }
        try (LoopingSource s = new LoopingSource(() -> ImageFolderSource.open(dir, 10))) {
            assertThat(s.lengthInFrames()).isEqualTo(-1);
            List<Long> times = drain(s, 8);
            // Three passes so far (3 + 3 + 2 frames), 100 ms apart throughout.
            assertThat(times).containsExactly(0L, 100_000L, 200_000L, 300_000L, 400_000L, 500_000L, 600_000L, 700_000L);
            assertThat(s.passes()).isEqualTo(3);
        }
    }

    @Test
    void theCapKeepsFramesOnAGridAtTheGivenRate() throws Exception {
        // 25 fps for 2 s, capped at 10 fps: 20 frames (not 17 as "at least 100 ms after the last kept one" would give).
        long[] t = new long[50];
        for (int i = 0; i < t.length; i++) t[i] = i * 40_000L;
        RateCappedSource capped = new RateCappedSource(new Timestamps(25, t), 10);
        assertThat(capped.frameRate()).isEqualTo(10);
        assertThat(capped.lengthInFrames()).isEqualTo(20);
        List<Long> kept = drain(capped, 100);
        assertThat(kept).hasSize(20);
        for (int i = 1; i < kept.size(); i++) {
            assertThat(kept.get(i) - kept.get(i - 1)).as("step %d", i).isBetween(80_000L, 120_000L);
        }
        assertThat(capped.dropped()).isEqualTo(30);
    }

    @Test
    void afterAGapTheGridRestartsAtTheNextFrameAndASlowerSourcePassesWhole() throws Exception {
        RateCappedSource capped = new RateCappedSource(new Timestamps(25, 0, 40_000, 80_000, 5_000_000, 5_040_000, 5_080_000, 5_120_000), 10);
        assertThat(drain(capped, 100)).containsExactly(0L, 80_000L, 5_000_000L, 5_080_000L);
        RateCappedSource slower = new RateCappedSource(new Timestamps(5, 0, 200_000, 400_000), 10);
        assertThat(drain(slower, 100)).containsExactly(0L, 200_000L, 400_000L);
        assertThat(slower.frameRate()).isEqualTo(5);
    }
}
