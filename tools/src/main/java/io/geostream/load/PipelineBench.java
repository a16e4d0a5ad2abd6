package io.geostream.load;

import io.geostream.jobs.GeometryJob;
import io.geostream.jobs.JobConfigs;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.StorageSettings;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code geostream bench pipeline}: on one embedded broker and S3 server, the whole job with a zero-cost model
 * ({@link PrecomputedGeometryModel}) against the I/O-only job ({@link IoOnlyJob}), each run {@code runs} times on
 * fresh topics; throughput over {@code seconds} after {@code warmup} seconds, median over runs. An uncounted
 * warm-up round of both comes first, then the two alternate.
 */
public final class PipelineBench {

    /**
     * What to run.
     *
     * @param overrides -D settings of both jobs: geostream.* keys to the job configuration, the others to Flink's; none that
     *                  {@link #refusal} refuses
     */
    public record Settings(int streams, int seconds, int warmupSeconds, int runs, int width, int height, int parallelism,
                           int window, String checkpointInterval, long seed, String stateBackend, int warmupRoundSeconds,
                           java.nio.file.Path profileDir, Map<String, String> overrides) {
        public Settings {
            overrides = Map.copyOf(overrides);
        }
    }

    /** One measured run. */
    public record Run(String variant, int index, double fps, double p50Ms, double p99Ms, long frames) {}

    /** -D keys the bench sets itself, with the flag or the reason. */
    private static final Map<String, String> SET_BY_THE_BENCH = Map.of(
            "execution.checkpointing.interval", "set it with --checkpoint-interval",
            "state.backend.type", "set it with --state-backend",
            "parallelism.default", "set it with --parallelism",
            "pipeline.object-reuse", "both jobs run with object reuse",
            ClipOptions.LENGTH.key(), "the zero-cost model's clips are computed before the jobs start, at the default length",
            ClipOptions.STRIDE.key(), "the zero-cost model's clips are computed before the jobs start, at the default stride");

    /** Why {@code -D key=...} is refused (what a flag, the rig or the precomputed clips set), or null when it is not. */
    public static String refusal(String key) {
        if (SET_BY_THE_BENCH.containsKey(key)) return SET_BY_THE_BENCH.get(key);
        if (LoadRig.RUN_KEYS.contains(key)) return "the bench's embedded broker and S3 server set it for each run";
        return null;
    }

    private final Settings settings;
    private final PrintWriter out;

