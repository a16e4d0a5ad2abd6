package io.geostream.synthetic;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SceneSpecTest {
    private static final String EXAMPLE = "v1;seed=7;w=64;h=48;n=150;traj=ORBIT;moving=0.0;fps=10";

    @Test
    void encodesCompactlyAndRoundTrips() {
        SceneSpec spec = new SceneSpec(7, 64, 48, 150, TrajectoryKind.ORBIT, 0.0, 10);
        assertThat(spec.encode()).isEqualTo(EXAMPLE);
        assertThat(SceneSpec.parse(EXAMPLE)).isEqualTo(spec);
        for (SceneSpec s : new SceneSpec[] {
            new SceneSpec(Long.MIN_VALUE, 1, 4096, 1_000_000, TrajectoryKind.HANDHELD, 1.0, 1000),
            new SceneSpec(-3, 512, 384, 1, TrajectoryKind.WALK, 0.30000000000000004, 29.97),
            new SceneSpec(42, 160, 120, 99, TrajectoryKind.ORBIT, 1e-7, 0.001),
            new SceneSpec(0, 2, 2, 2, TrajectoryKind.WALK, -0.0, 10)}) {
            assertThat(SceneSpec.parse(s.encode())).isEqualTo(s);
            assertThat(SceneSpec.parse(s.encode()).encode()).isEqualTo(s.encode());
        }
        // Keys may come in any order.
        assertThat(SceneSpec.parse("v1;fps=10;moving=0.0;traj=ORBIT;n=150;h=48;w=64;seed=7")).isEqualTo(SceneSpec.parse(EXAMPLE));
    }

    @Test
    void parseRejectsGarbage() {
        String[] bad = {
            "", "v1", "v2;seed=7;w=64;h=48;n=150;traj=ORBIT;moving=0.0;fps=10", EXAMPLE + ";", EXAMPLE + ";x=1",
            EXAMPLE + ";seed=8", EXAMPLE.replace(";fps=10", ""), EXAMPLE.replace("w=64", "w=abc"),
            EXAMPLE.replace("w=64", "w=0"), EXAMPLE.replace("w=64", "w=99999999999"), EXAMPLE.replace("fps=10", "fps=NaN"),
            EXAMPLE.replace("fps=10", "fps=10d"), EXAMPLE.replace("fps=10", "fps=0"), EXAMPLE.replace("fps=10", "fps=1e400"),
            EXAMPLE.replace("moving=0.0", "moving=1.5"), EXAMPLE.replace("traj=ORBIT", "traj=orbit"),
            EXAMPLE.replace("seed=7", "seed=7=8"), EXAMPLE.replace("seed=7", "seed= 7"), EXAMPLE.replace("seed=7", "=7"),
            EXAMPLE + ";pad=" + "x".repeat(600)};
        for (String text : bad) {
            assertThatThrownBy(() -> SceneSpec.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> SceneSpec.parse(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SceneSpec.parse(EXAMPLE + ";x=" + "1".repeat(500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("512");
        assertThatThrownBy(() -> SceneSpec.parse(EXAMPLE.replace(";n=150", "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'n'");
    }

    @Test
    void constructorValidatesRanges() {
        assertThatThrownBy(() -> new SceneSpec(1, 4097, 48, 10, TrajectoryKind.ORBIT, 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SceneSpec(1, 64, 48, 0, TrajectoryKind.ORBIT, 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SceneSpec(1, 64, 48, 10, null, 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SceneSpec(1, 64, 48, 10, TrajectoryKind.ORBIT, Double.NaN, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SceneSpec(1, 64, 48, 10, TrajectoryKind.ORBIT, 0, 1000.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
