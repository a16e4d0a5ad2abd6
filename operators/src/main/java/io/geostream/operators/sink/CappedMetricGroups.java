package io.geostream.operators.sink;

import org.apache.flink.metrics.MetricGroup;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Metric groups {@code <key>=<value>} under one parent (a Prometheus label {@code key="value"}), at most {@code limit}
 * values with a group of their own; every value after those shares the group {@code <key>=}{@link #OVERFLOW}. Flink
 * cannot drop a metric group before its task ends, so one group per camera ever seen would grow without bound in a
 * long-running job whose cameras come and go; the cap bounds it. First come, first served: the values seen first keep
 * their groups for the task's life (a restart starts afresh). Not thread-safe: use from the operator's task thread.
 *
 * @param <T> what is registered in each group (the metrics of one value)
 */
public final class CappedMetricGroups<T> {
    /** The overflow group's value. Never a stream id: those start with a letter or a digit ({@code StreamIds}). */
    public static final String OVERFLOW = "_other";

    private final MetricGroup parent;
    private final String key;
    private final int limit;
    private final Function<MetricGroup, T> register;
    private final Map<String, T> own = new HashMap<>();
    private T overflow;

    /**
     * @param parent   the group the value groups go under (the operator's)
     * @param key      the groups' key, the label name in Prometheus
     * @param limit    most values with a group of their own, {@code >= 0}
     * @param register registers the metrics of one value in its group; called once per group
     */
    public CappedMetricGroups(MetricGroup parent, String key, int limit, Function<MetricGroup, T> register) {
        if (limit < 0) throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        this.parent = Objects.requireNonNull(parent, "parent");
        this.key = Objects.requireNonNull(key, "key");
        this.limit = limit;
        this.register = Objects.requireNonNull(register, "register");
    }

    /** The metrics of {@code value}: its own group's while fewer than {@code limit} values had one, else the overflow's. */
    public T of(String value) {
        T metrics = own.get(value);
        if (metrics != null) return metrics;
        if (own.size() < limit && !OVERFLOW.equals(value)) {
            metrics = register.apply(parent.addGroup(key, value));
            own.put(value, metrics);
            return metrics;
        }
        if (overflow == null) overflow = register.apply(parent.addGroup(key, OVERFLOW));
        return overflow;
    }

    /** How many values have a group of their own (at most the limit). */
    public int ownGroups() {
        return own.size();
    }
}
