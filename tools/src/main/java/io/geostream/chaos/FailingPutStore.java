package io.geostream.chaos;

import io.geostream.storage.StorageSettings;
import io.geostream.storage.ForwardingObjectStore;
import io.geostream.storage.ObjectStore;

import java.io.IOException;

/**
 * A store that fails right after the planned payload puts succeeded: the payload is written, its event is not. It
 * wraps the store inside the job's retries, so it also counts each failed put attempt (an object-store outage).
 */
public final class FailingPutStore implements StorageSettings.StoreDecorator {
    private static final long serialVersionUID = 1L;

    @Override
    public ObjectStore wrap(ObjectStore store) {
        return new ForwardingObjectStore(store) {
            @Override public void put(String key, byte[] bytes, String contentType, java.util.Map<String, String> metadata) throws IOException {
                try {
                    inner.put(key, bytes, contentType, metadata);
                } catch (IOException e) {
                    FailurePoints.putAttemptFailed();
                    throw e;
                }
                if (FailurePoints.failAfterPut()) {
                    throw new IllegalStateException("injected failure after writing " + key + ", before its event is emitted");
                }
            }
        };
    }
}
