package io.geostream.operators;

import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A task environment for operator test harnesses whose metric group reports to a {@link TestingMetricRegistry}, so a
 * test reads the operator's metrics, those in sub-groups too ({@code rejected.<REASON>.count},
 * {@code camera.<id>.framesOut}), by their full identifiers, as a reporter sees them.
 */
public final class RecordingMetrics {
    private final Map<String, Metric> byIdentifier = new ConcurrentHashMap<>();
    private final MockEnvironment environment;

    public RecordingMetrics(String taskName) {
        TestingMetricRegistry registry = TestingMetricRegistry.builder()
                .setRegisterConsumer((metric, name, group) -> byIdentifier.put(group.getMetricIdentifier(name), metric))
                .build();
        var taskGroup = TaskManagerMetricGroup.createTaskManagerMetricGroup(registry, "localhost", ResourceID.generate())
                .addJob(new JobID(), taskName + "-test")
                .addTask(ExecutionAttemptID.randomId(), taskName);
        environment = new MockEnvironmentBuilder().setTaskName(taskName).setMetricGroup(taskGroup).build();
    }

    /** The environment to give the harness. Close it after the harness. */
    public MockEnvironment environment() {
        return environment;
    }

    /** Every metric registered so far, by identifier, sorted. */
    public Map<String, Metric> all() {
        return new TreeMap<>(byIdentifier);
    }
}
