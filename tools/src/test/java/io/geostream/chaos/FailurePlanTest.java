package io.geostream.chaos;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FailurePlanTest {

    @Test
    void kindsTakeTurnsAndPointsComeFromTheSeed() {
        FailurePlan p = FailurePlan.fromSeed(7, 7, 900, 30);
        assertThat(p.failAfterPuts()).hasSize(3).isSorted().allSatisfy(n -> assertThat(n).isBetween(45, 720));
        assertThat(p.preCommitFailures()).isEqualTo(2);
        assertThat(p.firstPreCommitCheckpoint()).isBetween(1L, 2L);
        assertThat(p.loseTaskManagers()).isEqualTo(2);
        assertThat(p.holdAtClips()).hasSize(2).isSorted().allSatisfy(n -> assertThat(n).isBetween(2, 21));
        assertThat(p.failures()).isEqualTo(7);
        assertThat(FailurePlan.fromSeed(7, 7, 900, 30)).isEqualTo(p);
        assertThat(FailurePlan.fromSeed(8, 7, 900, 30)).isNotEqualTo(p);
        assertThat(FailurePlan.fromSeed(1, 1, 900, 30).failures()).isEqualTo(1);
        assertThat(FailurePlan.fromSeed(1, 0, 900, 30).failures()).isZero();
    }

    @Test
    void moreTaskManagerLossesThanClipsIsRejected() {
        assertThatThrownBy(() -> FailurePlan.fromSeed(1, 30, 900, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task manager losses");
    }
}
