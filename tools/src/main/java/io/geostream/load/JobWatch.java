package io.geostream.load;

import io.geostream.operators.stitch.OverheadStage;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the soak learns of its job from Flink's REST API, sample by sample: whether every read succeeded, the job's
 * state, its restarts, and each checkpoint that failed after start-up with the reason Flink gives for it.
 *
 * <p>A failed checkpoint is judged by the reason Flink lists in its history, not by when it failed: it is forgiven only
 * when the reason says a task was not running yet or had finished (Flink declines those and retries at the next
 * interval). Failures Flink counts without a history entry (a trigger that failed before the checkpoint was pending,
 * e.g. for tasks not all running) have no reason to read: they are forgiven when the same sample shows the job not
 * started yet (start-up ends at the first sample in which every task runs), a task not running, or a restart.
 */
public final class JobWatch {

    /** Reasons that only say a task was not running (yet) or had finished: not a fault of the job. */
    static final List<String> FORGIVEN_REASONS = List.of(
            CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING.message(),
            CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_NOT_READY.message(),
            CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_CLOSING.message());

    private final FlinkRest rest;
    private final String job;
    private int restErrors;
    private String lastRestError;
    private boolean started;
    private long failedCount;
    private long failedWithoutReasonForgiven;
    private long failedWithoutReasonCounted;
    private long completedCount;
    private long restarts;
    private final Set<String> statesAfterStart = new LinkedHashSet<>();
    private final Map<Long, String> failedWithReason = new TreeMap<>();
    private final List<Double> durationsMs = new ArrayList<>();
    private long lastCompletedId = -1;
    private double lastDurationMs = Double.NaN;
    private long lastStateBytes;
    private long maxStateBytes;
    private double backpressureMax;
    private double lastBackpressure = Double.NaN;
    /** Per vertex name, its busiest subtask's busy share (0..1) at each sample. */
    private final Map<String, List<Double>> busyByVertex = new java.util.LinkedHashMap<>();
    private String lastBusiestVertex = "?";
    private double lastBusiest = Double.NaN;
    private boolean rocksDb;
    /** The stitch stage's pipelineOverheadMs p99 at each sample after start-up (largest over subtasks). */
    private final List<Double> overheadP99s = new ArrayList<>();
    private double lastOverheadP99 = Double.NaN;
    private double lastOverheadMedian = Double.NaN;
    /** The last reading of each stage of it ({@code pipelineOverhead<Stage>Ms}): stage to {p50, p99}, largest over subtasks. */
    private final Map<OverheadStage, double[]> lastOverheadStages = new java.util.EnumMap<>(OverheadStage.class);
    private long lastRocksDbBytes = -1;
    private long maxRocksDbBytes = -1;

    public JobWatch(FlinkRest rest, String jobId) {
        this.rest = rest;
        this.job = "/jobs/" + jobId;
    }

    /**
     * One reading of the job, its checkpoints, restarts and backpressure; a failed read after start-up is counted, never
     * skipped quietly.
     */
    public void sample() {
        try {
            JsonNode details = rest.get(job);
            JsonNode checkpoints = rest.get(job + "/checkpoints");
            JsonNode metrics = rest.get(job + "/metrics?get=numRestarts");
            String state = details.path("state").asText("?");
            boolean running = "RUNNING".equals(state) && allTasksRunning(details);
            long restartsBefore = restarts;
            for (JsonNode m : metrics) {
                if ("numRestarts".equals(m.path("id").asText())) restarts = Math.max(restarts, Long.parseLong(m.path("value").asText("0")));
            }
            // The metric is fetched every few seconds; the job's RESTARTING timestamp is set at once.
            if (details.path("timestamps").path("RESTARTING").asLong() > 0) restarts = Math.max(restarts, 1);
            readCheckpoints(checkpoints);
            // Failures without a history entry have no reason to read. Those counted while a task was not running (before
            // start-up, a restart since the last sample, or tasks not all RUNNING now) are what Flink counts when it cannot
            // trigger for lack of running tasks; others (e.g. the checkpoint storage refusing) count.
            long delta = Math.max(0, failedCount - failedWithReason.size()) - failedWithoutReasonForgiven - failedWithoutReasonCounted;
            if (delta > 0) {
                if (!started || !running || restarts > restartsBefore) failedWithoutReasonForgiven += delta;
                else failedWithoutReasonCounted += delta;
            }
            if (!started && running) started = true;
            else if (started && !"RUNNING".equals(state)) statesAfterStart.add(state);
            lastBackpressure = backpressure(details);
            backpressureMax = Math.max(backpressureMax, lastBackpressure);
            readBusy(details);
            Map<String, List<String>> listed = listVertexMetrics(details);
            readPipelineOverhead(listed);
            if (rocksDb) readRocksDbMemory(listed);
        } catch (IOException | RuntimeException e) {
            // Until the job runs, some reads are refused as a matter of course ("not available while the JobManager is
            // initializing"); a job that never runs fails the soak for that instead.
            if (started) restErrors++;
            lastRestError = e.getMessage();
            lastBackpressure = Double.NaN;
        }
    }

