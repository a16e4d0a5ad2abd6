package io.geostream.deploy;

import io.geostream.jobs.GeometryJob;
import io.geostream.jobs.JobConfigs;
import io.geostream.operators.sink.SinkOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.geostream.deploy.DeployFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compose and Kubernetes run the job with its own failure policy ({@link GeometryJob#FAILURE_POLICY}), and the sink's
 * Kafka transactions outlive what that policy lets happen: checkpoints failing in a row, and a restart after an outage
 * of {@link #LONGEST_OUTAGE} (README, "Checkpoint and restart policy"). A transaction the broker aborts on timeout before
 * its checkpoint's commit is output lost.
 */
class FailurePolicyTest {
    /** What a restart takes besides its back-off: noticing the failure, redeploying, restoring state (a generous bound). */
    static final Duration RESTART = Duration.ofMinutes(2);
    /** The longest outage (broker, object store) the deployments promise to come through without losing output (README). */
    static final Duration LONGEST_OUTAGE = Duration.ofMinutes(4);

    @Test
    void composeAndKubernetesSetTheJobsFailurePolicy() throws IOException {
        for (Map.Entry<String, Configuration> e : flinkConfigurations().entrySet()) {
            Configuration flink = e.getValue();
            GeometryJob.FAILURE_POLICY.forEach((k, v) -> assertThat(flink.getString(k, null)).as(e.getKey() + ": " + k).isEqualTo(v));
            Duration interval = flink.get(CheckpointingOptions.CHECKPOINTING_INTERVAL);
            assertThat(flink.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS)).as(e.getKey() + ": min pause")
                    .isPositive().isLessThan(interval);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSinksTransactionsOutliveFailedCheckpointsAndARestartAfterTheLongestOutage(@TempDir Path tmp) throws IOException {
        Map<String, Configuration> flink = flinkConfigurations();
        Path root = DeployFiles.repoRoot();
        assertOutlive(flink.get("compose jobmanager"), JobConfigs.toConfiguration(JobConfigs.readFile(root.resolve("deploy/job.yaml"))));
        Map<String, Object> configMap = DeployFiles.readAll(root.resolve("k8s/job-config.yaml")).stream()
                .filter(d -> "ConfigMap".equals(d.get("kind"))).findFirst().orElseThrow();
        Path k8sJob = tmp.resolve("job.yaml");
        Files.writeString(k8sJob, (String) ((Map<String, Object>) configMap.get("data")).get("job.yaml"));
        assertOutlive(flink.get("k8s"), JobConfigs.toConfiguration(JobConfigs.readFile(k8sJob)));
    }

    /** {@code transaction.timeout.ms} of the job's sink against its Flink settings. */
    static void assertOutlive(Configuration flink, Configuration job) {
        Duration transaction = job.get(SinkOptions.TRANSACTION_TIMEOUT);
        Duration interval = flink.get(CheckpointingOptions.CHECKPOINTING_INTERVAL);
        Duration timeout = flink.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT);
        Duration backoff = flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF);
        int tolerated = flink.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER);
        // A transaction opens at one checkpoint's barrier and is committed when a later checkpoint completes: with
        // `tolerated` failures in a row allowed, that is up to tolerated + 1 checkpoints of interval + timeout each.
        assertThat(transaction).as("transaction timeout vs tolerated failed checkpoints")
                .isGreaterThan(interval.plus(timeout).multipliedBy(tolerated + 1));
        // After a failure the restored checkpoint's transactions are committed again: they were opened up to
        // interval + timeout before it completed; then come the outage, the back-off and the restart.
        assertThat(transaction).as("transaction timeout vs a restart after the longest outage")
                .isGreaterThanOrEqualTo(interval.plus(timeout).plus(LONGEST_OUTAGE).plus(backoff).plus(RESTART));
    }

    /** Flink's settings of compose's JobManager and TaskManager and of the FlinkDeployment, as strings. */
    @SuppressWarnings("unchecked")
    private static Map<String, Configuration> flinkConfigurations() throws IOException {
        Path root = DeployFiles.repoRoot();
        Map<String, Object> services = at(DeployFiles.readOne(root.resolve("docker-compose.yml")), "services");
        Map<String, Configuration> out = new LinkedHashMap<>();
        for (String service : List.of("jobmanager", "taskmanager")) {
            Map<String, Object> env = at((Map<String, Object>) services.get(service), "environment");
            out.put("compose " + service, strings((Map<String, Object>) DeployFiles.yaml().load((String) env.get("FLINK_PROPERTIES"))));
        }
        Map<String, Object> deployment = DeployFiles.readAll(root.resolve("k8s/flink-deployment.yaml")).stream()
                .filter(d -> "FlinkDeployment".equals(d.get("kind"))).findFirst().orElseThrow();
        out.put("k8s", strings(at(deployment, "spec.flinkConfiguration")));
        return out;
    }

    private static Configuration strings(Map<String, Object> m) {
        Map<String, String> s = new LinkedHashMap<>();
        m.forEach((k, v) -> s.put(k, String.valueOf(v)));
        return Configuration.fromMap(s);
    }
}
