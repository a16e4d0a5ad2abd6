package io.geostream.deploy;

import io.geostream.jobs.GeometryJobMain;
import io.geostream.jobs.GeometryJobOptions;
import io.geostream.jobs.JobConfigs;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import io.geostream.storage.StorageSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.geostream.deploy.DeployFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml without a Docker engine: Compose's own parser ({@code docker-compose config},
 * required when CI=true), then the settings the file shares with the job (deploy/job.yaml) and with
 * Prometheus (deploy/prometheus.yml).
 */
class ComposeFileTest {
    private static Path root;
    private static Map<String, Object> services;

    @BeforeAll
    static void read() throws IOException {
        root = DeployFiles.repoRoot();
        services = at(DeployFiles.readOne(root.resolve("docker-compose.yml")), "services"); // SnakeYAML resolves <<: merges
    }

    @Test
    void dockerComposeAcceptsTheFileAndRequiresTheCredentials() throws Exception {
        Path exe = onPath("docker-compose");
        if (exe == null) {
            if (DeployFiles.inCi()) throw new AssertionError("CI=true but docker-compose is not on PATH (.ci/run installs it)");
            Assumptions.abort("docker-compose not installed: apt-get install docker-compose");
        }
        Result ok = compose(exe, "--env-file", root.resolve(".env.example").toString(), "config", "-q");
        assertThat(ok.rc).as(ok.output).isZero();
        Path empty = Files.createTempFile("geostream-empty", ".env");
        try {
            Result missing = compose(exe, "--env-file", empty.toString(), "config", "-q");
            assertThat(missing.rc).isNotZero();
            assertThat(missing.output).contains("set MINIO_ROOT_");
        } finally {
            Files.delete(empty);
        }
    }

    @Test
    void theJobConfigMeansWhatItMeantBeforeConfigFilesWereParsedAsYaml() throws IOException {
        Path file = root.resolve("deploy/job.yaml");
        assertThat(JobConfigs.readFile(file)).isEqualTo(DeployFiles.asFormerLineReaderRead(Files.readString(file)));
    }

    @Test
    void composeStitchesWithTheJobsDefaultMethod() throws IOException {
        Configuration job = jobConfig();
        assertThat(job.get(io.geostream.operators.stitch.StitchOptions.METHOD))
                .isEqualTo(io.geostream.operators.stitch.StitchOptions.METHOD.defaultValue());
        assertThat(job.get(io.geostream.operators.clip.ClipOptions.KEYFRAMES)).isEqualTo(1);
    }

