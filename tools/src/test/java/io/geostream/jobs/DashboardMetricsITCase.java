package io.geostream.jobs;

import io.geostream.demo.SyntheticPublisher;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.produce.CameraProducer;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.TrajectoryKind;
import io.geostream.testing.RealStack;
import io.geostream.testing.RepoFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job's metrics as the dashboards show them: the job runs unbounded on the real stack with Flink's web UI on a
 * free port and the Prometheus reporter, and the test reads the metrics through Flink's REST API and the reporter while
 * the job is running; every metric the Grafana dashboard (deploy/grafana/dashboards/geostream.json) queries must be
 * among the reporter's.
 */
class DashboardMetricsITCase {
    private static final int STREAMS = 2;
    private static final int FRAMES = 16;

    @RegisterExtension
    static final RealStack.PerClass SERVERS = new RealStack.PerClass();

    @Test
    void metricsAreOnTheRestApiWhileTheJobRuns() throws Exception {
        Configuration conf = SERVERS.stack().jobConfig("metrics-it");
        conf.set(IngestOptions.BOUNDED, false); // keeps running, as on a dashboard
        SERVERS.stack().createJobTopics(conf);
        try (SyntheticPublisher pub = new SyntheticPublisher(SERVERS.kafka().bootstrapServers(), conf.get(IngestOptions.INPUT_TOPIC))) {
            Map<String, SceneSpec> streams = new LinkedHashMap<>();
            for (int i = 0; i < STREAMS; i++) {
                streams.put("cam-" + i, new SceneSpec(11 + i, 64, 48, FRAMES, TrajectoryKind.values()[i], 0.0, 10.0));
            }
            pub.publishStreams(streams, true);
        }
        try (KafkaProducer<byte[], byte[]> raw = CameraProducer.kafkaProducer(SERVERS.kafka().bootstrapServers(), Map.of())) {
            raw.send(new ProducerRecord<>(conf.get(IngestOptions.INPUT_TOPIC), "cam-0".getBytes(StandardCharsets.UTF_8),
                    "not avro".getBytes(StandardCharsets.UTF_8))).get();
        }

        int port = freePort();
        int promPort = freePort();
        Configuration flink = new Configuration();
        flink.set(RestOptions.PORT, port);
        // The Prometheus reporter as docker-compose.yml and k8s/flink-deployment.yaml configure it (port aside).
        flink.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        flink.setString("metrics.reporter.prom.port", String.valueOf(promPort));
        flink.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        flink.setString("execution.checkpointing.interval", "1 s");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
        env.setParallelism(1);
        GeometryJob.fromConfig(conf).build(env);
        JobClient job = env.executeAsync("metrics-it");
        try {
            Rest rest = new Rest("http://localhost:" + port, job.getJobID().toString());
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (rest.sum("stitch.framesOut").orElse(0.0) < STREAMS * FRAMES) {
                assertThat(System.nanoTime()).as("frames out on the REST API in time; metrics: " + rest.ids()).isLessThan(deadline);
                Thread.sleep(500);
            }
            assertThat(job.getJobStatus().get().isGloballyTerminalState()).as("job still running").isFalse();

            // framesValid counts every valid record in, end-of-stream markers included.
            assertThat(rest.sum("ingest.framesValid")).contains((double) STREAMS * (FRAMES + 1));
            assertThat(rest.sum("stitch.framesOut")).contains((double) STREAMS * FRAMES);
            assertThat(rest.sumOfAll("ingest.rejected.", ".count")).as("dead letters by reason").isEqualTo(1.0);
            assertThat(rest.sum("clip.clipsCut").orElseThrow()).isGreaterThanOrEqualTo(STREAMS * 3.0);
            assertThat(rest.sum("inference.clipsInferred").orElseThrow()).isGreaterThanOrEqualTo(STREAMS * 3.0);
            assertThat(rest.sum("inference.inferenceClipsPerBatch").orElseThrow()).isGreaterThanOrEqualTo(1.0);
            assertThat(rest.sum("inference.inferenceQueued").orElseThrow()).isGreaterThanOrEqualTo(0.0);
            double latencyMax = rest.sum("inference.inferenceLatencyMs_max").orElseThrow();
            assertThat(latencyMax).isGreaterThanOrEqualTo(0.0).isLessThan(60_000.0);
            // The simulated model's clips agree on the overlap up to its noise: small residual, most points inliers.
            assertThat(rest.sum("stitch.stitchInlierSharePercent_median").orElseThrow()).isBetween(50.0, 100.0);
            assertThat(rest.sum("stitch.stitchResidualRmsMilli_max").orElseThrow()).isGreaterThanOrEqualTo(0.0);
            assertThat(rest.sum("stitch.stitchScaleStepPermille_median")).isPresent();
            double processing = rest.sum("stitch.processingLatencyMs_max").orElseThrow();
            assertThat(processing).isGreaterThanOrEqualTo(0.0).isLessThan(120_000.0);
            assertThat(rest.sum("stitch.endToEndLatencyMs_min").orElseThrow()).isGreaterThanOrEqualTo(0.0);

            // The same metrics on the Prometheus endpoint Prometheus scrapes (deploy/prometheus.yml).
            HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + promPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("flink_taskmanager_job_task_operator_framesOut",
                    "flink_taskmanager_job_task_operator_framesValid", "flink_taskmanager_job_task_operator_inferenceLatencyMs",
                    "flink_taskmanager_job_task_operator_stitchInlierSharePercent", "flink_taskmanager_job_task_operator_rejected_count");
            Map<String, Set<String>> exported = labelsByMetric(scrape.body());
            Files.writeString(Files.createDirectories(Path.of("target")).resolve("dashboard-metrics-scrape.txt"), scrape.body());

            // Per camera: each of the two cameras has its own group (the default cap is 64), counting its frames. Flink's
            // reporter writes label values with characters other than letters, digits, _ and : as _ (cam-0 -> cam_0).
            assertThat(exported.get("flink_taskmanager_job_task_operator_camera_framesOut")).contains("camera");
            for (int i = 0; i < STREAMS; i++) {
                String label = ("cam-" + i).replaceAll("[^A-Za-z0-9_:]", "_");
                assertThat(scrape.body()).containsPattern("flink_taskmanager_job_task_operator_camera_framesOut\\{[^}]*camera=\"" + label
                        + "\"[^}]*} " + FRAMES + "(\\.0)?\n");
            }

            // The Grafana dashboard queries only metrics and labels the job exports.
            assertDashboardQueriesExportedMetrics(RepoFiles.root().resolve("deploy/grafana/dashboards/geostream.json"), exported);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Every query of the dashboard (panels' {@code targets[].expr}, variables' {@code label_values} queries) names metrics
     * that {@code exported} has, matches and groups on labels those metrics carry; each of the dashboard's topics is there.
     */
    static void assertDashboardQueriesExportedMetrics(Path dashboard, Map<String, Set<String>> exported) throws java.io.IOException {
        JsonNode json = new ObjectMapper().readTree(dashboard.toFile());
        List<String> problems = new ArrayList<>();
        Set<String> queried = new TreeSet<>();
        Map<String, PromQlSelectors.Refs> queries = new LinkedHashMap<>();
        for (JsonNode panel : json.get("panels")) {
            for (JsonNode t : panel.path("targets")) {
                queries.put(panel.get("title").asText() + " [" + t.get("refId").asText() + "]: " + t.get("expr").asText(),
                        PromQlSelectors.of(t.get("expr").asText()));
            }
        }
        for (JsonNode v : json.at("/templating/list")) {
            String q = v.at("/query/query").asText();
            queries.put("variable " + v.get("name").asText() + ": " + q, PromQlSelectors.ofVariableQuery(q));
        }
        for (Map.Entry<String, PromQlSelectors.Refs> q : queries.entrySet()) {
            PromQlSelectors.Refs refs = q.getValue();
            if (refs.selectors().isEmpty()) problems.add(q.getKey() + ": no metric");
            Set<String> labels = new TreeSet<>();
            for (PromQlSelectors.Selector sel : refs.selectors()) {
                queried.add(sel.metric());
                Set<String> has = exported.get(sel.metric());
                if (has == null) {
                    problems.add(q.getKey() + ": " + sel.metric() + " is not exported");
                    continue;
                }
                labels.addAll(has);
                for (String l : sel.labels()) if (!has.contains(l)) problems.add(q.getKey() + ": " + sel.metric() + " has no label " + l);
            }
            for (String l : refs.groupingLabels()) {
                if (!l.isEmpty() && !labels.contains(l)) problems.add(q.getKey() + ": groups by " + l + ", which its metrics lack");
            }
        }
        assertThat(problems).as("dashboard %s against the exported metrics %s", dashboard, exported.keySet()).isEmpty();
        String op = "flink_taskmanager_job_task_operator_";
        assertThat(queried).contains(op + "framesOut", op + "endToEndLatencyMs", op + "inferenceLatencyMs", op + "inferenceClipsPerBatch",
                op + "stitchResidualRmsMilli", op + "stitchInlierSharePercent", op + "stitchScaleStepPermille", op + "stitchReleaseLagMs",
                op + "rejected_count", "flink_jobmanager_job_lastCheckpointDuration", "flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
                op + "camera_framesOut", op + "camera_endToEndLatencyMs", op + "camera_segmentsStarted");
    }

    /**
     * Metric name -> label names of its samples, from the Prometheus text exposition format ({@code name{l="v",...} value}
     * lines; label values may hold escaped quotes). Summary quantiles keep the base name ({@code quantile} label).
     */
    static Map<String, Set<String>> labelsByMetric(String exposition) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            int end = brace >= 0 && brace < space ? brace : space;
            Set<String> labels = out.computeIfAbsent(line.substring(0, end), k -> new TreeSet<>());
            if (end != brace) continue;
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                labels.add(line.substring(i, eq).strip());
                i = eq + 2; // past ="
                while (line.charAt(i) != '"') i += line.charAt(i) == '\\' ? 2 : 1;
                i++;
                if (line.charAt(i) == ',') i++;
            }
        }
        return out;
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Flink's REST API for one job: metric ids of every vertex, and their sum over subtasks. */
    private static final class Rest {
        private final HttpClient http = HttpClient.newHttpClient();
        private final ObjectMapper json = new ObjectMapper();
        private final String base;
        private final String jobId;

