package io.geostream.jobs;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the job on a Flink cluster (application mode: the FlinkDeployment's
 * {@code entryClass}, {@code standalone-job --job-classname} in docker-compose, or {@code flink run -c}).
 *
 * <p>Settings, later layers winning: the {@code geostream.*} keys of the cluster's configuration
 * (a FlinkDeployment's {@code flinkConfiguration}), then {@code --config FILE} (YAML, nested blocks flattened, see
 * {@link JobConfigs}), then {@code key=value} program arguments. Checkpointing, state backend and
 * parallelism come from the cluster's configuration, as for any Flink job; where it sets no state backend the
 * job uses {@link GeometryJob#FLINK_DEFAULTS} (RocksDB, incremental checkpoints).
 */
public final class GeometryJobMain {
    private GeometryJobMain() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(GeometryJob.flinkDefaultsMissingFrom(env.getConfiguration()));
        Configuration config = configuration(env.getConfiguration().toMap(), args);
        GeometryJob.fromConfig(config).build(env);
        env.execute("geostream");
    }

    /** The job's configuration from the cluster's settings and the program arguments; unknown geostream.* keys fail. */
    public static Configuration configuration(Map<String, String> cluster, String[] args) throws IOException {
        Map<String, String> fromCluster = new LinkedHashMap<>();
        cluster.forEach((k, v) -> {
            if (JobConfigs.isJobKey(k)) fromCluster.put(k, v);
        });
        Map<String, String> fromFile = new LinkedHashMap<>();
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config")) {
                if (i + 1 >= args.length) throw new IllegalArgumentException("--config needs a file");
                fromFile.putAll(JobConfigs.readFile(Path.of(args[++i])));
            } else {
                overrides.add(args[i]);
            }
        }
        return JobConfigs.toConfiguration(fromCluster, fromFile, JobConfigs.parseOverrides(overrides));
    }
}
