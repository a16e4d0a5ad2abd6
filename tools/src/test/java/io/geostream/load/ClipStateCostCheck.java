package io.geostream.load;

import io.geostream.clip.ClipCutterSettings;
import io.geostream.operators.clip.ClipCutterFunction;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.testing.TestFrames;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The clip operator's cost per frame on RocksDB (a figure, not a pass/fail target): {@code mvn -o -B -pl jobs test
 * -Dtest=ClipStateCostCheck -Dgeostream.clip-state-cost=true}. Prints {@code clip_state_us_per_frame=..}.
 */
@EnabledIfSystemProperty(named = "geostream.clip-state-cost", matches = "true")
class ClipStateCostCheck {

    static final class ByStream implements KeySelector<FrameRecord, String> {
        @Override public String getKey(FrameRecord f) { return f.streamId; }
    }

    @Test
    void clipOperatorCostPerFrameOnRocksDb() throws Exception {
        int streams = 4, frames = 600, w = 160, h = 120;
        ClipCutterSettings config = new ClipCutterSettings(16, 12, 4, 10_000);
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ClipCutterFunction(config)), new ByStream(), Types.STRING)) {
            harness.setStateBackend(new EmbeddedRocksDBStateBackend());
            harness.open();
            long clips = 0, start = 0;
            for (int i = 0; i < frames; i++) {
                if (i == frames / 3) start = System.nanoTime(); // the first third warms up the JIT
                for (int s = 0; s < streams; s++) harness.processElement(new StreamRecord<>(TestFrames.frame("cam-" + s, i, w, h)));
            }
            long elapsed = System.nanoTime() - start;
            for (ClipTask t : harness.extractOutputValues()) {
                if (!t.isMarker()) clips++;
                for (FrameRecord f : t.frames) assertThat(f.rgb).hasSize(w * h * 3);
            }
            double perFrame = elapsed / 1e3 / (streams * (frames - frames / 3));
            System.out.printf(Locale.ROOT, "clips=%d clip_state_us_per_frame=%.1f%n", clips, perFrame);
        }
    }
}