    public PipelineBench(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs the benchmark; returns {job_fps, io_only_fps}. */
    public double[] run() throws Exception {
        try (LoadRig rig = LoadRig.start(settings.streams(), settings.width(), settings.height(), settings.seed())) {
            Configuration defaults = new Configuration();
            int clipLength = defaults.get(ClipOptions.LENGTH), stride = defaults.get(ClipOptions.STRIDE);
            long t0 = System.nanoTime();
            rig.precomputeClips(clipLength, stride);
            out.printf(Locale.ROOT, "%d stream(s) at %dx%d, clips %d/%d precomputed in %.1f s; parallelism %d, %s state, checkpoints every %s, "
                            + "closed loop of %d frames per stream in flight; %d s warm-up, %d s measured, %d runs each%n",
                    settings.streams(), settings.width(), settings.height(), clipLength, stride, (System.nanoTime() - t0) / 1e9,
                    settings.parallelism(), settings.stateBackend(), settings.checkpointInterval(), settings.window(), settings.warmupSeconds(),
                    settings.seconds(), settings.runs());
            if (!settings.overrides().isEmpty()) out.println("overrides (-D): " + new TreeMap<>(settings.overrides()));
            out.flush();

            // Round 0 is a warm-up of both jobs, not counted, each running until the JIT has settled: it compiles the
            // Flink, Kafka, S3, RocksDB and codec code for minutes (C2 took ~0.4 of the 2 cores through the first two
            // minutes here, the job's code staying interpreted meanwhile), and whichever job ran first paid for it.
            // Then the two jobs alternate, so the machine's load drift falls on both alike.
            List<Run> job = new ArrayList<>(), io = new ArrayList<>();
            Map<String, Integer> sizes = null;
            byte[] template = null;
            for (int round = 0; round <= settings.runs(); round++) {
                boolean counted = round > 0;
                Configuration conf = withJobOverrides(rig.jobConfig("bench-job-" + round, settings.parallelism()));
                LoadRig.Watcher watcher = rig.watcher(conf);
                int seconds = counted ? settings.seconds() : Math.max(settings.seconds(), settings.warmupRoundSeconds());
                Run r = measure(rig, conf, watcher, counted ? "job" : "job warm-up (not counted)", round, seconds, !counted, env -> new GeometryJob(conf,
                        GeometryJob.kafkaSource(conf), GeometryJob.kafkaSink(conf), GeometryJob.storageSettings(conf),
                        new PrecomputedGeometryModel()).build(env));
                if (counted) job.add(r);
                if (sizes == null) {
                    template = watcher.sample();
                    sizes = payloadSizes(GeometryJob.storageSettings(conf), template);
                    out.println("payload sizes per frame (bytes): " + sizes);
                }
                watcher.close();

                final Map<String, Integer> payloadSizes = sizes;
                final byte[] frameTemplate = template;
                Configuration ioConf = withJobOverrides(rig.jobConfig("bench-io-" + round, settings.parallelism()));
                LoadRig.Watcher ioWatcher = rig.watcher(ioConf);
                Run ioRun = measure(rig, ioConf, ioWatcher, counted ? "io_only" : "io_only warm-up (not counted)", round, seconds, !counted,
                        env -> IoOnlyJob.build(env, ioConf, payloadSizes, frameTemplate));
                if (counted) io.add(ioRun);
                ioWatcher.close();
            }
            out.println("zero-cost model misses: " + PrecomputedGeometryModel.misses());
            double jobFps = LoadStats.median(job.stream().mapToDouble(Run::fps).toArray());
            double ioFps = LoadStats.median(io.stream().mapToDouble(Run::fps).toArray());
            out.printf(Locale.ROOT, "job: median p50_ms=%.0f p99_ms=%.0f; io_only: median p50_ms=%.0f p99_ms=%.0f "
                            + "(capture -> committed and visible to read_committed; zero model time)%n",
                    LoadStats.median(job.stream().mapToDouble(Run::p50Ms).toArray()),
                    LoadStats.median(job.stream().mapToDouble(Run::p99Ms).toArray()),
                    LoadStats.median(io.stream().mapToDouble(Run::p50Ms).toArray()),
                    LoadStats.median(io.stream().mapToDouble(Run::p99Ms).toArray()));
            out.flush(); // the result line is the caller's (PipelineBenchVerdict)
            return new double[] {jobFps, ioFps};
        }
    }

    /** {@code conf} with the -D job options ({@code geostream.*}; both jobs get them, so that both run alike). */
    private Configuration withJobOverrides(Configuration conf) {
        Map<String, String> job = new TreeMap<>();
        settings.overrides().forEach((k, v) -> { if (JobConfigs.isJobKey(k)) job.put(k, v); });
        conf.addAll(JobConfigs.toConfiguration(job));
        return conf;
    }

    private interface Pipeline {
        void build(StreamExecutionEnvironment env) throws Exception;
    }

    /**
     * Waits until the JIT compilers used less than 5 % of a core over the last 5 s (at least {@code settings.seconds()},
     * at most {@code maxSeconds}); prints what it waited.
     */
    private void awaitJitSettled(int maxSeconds) throws InterruptedException {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        long start = System.currentTimeMillis();
        long last = jit.getTotalCompilationTime();
        double share = Double.NaN;
        while (System.currentTimeMillis() - start < maxSeconds * 1000L) {
            Thread.sleep(5_000);
            long now = jit.getTotalCompilationTime();
            share = (now - last) / 5_000.0;
            last = now;
            if (System.currentTimeMillis() - start >= settings.seconds() * 1000L && share < 0.05) break;
        }
        out.printf(Locale.ROOT, "  warm-up ran %.0f s; JIT compilation in its last 5 s: %.0f %% of a core%n",
                (System.currentTimeMillis() - start) / 1000.0, share * 100);
    }

    private Run measure(LoadRig rig, Configuration conf, LoadRig.Watcher watcher, String variant, int index, int seconds,
                        boolean untilJitSettles, Pipeline pipeline) throws Exception {
        Configuration flink = new Configuration();
        flink.setString("execution.checkpointing.interval", settings.checkpointInterval());
        flink.setString(org.apache.flink.configuration.StateBackendOptions.STATE_BACKEND.key(), settings.stateBackend());
        for (Map.Entry<String, String> o : settings.overrides().entrySet()) {
            if (!JobConfigs.isJobKey(o.getKey())) flink.setString(o.getKey(), o.getValue());
        }
        // As every job run in this JVM: the job's Flink defaults (RocksDB, incremental) and file checkpoints.
        flink = GeometryJob.localFlinkConfiguration(flink, rig.workDir().resolve("checkpoints-" + variant + "-" + index));
        flink.setString("pipeline.object-reuse", "true");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(settings.parallelism(), flink);
        pipeline.build(env);
        JobClient client = env.executeAsync("geostream-bench-" + variant + "-" + index);
        try (LoadRig.Publisher publisher = rig.publisher(conf.get(IngestOptions.INPUT_TOPIC), watcher, settings.window(), 0, 0)) {
            long deadline = System.currentTimeMillis() + 120_000;
            while (watcher.framesTotal() == 0) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException(variant + " committed nothing in 120 s");
                Thread.sleep(100);
            }
            Thread.sleep(settings.warmupSeconds() * 1000L);
            CpuProfile profile = settings.profileDir() != null && !untilJitSettles ? CpuProfile.start() : null;
            long from = System.currentTimeMillis();
            if (untilJitSettles) {
                awaitJitSettled(seconds);
            } else {
                Thread.sleep(seconds * 1000L);
            }
            long to = System.currentTimeMillis();
            List<long[]> frames = watcher.framesBetween(from, to);
            double[] latency = frames.stream().mapToDouble(f -> f[0] - f[1]).toArray();
            Run r = new Run(variant, index, frames.size() * 1000.0 / (to - from), LoadStats.percentile(latency, 50),
                    LoadStats.percentile(latency, 99), frames.size());
            out.printf(Locale.ROOT, "%s run %d: fps=%.1f p50_ms=%.0f p99_ms=%.0f frames=%d published=%d%n", variant, index, r.fps(),
                    r.p50Ms(), r.p99Ms(), r.frames(), publisher.published());
            if (profile != null) {
                // The whole JVM's CPU over the measured window per committed frame: what the two jobs are compared by
                // on a saturated machine (both run closed-loop, as fast as the CPU lets them).
                java.nio.file.Path file = settings.profileDir().resolve(variant + "-" + index + ".collapsed");
                long samples = profile.stop(file);
                out.printf(Locale.ROOT, "  profile %s: %d samples, cpu_ms_per_frame=%.2f%n", file, samples,
                        r.frames() > 0 ? samples * (double) CpuProfile.INTERVAL_MS / r.frames() : Double.NaN);
            }
            out.flush();
            return r;
        } finally {
            client.cancel().get();
        }
    }

