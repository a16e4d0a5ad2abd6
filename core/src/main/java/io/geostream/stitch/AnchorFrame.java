package io.geostream.stitch;

/**
 * A frame whose global geometry is known and which the next clip will hold again: its world points on
 * the subsampling grid (NaN where invalid) and its camera centre. A Flink POJO.
 */
public class AnchorFrame {
    public long frameIndex;
    /** World points on the grid, xyz interleaved, grid order (row-major over grid cells). */
    public float[] gridPoints;
    public double[] cameraCenter;
    /** The model's confidence on the grid (grid order), or null when the model gives none. */
    public float[] gridConfidence;
    /** True for a segment keyframe (kept for the whole segment), false for an overlap frame of the previous clip. */
    public boolean keyframe;

    public AnchorFrame() {}

    public AnchorFrame(long frameIndex, float[] gridPoints, double[] cameraCenter) {
        this.frameIndex = frameIndex;
        this.gridPoints = gridPoints;
        this.cameraCenter = cameraCenter;
    }
}