    private void readCheckpoints(JsonNode cp) {
        failedCount = cp.path("counts").path("failed").asLong();
        completedCount = cp.path("counts").path("completed").asLong();
        JsonNode latest = cp.path("latest").path("completed");
        if (latest.has("end_to_end_duration")) {
            lastDurationMs = latest.path("end_to_end_duration").asDouble();
            // Full state size of the checkpoint (with incremental RocksDB checkpoints, what a restore reads).
            lastStateBytes = latest.path("state_size").asLong(lastStateBytes);
            maxStateBytes = Math.max(maxStateBytes, lastStateBytes);
            long id = latest.path("id").asLong();
            if (id != lastCompletedId) {
                durationsMs.add(lastDurationMs);
                lastCompletedId = id;
            }
        }
        for (JsonNode h : cp.path("history")) {
            if ("FAILED".equals(h.path("status").asText())) failedWithReason.put(h.path("id").asLong(), h.path("failure_message").asText(""));
        }
    }

    private static boolean allTasksRunning(JsonNode details) {
        JsonNode vertices = details.path("vertices");
        if (vertices.isEmpty()) return false;
        for (JsonNode v : vertices) if (!"RUNNING".equals(v.path("status").asText())) return false;
        return true;
    }

    /** Highest backpressure ratio of any subtask of any vertex (0..1). */
    private double backpressure(JsonNode details) throws IOException {
        double max = 0;
        for (JsonNode v : details.path("vertices")) {
            JsonNode bp = rest.get(job + "/vertices/" + v.path("id").asText() + "/backpressure");
            for (JsonNode s : bp.path("subtasks")) max = Math.max(max, s.path("ratio").asDouble());
        }
        return max;
    }

    /**
     * Each vertex's busiest subtask (Flink's busyTimeMsPerSecond, max over subtasks): the saturated stage is the busy
     * one behind the backpressured ones.
     */
    private void readBusy(JsonNode details) throws IOException {
        lastBusiest = Double.NaN;
        for (JsonNode v : details.path("vertices")) {
            JsonNode m = rest.get(job + "/vertices/" + v.path("id").asText() + "/subtasks/metrics?get=busyTimeMsPerSecond&agg=max");
            double busy = Double.NaN;
            for (JsonNode e : m) if ("busyTimeMsPerSecond".equals(e.path("id").asText())) busy = e.path("max").asDouble(Double.NaN) / 1000.0;
            if (Double.isNaN(busy)) continue; // an idle source reports NaN
            String name = v.path("name").asText("?");
            busyByVertex.computeIfAbsent(name, k -> new ArrayList<>()).add(busy);
            if (Double.isNaN(lastBusiest) || busy > lastBusiest) {
                lastBusiest = busy;
                lastBusiestVertex = name;
            }
        }
    }

    /** The stitch operator's histogram of what a frame's latency holds beyond clip fill and model time. */
    public static final String OVERHEAD_P99 = "pipelineOverheadMs_p99";
    /** Its median. */
    public static final String OVERHEAD_MEDIAN = "pipelineOverheadMs_median";

