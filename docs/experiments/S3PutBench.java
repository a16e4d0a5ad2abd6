// Session 22 (2026-12-06): CPU per S3 PUT, the SDK's chunked payload signing on and off, against the embedded S3 server
// in the same JVM (client and server CPU together), payloads of the sizes one 160x120 frame writes (points.npy,
// confidence.npy, the two PNGs, the JPEG), 5 writer threads, 5,000 PUTs a round, the two settings alternating (swap
// the array in the loop to run them in the other order).
// Not part of the build. Run after `mvn -o -B -q package -DskipTests`:
//   CP="tools/target/geostream-tools.jar:tools/target/lib/*"; javac -d /tmp/s3b -cp "$CP" docs/experiments/S3PutBench.java
//   java -cp "$CP:/tmp/s3b" S3PutBench 2>/dev/null | grep round
import io.geostream.embedded.EmbeddedS3;
import software.amazon.awssdk.auth.credentials.*;
import software.amazon.awssdk.core.checksums.*;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.*;
import java.lang.management.*;
import java.nio.file.*;
import java.time.Duration;
import java.util.concurrent.*;

public class S3PutBench {
  public static void main(String[] a) throws Exception {
    Path dir = Files.createTempDirectory("s3b");
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir, 0, "ak", "sk")) {
      s3.createBucket("bench");
      for (int round = 0; round < 6; round++) for (boolean chunked : new boolean[]{true, false}) {
        S3Client c = S3Client.builder().httpClient(UrlConnectionHttpClient.builder().build())
          .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("ak","sk")))
          .forcePathStyle(true).endpointOverride(s3.endpoint())
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
          .overrideConfiguration(o -> o.addExecutionInterceptor(new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() { public software.amazon.awssdk.http.SdkHttpRequest modifyHttpRequest(software.amazon.awssdk.core.interceptor.Context.ModifyHttpRequest c, software.amazon.awssdk.core.interceptor.ExecutionAttributes x) { return c.httpRequest().toBuilder().removeHeader("Expect").build(); } }))
          .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(chunked).build()).build();
        int[] sizes = {230400, 76800, 20000, 15000, 8000};
        byte[][] data = new byte[sizes.length][];
        for (int i = 0; i < sizes.length; i++) { data[i] = new byte[sizes[i]]; new java.util.Random(i).nextBytes(data[i]); }
        ExecutorService ex = Executors.newFixedThreadPool(5);
        int n = 5000;
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime(), t0 = System.nanoTime();
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) { final int k = i; ex.submit(() -> { try { c.putObject(b -> b.bucket("bench").key("k" + (k % 500)), RequestBody.fromBytes(data[k % 5])); } catch (Exception e) { e.printStackTrace(); } done.countDown(); }); }
        done.await(); ex.shutdown();
        long cpu = os.getProcessCpuTime() - cpu0; double wall = (System.nanoTime() - t0) / 1e9;
        System.out.printf("round %d chunked=%s puts=%d wall=%.2fs cpu_ms_per_put=%.3f%n", round, chunked, n, wall, cpu / 1e6 / n);
        c.close();
      }
    }
  }
}
