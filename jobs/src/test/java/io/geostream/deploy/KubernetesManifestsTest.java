package io.geostream.deploy;

import io.geostream.jobs.GeometryJob;
import io.geostream.jobs.GeometryJobMain;
import io.geostream.jobs.GeometryJobOptions;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.geostream.deploy.DeployFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every manifest under k8s/ against its schema, offline: the FlinkDeployment against the Flink
 * Kubernetes Operator 1.15 CRD (../shared/schemas/k8s/), core kinds against the fabric8 Kubernetes
 * models; then the settings the manifests share with the job and with each other.
 */
class KubernetesManifestsTest {
    private static Path root;
    private static final Map<String, Map<String, Object>> docs = new LinkedHashMap<>(); // "Kind/name" -> document

    @BeforeAll
    static void readManifests() throws IOException {
        root = DeployFiles.repoRoot();
        try (Stream<Path> files = Files.list(root.resolve("k8s"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (Map<String, Object> d : DeployFiles.readAll(f)) {
                    docs.put(d.get("kind") + "/" + at(d, "metadata.name"), d);
                }
            }
        }
    }

    /** The custom resources of k8s/ and their CRDs in ../shared/schemas/k8s/. */
    private static final Map<String, String> CRDS = Map.of(
            "FlinkDeployment", "flinkdeployments.flink.apache.org-v1.yml", // Flink Kubernetes Operator 1.15
            "PodMonitor", "podmonitors.monitoring.coreos.com-v1.yml");     // Prometheus Operator 0.93

    /** The FlinkDeployment CRD's v1beta1 schema, or a skip (outside CI) when ../shared is absent. */
    private static Map<String, Object> flinkDeploymentSchema() throws IOException {
        return crdSchema("FlinkDeployment");
    }

    /** The stored version's schema of {@code kind}'s CRD, or a skip (outside CI) when ../shared is absent. */
    private static Map<String, Object> crdSchema(String kind) throws IOException {
        Path crd = root.getParent().resolve("shared/schemas/k8s/" + CRDS.get(kind));
        if (!Files.isRegularFile(crd)) {
            if (DeployFiles.inCi()) throw new AssertionError("CI=true but the " + kind + " CRD is missing: " + crd);
            Assumptions.abort(kind + " CRD not found at " + crd + " (../shared beside the repository)");
        }
        Map<String, Object> doc = DeployFiles.readOne(crd);
        assertThat((String) at(doc, "spec.names.kind")).isEqualTo(kind);
        List<Map<String, Object>> versions = at(doc, "spec.versions");
        Map<String, Object> v = versions.stream().filter(x -> Boolean.TRUE.equals(x.get("storage"))).findFirst().orElseThrow();
        Map<String, Object> schema = at(v, "schema.openAPIV3Schema");
        schema.put("x-apiVersion", at(doc, "spec.group") + "/" + v.get("name")); // carried to validateCustomResource
        return schema;
    }

    /** A custom resource against its CRD's schema: apiVersion, metadata as Kubernetes' ObjectMeta, the rest structurally. */
    private static List<String> validateCustomResource(Map<String, Object> doc, Map<String, Object> schema) {
        List<String> errors = new ArrayList<>();
        if (!schema.get("x-apiVersion").equals(doc.get("apiVersion"))) {
            errors.add("apiVersion " + doc.get("apiVersion") + ", the CRD serves " + schema.get("x-apiVersion"));
        }
        errors.addAll(CoreKindValidator.validateAs(doc.get("metadata"), io.fabric8.kubernetes.api.model.ObjectMeta.class));
        Map<String, Object> body = new LinkedHashMap<>(doc);
        body.keySet().removeAll(Set.of("apiVersion", "kind", "metadata"));
        Map<String, Object> s = new LinkedHashMap<>(schema);
        s.remove("x-apiVersion");
        errors.addAll(StructuralSchemaValidator.validate(body, s));
        return errors;
    }

    private static List<String> validate(Map<String, Object> doc) throws IOException {
        return CRDS.containsKey((String) doc.get("kind")) ? validateCustomResource(doc, crdSchema((String) doc.get("kind")))
                : CoreKindValidator.validate(doc);
    }

    @Test
    void everyManifestIsValidAgainstItsSchema() throws IOException {
        assertThat(docs.keySet()).contains("FlinkDeployment/geostream", "ConfigMap/geostream-job", "Secret/geostream-s3",
                "Service/geostream-dashboard", "StatefulSet/geostream-kafka", "Service/geostream-kafka", "Job/geostream-kafka-topics",
                "PodMonitor/geostream-flink");
        for (Map.Entry<String, Map<String, Object>> e : docs.entrySet()) {
            assertThat(validate(e.getValue())).as(e.getKey()).isEmpty();
        }
    }

    /** The checks are not vacuous: typical mistakes in these very manifests are caught. */
    @Test
    @SuppressWarnings("unchecked")
    void theValidatorsRejectBrokenManifests() throws IOException {
        Map<String, Object> schema = flinkDeploymentSchema();
        Map<String, Object> fd = deepCopy(docs.get("FlinkDeployment/geostream"));
        ((Map<String, Object>) fd.get("spec")).put("flinkVersion", "v2_9");
        ((Map<String, Object>) at(fd, "spec.job")).put("parallelism", "four");
        ((Map<String, Object>) at(fd, "spec.job")).put("upgradeMod", "savepoint");
        ((Map<String, Object>) ((List<Object>) at(fd, "spec.taskManager.podTemplate.spec.containers")).get(0)).put("gpus", 1);
        fd.put("apiVersion", "flink.apache.org/v1");
        assertThat(String.join("\n", validateCustomResource(fd, schema)))
                .contains(".spec.flinkVersion: 'v2_9' is not one of")
                .contains(".spec.job.parallelism: expected integer")
                .contains(".spec.job.upgradeMod: unknown field")
                .contains(".spec.taskManager.podTemplate.spec.containers[0].gpus: unknown field")
                .contains("apiVersion flink.apache.org/v1, the CRD serves flink.apache.org/v1beta1");

        Map<String, Object> sts = deepCopy(docs.get("StatefulSet/geostream-kafka"));
        ((Map<String, Object>) sts.get("spec")).put("replicas", "1");
        Map<String, Object> container = ((List<Map<String, Object>>) at(sts, "spec.template.spec.containers")).get(0);
        container.put("imagePullPolicyy", "Always");
        ((List<Map<String, Object>>) container.get("env")).get(0).put("value", 1);
        ((Map<String, Object>) at(container, "resources.requests")).put("memory", "2 GiB of RAM");
        assertThat(CoreKindValidator.validate(sts)).isNotEmpty();
        ((Map<String, Object>) sts.get("spec")).put("replicas", 1);
        assertThat(CoreKindValidator.validate(sts)).isNotEmpty(); // the env value is a number, not a string
        ((List<Map<String, Object>>) container.get("env")).get(0).put("value", "1");
        assertThat(String.join("\n", CoreKindValidator.validate(sts)))
                .contains("containers[0].imagePullPolicyy: unknown field")
                .contains("resources.requests.memory");
        Map<String, Object> svc = deepCopy(docs.get("Service/geostream-dashboard"));
        svc.put("apiVersion", "apps/v1");
        assertThat(CoreKindValidator.validate(svc)).singleElement().asString().contains("unsupported apiVersion/kind apps/v1/Service");
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePodMonitorValidatorRejectsBrokenPodMonitors() throws IOException {
        Map<String, Object> pm = deepCopy(docs.get("PodMonitor/geostream-flink"));
        Map<String, Object> endpoint = ((List<Map<String, Object>>) at(pm, "spec.podMetricsEndpoints")).get(0);
        endpoint.put("portNumber", 92490);
        endpoint.put("interval", "15 seconds");
        endpoint.put("targetPort", "metrics");
        endpoint.put("scrapeInterval", "15s");
        ((Map<String, Object>) pm.get("spec")).remove("selector");
        assertThat(String.join("\n", validateCustomResource(pm, crdSchema("PodMonitor"))))
                .contains(".spec: missing required field selector")
                .contains(".spec.podMetricsEndpoints[0].portNumber: 92490 is above the maximum 65535")
                .contains(".spec.podMetricsEndpoints[0].interval: '15 seconds' does not match")
                .contains(".spec.podMetricsEndpoints[0].scrapeInterval: unknown field")
                .doesNotContain("targetPort"); // int-or-string: a name is fine
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePodMonitorScrapesTheReporterOfEveryFlinkPod() {
        Map<String, Object> fd = docs.get("FlinkDeployment/geostream");
        Map<String, Object> pm = docs.get("PodMonitor/geostream-flink");
        // The Flink operator labels the JobManager and TaskManager pods app=<deployment name>, component=...; the
        // PodMonitor selects all of them and keeps the component as a label.
        Map<String, Object> matchLabels = at(pm, "spec.selector.matchLabels");
        assertThat(matchLabels).containsExactly(Map.entry("app", at(fd, "metadata.name")));
        assertThat((List<String>) at(pm, "spec.podTargetLabels")).containsExactly("component");
        // Its endpoint is the container port that the reporter listens on (a named port both pod kinds inherit from
        // spec.podTemplate), on the path the scrape annotations give.
        Map<String, Object> flink = at(fd, "spec.flinkConfiguration");
        PodTemplateSpec pod = CoreKindValidator.bind(at(fd, "spec.podTemplate"), PodTemplateSpec.class);
        Map<String, Object> endpoint = ((List<Map<String, Object>>) at(pm, "spec.podMetricsEndpoints")).get(0);
        var port = pod.getSpec().getContainers().get(0).getPorts().stream()
                .filter(p -> p.getName() != null && p.getName().equals(endpoint.get("port"))).findFirst().orElseThrow();
        assertThat(port.getContainerPort()).isEqualTo(Integer.parseInt((String) flink.get("metrics.reporter.prom.port")));
        assertThat(endpoint.get("path")).isEqualTo(pod.getMetadata().getAnnotations().get("prometheus.io/path"));
        // The TaskManager's own pod template does not replace the containers' ports (the operator merges the two).
        PodTemplateSpec tm = CoreKindValidator.bind(at(fd, "spec.taskManager.podTemplate"), PodTemplateSpec.class);
        assertThat(tm.getSpec().getContainers().get(0).getPorts()).isNullOrEmpty();
    }

    @Test
    void theConfigMapMatchesTheJobAndTheKafkaManifests(@TempDir Path tmp) throws IOException {
        Configuration job = jobConfig(tmp);
        // Topics: what the job reads and writes = the defaults of GeometryJobOptions = what the topic Job creates.
        List<String> topics = List.of(job.get(IngestOptions.INPUT_TOPIC), job.get(SinkOptions.GEOMETRY_TOPIC),
                job.get(SinkOptions.SEGMENTS_TOPIC), job.get(SinkOptions.DEAD_LETTER_TOPIC));
        assertThat(topics).containsExactly(IngestOptions.INPUT_TOPIC.defaultValue(), SinkOptions.GEOMETRY_TOPIC.defaultValue(),
                SinkOptions.SEGMENTS_TOPIC.defaultValue(), SinkOptions.DEAD_LETTER_TOPIC.defaultValue());
        // Loop-closure corrections: created compacted (a segment's latest correction supersedes its earlier ones).
        assertThat(job.get(SinkOptions.CORRECTIONS_TOPIC)).isEqualTo(SinkOptions.CORRECTIONS_TOPIC.defaultValue());
        Job topicJob = CoreKindValidator.bind(docs.get("Job/geostream-kafka-topics"), Job.class);
        Map<String, String> topicEnv = env(topicJob.getSpec().getTemplate().getSpec().getContainers().get(0));
        assertThat(topicEnv.get("TOPICS").split(" ")).containsExactlyInAnyOrderElementsOf(topics);
        assertThat(topicEnv.get("COMPACTED_TOPICS").split(" ")).containsExactly(job.get(SinkOptions.CORRECTIONS_TOPIC));
        assertThat(String.join("\n", topicJob.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()))
                .contains("for t in $COMPACTED_TOPICS").contains("--config cleanup.policy=compact");

        // Bootstrap servers: the StatefulSet's first pod through its headless Service, on its advertised client port.
        StatefulSet kafka = CoreKindValidator.bind(docs.get("StatefulSet/geostream-kafka"), StatefulSet.class);
        Service headless = CoreKindValidator.bind(docs.get("Service/geostream-kafka"), Service.class);
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(kafka.getSpec().getServiceName()).isEqualTo(headless.getMetadata().getName());
        assertThat(headless.getSpec().getSelector()).isEqualTo(kafka.getSpec().getTemplate().getMetadata().getLabels());
        String bootstrap = job.get(GeometryJobOptions.BOOTSTRAP_SERVERS);
        assertThat(bootstrap).isEqualTo(kafka.getMetadata().getName() + "-0." + headless.getMetadata().getName() + ":9092");
        assertThat(topicEnv.get("BOOTSTRAP")).isEqualTo(bootstrap);
        Map<String, String> broker = env(kafka.getSpec().getTemplate().getSpec().getContainers().get(0));
        assertThat(broker.get("KAFKA_ADVERTISED_LISTENERS")).contains("://" + bootstrap);
        assertThat(kafka.getSpec().getReplicas()).isEqualTo(1);
        assertBrokerFitsTheJob(broker, job);
        // The same stitching as the job's default, the demo and compose.
        assertThat(job.get(io.geostream.operators.stitch.StitchOptions.METHOD))
                .isEqualTo(io.geostream.operators.stitch.StitchOptions.METHOD.defaultValue());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theFlinkDeploymentIsWiredToTheJobItsConfigAndSecret(@TempDir Path tmp) throws Exception {
        Map<String, Object> fd = docs.get("FlinkDeployment/geostream");
        Map<String, Object> flink = at(fd, "spec.flinkConfiguration");
        assertThat((String) at(fd, "spec.flinkVersion")).isEqualTo("v2_2");
        assertThat((String) at(fd, "spec.job.upgradeMode")).isEqualTo("savepoint");
        assertThat(flink).containsEntry("high-availability.type", "kubernetes").containsEntry("state.backend.type", "rocksdb");

        // Entry point: a real class with main, in the jar the image puts in usrlib/.
        Class<?> entry = Class.forName(at(fd, "spec.job.entryClass"));
        assertThat(entry).isEqualTo(GeometryJobMain.class);
        assertThat(Modifier.isStatic(entry.getMethod("main", String[].class).getModifiers())).isTrue();
        String jar = at(fd, "spec.job.jarURI");
        assertThat(jar).isEqualTo("local:///opt/flink/usrlib/geostream-job-slim.jar");
        assertThat(Files.readString(root.resolve("jobs/pom.xml"))).contains("<outputFile>${project.build.directory}/geostream-job-slim.jar</outputFile>");
        assertThat(Files.readString(root.resolve("deploy/Dockerfile"))).contains("cp jobs/target/geostream-job-slim.jar /out/usrlib/",
                "COPY --from=build /out/usrlib/ /opt/flink/usrlib/");

        // The ConfigMap is mounted where --config points, and the job's configuration parses from it.
        PodTemplateSpec pod = CoreKindValidator.bind(at(fd, "spec.podTemplate"), PodTemplateSpec.class);
        Container main = pod.getSpec().getContainers().get(0);
        assertThat(main.getName()).isEqualTo("flink-main-container");
        List<String> args = at(fd, "spec.job.args");
        assertThat(args).containsExactly("--config", "/opt/geostream/job.yaml");
        VolumeMount configMount = main.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(args.get(1))).findFirst().orElseThrow();
        Volume configVolume = volume(pod, configMount.getName());
        ConfigMap cm = CoreKindValidator.bind(docs.get("ConfigMap/geostream-job"), ConfigMap.class);
        assertThat(configVolume.getConfigMap().getName()).isEqualTo(cm.getMetadata().getName());
        assertThat(cm.getData()).containsKey(configMount.getSubPath());
        Path file = tmp.resolve("job.yaml");
        Files.writeString(file, cm.getData().get(configMount.getSubPath()), StandardCharsets.UTF_8);
        Map<String, String> cluster = new LinkedHashMap<>();
        flink.forEach((k, v) -> cluster.put(k, String.valueOf(v)));
        cluster.put("geostream.clip.length", "20"); // a geostream.* key of flinkConfiguration reaches the job too
        Configuration job = GeometryJobMain.configuration(cluster, new String[] {args.get(0), file.toString(), "geostream.clip.stride=15"});
        assertThat(job.get(ClipOptions.LENGTH)).isEqualTo(20);
        assertThat(job.get(ClipOptions.STRIDE)).isEqualTo(15);
        assertThat(job.get(GeometryJobOptions.BOOTSTRAP_SERVERS)).isEqualTo(jobConfig(tmp).get(GeometryJobOptions.BOOTSTRAP_SERVERS));

        // The model directory is on the mounted model volume, whose claim is in k8s/.
        VolumeMount models = main.getVolumeMounts().stream().filter(m -> m.getName().equals("models")).findFirst().orElseThrow();
        assertThat(job.get(InferenceOptions.MODEL)).startsWith(models.getMountPath() + "/");
        assertThat(docs).containsKey("PersistentVolumeClaim/" + volume(pod, "models").getPersistentVolumeClaim().getClaimName());

        // Checkpoints, savepoints and HA data on S3, at the endpoint and in the bucket the job uses.
        String bucket = job.get(StorageOptions.S3_BUCKET);
        for (String key : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir", "high-availability.storageDir")) {
            assertThat((String) flink.get(key)).as(key).startsWith("s3://" + bucket + "/");
        }
        assertThat(flink.get("s3.endpoint")).isEqualTo(job.get(StorageOptions.S3_ENDPOINT));

        // Credentials: the Secret's keys are the environment variables the job and the S3 file system read; placeholders only.
        Secret secret = CoreKindValidator.bind(docs.get("Secret/geostream-s3"), Secret.class);
        assertThat(main.getEnvFrom()).anySatisfy(e -> assertThat(e.getSecretRef().getName()).isEqualTo(secret.getMetadata().getName()));
        assertThat(secret.getStringData()).containsOnlyKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        assertThat(secret.getStringData().values()).containsOnly("REPLACE_ME");
        assertThat(secret.getData()).isNullOrEmpty();

        // GPUs: the TaskManager asks Kubernetes for as many as Flink's external resource announces.
        PodTemplateSpec tm = CoreKindValidator.bind(at(fd, "spec.taskManager.podTemplate"), PodTemplateSpec.class);
        String gpus = tm.getSpec().getContainers().get(0).getResources().getLimits().get("nvidia.com/gpu").toString();
        assertThat(flink).containsEntry("external-resources", "gpu")
                .containsEntry("external-resource.gpu.amount", gpus)
                .containsEntry("external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu")
                .containsEntry("external-resource.gpu.driver-factory.class", "org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(job.get(InferenceOptions.DEVICE)).isEqualTo("gpu:0");
        assertThat(flink.get("taskmanager.numberOfTaskSlots")).isEqualTo(gpus); // one slot per GPU

        // Prometheus: the scrape annotations name the reporter's port, which the container exposes.
        String promPort = (String) flink.get("metrics.reporter.prom.port");
        assertThat(pod.getMetadata().getAnnotations()).containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/port", promPort);
        assertThat(main.getPorts()).anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(Integer.parseInt(promPort)));

        // The dashboard Service selects the operator's JobManager pods on Flink's REST port.
        Service dashboard = CoreKindValidator.bind(docs.get("Service/geostream-dashboard"), Service.class);
        assertThat(dashboard.getSpec().getSelector()).containsEntry("app", (String) at(fd, "metadata.name")).containsEntry("component", "jobmanager");
        assertThat(dashboard.getSpec().getPorts().get(0).getTargetPort().getIntVal()).isEqualTo(RestOptions.PORT.defaultValue());
    }

    /** Settings a single broker needs for the job's exactly-once sink. */
    static void assertBrokerFitsTheJob(Map<String, String> broker, Configuration job) {
        assertThat(broker).containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1");
        Duration maxTimeout = Duration.ofMillis(Long.parseLong(broker.getOrDefault("KAFKA_TRANSACTION_MAX_TIMEOUT_MS", "900000")));
        assertThat(job.get(SinkOptions.TRANSACTION_TIMEOUT)).isLessThanOrEqualTo(maxTimeout);
        assertThat(Long.parseLong(broker.get("KAFKA_MESSAGE_MAX_BYTES"))).isGreaterThanOrEqualTo(GeometryJob.MAX_REQUEST_BYTES);
    }

    private Configuration jobConfig(Path tmp) throws IOException {
        ConfigMap cm = CoreKindValidator.bind(docs.get("ConfigMap/geostream-job"), ConfigMap.class);
        Path file = tmp.resolve("configmap-job.yaml");
        Files.writeString(file, cm.getData().get("job.yaml"), StandardCharsets.UTF_8);
        // The ConfigMap's file means what it meant before --config files were parsed as YAML.
        assertThat(io.geostream.jobs.JobConfigs.readFile(file))
                .isEqualTo(DeployFiles.asFormerLineReaderRead(cm.getData().get("job.yaml")));
        return io.geostream.jobs.JobConfigs.toConfiguration(io.geostream.jobs.JobConfigs.readFile(file));
    }

    private static Map<String, String> env(Container c) {
        Map<String, String> out = new LinkedHashMap<>();
        for (EnvVar v : c.getEnv()) out.put(v.getName(), v.getValue());
        return out;
    }

    private static Volume volume(PodTemplateSpec pod, String name) {
        return pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T v) {
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, deepCopy(x)));
            return (T) out;
        }
        if (v instanceof List<?> l) return (T) new ArrayList<>(l.stream().map(KubernetesManifestsTest::deepCopy).toList());
        return v;
    }

}
