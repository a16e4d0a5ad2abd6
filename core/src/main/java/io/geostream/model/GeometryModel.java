package io.geostream.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The model contract: a clip of RGB frames in, per frame a point map and surface normals out, all
 * expressed in the camera frame of the clip's FIRST frame (optical convention: +x right, +y down,
 * +z forward). Scale and gauge are the model's own per clip; stitching makes them consistent.
 *
 * <p>Implementations are not required to be thread-safe: the inference operator gives each worker
 * thread its own instance (DJL predictors are not thread-safe).
 */
public interface GeometryModel extends AutoCloseable {

    /** Identity written into every output event and into the object-store keys. */
    ModelInfo info();

    /**
     * Predicts geometry for one clip. Must be deterministic for the same clip (same stream, segment,
     * clip id and pixels), whatever else the model has seen before, so replays produce identical bytes.
     *
     * @throws ModelException when the model fails or produces an invalid output (typed reason)
     */
    ClipGeometry predict(ClipInput clip) throws ModelException;

    /**
     * Predicts a batch of clips in one call; results in input order. Each clip's result must equal what
     * {@link #predict} gives for it alone. The default loops; a model that can stack clips into one forward
     * pass overrides it. A failure fails the whole call; the batcher then retries the clips one by one so a
     * bad clip cannot fail its batch-mates.
     */
    default List<ClipGeometry> predictBatch(List<ClipInput> clips) throws ModelException {
        List<ClipGeometry> out = new ArrayList<>(clips.size());
        for (ClipInput c : clips) out.add(predict(c));
        return out;
    }

    /** The largest batch {@link #predictBatch} accepts efficiently (model.json maxBatch); 1 when unbatched. */
    default int maxBatch() { return 1; }

    @Override
    default void close() throws Exception {}
}