    /**
     * The largest p99 of the stitch stage's pipelineOverheadMs over its subtasks (each over its last 1000 frames), and
     * the largest median and p99 of each of its stages ({@link OverheadStage}).
     */
    private void readPipelineOverhead(Map<String, List<String>> listed) throws IOException {
        double worst = Double.NaN, worstMedian = Double.NaN;
        Map<OverheadStage, double[]> stages = new java.util.EnumMap<>(OverheadStage.class);
        for (Map.Entry<String, List<String>> v : listed.entrySet()) {
            List<String> ids = v.getValue().stream().filter(id -> id.endsWith("." + OVERHEAD_P99) || id.endsWith("." + OVERHEAD_MEDIAN) || stagePercentile(id) != null).toList();
            if (ids.isEmpty()) continue;
            for (JsonNode m : metrics(v.getKey(), ids)) {
                double value = m.path("value").asDouble(Double.NaN);
                if (!Double.isFinite(value)) continue;
                String id = m.path("id").asText();
                OverheadStage stage = stagePercentile(id);
                if (stage != null) {
                    double[] both = stages.computeIfAbsent(stage, k -> new double[] {Double.NaN, Double.NaN});
                    int i = id.endsWith("_median") ? 0 : 1;
                    if (!(value <= both[i])) both[i] = value;
                } else if (id.endsWith("." + OVERHEAD_MEDIAN)) {
                    if (!(value <= worstMedian)) worstMedian = value;
                } else if (!(value <= worst)) {
                    worst = value;
                }
            }
        }
        lastOverheadP99 = worst;
        lastOverheadMedian = worstMedian;
        if (started && Double.isFinite(worst)) overheadP99s.add(worst);
        lastOverheadStages.clear(); // never an older sample's beside this one's whole
        lastOverheadStages.putAll(stages);
    }

    /** The stage whose median or p99 {@code id} is (Flink's REST API names a histogram's median {@code _median}); else null. */
    private static OverheadStage stagePercentile(String id) {
        for (OverheadStage stage : OverheadStage.values()) {
            if (id.endsWith("." + stage.metricName() + "_median") || id.endsWith("." + stage.metricName() + "_p99")) return stage;
        }
        return null;
    }

    /** Each vertex's metrics path ({@code .../vertices/<id>/metrics}) and the metric ids it lists; read once per sample. */
    private Map<String, List<String>> listVertexMetrics(JsonNode details) throws IOException {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (JsonNode v : details.path("vertices")) {
            String base = job + "/vertices/" + v.path("id").asText() + "/metrics";
            List<String> ids = new ArrayList<>();
            for (JsonNode m : rest.get(base)) ids.add(m.path("id").asText());
            out.put(base, ids);
        }
        return out;
    }

    /** Metric ids per request: a vertex of several subtasks and states lists hundreds, too long for one URL. */
    static final int IDS_PER_REQUEST = 16;