        Rest(String base, String jobId) {
            this.base = base;
            this.jobId = jobId;
        }

        private JsonNode get(String path) throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            return json.readTree(r.body());
        }

        /** Vertex id -> metric ids available there (operator metrics are "<operator name>.<metric>"). */
        Map<String, List<String>> ids() throws Exception {
            Map<String, List<String>> out = new LinkedHashMap<>();
            for (JsonNode v : get("/jobs/" + jobId).get("vertices")) {
                List<String> names = new ArrayList<>();
                for (JsonNode m : get("/jobs/" + jobId + "/vertices/" + v.get("id").asText() + "/subtasks/metrics")) {
                    names.add(m.get("id").asText());
                }
                out.put(v.get("id").asText(), names);
            }
            return out;
        }

        /**
         * The sum over subtasks of the metric whose id is {@code "<operator name>.<metric>"}, the operator's name starting
         * with the short name (sub-groups' metrics such as {@code <operator>.camera.<id>.<metric>} do not count); operator names
         * start with the short name ("stitch: global frame + payloads" -> "stitch"). Empty while not reported yet.
         */
        Optional<Double> sum(String shortName) throws Exception {
            int dot = shortName.indexOf('.');
            String operator = shortName.substring(0, dot);
            String metric = shortName.substring(dot + 1);
            for (Map.Entry<String, List<String>> v : ids().entrySet()) {
                for (String id : v.getValue()) {
                    // the operator's own metric, not a sub-group's of the same name (camera.<id>.framesOut)
                    boolean own = id.indexOf('.') == id.length() - metric.length() - 1;
                    if (own && id.endsWith("." + metric) && id.toLowerCase().startsWith(operator)) {
                        return Optional.of(value(v.getKey(), id));
                    }
                }
            }
            return Optional.empty();
        }

        /** The sum of every metric whose id contains {@code infix} and ends with {@code suffix} (e.g. all reasons). */
        double sumOfAll(String infix, String suffix) throws Exception {
            double total = 0;
            String operator = infix.substring(0, infix.indexOf('.'));
            String rest = infix.substring(infix.indexOf('.'));
            for (Map.Entry<String, List<String>> v : ids().entrySet()) {
                for (String id : v.getValue()) {
                    if (id.toLowerCase().startsWith(operator) && id.contains(rest) && id.endsWith(suffix)) total += value(v.getKey(), id);
                }
            }
            return total;
        }

        private double value(String vertex, String id) throws Exception {
            JsonNode r = get("/jobs/" + jobId + "/vertices/" + vertex + "/subtasks/metrics?get="
                    + URLEncoder.encode(id, StandardCharsets.UTF_8));
            return r.get(0).get("sum").asDouble();
        }
    }
}
