package io.geostream.load;

import io.geostream.avro.GeometryFrame;
import io.geostream.chaos.FailCheckpoint;
import io.geostream.demo.CommittedOutput;
import io.geostream.inference.ModelSettings;
import io.geostream.jobs.GeometryJob;
import io.geostream.jobs.JobConfigs;
import io.geostream.operators.clip.ClipSizing;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code geostream soak}: the whole job (simulated model by default) on the embedded broker and S3 server, fed by
 * live-rate synthetic cameras, for {@code minutes}. Every {@code sampleSeconds} it logs the heap after a full GC (usage
 * after collection of the heap pools; this JVM holds the MiniCluster, so that is the job's heap plus the rig's), the
 * last checkpoint's duration and the checkpoint counts (Flink REST API, at the address the cluster bound), the highest
 * backpressure ratio of any subtask, output rate, latency and dead letters. Then the publisher stops, and after two
 * checkpoint intervals the committed output is read back ({@code read_committed}) and judged with everything seen on
 * the way ({@link SoakVerdict}); the result line on stdout says {@code result=ok|failed reasons=...}.
 */
public final class Soak {

    /**
     * What to run.
     *
     * @param uiPort          Flink's REST / dashboard port; 0 = a free one (the soak reads which)
     * @param maxHeapSlope    MiB per hour above which a long enough run fails
     * @param failCheckpoint  test hook: the id of a checkpoint to fail in the job's first attempt (0 = none)
     * @param profile         where to write the whole JVM's CPU samples while the cameras publish (collapsed stacks,
     *                        {@link CpuProfile}); null = none
     */
    public record Settings(int streams, double minutes, double fps, int width, int height, int parallelism, String model,
                           String checkpointInterval, int uiPort, int sampleSeconds, long seed, double maxHeapSlope,
                           long failCheckpoint, boolean alignedCameras, int inferenceWorkers, Path profile,
                           Map<String, String> overrides, boolean checkpointsInStore) {
        public Settings {
            overrides = Map.copyOf(overrides);
        }

        /** Checkpoints on local disk (the work directory). */
        public Settings(int streams, double minutes, double fps, int width, int height, int parallelism, String model,
                        String checkpointInterval, int uiPort, int sampleSeconds, long seed, double maxHeapSlope,
                        long failCheckpoint, boolean alignedCameras, int inferenceWorkers, Path profile,
                        Map<String, String> overrides) {
            this(streams, minutes, fps, width, height, parallelism, model, checkpointInterval, uiPort, sampleSeconds, seed,
                    maxHeapSlope, failCheckpoint, alignedCameras, inferenceWorkers, profile, overrides, false);
        }

        /** Without option overrides. */
        public Settings(int streams, double minutes, double fps, int width, int height, int parallelism, String model,
                        String checkpointInterval, int uiPort, int sampleSeconds, long seed, double maxHeapSlope,
                        long failCheckpoint, boolean alignedCameras, int inferenceWorkers, Path profile) {
            this(streams, minutes, fps, width, height, parallelism, model, checkpointInterval, uiPort, sampleSeconds, seed,
                    maxHeapSlope, failCheckpoint, alignedCameras, inferenceWorkers, profile, Map.of());
        }

        /** The overrides of the job's own options ({@code geostream.*}). */
        Map<String, String> jobOverrides() {
            Map<String, String> out = new LinkedHashMap<>();
            overrides.forEach((k, v) -> { if (JobConfigs.isJobKey(k)) out.put(k, v); });
            return out;
        }

        /** The overrides of Flink's settings (every other key). */
        Map<String, String> flinkOverrides() {
            Map<String, String> out = new LinkedHashMap<>();
            overrides.forEach((k, v) -> { if (!JobConfigs.isJobKey(k)) out.put(k, v); });
            return out;
        }
    }

