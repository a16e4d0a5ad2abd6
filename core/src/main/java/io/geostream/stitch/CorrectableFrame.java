package io.geostream.stitch;

/**
 * A frame the {@link StitchMethod#PER_FRAME} method holds until the next clip tells how its clip drifted (a Flink
 * POJO): its first prediction, its slot in that clip and the camera centre of that prediction (the pivot its
 * correction turns about). A class of its own so that {@link HeldFrame}, kept in older savepoints, keeps its shape.
 */
public class CorrectableFrame {
    public HeldFrame held;
    /** The frame's slot in the clip that predicted it. */
    public int slot;
    /** Its camera centre in the world, from the first prediction. */
    public double[] cameraCenter;
    /** Its camera rotation (world from camera, row-major 3x3), from the first prediction. */
    public double[] cameraRotation;
    /** True for the frame that opened the segment: its camera is the segment's world frame, whatever corrections say. */
    public boolean segmentFirst;
    /** The RMS reprojection error (pixels) of the pose fitted when the frame was held. */
    public double reprojectionRms;

    public io.geostream.geometry.RigidTransform worldFromCamera() {
        return new io.geostream.geometry.RigidTransform(cameraRotation, cameraCenter);
    }

    public CorrectableFrame() {}

    public CorrectableFrame(HeldFrame held, int slot, io.geostream.geometry.RigidTransform worldFromCamera, boolean segmentFirst) {
        this.held = held;
        this.slot = slot;
        this.cameraCenter = worldFromCamera.center();
        this.cameraRotation = worldFromCamera.rotation();
        this.segmentFirst = segmentFirst;
    }
}
