package io.geostream.model;

/** A typed model failure. {@link #reason()} becomes the dead-letter reason code. */
public class ModelException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a clip got no geometry. */
    public enum Reason {
        /** The model raised an error while running. */
        MODEL_ERROR,
        /** An output tensor contained NaN or infinity. */
        MODEL_OUTPUT_NON_FINITE,
        /** An output tensor had the wrong shape. */
        MODEL_OUTPUT_SHAPE,
        /** One attempt ran past its deadline (after all retries: dead letter). */
        MODEL_TIMEOUT,
        /** The clip cannot be served by this model (e.g. resolution outside the contract). */
        MODEL_INPUT_REJECTED
    }

    private final Reason reason;

    public ModelException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ModelException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() { return reason; }

    /** Whether a retry can help (a transient runtime failure), as opposed to a bad output for this input. */
    public boolean retryable() { return reason == Reason.MODEL_ERROR || reason == Reason.MODEL_TIMEOUT; }
}
