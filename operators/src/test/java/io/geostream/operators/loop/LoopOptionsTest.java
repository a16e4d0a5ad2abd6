package io.geostream.operators.loop;

import io.geostream.loop.LoopClosureSettings;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loop options reach the loop closer's settings, and a bad value fails naming the rule. */
class LoopOptionsTest {

    @Test
    void withNoOptionsTheSettingsAreTheDefaults() {
        assertThat(LoopOptions.settings(new Configuration())).isEqualTo(LoopClosureSettings.defaults());
    }

    @Test
    void theScaleGateAndTheCooldownAreRead() {
        Configuration c = new Configuration();
        c.setString("geostream.loop.scale-gate", "0.5");
        c.setString("geostream.loop.cooldown-keyframes", "3");
        LoopClosureSettings s = LoopOptions.settings(c);
        assertThat(s.loopScaleGate()).isEqualTo(0.5);
        assertThat(s.loopCooldown()).isEqualTo(3);
        assertThat(s.withLoopScaleGate(LoopClosureSettings.DEFAULT_LOOP_SCALE_GATE).withMaxKeyframes(400))
                .isNotEqualTo(LoopClosureSettings.defaults()); // the cooldown still differs
    }

    @Test
    void aScaleGateOfZeroIsRefused() {
        Configuration c = new Configuration();
        c.setString("geostream.loop.scale-gate", "0");
        assertThatThrownBy(() -> LoopOptions.settings(c)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loopScaleGate > 0");
    }
}