    /**
     * The values of {@code ids} under {@code base} ({@code .../metrics}), in requests of {@link #IDS_PER_REQUEST} ids,
     * URL-encoded: ids hold operator names ("stitch:_global_frame_+_payloads"), and an unencoded '+' reaches Flink as a
     * space, which names no metric (the stitch stage's RocksDB gauges were silently left out so).
     */
    private List<JsonNode> metrics(String base, List<String> ids) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += IDS_PER_REQUEST) {
            String get = String.join(",", ids.subList(from, Math.min(ids.size(), from + IDS_PER_REQUEST)));
            for (JsonNode m : rest.get(base + "?get=" + java.net.URLEncoder.encode(get, java.nio.charset.StandardCharsets.UTF_8))) {
                out.add(m);
            }
        }
        return out;
    }

    /** The last reading of the stitch stage's pipelineOverheadMs p99 (ms); NaN when none. */
    public double lastOverheadP99Ms() { return lastOverheadP99; }

    /** The last reading of the stitch stage's pipelineOverheadMs median (ms; largest over subtasks); NaN when none. */
    public double lastOverheadMedianMs() { return lastOverheadMedian; }

    /** The last reading of each stage of it, in the job's order: {median, p99} in ms (NaN where not read). */
    public Map<OverheadStage, double[]> lastOverheadStagesMs() { return java.util.Collections.unmodifiableMap(lastOverheadStages); }

    /** Every reading of it after start-up, in order. */
    public double[] overheadP99sMs() { return overheadP99s.stream().mapToDouble(Double::doubleValue).toArray(); }

    /**
     * Also reads RocksDB's native memory gauges each sample (the job must run with Flink's
     * {@code state.backend.rocksdb.metrics.*} options for them, see {@link #ROCKSDB_GAUGES}).
     */
    public JobWatch withRocksDbMemory() {
        rocksDb = true;
        return this;
    }

    /** RocksDB's memory gauges the soak turns on; each is exposed per state (column family) of each operator. */
    public static final List<String> ROCKSDB_GAUGES = List.of("cur-size-all-mem-tables", "estimate-table-readers-mem",
            "block-cache-usage");

    /**
     * RocksDB memory of the job: the memtables and table readers of every state summed, plus the block cache (shared by
     * the states of a slot, so every column family reports the same cache: the largest value counts once).
     */
    private void readRocksDbMemory(Map<String, List<String>> listed) throws IOException {
        long tables = 0, cache = 0;
        boolean any = false;
        for (Map.Entry<String, List<String>> v : listed.entrySet()) {
            List<String> ids = v.getValue().stream()
                    .filter(id -> id.contains("rocksdb") && ROCKSDB_GAUGES.stream().anyMatch(id::endsWith)).toList();
            if (ids.isEmpty()) continue;
            for (JsonNode m : metrics(v.getKey(), ids)) {
                String id = m.path("id").asText();
                long value = (long) m.path("value").asDouble(0);
                any = true;
                if (id.endsWith("block-cache-usage")) cache = Math.max(cache, value);
                else tables += value;
            }
        }
        lastRocksDbBytes = any ? tables + cache : -1;
        maxRocksDbBytes = Math.max(maxRocksDbBytes, lastRocksDbBytes);
    }

    static boolean forgiven(String failureMessage) {
        return FORGIVEN_REASONS.stream().anyMatch(failureMessage::contains);
    }

    /** Whether every task was seen running. */
    public boolean started() { return started; }

    /** Reads that failed after start-up. */
    public int restErrors() { return restErrors; }

    /** The message of the last failed read (null: none failed). */
    public String lastRestError() { return lastRestError; }

    /** Failed checkpoints that count: their reasons are not forgiven, or unknown while every task ran. */
    public long failedCheckpoints() {
        return failedWithReason.values().stream().filter(m -> !forgiven(m)).count() + failedWithoutReasonCounted;
    }

    /** Failed checkpoints forgiven: the reason, or the job's state, says a task was not running. */
    public long forgivenCheckpoints() {
        return failedWithReason.values().stream().filter(JobWatch::forgiven).count() + failedWithoutReasonForgiven;
    }

    /** The reasons of the failed checkpoints Flink listed, by checkpoint id. */
    public Map<Long, String> failureReasons() { return new TreeMap<>(failedWithReason); }

    public long restarts() { return restarts; }

    /** States other than RUNNING seen after start-up (RESTARTING, FAILED...). */
    public Set<String> statesAfterStart() { return new LinkedHashSet<>(statesAfterStart); }

    public long completedCheckpoints() { return completedCount; }

    /** Flink's count of failed checkpoints, start-up included. */
    public long failedCheckpointsTotal() { return failedCount; }

    public double lastCheckpointMs() { return lastDurationMs; }

    /** State size of the latest completed checkpoint, bytes (0 before the first). */
    public long lastCheckpointStateBytes() { return lastStateBytes; }

    /** Largest state size of a completed checkpoint seen, bytes. */
    public long maxCheckpointStateBytes() { return maxStateBytes; }

    /** End-to-end duration of each completed checkpoint seen (the latest at each sample). */
    public double[] checkpointDurationsMs() { return durationsMs.stream().mapToDouble(Double::doubleValue).toArray(); }

    public double lastBackpressure() { return lastBackpressure; }

    public double backpressureMax() { return backpressureMax; }

    /** RocksDB memory at the last sample, bytes (-1: not read, or no gauge). */
    public long lastRocksDbBytes() { return lastRocksDbBytes; }

    /** Largest RocksDB memory seen, bytes (-1: none read). */
    public long maxRocksDbBytes() { return maxRocksDbBytes; }

    /** The busy share (0..1) of the busiest subtask at the last sample (NaN: not read). */
    public double lastBusiest() { return lastBusiest; }

    /** The name of the vertex of {@link #lastBusiest()}, shortened to its first operator (Flink chains them with "->"). */
    public String lastBusiestVertex() { return shortName(lastBusiestVertex); }

    /** Per vertex (short name), its busiest subtask's busy share at each sample, in sample order. */
    public Map<String, double[]> busyByVertex() {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        busyByVertex.forEach((k, v) -> out.put(shortName(k), v.stream().mapToDouble(Double::doubleValue).toArray()));
        return out;
    }

    static String shortName(String vertexName) {
        String[] operators = vertexName.split("->");
        String first = operators[0].trim().replaceAll("\\s+", "_");
        int chained = operators.length - 1;
        return chained > 0 ? first + "(+" + chained + ")" : first;
    }
}