    /** The final figures and the verdict. */
    public record Result(SoakVerdict verdict, long published, SoakVerdict.CommittedFrames committed, long expectedAtLeast,
                         long framesOut, long deadLetters, double checkpointP50Ms, double checkpointMaxMs, long checkpoints,
                         long checkpointsFailed, long checkpointsForgiven, long restarts, int restErrors, long dataLossErrors,
                         double backpressureMax, double checkpointStateMbMax, SoakVerdict.Pace pace, double p99MsFromMinute3,
                         double caughtUpSeconds) {}

    /** How long the job may take until every task runs. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private final Settings settings;
    private final PrintWriter out;
    private final PrintWriter log;

    /**
     * @param out the result line
     * @param log progress: the samples, the reasons of failed checkpoints, dead letters
     */
    public Soak(Settings settings, PrintWriter out, PrintWriter log) {
        this.settings = settings;
        this.out = out;
        this.log = log;
    }

    /**
     * Flink's settings of the soak's job: as every job run in this JVM ({@link GeometryJob#localFlinkConfiguration}:
     * RocksDB, incremental, file checkpoints under {@code checkpointDir}), with the soak's checkpoint interval and port,
     * and a checkpoint history long enough that no failed checkpoint leaves it between two samples.
     */
    static Configuration flinkConfiguration(Settings settings, Path checkpointDir) {
        Configuration flink = new Configuration();
        flink.setString("execution.checkpointing.interval", settings.checkpointInterval());
        flink.setString("pipeline.object-reuse", "true");
        flink.set(RestOptions.PORT, settings.uiPort());
        flink.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 1000);
        // RocksDB's memory, read each sample (JobWatch.withRocksDbMemory); Flink documents a small cost for these gauges.
        for (String gauge : JobWatch.ROCKSDB_GAUGES) flink.setString("state.backend.rocksdb.metrics." + gauge, "true");
        settings.flinkOverrides().forEach(flink::setString);
        return GeometryJob.localFlinkConfiguration(flink, checkpointDir);
    }

    public Result run() throws Exception {
        try (LoadRig rig = LoadRig.start(settings.streams(), settings.width(), settings.height(), settings.seed());
             DataLossLog dataLoss = DataLossLog.install()) {
            Configuration conf = rig.jobConfig("soak", settings.parallelism());
            conf.set(InferenceOptions.MODEL, settings.model());
            conf.set(InferenceOptions.WORKERS, settings.inferenceWorkers());
            conf.addAll(JobConfigs.toConfiguration(settings.jobOverrides()));
            ClipSizing.Clip clip = ClipSizing.resolve(conf, ModelSettings.of(settings.model(), null).clipRequirements(), settings.model());
            int clipLength = clip.length();
            io.geostream.stitch.StitchMethod method = conf.get(io.geostream.operators.stitch.StitchOptions.METHOD);
            int held = SoakVerdict.framesHeld(clip.length(), clip.stride(), method);
            Configuration flink = flinkConfiguration(settings, rig.workDir().resolve("checkpoints"));
            // compose's and k8s's layout: the checkpoints in the object store, through Flink's S3 plugin
            if (settings.checkpointsInStore()) flink.addAll(rig.flinkCheckpointSettings());
            Duration interval = flink.get(CheckpointingOptions.CHECKPOINTING_INTERVAL);
            try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(flink)
                    .setNumTaskManagers(1).setNumSlotsPerTaskManager(settings.parallelism()).build())) {
                cluster.start();
                // The port Flink bound, which is not the one asked for when that was 0.
                URI rest = cluster.getRestAddress().get(30, TimeUnit.SECONDS);
                JobID job = cluster.submitJob(jobGraph(conf, flink)).get(60, TimeUnit.SECONDS).getJobID();
                log.printf(Locale.ROOT, "soak: %d stream(s) at %.1f fps, %dx%d, model %s (clips of %d), parallelism %d, checkpoints every %s into %s, "
                                + "%.1f min, cameras %s, %d model worker(s); dashboard %s%n", settings.streams(), settings.fps(), settings.width(), settings.height(),
                        settings.model(), clipLength, settings.parallelism(), settings.checkpointInterval(),
                        flink.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY), settings.minutes(),
                        settings.alignedCameras() ? "in step" : "started over one clip stride", settings.inferenceWorkers(), rest);
                log.flush();
                JobWatch watch = new JobWatch(FlinkRest.http(rest), job.toString()).withRocksDbMemory();
                awaitStart(watch);
                try {
                    // Independent cameras are switched on at different times: their clips complete spread over a clip
                    // period, not all at once (--aligned-cameras keeps them in step, the harder case).
                    double spread = settings.alignedCameras() ? 0 : clip.stride() / settings.fps();
                    return measure(rig, conf, watch, dataLoss, interval, held, spread, clip, method);
                } finally {
                    cluster.cancelJob(job).get(60, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The production job, with the test hook's failing checkpoint in front of the sink when asked for. */
    private StreamGraph jobGraph(Configuration conf, Configuration flink) {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(flink);
        env.setParallelism(settings.parallelism());
        GeometryJob job = GeometryJob.fromConfig(conf);
        if (settings.failCheckpoint() > 0) {
            job.buildOutput(env)
                    .transform("failure point: checkpoint " + settings.failCheckpoint(), TypeInformation.of(OutputRecord.class),
                            new FailCheckpoint<>(settings.failCheckpoint())).uid("fail-checkpoint")
                    .sinkTo(GeometryJob.kafkaSink(conf)).uid("sink-kafka").name("Kafka exactly-once sink");
        } else {
            job.build(env);
        }
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("geostream-soak");
        return graph;
    }

    /** Samples once a second until every task runs, or for {@link #START_TIMEOUT}. */
    private static void awaitStart(JobWatch watch) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!watch.started() && System.nanoTime() < deadline) {
            watch.sample();
            if (!watch.started()) Thread.sleep(1000);
        }
    }

    private Result measure(LoadRig rig, Configuration conf, JobWatch watch, DataLossLog dataLoss, Duration interval, int framesHeld,
                           double phaseSpreadSeconds, ClipSizing.Clip clip, io.geostream.stitch.StitchMethod method) throws Exception {
        List<double[]> heap = new ArrayList<>(); // {minutes, MiB}
        long start = System.currentTimeMillis();
        long end = start + (long) (settings.minutes() * 60_000);
        long published;
        long stopped;
        LoadRig.Watcher watcher = rig.watcher(conf);
        CpuProfile profile = settings.profile() == null ? null : CpuProfile.start();
        try {
            try (LoadRig.Publisher publisher = rig.publisher(conf.get(IngestOptions.INPUT_TOPIC), watcher, 0, settings.fps(), phaseSpreadSeconds)) {
                long lastSample = start;
                while (watch.started() && System.currentTimeMillis() < end) {
                    Thread.sleep(Math.min(settings.sampleSeconds() * 1000L, Math.max(1, end - System.currentTimeMillis())));
                    long now = System.currentTimeMillis();
                    double heapMb = heapAfterGcMb();
                    heap.add(new double[] {(now - start) / 60_000.0, heapMb});
                    watch.sample();
                    List<long[]> frames = watcher.framesBetween(lastSample, now);
                    double[] latency = frames.stream().mapToDouble(f -> f[0] - f[1]).toArray();
                    log.printf(Locale.ROOT, "t=%.0fs heap_mb=%.1f checkpoint_ms=%.0f checkpoint_mb=%.1f checkpoints=%d failed_checkpoints=%d restarts=%d "
                                    + "backpressure=%.2f busiest=%s busy=%.2f rocksdb_mb=%.1f overhead_p99_ms=%.0f published=%d frames_out=%d fps_out=%.1f p50_ms=%.0f p99_ms=%.0f dead_letters=%d%n",
                            (now - start) / 1000.0, heapMb, watch.lastCheckpointMs(), watch.lastCheckpointStateBytes() / 1048576.0,
                            watch.completedCheckpoints(),
                            watch.failedCheckpointsTotal(), watch.restarts(), watch.lastBackpressure(), watch.lastBusiestVertex(),
                            watch.lastBusiest(), mebibytes(watch.lastRocksDbBytes()), watch.lastOverheadP99Ms(), publisher.published(),
                            watcher.framesTotal(), frames.size() * 1000.0 / Math.max(1, now - lastSample),
                            LoadStats.percentile(latency, 50), LoadStats.percentile(latency, 99), watcher.deadLettersTotal());
                    log.flush();
                    lastSample = now;
                }
                publisher.close();
                published = publisher.published();
                stopped = System.currentTimeMillis();
            }
            if (profile != null) {
                long samples = profile.stop(settings.profile());
                profile = null;
                log.printf(Locale.ROOT, "soak: profile %s: %d samples of %d ms CPU, %.1f cores busy on average%n", settings.profile(),
                        samples, CpuProfile.INTERVAL_MS, samples * CpuProfile.INTERVAL_MS / Math.max(1.0, System.currentTimeMillis() - start));
            }
            // Output becomes visible at a checkpoint's commit: two intervals let the last published frames through one.
            log.printf(Locale.ROOT, "soak: publisher stopped after %d frames; reading the committed output in %s%n", published,
                    interval.multipliedBy(2));
            log.flush();
            Thread.sleep(interval.multipliedBy(2).toMillis());
            watch.sample();
        } finally {
            watcher.close();
            if (profile != null) profile.stop(settings.profile());
        }
        List<GeometryFrame> committed = new ArrayList<>();
        for (byte[] v : CommittedOutput.readAll(rig.bootstrapServers(), conf.get(SinkOptions.GEOMETRY_TOPIC))) {
            committed.add(SingleObjectCodec.geometryFrames().decode(v));
        }
        SoakVerdict.CommittedFrames frames = SoakVerdict.CommittedFrames.of(committed);

        double[] x = heap.stream().filter(h -> h[0] >= SoakVerdict.WARM_UP_MINUTES).mapToDouble(h -> h[0] / 60.0).toArray();
        double[] y = heap.stream().filter(h -> h[0] >= SoakVerdict.WARM_UP_MINUTES).mapToDouble(h -> h[1]).toArray();
        double minutesAfterWarmUp = heap.isEmpty() ? 0 : heap.get(heap.size() - 1)[0] - SoakVerdict.WARM_UP_MINUTES;
        double[] cps = watch.checkpointDurationsMs();
        // End-to-end latency (commit visible minus capture) of the frames committed after the warm-up.
        double[] lateLatency = watcher.framesBetween(start + (long) (SoakVerdict.WARM_UP_MINUTES * 60_000), Long.MAX_VALUE).stream()
                .mapToDouble(f -> f[0] - f[1]).toArray();
        double p99AfterWarmUp = lateLatency.length == 0 ? Double.NaN : LoadStats.percentile(lateLatency, 99);
        double longestCheckpoint = cps.length == 0 ? 0 : java.util.Arrays.stream(cps).max().getAsDouble();
        double bound = SoakVerdict.latencyBoundMs(clip.length(), clip.stride(), method, settings.fps(), interval.toMillis(), longestCheckpoint);
        // The trend of the latency of the frames committed from minute 3 until the cameras stopped (Pace), one point per
        // commit (the frames a commit makes visible arrive together; commits are an interval apart).
        long trendFrom = start + (long) (SoakVerdict.TREND_WARM_UP_MINUTES * 60_000);
        List<long[]> untilStopped = new ArrayList<>(watcher.framesBetween(start, stopped));
        untilStopped.sort(java.util.Comparator.comparingLong(f -> f[0]));
        List<long[]> trend = untilStopped.stream().filter(f -> f[0] >= trendFrom).toList();
        double[] committedAt = trend.stream().mapToDouble(f -> (f[0] - start) / 60_000.0).toArray();
        double[] latencyS = trend.stream().mapToDouble(f -> (f[0] - f[1]) / 1000.0).toArray();
        double[][] commits = LoadStats.burstMedians(committedAt, latencyS, interval.toMillis() / 3.0 / 60_000.0);
        // Reported, not judged: the p99 once the start-up backlog (two to three minutes here) is worked off.
        double p99Steady = latencyS.length == 0 ? Double.NaN : LoadStats.percentile(latencyS, 99) * 1000;
        // Reported, not judged: when the start-up backlog was worked off, the commit from which on every commit's frames
        // had a p99 within the bound (what an operator waits for after starting a task manager under a full load).
        double[][] commitP99 = LoadStats.bursts(untilStopped.stream().mapToDouble(f -> (f[0] - start) / 1000.0).toArray(),
                untilStopped.stream().mapToDouble(f -> f[0] - f[1]).toArray(), interval.toMillis() / 3000.0, v -> LoadStats.percentile(v, 99));
        double caughtUpSeconds = LoadStats.settledUnder(commitP99[0], commitP99[1], bound);
        SoakVerdict.Pace pace = new SoakVerdict.Pace(p99AfterWarmUp, bound, Math.max(0, (stopped - trendFrom) / 60_000.0),
                LoadStats.slope(commits[0], commits[1]), LoadStats.slopeConfidence95(commits[0], commits[1]));
        SoakVerdict verdict = SoakVerdict.of(new SoakVerdict.Facts(watch.restErrors(), watch.started(), watch.failedCheckpoints(),
                watch.restarts(), watch.statesAfterStart(), published, settings.streams(), framesHeld, frames, dataLoss.count(),
                minutesAfterWarmUp, LoadStats.slope(x, y), LoadStats.slopeConfidence95(x, y), settings.maxHeapSlope()), pace);
        Result r = new Result(verdict, published, frames, SoakVerdict.expectedAtLeast(published, settings.streams(), framesHeld), watcher.framesTotal(), watcher.deadLettersTotal(),
                LoadStats.median(cps), cps.length == 0 ? Double.NaN : longestCheckpoint,
                watch.completedCheckpoints(), watch.failedCheckpoints(), watch.forgivenCheckpoints(), watch.restarts(), watch.restErrors(),
                dataLoss.count(), watch.backpressureMax(), watch.maxCheckpointStateBytes() / 1048576.0, pace, p99Steady,
                caughtUpSeconds);
        report(r, watch, watcher, dataLoss);
        return r;
    }

    /** A figure of the latency's trend, or {@code too_short} where the run was too short to judge it. */
    private static String trendFigure(SoakVerdict.Pace pace, double value) {
        return pace.minutesOfTrend() < SoakVerdict.MIN_TREND_MINUTES ? "too_short" : String.format(Locale.ROOT, "%.2f", value);
    }

    private void report(Result r, JobWatch watch, LoadRig.Watcher watcher, DataLossLog dataLoss) {
        log.println("dead letters by reason: " + watcher.deadLetters());
        log.printf(Locale.ROOT, "rocksdb memory (memtables + table readers + block cache), largest sample: %.1f MB%n",
                mebibytes(watch.maxRocksDbBytes()));
        // A stage whose busy share climbs from the first third of the run to the last is what a long run wears out.
        watch.busyByVertex().forEach((vertex, busy) -> log.printf(Locale.ROOT,
                "busy %s: median first third %.2f, last third %.2f, max %.2f%n", vertex, LoadStats.median(third(busy, 0)),
                LoadStats.median(third(busy, 2)), java.util.Arrays.stream(busy).max().orElse(Double.NaN)));
        double[] overhead = watch.overheadP99sMs();
        log.printf(Locale.ROOT, "pipeline overhead before the commit (stitch stage's pipelineOverheadMs p99: latency less clip "
                        + "fill, per_frame's stride and model time): median of samples %.0f ms, last third %.0f ms, max %.0f ms%n",
                LoadStats.median(overhead), LoadStats.median(third(overhead, 2)),
                java.util.Arrays.stream(overhead).max().orElse(Double.NaN));
        StringBuilder stages = new StringBuilder();
        watch.lastOverheadStagesMs().forEach((stage, p) -> stages.append(String.format(Locale.ROOT, " %s %.0f / %.0f,", stage.part(), p[0], p[1])));
        if (stages.length() > 0) {
            log.printf(Locale.ROOT, "pipeline overhead, last sample (median / p99 ms, each over the stitch stage's last 1000 frames):"
                    + " whole %.0f / %.0f; by stage%s%n", watch.lastOverheadMedianMs(), watch.lastOverheadP99Ms(),
                    stages.substring(0, stages.length() - 1));
        }
        watch.failureReasons().forEach((id, reason) -> log.printf("failed checkpoint %d: %s%s%n", id, reason,
                JobWatch.forgiven(reason) ? " (forgiven: a task was not running)" : ""));
        if (!watch.statesAfterStart().isEmpty()) log.println("job states after start-up: " + watch.statesAfterStart());
        if (watch.lastRestError() != null) log.println("last REST error: " + watch.lastRestError());
        if (dataLoss.first() != null) log.println("first data-loss error: " + dataLoss.first());
        log.flush();
        out.printf(Locale.ROOT, "result=%s reasons=%s published=%d committed_frames=%d committed_twice=%d expected_at_least=%d "
                        + "frames_out=%d dead_letters=%d checkpoints=%d checkpoint_p50_ms=%.0f checkpoint_max_ms=%.0f "
                        + "failed_checkpoints=%d forgiven_checkpoints=%d restarts=%d rest_errors=%d data_loss_errors=%d "
                        + "backpressure_max=%.2f checkpoint_state_mb_max=%.1f p99_ms_after_warm_up=%.0f p99_ms_from_minute_3=%.0f "
                        + "latency_bound_ms=%.0f caught_up_s=%s "
                        + "latency_trend_s_per_min=%s latency_trend_ci95=%s heap_slope_mb_per_h=%s"
                        + " heap_slope_ci95=%s%n",
                r.verdict().passed() ? "ok" : "failed", r.verdict().reasonsValue(), r.published(), r.committed().distinct(),
                r.committed().duplicates(), r.expectedAtLeast(), r.framesOut(), r.deadLetters(), r.checkpoints(), r.checkpointP50Ms(),
                r.checkpointMaxMs(), r.checkpointsFailed(), r.checkpointsForgiven(), r.restarts(), r.restErrors(), r.dataLossErrors(),
                r.backpressureMax(), r.checkpointStateMbMax(), r.pace().p99MsAfterWarmUp(), r.p99MsFromMinute3(), r.pace().latencyBoundMs(),
                Double.isNaN(r.caughtUpSeconds()) ? "never" : String.format(Locale.ROOT, "%.0f", r.caughtUpSeconds()),
                trendFigure(r.pace(), r.pace().latencyTrendPerMinute()), trendFigure(r.pace(), r.pace().latencyTrendCi95()),
                r.verdict().heapSlope(), r.verdict().heapSlopeCi95());
        out.flush();
    }

    /** Bytes as MiB; NaN for -1 (nothing read). */
    private static double mebibytes(long bytes) {
        return bytes < 0 ? Double.NaN : bytes / 1048576.0;
    }

    private static double[] third(double[] v, int which) {
        int n = v.length;
        return java.util.Arrays.copyOfRange(v, which * n / 3, (which + 1) * n / 3);
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
}
