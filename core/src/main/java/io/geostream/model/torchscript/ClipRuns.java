package io.geostream.model.torchscript;

import io.geostream.model.ClipInput;
import io.geostream.model.ImageResize;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * How both package forms turn a list of clips into forward passes: clips of equal length, in input order,
 * in runs of at most {@code maxBatch}; every frame resized to the model size. One place, so the
 * end-to-end and decomposed models batch (and reject) clips the same way.
 */
final class ClipRuns {

    private ClipRuns() {}

    /**
     * Indices into {@code clips}, grouped by clip length (first appearance order) and cut into runs of at
     * most {@code maxBatch}.
     *
     * @param accepts     whether the model takes a clip of that many frames
     * @param expectation what the model takes, for the rejection message (e.g. "16 frames")
     * @throws ModelException MODEL_INPUT_REJECTED for the first clip of a length the model does not take
     */
    static List<List<Integer>> ofEqualLength(List<ClipInput> clips, int maxBatch, IntPredicate accepts,
                                             String expectation, ModelInfo info) throws ModelException {
        Map<Integer, List<Integer>> byLength = new LinkedHashMap<>();
        for (int i = 0; i < clips.size(); i++) {
            ClipInput clip = clips.get(i);
            if (!accepts.test(clip.length())) {
                throw new ModelException(ModelException.Reason.MODEL_INPUT_REJECTED, "model " + info + " takes clips of "
                        + expectation + ", got " + clip.length() + " (stream " + clip.streamId() + ", segment "
                        + clip.segmentId() + ", clip " + clip.clipId() + ")");
            }
            byLength.computeIfAbsent(clip.length(), k -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> runs = new ArrayList<>();
        for (List<Integer> all : byLength.values()) {
            for (int from = 0; from < all.size(); from += maxBatch) {
                runs.add(List.copyOf(all.subList(from, Math.min(all.size(), from + maxBatch))));
            }
        }
        return runs;
    }

    /** The clip's RGB frames at {@code width x height} ({@link ImageResize#resizeRgb}, as the contract says; as-is when they fit). */
    static List<byte[]> framesAtModelSize(ClipInput clip, int width, int height) {
        List<byte[]> frames = new ArrayList<>(clip.length());
        for (ClipInput.Frame f : clip.frames()) {
            frames.add(clip.width() == width && clip.height() == height
                    ? f.rgb() : ImageResize.resizeRgb(f.rgb(), clip.width(), clip.height(), width, height));
        }
        return frames;
    }
}
