package io.geostream.operators.sink;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Dead letters by reason as Flink metrics: {@code <operator>.rejected.<REASON>.count}, one counter per reason code,
 * created at its first use. The same family in every operator that dead-letters (ingest, clip, stitch), so a dashboard
 * or Prometheus query sums them by reason. Not thread-safe: use from the operator's task thread.
 */
public final class DeadLetterCounters {
    private final MetricGroup operatorGroup;
    private final Map<String, Counter> byReason = new HashMap<>();

    public DeadLetterCounters(MetricGroup operatorGroup) {
        this.operatorGroup = Objects.requireNonNull(operatorGroup, "operatorGroup");
    }

    /** Counts one dead letter with {@code reasonCode}. */
    public void inc(String reasonCode) {
        byReason.computeIfAbsent(reasonCode, c -> operatorGroup.addGroup("rejected", c).counter("count")).inc();
    }
}