    @Test
    void topicsBucketAndBrokerMatchTheJob() throws IOException {
        Configuration job = jobConfig();
        List<String> topics = List.of(job.get(IngestOptions.INPUT_TOPIC), job.get(SinkOptions.GEOMETRY_TOPIC),
                job.get(SinkOptions.SEGMENTS_TOPIC), job.get(SinkOptions.DEAD_LETTER_TOPIC));
        assertThat(topics).containsExactly(IngestOptions.INPUT_TOPIC.defaultValue(), SinkOptions.GEOMETRY_TOPIC.defaultValue(),
                SinkOptions.SEGMENTS_TOPIC.defaultValue(), SinkOptions.DEAD_LETTER_TOPIC.defaultValue());
        // Loop-closure corrections: created compacted (a segment's latest correction supersedes its earlier ones).
        assertThat(job.get(SinkOptions.CORRECTIONS_TOPIC)).isEqualTo(SinkOptions.CORRECTIONS_TOPIC.defaultValue());
        Map<String, String> init = env("kafka-init");
        assertThat(init.get("TOPICS").split(" ")).containsExactlyInAnyOrderElementsOf(topics);
        assertThat(init.get("COMPACTED_TOPICS").split(" ")).containsExactly(job.get(SinkOptions.CORRECTIONS_TOPIC));
        assertThat(String.valueOf(service("kafka-init").get("command"))).contains("for t in $$COMPACTED_TOPICS")
                .contains("--config cleanup.policy=compact");

        // The job and the topic creator reach the broker on its listener for containers.
        Map<String, String> kafka = env("kafka");
        String bootstrap = job.get(GeometryJobOptions.BOOTSTRAP_SERVERS);
        assertThat(init.get("BOOTSTRAP")).isEqualTo(bootstrap);
        assertThat(List.of(kafka.get("KAFKA_ADVERTISED_LISTENERS").split(","))).contains("INTERNAL://" + bootstrap);
        assertThat(kafka.get("KAFKA_INTER_BROKER_LISTENER_NAME")).isEqualTo("INTERNAL");
        assertThat(ports("kafka")).contains("9092:9092"); // host clients: the job's default bootstrap, localhost:9092
        assertThat(List.of(kafka.get("KAFKA_ADVERTISED_LISTENERS").split(","))).contains("HOST://" + GeometryJobOptions.BOOTSTRAP_SERVERS.defaultValue());
        KubernetesManifestsTest.assertBrokerFitsTheJob(kafka, job);
        assertThat(at(service("kafka-init"), "depends_on.kafka.condition").toString()).isEqualTo("service_healthy");

        // Payloads and Flink's checkpoints/savepoints go to buckets that minio-init creates, at MinIO's address.
        List<String> buckets = List.of(env("minio-init").get("BUCKETS").split(" "));
        assertThat(buckets).contains(job.get(StorageOptions.S3_BUCKET));
        Map<String, Object> flink = flinkProperties("jobmanager");
        for (String key : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir")) {
            String bucket = ((String) flink.get(key)).replaceFirst("^s3://([^/]+)/.*$", "$1");
            assertThat(buckets).as(key).contains(bucket);
        }
        assertThat(job.get(StorageOptions.S3_ENDPOINT)).isEqualTo("http://minio:9000").isEqualTo(flink.get("s3.endpoint"));
        assertThat(ports("minio")).contains("9000:9000");
        assertThat(job.get(StorageOptions.KIND)).isEqualTo(StorageSettings.Kind.S3);
        assertThat(flink).containsEntry("state.backend.type", "rocksdb");
    }

