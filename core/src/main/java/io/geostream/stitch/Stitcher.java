package io.geostream.stitch;

import io.geostream.records.ClipResult;

import java.util.List;
import java.util.function.Consumer;

/** Turns a stream's clip results, in per-stream task order, into stitched frames and segment events. */
public interface Stitcher {

    /** Processes one clip result (or marker) of a stream. */
    List<StitchEvent> process(StitcherState state, ClipResult result);

    /**
     * Processes one clip result (or marker) of a stream, handing each event to {@code out} as soon as it is known, in
     * the order {@link #process(StitcherState, ClipResult)} returns them: the frames a clip releases can be written while
     * the stitcher still works on the clip's own frames. If it throws, events handed out before stand (the job
     * restarts from its checkpoint then).
     */
    default void process(StitcherState state, ClipResult result, Consumer<StitchEvent> out) {
        process(state, result).forEach(out);
    }

    /** The method id written into each stitched frame (e.g. "naive-umeyama", "robust-irls"). */
    String method();

    /**
     * The stitcher of a method ({@link StitchMethod#ROBUST_KEYFRAMES} needs a clip cutter that places keyframes, else
     * it behaves like {@link StitchMethod#ROBUST}).
     */
    static Stitcher forMethod(StitchMethod method, StitcherSettings config) {
        return switch (method) {
            case NAIVE -> new NaiveStitcher(config);
            case ROBUST -> new RobustStitcher(config);
            case ROBUST_KEYFRAMES -> new RobustStitcher(config, true);
            case PER_FRAME -> new RobustStitcher(config, true, true);
        };
    }

    /** The stitcher a method name selects (see {@link StitchMethod#parse}). */
    static Stitcher forMethod(String name, StitcherSettings config) {
        return forMethod(StitchMethod.parse(name), config);
    }
}
