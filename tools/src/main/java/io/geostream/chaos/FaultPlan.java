package io.geostream.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Which production faults one run injects, in which order and when: fault {@code i} is injected once the committed
 * output holds {@code atCommitted.get(i)} of the expected frames (and the fault before it is over). The fractions fall
 * in 10 % to 60 %, so each fault strikes mid-stream: output committed, frames in flight, transactions open, writes
 * to come. (Progress, not time: how fast the job gets going depends on the machine.)
 *
 * @param faults        the faults, in the order they are injected (each at most once)
 * @param atCommitted   the fraction of the expected frames committed when each is injected; ascending
 * @param brokerOutage  how long the broker stays down
 * @param storeOutage   how long the object store stays down
 * @param seed          the seed the order and times were drawn from (also picks the task manager to lose)
 */
public record FaultPlan(List<Fault> faults, List<Double> atCommitted, Duration brokerOutage, Duration storeOutage, long seed) {

    public FaultPlan {
        faults = List.copyOf(faults);
        atCommitted = List.copyOf(atCommitted);
        if (faults.isEmpty() || faults.size() != atCommitted.size() || EnumSet.copyOf(faults).size() != faults.size()
                || atCommitted.stream().anyMatch(f -> !(f > 0 && f < 1))) {
            throw new IllegalArgumentException("a fault plan needs distinct faults, each at a fraction in (0, 1) of the output: "
                    + faults + " at " + atCommitted);
        }
        if (faults.contains(Fault.PROCESS_KILL) && faults.contains(Fault.TASK_MANAGER_LOSS_AT_CHECKPOINT)) {
            throw new IllegalArgumentException(Fault.PROCESS_KILL + " runs the job in a child JVM, whose task manager "
                    + Fault.TASK_MANAGER_LOSS_AT_CHECKPOINT + " cannot reach: run them in separate runs");
        }
        for (Duration d : List.of(brokerOutage, storeOutage)) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("outages must be longer than 0, got " + d);
        }
    }

    /** {@code faults} in an order and at points drawn from {@code seed}. */
    public static FaultPlan fromSeed(long seed, Set<Fault> faults, Duration brokerOutage, Duration storeOutage) {
        if (faults.isEmpty()) throw new IllegalArgumentException("no faults to inject");
        Random r = new Random(seed);
        List<Fault> order = new ArrayList<>(EnumSet.copyOf(faults));
        Collections.shuffle(order, r);
        List<Double> at = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) at.add(Math.round((0.1 + 0.5 * r.nextDouble()) * 100) / 100.0);
        Collections.sort(at);
        return new FaultPlan(order, at, brokerOutage, storeOutage, seed);
    }

    /** Whether the job must run in a child JVM (to be killed with SIGKILL). */
    public boolean childProcess() {
        return faults.contains(Fault.PROCESS_KILL);
    }

    /** The longest outage the plan injects (zero when none): the sink's transactions must outlive it. */
    public Duration longestOutage() {
        Duration d = Duration.ZERO;
        if (faults.contains(Fault.BROKER_OUTAGE)) d = brokerOutage;
        if (faults.contains(Fault.STORE_OUTAGE) && storeOutage.compareTo(d) > 0) d = storeOutage;
        return d;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < faults.size(); i++) {
            Fault f = faults.get(i);
            Duration outage = f == Fault.BROKER_OUTAGE ? brokerOutage : f == Fault.STORE_OUTAGE ? storeOutage : null;
            parts.add(String.format(java.util.Locale.ROOT, "%s at %.0f %% committed%s", f, atCommitted.get(i) * 100,
                    outage == null ? "" : String.format(java.util.Locale.ROOT, " for %.1f s", outage.toMillis() / 1e3)));
        }
        return String.join(", ", parts) + " (seed " + seed + ")";
    }
}
