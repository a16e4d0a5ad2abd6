package io.geostream.storage;

import java.io.IOException;

/**
 * The object store did not answer, or asked to slow down (HTTP 5xx, 429 throttling, connection refused or
 * reset, timeout): the same call may succeed later. Everything else a store throws is permanent for that
 * call (missing object or bucket, access denied, too large).
 */
public class TransientStorageException extends IOException {
    private static final long serialVersionUID = 1L;

    public TransientStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
