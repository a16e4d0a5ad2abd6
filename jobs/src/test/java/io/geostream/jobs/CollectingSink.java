package io.geostream.jobs;

import io.geostream.records.OutputRecord;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A {@link Sink} of {@link OutputRecord}s that collects into memory, for jobs run on a MiniCluster in the test's own
 * JVM. Each sink has an id; its writers (any parallelism) append copies of what they receive to a static queue
 * under that id, so the test reads the output after {@code execute()} returns. At-least-once (no transactions):
 * use it with restarts off, as a restarted job would append again. Close it to drop the collected records.
 */
public final class CollectingSink implements Sink<OutputRecord>, AutoCloseable {
    private static final long serialVersionUID = 1L;
    private static final Map<String, ConcurrentLinkedQueue<OutputRecord>> RESULTS = new ConcurrentHashMap<>();

    private final String id;

    private CollectingSink(String id) {
        this.id = id;
    }

    /** A sink with a fresh id and nothing collected. */
    public static CollectingSink create() {
        String id = UUID.randomUUID().toString();
        RESULTS.put(id, new ConcurrentLinkedQueue<>());
        return new CollectingSink(id);
    }

    /** What the writers received so far, in arrival order (per writer subtask, the order it received). */
    public List<OutputRecord> records() {
        return new ArrayList<>(queue(id));
    }

    /** The collected records of {@code kind}. */
    public List<OutputRecord> records(OutputRecord.Kind kind) {
        return records().stream().filter(r -> r.kind == kind).toList();
    }

    @Override
    public SinkWriter<OutputRecord> createWriter(WriterInitContext context) {
        ConcurrentLinkedQueue<OutputRecord> target = queue(id);
        return new SinkWriter<>() {
            @Override
            public void write(OutputRecord r, Context context) {
                target.add(new OutputRecord(r.kind, r.key == null ? null : r.key.clone(), r.value == null ? null : r.value.clone()));
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    @Override
    public void close() {
        RESULTS.remove(id);
    }

    private static ConcurrentLinkedQueue<OutputRecord> queue(String id) {
        ConcurrentLinkedQueue<OutputRecord> q = RESULTS.get(id);
        if (q == null) throw new IllegalStateException("collecting sink " + id + " was closed (or runs in another JVM)");
        return q;
    }
}
