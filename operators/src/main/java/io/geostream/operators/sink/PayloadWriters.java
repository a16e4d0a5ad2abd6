package io.geostream.operators.sink;

import io.geostream.model.ModelInfo;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.StorageSettings;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A subtask's object store and the threads that encode and put payload files. A frame's five puts are independent,
 * and so are different frames'; sequential round trips to S3 were most of the stitch operator's time (bench
 * pipeline).
 */
public final class PayloadWriters implements AutoCloseable {

    /**
     * Writer threads per subtask. Not more: the URL-connection HTTP client keeps 5 connections per host alive (JDK
     * {@code http.maxConnections}), and each put beyond them would open a new connection, TLS handshake included.
     */
    public static final int THREADS = 5;

    private final ObjectStore store;
    private final ExecutorService puts;

    /** Opens the store; {@code threadName} names the writer threads (the subtask, for thread dumps). */
    public PayloadWriters(StorageSettings storage, String threadName) throws IOException {
        this.store = storage.open();
        this.puts = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** The store the writers put into. */
    public ObjectStore store() {
        return store;
    }

    /** Runs a put on a writer thread (for writers of other payloads than stitched frames: the I/O-only bench job). */
    public <T> Future<T> submit(Callable<T> put) {
        return puts.submit(put);
    }

    /** A writer of the frames one model produced (the model names the payload keys). */
    public GeometryFrameWriter forModel(ModelInfo model) {
        return new GeometryFrameWriter(store, model, puts);
    }

    @Override
    public void close() throws IOException {
        puts.shutdownNow();
        store.close();
    }
}
