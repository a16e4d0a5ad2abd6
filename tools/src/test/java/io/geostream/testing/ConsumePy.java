package io.geostream.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/consume.py (Debian's python3-confluent-kafka, -boto3, -avro, -numpy, -pil; Open3D to read its PLYs) run
 * against a {@link RealStack}'s broker and S3, with credentials from the environment (boto3's default chain).
 */
public final class ConsumePy {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private ConsumePy() {}

    /**
     * Whether the Python packages are installed; on CI (CI set) their absence fails instead (.ci/run installs them).
     */
    public static boolean available() throws Exception {
        boolean available = Files.isExecutable(PYTHON) && new ProcessBuilder(PYTHON.toString(), "-c",
                "import confluent_kafka, boto3, avro, numpy, PIL, open3d").start().waitFor() == 0;
        if (!available) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI must provide python3-confluent-kafka, -boto3, -avro, -numpy, -pil and -open3d (.ci/run)");
            }
            System.err.println("python3-confluent-kafka, -boto3, -avro, -numpy, -pil or -open3d not installed: skipping consume.py");
        }
        return available;
    }

    /**
     * Runs consume.py until every partition was read (--until-idle 3) into {@code out}; asserts exit 0 and returns its
     * result line's key=value pairs.
     */
    public static Map<String, String> run(RealStack stack, String geometryTopic, String segmentsTopic, Path out,
                                          List<String> extraArgs) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), root.resolve("scripts/consume.py").toString(),
                "--bootstrap-servers", stack.kafka().bootstrapServers(),
                "--geometry-topic", geometryTopic, "--segments-topic", segmentsTopic,
                "--s3-endpoint", stack.s3().endpoint().toString(), "--bucket", RealStack.BUCKET,
                "--out", out.toString(), "--until-idle", "3", "--max-seconds", "240"));
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().remove("AWS_PROFILE");
        pb.environment().put("AWS_ACCESS_KEY_ID", RealStack.ACCESS_KEY);
        pb.environment().put("AWS_SECRET_ACCESS_KEY", RealStack.SECRET_KEY);
        pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return resultLine(output);
    }

    /** The last line's {@code key=value} pairs. */
    public static Map<String, String> resultLine(String output) {
        String[] lines = output.strip().split("\n");
        Map<String, String> result = new HashMap<>();
        for (String kv : lines[lines.length - 1].split(" ")) {
            String[] parts = kv.split("=", 2);
            result.put(parts[0], parts.length > 1 ? parts[1] : "");
        }
        return result;
    }
}
