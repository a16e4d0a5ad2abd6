package io.geostream.chaos;

import java.util.Arrays;
import java.util.Locale;

/** A fault that production brings, as {@code geostream chaos --faults} names it. */
public enum Fault {
    /** The Kafka broker stopped (controlled shutdown) for a while, then restarted on the same port and data directory. */
    BROKER_OUTAGE("broker-outage"),
    /** The object store unreachable (connection refused) for a while, then served again on the same endpoint. */
    STORE_OUTAGE("store-outage"),
    /** The job's JVM killed with SIGKILL ({@code kill -9}) and a new one resumed from its latest retained checkpoint. */
    PROCESS_KILL("process-kill"),
    /** A task manager lost while a checkpoint is in flight (its snapshot held in front of the sink). */
    TASK_MANAGER_LOSS_AT_CHECKPOINT("tm-loss-at-checkpoint");

    private final String label;

    Fault(String label) {
        this.label = label;
    }

    /** The name on the command line and in the output. */
    public String label() {
        return label;
    }

    /** The fault a label names. */
    public static Fault of(String label) {
        String l = label.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(f -> f.label.equals(l)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown fault " + label + " (one of " + Arrays.stream(values()).map(Fault::label).toList() + ")"));
    }

    @Override
    public String toString() {
        return label;
    }
}
