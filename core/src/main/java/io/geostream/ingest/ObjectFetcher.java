package io.geostream.ingest;

import io.geostream.storage.ObjectStore;

import java.io.IOException;

/**
 * Fetches the bytes behind a claim-check URI. Implementations must not read more than {@code maxBytes}
 * into memory: an object larger than that is an IOException, not an allocation.
 */
@FunctionalInterface
public interface ObjectFetcher {

    /**
     * Returns the object's bytes.
     *
     * @param uri      the object's URI, already checked by the caller
     * @param maxBytes the most bytes the caller accepts
     * @throws IOException if the object is missing, larger than {@code maxBytes}, or cannot be read
     */
    byte[] fetch(String uri, long maxBytes) throws IOException;

    /**
     * A fetcher reading from {@code store}; a URI that is not one of the store's ({@link ObjectStore#keyOf})
     * is an IOException.
     */
    static ObjectFetcher fromStore(ObjectStore store) {
        if (store == null) {
            throw new IllegalArgumentException("store must not be null");
        }
        return (uri, maxBytes) -> {
            String key = store.keyOf(uri).orElseThrow(() -> new IOException("not a URI of this store: " + uri));
            return store.get(key, maxBytes);
        };
    }
}
