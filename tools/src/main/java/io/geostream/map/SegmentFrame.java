package io.geostream.map;

import io.geostream.avro.CameraModel;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.Pose;
import io.geostream.geometry.RigidTransform;

/**
 * What a segment's files say about one of its frames, taken from its GeometryFrame: the capture time, the camera-to-world
 * pose in the segment's world frame and units, the intrinsics at payload resolution, the depth unit and the scale.
 */
public record SegmentFrame(long frameIndex, long captureTimeMicros, RigidTransform worldFromCamera, int width, int height,
                           double fx, double fy, double cx, double cy, String intrinsicsSource, double depthUnit,
                           String scaleStatus, double scaleFactor) {

    /**
     * @throws IllegalArgumentException when the record's pose is not a rotation and translation (a zero or non-finite
     *                                  quaternion, a non-finite translation)
     */
    public static SegmentFrame of(GeometryFrame g) {
        Pose p = g.getWorldFromCamera();
        RigidTransform pose = RigidTransform.fromQuaternion(new double[] {p.getQx(), p.getQy(), p.getQz(), p.getQw()},
                new double[] {p.getTx(), p.getTy(), p.getTz()});
        CameraModel k = g.getIntrinsics();
        return new SegmentFrame(g.getFrameIndex(), g.getCaptureTimeMicros(), pose, g.getPayloads().getWidth(),
                g.getPayloads().getHeight(), k.getFx(), k.getFy(), k.getCx(), k.getCy(), String.valueOf(k.getSource()),
                g.getPayloads().getDepthUnit(), g.getScaleStatus().name(), g.getScaleFactor());
    }

    /**
     * The frame after a loop-closure correction of its segment's world (docs/data.md): the camera moves with the world
     * (it stays rigid), and its depths scale with the correction, so one depth-PNG step is {@code scale} times as deep.
     */
    public SegmentFrame corrected(io.geostream.geometry.Sim3 correction) {
        return new SegmentFrame(frameIndex, captureTimeMicros, correction.transformPose(worldFromCamera), width, height, fx, fy,
                cx, cy, intrinsicsSource, depthUnit * correction.scale(), scaleStatus, scaleFactor);
    }
}
