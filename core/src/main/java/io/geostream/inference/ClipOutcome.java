package io.geostream.inference;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ModelInfo;

/**
 * The result of running one clip through the worker pool: geometry, or a dead-letter reason code with
 * detail. {@code model} is null only when no model could be created at all.
 */
public record ClipOutcome(ClipGeometry geometry, String failureReason, String failureDetail, int attempts, ModelInfo model) {

    public static ClipOutcome success(ClipGeometry g, int attempts, ModelInfo model) {
        return new ClipOutcome(g, null, null, attempts, model);
    }

    public static ClipOutcome failure(String reason, String detail, int attempts, ModelInfo model) {
        return new ClipOutcome(null, reason, detail, attempts, model);
    }

    public boolean failed() {
        return failureReason != null;
    }
}