    /**
     * Median size of each payload file name over the first 200 objects (about 33 frames of six objects) of the stream of {@code template} (a GeometryFrame
     * the whole job committed): a listing of the whole bucket would take minutes once it holds a long run's objects.
     */
    static Map<String, Integer> payloadSizes(StorageSettings storage, byte[] template) throws Exception {
        String depthUri = io.geostream.schemas.SingleObjectCodec.geometryFrames().decode(template).getPayloads().getDepthUri();
        Map<String, List<Double>> byName = new TreeMap<>();
        try (ObjectStore store = storage.open()) {
            String key0 = store.keyOf(depthUri).orElseThrow(() -> new IllegalStateException("not a payload URI: " + depthUri));
            List<String> keys = store.list(key0.substring(0, key0.indexOf("/frame-")) + "/frame-00000000");
            int taken = 0;
            for (String key : keys) {
                String name = key.substring(key.lastIndexOf('/') + 1);
                if (!name.matches("[a-z]+\\.(png|npy|jpg|json)")) continue; // the server's temporary upload files
                if (taken++ >= 200) break;
                byName.computeIfAbsent(name, k -> new ArrayList<>()).add((double) store.get(key).length);
            }
        }
        Map<String, Integer> sizes = new LinkedHashMap<>();
        byName.forEach((name, v) -> sizes.put(name, (int) LoadStats.median(v.stream().mapToDouble(Double::doubleValue).toArray())));
        return sizes;
    }
}
