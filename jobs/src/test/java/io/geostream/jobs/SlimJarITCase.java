package io.geostream.jobs;

import io.geostream.testing.RepoFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job jar for {@code flink run} / application mode ({@code target/geostream-job-slim.jar}, built by the shade
 * execution in jobs/pom.xml): without Flink and the native-heavy libraries, and complete once those are in Flink's
 * lib/. Runs after {@code package} (failsafe), on the jar the build just made.
 */
class SlimJarITCase {

    /**
     * What the cluster's lib/ provides, as jars of target/lib: Flink and what flink-dist bundles (Kryo, Commons,
     * SnakeYAML engine...), logging, and what deploy/Dockerfile adds (DJL + PyTorch JNI with gson/jna/commons-compress,
     * JavaCPP, OpenCV, OpenBLAS, JavaCV/FFmpeg). The Kafka connector is not part of Flink's distribution.
     */
    private static final Pattern CLUSTER_LIB = Pattern.compile("(?!flink-connector-kafka-)(flink-.*"
            + "|log4j-.*|slf4j-api-.*|kryo-.*|minlog-.*|reflectasm-.*|objenesis-.*|commons-collections-.*|commons-io-.*"
            + "|commons-text-.*|commons-cli-.*|snakeyaml-engine-.*|jsr305-.*|scala-library-.*"
            + "|api-.*|gson-.*|error_prone_annotations-.*|jna-.*|commons-compress-.*|commons-codec-.*|pytorch-engine-.*|pytorch-jni-.*"
            + "|pytorch-native-cpu-.*|javacpp-.*|opencv-.*|openblas-.*|javacv-.*|ffmpeg-.*)\\.jar");

    private static Path target() {
        return RepoFiles.root().resolve("jobs/target");
    }

    @Test
    void theJarHoldsTheJobButNeitherFlinkNorTheNativeLibraries() throws IOException {
        Path jar = target().resolve("geostream-job-slim.jar");
        assertThat(jar).isRegularFile();
        assertThat(Files.size(jar)).as("slim jar size").isLessThan(64L << 20);
        List<String> entries = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.stream().map(ZipEntry::getName).forEach(entries::add);
        }
        assertThat(entries).contains("io/geostream/jobs/GeometryJobMain.class", "io/geostream/avro/FrameEvent.class",
                "io/geostream/operators/stitch/StitchFunction.class", "io/geostream/stitch/ChainStitcher.class", "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                "org/apache/kafka/clients/producer/KafkaProducer.class", "org/apache/avro/Schema.class",
                "software/amazon/awssdk/services/s3/S3Client.class", "org/ejml/simple/SimpleMatrix.class");
        // (The Kafka connector keeps some classes under org/apache/flink/streaming/connectors/: those belong here.)
        for (String forbidden : List.of("ai/djl/", "org/bytedeco/", "org/rocksdb/", "org/apache/flink/streaming/api/", "org/apache/flink/streaming/runtime/",
                "org/apache/flink/runtime/", "org/apache/flink/api/", "org/apache/logging/", "org/slf4j/", "kafka/server/",
                "org/gaul/", "org/eclipse/jetty/", "scala/", "pytorch/", "native/lib/",
                // The tools (CLI, demo, embedded servers, chaos, load benches, producer, map builder) are not the job's.
                "io/geostream/cli/", "io/geostream/demo/", "io/geostream/embedded/", "io/geostream/chaos/", "io/geostream/load/",
                "io/geostream/produce/", "io/geostream/map/", "io/geostream/bench/", "picocli/")) {
            assertThat(entries).as("entries under " + forbidden).noneMatch(e -> e.startsWith(forbidden));
        }
    }

    @Test
    void theJobBuildsFromTheJarPlusTheClusterLibrariesAlone() throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(target().resolve("geostream-job-slim.jar").toUri().toURL());
        try (Stream<Path> lib = Files.list(target().resolve("lib"))) {
            for (Path p : lib.filter(p -> CLUSTER_LIB.matcher(p.getFileName().toString()).matches()).sorted().toList()) {
                urls.add(p.toUri().toURL());
            }
        }
        assertThat(urls).hasSizeGreaterThan(20);
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        // Parent = the platform loader: nothing from this test's class path leaks in.
        try (URLClassLoader cluster = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Thread.currentThread().setContextClassLoader(cluster);
            Class<?> envClass = cluster.loadClass("org.apache.flink.streaming.api.environment.StreamExecutionEnvironment");
            Class<?> confClass = cluster.loadClass("org.apache.flink.configuration.Configuration");
            Class<?> main = cluster.loadClass(GeometryJobMain.class.getName());
            assertThat(main.getClassLoader()).isSameAs(cluster);
            Object conf = main.getMethod("configuration", Map.class, String[].class).invoke(null, Map.of(),
                    new String[] {"geostream.storage.kind=local", "geostream.model=" + RepoFiles.model("tiny-e2e")});
            Object env = envClass.getMethod("getExecutionEnvironment").invoke(null);
            Class<?> job = cluster.loadClass(GeometryJob.class.getName());
            job.getMethod("build", envClass).invoke(job.getMethod("fromConfig", confClass).invoke(null, conf), env);
            // The job graph serialises every operator, source and sink with their settings, as a submission does.
            Object graph = envClass.getMethod("getStreamGraph").invoke(env);
            Object jobGraph = graph.getClass().getMethod("getJobGraph").invoke(graph);
            assertThat(jobGraph.getClass().getMethod("getNumberOfVertices").invoke(jobGraph)).isNotEqualTo(0);
            // The model code of the jar links against DJL from the cluster's lib/.
            Class.forName("io.geostream.model.torchscript.TorchScriptGeometryModel", true, cluster);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }
}
