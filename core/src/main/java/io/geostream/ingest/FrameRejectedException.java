package io.geostream.ingest;

import java.util.Objects;

/** An input frame that fails validation; the frame goes to the dead-letter topic with {@link #reason()}. */
public class FrameRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final RejectReason reason;
    private final String detail;

    public FrameRejectedException(RejectReason reason, String detail) {
        this(reason, detail, null);
    }

    public FrameRejectedException(RejectReason reason, String detail, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason").code() + ": " + detail, cause);
        this.reason = reason;
        this.detail = detail == null ? "" : detail;
    }

    /** Why the frame was rejected. */
    public RejectReason reason() {
        return reason;
    }

    /** Human-readable explanation, without the reason code. */
    public String detail() {
        return detail;
    }
}
