package io.geostream.storage;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Classifies object-store failures: transient (retry later) or permanent (this request will never succeed). */
public final class StorageErrors {
    private StorageErrors() {}

    /**
     * Whether {@code e} (or a cause) says the store was unreachable or overloaded: a
     * {@link TransientStorageException}, a connection refused or reset, a socket timeout. Missing objects,
     * access denied and everything else are permanent. An interruption is neither retried nor permanent: it
     * counts as transient so that it is never turned into a dead letter.
     */
    public static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NoSuchFileException || t instanceof AccessDeniedException) return false;
            if (t instanceof TransientStorageException || t instanceof ConnectException || t instanceof SocketTimeoutException
                    || t instanceof InterruptedIOException || t instanceof UnknownHostException
                    || (t instanceof SocketException && !(t instanceof java.net.BindException))) {
                return true;
            }
        }
        return false;
    }

    /** A short stable label of a permanent failure for dead-letter details: missing, access denied, or failed. */
    public static String permanentKind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NoSuchFileException) return "object or bucket missing";
            if (t instanceof AccessDeniedException) return "access denied";
        }
        return "failed";
    }
}
