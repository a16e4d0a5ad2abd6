package io.geostream.inference;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;

/** Checks any model's output against the contract before it reaches stitching. */
final class OutputChecks {
    private OutputChecks() {}

    /** A description of what is wrong ("shape ..." or "non-finite ..."), or null when the output is valid. */
    static String problem(ClipGeometry g, ClipInput in) {
        if (g == null) return "shape: model returned no geometry";
        if (g.frames().size() != in.length()) {
            return "shape: " + g.frames().size() + " frames for a clip of " + in.length();
        }
        for (int i = 0; i < g.frames().size(); i++) {
            ClipGeometry.FrameGeometry f = g.frames().get(i);
            if (nonFinite(f.pointMap()) || nonFinite(f.normals()) || (f.confidence() != null && nonFinite(f.confidence()))) {
                return "non-finite values in slot " + i;
            }
        }
        return null;
    }

    private static boolean nonFinite(float[] a) {
        for (float v : a) {
            if (!Float.isFinite(v)) return true;
        }
        return false;
    }
}
