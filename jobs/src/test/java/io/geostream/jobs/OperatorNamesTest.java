package io.geostream.jobs;

import io.geostream.testing.RepoFiles;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Operator names and uids are the labels of the job's Prometheus series ({@code operator_name}, {@code task_name},
 * {@code operator_id}) and what state maps to across versions: they must be the same whatever the model package,
 * its path and its device, so a model upgrade breaks neither dashboards nor savepoints.
 */
class OperatorNamesTest {

    /** "uid | operator name" of every operator, then "vertex: name" of every task (chains joined by Flink). */
    private static List<String> labels(Configuration config) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        GeometryJob.fromConfig(config).build(env);
        StreamGraph graph = env.getStreamGraph();
        List<String> out = new ArrayList<>();
        for (StreamNode n : graph.getStreamNodes()) out.add(n.getTransformationUID() + " | " + n.getOperatorName());
        out.sort(null);
        for (JobVertex v : graph.getJobGraph().getVertices()) out.add("vertex: " + v.getName());
        return out;
    }

    private static Configuration withModel(String model, String device) {
        Configuration c = Configuration.fromMap(Map.of("geostream.storage.kind", "local", "geostream.model", model));
        if (device != null) c.setString("geostream.model.device", device);
        return c;
    }

    @Test
    void namesAndUidsDoNotChangeWithTheModel(@TempDir Path dir) throws Exception {
        Path packaged = RepoFiles.model("tiny-e2e");
        Path elsewhere = RepoFiles.fourTimesTemporalPackage(dir);
        List<String> simulated = labels(withModel("simulated", null));
        List<String> tiny = labels(withModel(packaged.toString(), "cpu"));
        List<String> other = labels(withModel(elsewhere.toString(), "gpu:0"));

        assertThat(tiny).isEqualTo(simulated);
        assertThat(other).isEqualTo(simulated);
        assertThat(simulated).anyMatch(l -> l.equals("inference | " + GeometryJob.INFERENCE_NAME));
        for (String label : simulated) {
            assertThat(label).doesNotContain("/", "simulated", "torchscript", "gpu", "cpu");
        }
        // every operator of ours has a uid (the source's and sink's internal operators have theirs from the connector)
        assertThat(new TreeSet<>(simulated)).anyMatch(l -> l.startsWith("ingest | "))
                .anyMatch(l -> l.startsWith("clip | ")).anyMatch(l -> l.startsWith("stitch | "));
    }
}
