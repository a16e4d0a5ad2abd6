package io.geostream.stitch;

import io.geostream.records.FrameRecord;

/**
 * A frame the {@link OverlapPolicy#BLENDED} policy holds back until the next clip predicts it again: its
 * first prediction in the segment's world frame at geometry resolution, and the fit statistics of the clip
 * that made it. A Flink POJO (full per-pixel arrays: this policy keeps T - S frames of geometry in state).
 */
public class HeldFrame {
    public FrameRecord frame;
    public long clipId;
    public int width;
    public int height;
    /** World points, xyz interleaved. */
    public float[] worldPoints;
    /** Unit normals in the world frame, xyz interleaved. */
    public float[] normalsWorld;
    /** Per-pixel confidence, or null when the model gives none. */
    public float[] confidence;
    public String method;
    public int overlapPoints;
    public double residualRms;
    public double inlierShare;
    public double clipScale;

    public HeldFrame() {}

    /** The world points, xyz interleaved. */
    public float[] points() {
        return worldPoints;
    }

    /** Replaces the world points. */
    public void setPoints(float[] points) {
        worldPoints = points;
    }

    /** The world normals. */
    public float[] normals() {
        return normalsWorld;
    }

    /** The per-pixel confidence, or null when the model gives none. */
    public float[] confidenceValues() {
        return confidence;
    }

    /** Copies every field of this frame into {@code to} (arrays shared, not cloned). */
    void copyInto(HeldFrame to) {
        to.frame = frame;
        to.clipId = clipId;
        to.width = width;
        to.height = height;
        to.worldPoints = worldPoints;
        to.normalsWorld = normalsWorld;
        to.confidence = confidence;
        to.method = method;
        to.overlapPoints = overlapPoints;
        to.residualRms = residualRms;
        to.inlierShare = inlierShare;
        to.clipScale = clipScale;
    }

    /** Replaces the normals and the confidence. */
    public void setNormalsAndConfidence(float[] normals, float[] confidenceOrNull) {
        normalsWorld = normals;
        confidence = confidenceOrNull;
    }
}
