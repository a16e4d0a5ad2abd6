package io.geostream.chaos;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultPlanTest {
    private static final Duration S10 = Duration.ofSeconds(10), S20 = Duration.ofSeconds(20);

    @Test
    void aSeedGivesEachFaultOncePointsMidStreamAndTheSamePlanEachTime() {
        EnumSet<Fault> three = EnumSet.of(Fault.BROKER_OUTAGE, Fault.STORE_OUTAGE, Fault.TASK_MANAGER_LOSS_AT_CHECKPOINT);
        FaultPlan p = FaultPlan.fromSeed(7, three, S10, S20);
        assertThat(p.faults()).containsExactlyInAnyOrderElementsOf(three);
        assertThat(p.atCommitted()).isSorted().allSatisfy(f -> assertThat(f).isBetween(0.1, 0.6));
        assertThat(FaultPlan.fromSeed(7, three, S10, S20)).isEqualTo(p);
        assertThat(p.longestOutage()).isEqualTo(S20);
        assertThat(p.childProcess()).isFalse();
        assertThat(p.toString()).contains("broker-outage at", "for 10.0 s", "store-outage at", "for 20.0 s");
        assertThat(FaultPlan.fromSeed(7, EnumSet.of(Fault.PROCESS_KILL), S10, S20).longestOutage()).isZero();
    }

    @Test
    void aKilledChildJvmCannotAlsoLoseATaskManager() {
        assertThatThrownBy(() -> FaultPlan.fromSeed(1, EnumSet.of(Fault.PROCESS_KILL, Fault.TASK_MANAGER_LOSS_AT_CHECKPOINT), S10, S10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("child JVM");
        assertThatThrownBy(() -> FaultPlan.fromSeed(1, EnumSet.of(Fault.BROKER_OUTAGE), Duration.ZERO, S10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Fault.of(" Store-Outage ")).isEqualTo(Fault.STORE_OUTAGE);
        assertThatThrownBy(() -> Fault.of("meteor")).hasMessageContaining("broker-outage");
    }
}
