package io.geostream.operators.clip;

import io.geostream.model.ClipRequirements;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClipSizingTest {
    private static final ClipRequirements FOUR_X = new ClipRequirements(0, 4);

    @Test
    void unsetTAndSComeFromTheModelKeepingTheDefaultOverlap() {
        assertThat(ClipSizing.resolve(new Configuration(), FOUR_X, "m")).isEqualTo(new ClipSizing.Clip(17, 13, 1));
        assertThat(ClipSizing.resolve(new Configuration(), new ClipRequirements(9, 4), "m")).isEqualTo(new ClipSizing.Clip(9, 5, 1));
    }

    @Test
    void aModelThatTakesAnyLengthKeepsTheJobDefaults() {
        assertThat(ClipSizing.resolve(new Configuration(), ClipRequirements.ANY, "simulated")).isEqualTo(new ClipSizing.Clip(16, 12, 1));
    }

    @Test
    void configuredValuesWin() {
        Configuration c = Configuration.fromMap(Map.of("geostream.clip.length", "13", "geostream.clip.stride", "8"));
        assertThat(ClipSizing.resolve(c, FOUR_X, "m")).isEqualTo(new ClipSizing.Clip(13, 8, 1));
        Configuration onlyT = Configuration.fromMap(Map.of("geostream.clip.length", "13"));
        assertThat(ClipSizing.resolve(onlyT, FOUR_X, "m")).isEqualTo(new ClipSizing.Clip(13, 9, 1));
    }

    @Test
    void unsetKeyframesAreOneWhereTheClipHasRoomAndZeroWhereItHasNot() {
        // T - 1 - S = 0 leaves no frame shared with the previous clip beside a keyframe slot.
        Configuration tight = Configuration.fromMap(Map.of("geostream.clip.length", "13", "geostream.clip.stride", "12"));
        assertThat(ClipSizing.resolve(tight, FOUR_X, "m").keyframes()).isZero();
        Configuration strideOne = Configuration.fromMap(Map.of("geostream.clip.length", "5", "geostream.clip.stride", "1"));
        assertThat(ClipSizing.resolve(strideOne, FOUR_X, "m").keyframes()).isZero();
        Configuration set = Configuration.fromMap(Map.of("geostream.clip.keyframes", "0"));
        assertThat(ClipSizing.resolve(set, FOUR_X, "m").keyframes()).isZero();
        Configuration two = Configuration.fromMap(Map.of("geostream.clip.keyframes", "2"));
        assertThat(ClipSizing.resolve(two, FOUR_X, "m").keyframes()).isEqualTo(2);
    }

    @Test
    void aConfiguredLengthTheModelCannotTakeIsRefusedNamingTheKeyAndAFix() {
        Configuration c = Configuration.fromMap(Map.of("geostream.clip.length", "16"));
        assertThatThrownBy(() -> ClipSizing.resolve(c, FOUR_X, "torchscript:models/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("geostream.clip.length = 16 cannot feed model torchscript:models/x")
                .hasMessageContaining("1 + 4k frames").hasMessageContaining("set geostream.clip.length to 17");
    }
}
