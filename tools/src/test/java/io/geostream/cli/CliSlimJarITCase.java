package io.geostream.cli;

import io.geostream.testing.RepoFiles;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image's camera producer (docker-compose's {@code producer} service) runs the CLI's slim jar
 * ({@code tools/target/geostream-cli-slim.jar}, in /opt/geostream/cli/) on the job jar (usrlib/) and the cluster's
 * lib/ (Flink, logging, and what deploy/Dockerfile adds: DJL, JavaCPP/OpenCV/OpenBLAS, JavaCV/FFmpeg). This builds
 * that class path from the jars the build made and runs {@code produce --help} on it, with nothing from the test's
 * own class path, so a CLI class that needs a library the image lacks fails here and not on a camera host.
 */
class CliSlimJarITCase {

    /** The image's /opt/flink/lib/, as jars of tools/target/lib (same list as deploy/Dockerfile and SlimJarITCase). */
    private static final Pattern IMAGE_LIB = Pattern.compile("(?!flink-connector-kafka-)(flink-.*"
            + "|log4j-.*|slf4j-api-.*|kryo-.*|minlog-.*|reflectasm-.*|objenesis-.*|commons-collections-.*|commons-io-.*"
            + "|commons-text-.*|commons-cli-.*|snakeyaml-engine-.*|jsr305-.*|scala-library-.*"
            + "|api-.*|gson-.*|error_prone_annotations-.*|jna-.*|commons-compress-.*|commons-codec-.*|pytorch-engine-.*|pytorch-jni-.*"
            + "|javacpp-.*|opencv-.*|openblas-.*|javacv-.*|ffmpeg-.*)\\.jar");

    @Test
    void theProducerRunsFromTheCliJarTheJobJarAndTheImageLibrariesAlone() throws Exception {
        Path cliJar = RepoFiles.root().resolve("tools/target/geostream-cli-slim.jar");
        Path jobJar = RepoFiles.root().resolve("jobs/target/geostream-job-slim.jar");
        assertThat(cliJar).isRegularFile();
        assertThat(jobJar).isRegularFile();
        List<URL> urls = new ArrayList<>(List.of(cliJar.toUri().toURL(), jobJar.toUri().toURL()));
        try (Stream<Path> lib = Files.list(RepoFiles.root().resolve("tools/target/lib"))) {
            for (Path p : lib.filter(p -> IMAGE_LIB.matcher(p.getFileName().toString()).matches()).sorted().toList()) {
                urls.add(p.toUri().toURL());
            }
        }
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader image = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Thread.currentThread().setContextClassLoader(image);
            Class<?> cli = image.loadClass(GeostreamCli.class.getName());
            assertThat(cli.getClassLoader()).isSameAs(image);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Object exit = cli.getMethod("execute", String[].class).invoke(null, (Object) new String[] {"produce", "--help"});
            assertThat(exit).isEqualTo(0);
            // The producer's own code links: FFmpeg through JavaCV, from the image's lib/.
            Class.forName("io.geostream.produce.VideoFrameSource", true, image);
            Class.forName("org.bytedeco.javacv.FFmpegFrameGrabber", false, image);
        } finally {
            System.setOut(out);
            Thread.currentThread().setContextClassLoader(previous);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("--bootstrap-servers", "--source");
    }
}
