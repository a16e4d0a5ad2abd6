package io.geostream.load;

import io.geostream.jobs.GeometryJob;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code geostream soak}: the whole job (simulated model by default) on the embedded broker and S3 server,
 * fed by live-rate synthetic cameras, for {@code minutes}. Every {@code sampleSeconds} it prints the heap
 * after a full GC (usage after collection of the heap pools; this JVM holds the MiniCluster, so that is the job's heap plus the rig's), the last
 * checkpoint's duration and the checkpoint counts (Flink REST API), the highest backpressure ratio of any
 * subtask, output rate, latency and dead letters; the final line has the least-squares heap slope after the
 * first minute.
 */
public final class Soak {

    /** What to run. */
    public record Settings(int streams, double minutes, double fps, int width, int height, int parallelism, String model,
                           String checkpointInterval, int uiPort, int sampleSeconds, long seed) {}

    /** The final figures; failed checkpoints are those after the first minute. */
    public record Result(double heapSlopeMbPerHour, long framesOut, long deadLetters, double checkpointP50Ms,
                         double checkpointMaxMs, long checkpointsFailed, double backpressureMax) {}

    private final Settings settings;
    private final PrintWriter out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    public Soak(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * Flink's settings of the soak's job: as every job run in this JVM ({@link GeometryJob#localFlinkConfiguration}:
     * RocksDB, incremental, file checkpoints under {@code checkpointDir}), with the soak's checkpoint interval and port.
     */
    static Configuration flinkConfiguration(Settings settings, Path checkpointDir) {
        Configuration flink = new Configuration();
        flink.setString("execution.checkpointing.interval", settings.checkpointInterval());
        flink.setString("pipeline.object-reuse", "true");
        flink.set(RestOptions.PORT, settings.uiPort());
        return GeometryJob.localFlinkConfiguration(flink, checkpointDir);
    }

    public Result run() throws Exception {
        try (LoadRig rig = LoadRig.start(settings.streams(), settings.width(), settings.height(), settings.seed())) {
            Configuration conf = rig.jobConfig("soak", settings.parallelism());
            conf.set(InferenceOptions.MODEL, settings.model());
            Configuration flink = flinkConfiguration(settings, rig.workDir().resolve("checkpoints"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            env.setParallelism(settings.parallelism());
            GeometryJob.fromConfig(conf).build(env);
            JobClient client = env.executeAsync("geostream-soak");
            String base = "http://localhost:" + settings.uiPort() + "/jobs/" + client.getJobID();
            out.printf(Locale.ROOT, "soak: %d stream(s) at %.1f fps, %dx%d, model %s, parallelism %d, checkpoints every %s, %.1f min; "
                            + "dashboard http://localhost:%d/%n", settings.streams(), settings.fps(), settings.width(), settings.height(),
                    settings.model(), settings.parallelism(), settings.checkpointInterval(), settings.minutes(), settings.uiPort());
            out.flush();

            List<double[]> heap = new ArrayList<>(); // {minutes, MiB}
            List<Double> checkpointMs = new ArrayList<>();
            double backpressureMax = 0;
            long failed = 0;
            long start = System.currentTimeMillis();
            long end = start + (long) (settings.minutes() * 60_000);
            LoadRig.Watcher watcher = rig.watcher(conf);
            try (LoadRig.Publisher publisher = rig.publisher(conf.get(IngestOptions.INPUT_TOPIC), watcher, 0, settings.fps())) {
                long lastSample = start;
                long lastCheckpointId = -1;
                long failedAtOneMinute = -1;
                while (System.currentTimeMillis() < end) {
                    Thread.sleep(Math.min(settings.sampleSeconds() * 1000L, Math.max(1, end - System.currentTimeMillis())));
                    long now = System.currentTimeMillis();
                    double heapMb = heapAfterGcMb();
                    double minutes = (now - start) / 60_000.0;
                    heap.add(new double[] {minutes, heapMb});

                    JsonNode cp = get(base + "/checkpoints");
                    double lastCpMs = Double.NaN;
                    long completed = 0;
                    if (cp != null) {
                        completed = cp.path("counts").path("completed").asLong();
                        failed = cp.path("counts").path("failed").asLong();
                        // Checkpoints triggered before every task runs fail at start-up; only later ones count.
                        if (minutes < 1.0) failedAtOneMinute = failed;
                        JsonNode latest = cp.path("latest").path("completed");
                        if (latest.has("end_to_end_duration")) {
                            lastCpMs = latest.path("end_to_end_duration").asDouble();
                            long id = latest.path("id").asLong();
                            if (id != lastCheckpointId) {
                                checkpointMs.add(lastCpMs);
                                lastCheckpointId = id;
                            }
                        }
                    }
                    double bp = backpressure(base);
                    backpressureMax = Math.max(backpressureMax, bp);
                    List<long[]> frames = watcher.framesBetween(lastSample, now);
                    double[] latency = frames.stream().mapToDouble(f -> f[0] - f[1]).toArray();
                    out.printf(Locale.ROOT, "t=%.0fs heap_mb=%.1f checkpoint_ms=%.0f checkpoints=%d failed_checkpoints=%d backpressure=%.2f "
                                    + "published=%d frames_out=%d fps_out=%.1f p50_ms=%.0f p99_ms=%.0f dead_letters=%d%n",
                            (now - start) / 1000.0, heapMb, lastCpMs, completed, failed, bp, publisher.published(), watcher.framesTotal(),
                            frames.size() * 1000.0 / Math.max(1, now - lastSample), LoadStats.percentile(latency, 50),
                            LoadStats.percentile(latency, 99), watcher.deadLettersTotal());
                    out.flush();
                    lastSample = now;
                }
                failed = Math.max(0, failed - Math.max(0, failedAtOneMinute));
            } finally {
                client.cancel().get();
                watcher.close();
            }
            double[] x = heap.stream().filter(h -> h[0] >= 1.0).mapToDouble(h -> h[0] / 60.0).toArray();
            double[] y = heap.stream().filter(h -> h[0] >= 1.0).mapToDouble(h -> h[1]).toArray();
            double slope = LoadStats.slope(x, y);
            double[] cps = checkpointMs.stream().mapToDouble(Double::doubleValue).toArray();
            Result r = new Result(slope, watcher.framesTotal(), watcher.deadLettersTotal(), LoadStats.median(cps),
                    cps.length == 0 ? Double.NaN : java.util.Arrays.stream(cps).max().getAsDouble(), failed, backpressureMax);
            out.println("dead letters by reason: " + watcher.deadLetters());
            out.printf(Locale.ROOT, "frames_out=%d dead_letters=%d checkpoint_p50_ms=%.0f checkpoint_max_ms=%.0f failed_checkpoints=%d "
                            + "backpressure_max=%.2f heap_slope_mb_per_h=%.1f%n", r.framesOut(), r.deadLetters(), r.checkpointP50Ms(),
                    r.checkpointMaxMs(), r.checkpointsFailed(), r.backpressureMax(), r.heapSlopeMbPerHour());
            out.flush();
            return r;
        }
    }

    /**
     * Heap in use right after a full collection: {@code System.gc()}, then each heap pool's usage after its last
     * collection ({@link MemoryPoolMXBean#getCollectionUsage}). Reading the current usage instead would count
     * what other threads allocated between the collection and the reading (hundreds of MiB here at times).
     */
    private static double heapAfterGcMb() {
        System.gc();
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) bytes += pool.getCollectionUsage().getUsed();
        }
        return bytes / 1048576.0;
    }

    /** The highest backpressure ratio of any subtask of any vertex (0..1); NaN when the REST API does not answer. */
    private double backpressure(String base) {
        JsonNode job = get(base);
        if (job == null) return Double.NaN;
        double max = 0;
        for (JsonNode v : job.path("vertices")) {
            JsonNode bp = get(base + "/vertices/" + v.path("id").asText() + "/backpressure");
            if (bp == null) continue;
            for (JsonNode s : bp.path("subtasks")) max = Math.max(max, s.path("ratio").asDouble());
        }
        return max;
    }

    private JsonNode get(String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? json.readTree(r.body()) : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
