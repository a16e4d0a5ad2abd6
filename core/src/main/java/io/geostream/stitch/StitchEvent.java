package io.geostream.stitch;

import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.SegmentReason;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.records.FrameRecord;

/**
 * What the stitcher emits for a stream, in order: segment boundaries, stitched frames, failed frames.
 *
 * <p>Segment identity: {@code segmentId} counts from 0 again when a stream comes back after its state was released
 * (end-of-stream marker, idle TTL), so a segment is identified by {@code (streamId, segmentStartMicros, segmentId)}:
 * {@code segmentStartMicros} is the capture time of the segment's first frame (deterministic under replay, unlike
 * processing time), -1 when unknown (a segment opened by a version that did not keep it).
 */
public sealed interface StitchEvent {

    /** An output segment begins; its world frame is the camera frame of {@code firstFrameIndex}. */
    record SegmentStarted(String streamId, long segmentId, long segmentStartMicros, SegmentReason reason,
                          long firstFrameIndex, long timeMicros) implements StitchEvent {}

    /** An output segment ends. */
    record SegmentEnded(String streamId, long segmentId, long segmentStartMicros, SegmentReason reason, String detail,
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
    record StitchedFrame(FrameRecord frame, long segmentId, long segmentStartMicros, long clipId, int width, int height,
                         RigidTransform worldFromCamera, CameraIntrinsics intrinsics, IntrinsicsSource intrinsicsSource,
                         float[] worldPoints, float[] depth, float[] normalsCamera, float[] confidence, byte[] rgb,
                         String method, int overlapPoints, double residualRms, double inlierShare, double clipScale,
                         double poseReprojectionRms) implements StitchEvent {}
}