    @Test
    void flinkServicesRunTheJobWithGpuMetricsAndDashboard() throws Exception {
        // The JobManager runs GeometryJobMain in application mode with the mounted job.yaml.
        List<String> command = at(service("jobmanager"), "command");
        assertThat(command.subList(0, 3)).containsExactly("standalone-job", "--job-classname", GeometryJobMain.class.getName());
        Class.forName(command.get(2)).getMethod("main", String[].class);
        int config = command.indexOf("--config");
        assertThat(config).isPositive();
        assertThat(volumes("jobmanager")).contains("./deploy/job.yaml:" + command.get(config + 1) + ":ro");
        assertThat(ports("jobmanager")).contains(RestOptions.PORT.defaultValue() + ":" + RestOptions.PORT.defaultValue());
        assertThat(at(service("jobmanager"), "build.dockerfile").toString()).isEqualTo("deploy/Dockerfile");
        assertThat((String) at(service("taskmanager"), "image")).isEqualTo(at(service("jobmanager"), "image"));

        // The model package is mounted where geostream.model points, on both JobManager (checked at start) and TaskManager.
        Configuration job = jobConfig();
        for (String s : List.of("jobmanager", "taskmanager")) {
            assertThat(volumes(s)).anyMatch(v -> v.endsWith(":" + job.get(InferenceOptions.MODEL) + ":ro"));
        }

        // One GPU reserved for the TaskManager; Flink announces as many; the job's device is the first.
        List<Map<String, Object>> devices = at(service("taskmanager"), "deploy.resources.reservations.devices");
        assertThat(devices).singleElement().satisfies(d -> {
            assertThat(d).containsEntry("driver", "nvidia");
            assertThat((List<String>) d.get("capabilities")).contains("gpu");
        });
        Map<String, Object> tm = flinkProperties("taskmanager");
        assertThat(String.valueOf(tm.get("external-resource.gpu.amount"))).isEqualTo(String.valueOf(devices.get(0).get("count")));
        assertThat(tm).containsEntry("external-resources", "gpu")
                .containsEntry("external-resource.gpu.driver-factory.class", "org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(job.get(InferenceOptions.DEVICE)).isEqualTo("gpu:0");

        // Prometheus scrapes both Flink services on the reporter's port.
        Object promPort = tm.get("metrics.reporter.prom.port");
        assertThat(tm).containsEntry("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(volumes("prometheus")).contains("./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
        List<Map<String, Object>> scrapes = at(DeployFiles.readOne(root.resolve("deploy/prometheus.yml")), "scrape_configs");
        List<String> targets = new ArrayList<>();
        for (Map<String, Object> s : scrapes) {
            for (Map<String, Object> sc : (List<Map<String, Object>>) s.get("static_configs")) targets.addAll((List<String>) sc.get("targets"));
        }
        assertThat(targets).contains("jobmanager:" + promPort, "taskmanager:" + promPort);

        // The producer is optional (a profile), on the same image, and publishes to the job's broker and input topic.
        assertThat((List<String>) at(service("producer"), "profiles")).containsExactly("producer");
        assertThat(service("producer").get("image")).isEqualTo(service("jobmanager").get("image"));
        String produce = String.join(" ", (List<String>) service("producer").get("command"));
        assertThat(produce).contains("io.geostream.cli.GeostreamCli produce", "--source \"$$GEOSTREAM_SOURCE\"",
                "--stream \"$$GEOSTREAM_STREAM\"", "--bootstrap-servers " + job.get(GeometryJobOptions.BOOTSTRAP_SERVERS),
                "$$GEOSTREAM_PRODUCE_OPTS"); // $$: compose passes a literal $ to the container's shell
        // Without --topic the producer publishes to the job's default input topic, which must be the one the job reads.
        assertThat(produce).doesNotContain("--topic");
        assertThat(job.get(IngestOptions.INPUT_TOPIC)).isEqualTo(IngestOptions.INPUT_TOPIC.defaultValue());
    }

    @Test
    @SuppressWarnings("unchecked")
    void grafanaShowsTheJobsDashboardFromThePrometheusService() throws IOException {
        // Provisioning and dashboards are mounted from deploy/grafana/ (read-only) where Grafana and the provider look.
        Map<String, String> mounts = new LinkedHashMap<>();
        for (String v : volumes("grafana")) {
            String[] parts = v.split(":");
            if (parts[0].startsWith("./")) {
                assertThat(parts).as(v).hasSize(3);
                assertThat(parts[2]).as(v).isEqualTo("ro");
                assertThat(root.resolve(parts[0])).as(v).isDirectory();
                mounts.put(parts[1], parts[0]);
            }
        }
        assertThat(mounts).containsEntry("/etc/grafana/provisioning", "./deploy/grafana/provisioning");
        Path provisioning = root.resolve("deploy/grafana/provisioning");

        // The data source is the compose Prometheus service on its container port.
        List<Map<String, Object>> sources = at(DeployFiles.readOne(provisioning.resolve("datasources/prometheus.yml")), "datasources");
        assertThat(sources).singleElement().satisfies(d -> assertThat(d).containsEntry("type", "prometheus"));
        Map<String, Object> source = sources.get(0);
        assertThat(source.get("url")).isEqualTo("http://prometheus:9090");
        assertThat(ports("prometheus")).anyMatch(p -> p.endsWith(":9090"));
        assertThat((List<String>) service("grafana").get("depends_on")).contains("prometheus");

        // The provider reads the mounted dashboard folder, which holds the dashboard, also the home page.
        List<Map<String, Object>> providers = at(DeployFiles.readOne(provisioning.resolve("dashboards/geostream.yml")), "providers");
        String inContainer = at(providers.get(0), "options.path");
        assertThat(mounts).containsKey(inContainer);
        Path dashboards = root.resolve(mounts.get(inContainer)).normalize();
        String home = env("grafana").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
        assertThat(home).startsWith(inContainer + "/");
        Path dashboard = dashboards.resolve(home.substring(inContainer.length() + 1));
        assertThat(dashboard).isRegularFile().isEqualTo(root.resolve("deploy/grafana/dashboards/geostream.json"));

        // Every panel, query and variable uses that data source by its uid and has a query (DashboardMetricsITCase
        // checks the metrics they query against the job's reporter).
        JsonNode json = new ObjectMapper().readTree(dashboard.toFile());
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : json.get("panels")) {
            if (panel.get("type").asText().equals("row")) continue;
            assertThat(panel.at("/datasource/uid").asText()).as(panel.get("title").asText()).isEqualTo(source.get("uid"));
            assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
            for (JsonNode t : panel.get("targets")) {
                assertThat(t.at("/datasource/uid").asText()).isEqualTo(source.get("uid"));
                assertThat(t.get("expr").asText()).as(panel.get("title").asText()).isNotBlank();
                queries.add(t.get("expr").asText());
            }
        }
        for (JsonNode v : json.at("/templating/list")) assertThat(v.at("/datasource/uid").asText()).isEqualTo(source.get("uid"));
        assertThat(queries).hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void credentialsComeFromTheEnvironmentOnly() throws IOException {
        for (String s : List.of("minio", "minio-init", "jobmanager", "taskmanager", "producer", "grafana")) {
            env(s).forEach((k, v) -> {
                if (k.matches(".*(PASSWORD|SECRET|ACCESS_KEY|ROOT_USER).*")) {
                    assertThat(v).as(s + " " + k).matches("\\$\\{[A-Z_]+:\\?[^}]+}");
                }
            });
        }
        assertThat(Files.readString(root.resolve(".env.example"))).contains("MINIO_ROOT_USER=", "MINIO_ROOT_PASSWORD=", "GRAFANA_ADMIN_PASSWORD=");
        assertThat(Files.readAllLines(root.resolve(".gitignore"))).contains(".env");
        assertThat(Files.readString(root.resolve("deploy/job.yaml"))).doesNotContain("access-key", "secret-key");
    }

    // ---- helpers ----

    private static Configuration jobConfig() throws IOException {
        return JobConfigs.toConfiguration(JobConfigs.readFile(root.resolve("deploy/job.yaml")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String name) {
        assertThat(services).containsKey(name);
        return (Map<String, Object>) services.get(name);
    }

    /** A service's environment as strings (map form only: the file never uses the list form). */
    private static Map<String, String> env(String name) {
        Map<String, Object> e = at(service(name), "environment");
        Map<String, String> out = new LinkedHashMap<>();
        e.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    /** FLINK_PROPERTIES of a Flink service, parsed as the config.yaml lines it becomes. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> flinkProperties(String name) {
        return (Map<String, Object>) DeployFiles.yaml().load(env(name).get("FLINK_PROPERTIES"));
    }

    @SuppressWarnings("unchecked")
    private static List<String> ports(String name) {
        return (List<String>) service(name).getOrDefault("ports", List.of());
    }

    @SuppressWarnings("unchecked")
    private static List<String> volumes(String name) {
        return (List<String>) service(name).getOrDefault("volumes", List.of());
    }

    private record Result(int rc, String output) {}

    private static Result compose(Path exe, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--project-directory", root.toString(),
                "-f", root.resolve("docker-compose.yml").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("MINIO_") || k.startsWith("GRAFANA_") || k.startsWith("GEOSTREAM_") || k.startsWith("COMPOSE_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker-compose did not finish in 60 s");
        }
        return new Result(p.exitValue(), out);
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }
}
