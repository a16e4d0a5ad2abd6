package io.geostream.stitch;

import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.SegmentReason;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.records.FrameRecord;

/** What the stitcher emits for a stream, in order: segment boundaries, stitched frames, failed frames. */
public sealed interface StitchEvent {

    /** An output segment begins; its world frame is the camera frame of {@code firstFrameIndex}. */
    record SegmentStarted(String streamId, long segmentId, SegmentReason reason, long firstFrameIndex,
                          long timeMicros) implements StitchEvent {}

    /** An output segment ends. */
    record SegmentEnded(String streamId, long segmentId, SegmentReason reason, String detail,
                        long firstFrameIndex, long lastFrameIndex, long frameCount, long timeMicros) implements StitchEvent {}

    /** A valid input frame that got no geometry (e.g. its clip's inference failed). */
    record FrameFailed(FrameRecord frame, String reasonCode, String detail) implements StitchEvent {}

    /**
     * One frame in its segment's world frame. Arrays are at geometry resolution {@code width x height}.
     *
     * @param worldPoints   3N world points
     * @param depth         N camera-frame z depths (segment units)
     * @param normalsCamera 3N unit normals in the camera frame
     * @param confidence    N confidences or null
     * @param rgb           the RGB fed to the model at geometry resolution
     */
    record StitchedFrame(FrameRecord frame, long segmentId, long clipId, int width, int height,
                         RigidTransform worldFromCamera, CameraIntrinsics intrinsics, IntrinsicsSource intrinsicsSource,
                         float[] worldPoints, float[] depth, float[] normalsCamera, float[] confidence, byte[] rgb,
                         String method, int overlapPoints, double residualRms, double inlierShare, double clipScale,
                         double poseReprojectionRms) implements StitchEvent {}
}
