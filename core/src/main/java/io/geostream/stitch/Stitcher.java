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
     * The stitcher a method name selects (case-insensitive): "naive", "robust", or "robust_keyframes"
     * (which needs a clip cutter that places keyframes, else it behaves like "robust").
     */
    static Stitcher forMethod(String name, StitcherConfig config) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "naive" -> new NaiveStitcher(config);
            case "robust" -> new RobustStitcher(config);
            case "robust_keyframes", "robust-keyframes" -> new RobustStitcher(config, true);
            default -> throw new IllegalArgumentException("unknown stitching method '" + name
                    + "' (naive, robust, robust_keyframes)");
        };
    }
}
