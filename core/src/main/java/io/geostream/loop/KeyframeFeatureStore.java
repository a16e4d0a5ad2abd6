package io.geostream.loop;

import java.util.HashMap;
import java.util.Map;

/**
 * Where a {@link LoopCloserState} keeps its searchable keyframes' features (about 22 KB each, up to
 * {@link LoopClosureSettings#maxKeyframes} of them), apart from the rest of the state (a few hundred bytes per keyframe).
 * In memory by default; a streaming job keeps them in a keyed map state, so a new keyframe writes its own features
 * once instead of the whole window being rewritten with every keyframe. A store that fails throws an unchecked
 * exception (the stream's state is unusable).
 */
public interface KeyframeFeatureStore {

    /** The features of a searchable keyframe. */
    KeyframeFeatures get(long frameIndex);

    void put(long frameIndex, KeyframeFeatures features);

    void remove(long frameIndex);

    /** Forgets every keyframe's features (a new segment). */
    void clear();

    /** A store in a hash map. */
    static KeyframeFeatureStore inMemory() {
        Map<Long, KeyframeFeatures> m = new HashMap<>();
        return new KeyframeFeatureStore() {
            @Override public KeyframeFeatures get(long frameIndex) { return m.get(frameIndex); }
            @Override public void put(long frameIndex, KeyframeFeatures features) { m.put(frameIndex, features); }
            @Override public void remove(long frameIndex) { m.remove(frameIndex); }
            @Override public void clear() { m.clear(); }
        };
    }
}
