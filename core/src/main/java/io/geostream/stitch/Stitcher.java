package io.geostream.stitch;

import io.geostream.records.ClipResult;

import java.util.List;

/** Turns a stream's clip results, in per-stream task order, into stitched frames and segment events. */
public interface Stitcher {

    /** Processes one clip result (or marker) of a stream. */
    List<StitchEvent> process(StitcherState state, ClipResult result);

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
