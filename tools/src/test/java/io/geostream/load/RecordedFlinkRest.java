package io.geostream.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A Flink REST API that answers with the documents a test set, in the shapes Flink 2.2 gives (job details, checkpoint
 * statistics, metrics, backpressure); a path with no document answers as an unreachable server does (IOException).
 * Helpers build the documents of one job with one vertex.
 */
public final class RecordedFlinkRest implements FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, JsonNode> documents = new HashMap<>();
    private final String job;

    public RecordedFlinkRest(String jobId) {
        this.job = "/jobs/" + jobId;
    }

    @Override
    public JsonNode get(String path) throws IOException {
        JsonNode d = documents.get(path);
        if (d == null) throw new IOException("connection refused: " + path);
        return d;
    }

    /** Sets the document at {@code path} (null: the path no longer answers). */
    public RecordedFlinkRest put(String path, String json) {
        if (json == null) {
            documents.remove(path);
            return this;
        }
        try {
            documents.put(path, JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** The job in {@code state}, its one vertex in {@code vertexState}, RESTARTING first entered at {@code restartingAt} (0: never). */
    public RecordedFlinkRest job(String state, String vertexState, long restartingAt) {
        put(job, "{\"state\":\"" + state + "\",\"timestamps\":{\"RESTARTING\":" + restartingAt + "},"
                + "\"vertices\":[{\"id\":\"v1\",\"name\":\"Source: frames -> Decode frames\",\"status\":\"" + vertexState + "\"}]}");
        put(job + "/vertices/v1/backpressure", "{\"status\":\"ok\",\"subtasks\":[{\"ratio\":0.25}]}");
        put(job + "/vertices/v1/metrics", "[{\"id\":\"0.numRecordsIn\"}]");
        return busy(250);
    }

    /** The one vertex's busiest subtask's busyTimeMsPerSecond (Flink's subtask metric, aggregated by max). */
    public RecordedFlinkRest busy(double msPerSecond) {
        return put(job + "/vertices/v1/subtasks/metrics?get=busyTimeMsPerSecond&agg=max",
                "[{\"id\":\"busyTimeMsPerSecond\",\"max\":" + msPerSecond + "}]");
    }

    /** Checkpoint statistics: the counts, and the history entries given as {@link #completed}/{@link #failed} JSON. */
    public RecordedFlinkRest checkpoints(long completed, long failed, String... history) {
        String latest = "";
        for (String h : history) {
            if (h.contains("\"COMPLETED\"")) {
                latest = h;
                break;
            }
        }
        put(job + "/checkpoints", "{\"counts\":{\"completed\":" + completed + ",\"failed\":" + failed + "},"
                + "\"latest\":{\"completed\":" + (latest.isEmpty() ? "null" : latest) + "},"
                + "\"history\":[" + String.join(",", history) + "]}");
        return this;
    }

    /** The numRestarts metric. */
    public RecordedFlinkRest restarts(long n) {
        return put(job + "/metrics?get=numRestarts", "[{\"id\":\"numRestarts\",\"value\":\"" + n + "\"}]");
    }

    /** A completed history entry (newest first in the history, as Flink lists it). */
    public static String completed(long id, long durationMs) {
        return "{\"id\":" + id + ",\"status\":\"COMPLETED\",\"end_to_end_duration\":" + durationMs + "}";
    }

    public static String failed(long id, String message) {
        return "{\"id\":" + id + ",\"status\":\"FAILED\",\"failure_message\":" + JSON.valueToTree(message) + "}";
    }

    public static String inProgress(long id) {
        return "{\"id\":" + id + ",\"status\":\"IN_PROGRESS\"}";
    }
}
