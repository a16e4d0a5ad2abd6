package io.geostream.stitch;

import io.geostream.geometry.HalfFloats;

/**
 * A {@link HeldFrame} that holds its normals and confidence in half precision until they are replaced. The
 * {@link StitchMethod#PER_FRAME} method keeps a whole clip's new frames in state until the next clip arrives, and that
 * clip goes into the state backend at each checkpoint: this cuts a held frame from 7 to 5 values of 4 bytes per pixel
 * (plus its RGB). A half keeps 11 bits of each normal component (the output PNG keeps 8) and of the confidence.
 *
 * <p>A subclass rather than new fields: held frames are kept in state inside lists, which Flink writes with Kryo, and
 * Kryo reads a class only in the shape it was written in; state that holds plain {@link HeldFrame}s restores as before.
 * Keep this class's fields as they are for the same reason.
 */
public class CompactHeldFrame extends HeldFrame {
    /** The normals ({@link #normals}), half precision; null once replaced by {@link #setNormalsAndConfidence}. */
    public short[] normalsWorldHalf;
    /** The confidence, half precision; null when the model gives none or once replaced. */
    public short[] confidenceHalf;

    public CompactHeldFrame() {}

    /**
     * Takes the frame's fields, its normals and confidence rounded to half precision; a confidence a half cannot hold (a
     * model's confidence has no upper bound, and 65520 and up would become infinity) stays 32-bit.
     */
    static CompactHeldFrame of(HeldFrame full) {
        CompactHeldFrame c = new CompactHeldFrame();
        full.copyInto(c);
        c.normalsWorldHalf = HalfFloats.fromFloats(full.normalsWorld);
        c.normalsWorld = null;
        if (full.confidence != null && HalfFloats.keepsFinite(full.confidence)) {
            c.confidenceHalf = HalfFloats.fromFloats(full.confidence);
            c.confidence = null;
        }
        return c;
    }

    /** Copies the fields of {@link HeldFrame} and of this class (its half-precision arrays) into {@code to} (arrays shared). */
    void copyCompactInto(CompactHeldFrame to) {
        copyInto(to);
        to.normalsWorldHalf = normalsWorldHalf;
        to.confidenceHalf = confidenceHalf;
    }

    @Override
    public float[] normals() {
        return normalsWorldHalf != null ? HalfFloats.toFloats(normalsWorldHalf) : normalsWorld;
    }

    @Override
    public float[] confidenceValues() {
        return confidenceHalf != null ? HalfFloats.toFloats(confidenceHalf) : confidence;
    }

    @Override
    public void setNormalsAndConfidence(float[] normals, float[] confidenceOrNull) {
        super.setNormalsAndConfidence(normals, confidenceOrNull);
        normalsWorldHalf = null;
        confidenceHalf = null;
    }
}
