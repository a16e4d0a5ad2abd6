package io.geostream.records;

/**
 * A stitched frame on its way from the stitch stage to the loop closer (a Flink POJO: public fields, no-arg constructor):
 * its segment identity, published pose, intrinsics, depth and RGB at geometry resolution. With {@link #release} set it
 * carries no frame: the stream's segment ended ({@link #segmentEndReason}) or the stream was released, and the loop
 * closer lets the segment's window go.
 */
public class LoopFrame {
    public String streamId;
    public long segmentId;
    /** As in GeometryFrame: the segment's identity with {@link #segmentId}. */
    public long segmentStartMicros = -1;
    public long frameIndex;
    public long captureTimeMicros;
    /** Wall-clock time at ingest, for the correction delay figure only. */
    public long ingestTimeMillis;
    /** The published world-from-camera pose: row-major rotation (9) then translation (3). */
    public double[] worldFromCamera;
    /** fx, fy, cx, cy at geometry resolution. */
    public double[] intrinsics;
    public int width;
    public int height;
    /** width x height camera-frame z (segment units). */
    public float[] depth;
    /** width x height x 3 interleaved RGB, as fed to the model. */
    public byte[] rgb;
    public String modelId = "";
    public String modelVersion = "";
    /** True: no frame, the stream's loop state is to be released. */
    public boolean release;
    /**
     * With {@link #release}: why the stream's segment ended (after a break the loop closer keeps keyframes for the next
     * segment to re-localise against); null: the stream itself was released (end of stream, idle TTL).
     */
    public io.geostream.avro.SegmentReason segmentEndReason;

    public LoopFrame() {}

    /** The published pose as {@link #worldFromCamera} holds it. */
    public static double[] poseArray(io.geostream.geometry.RigidTransform pose) {
        double[] p = new double[12];
        System.arraycopy(pose.rotation(), 0, p, 0, 9);
        System.arraycopy(pose.translation(), 0, p, 9, 3);
        return p;
    }

    /** {@link #worldFromCamera} as a rigid transform. */
    public io.geostream.geometry.RigidTransform publishedPose() {
        return new io.geostream.geometry.RigidTransform(java.util.Arrays.copyOfRange(worldFromCamera, 0, 9),
                java.util.Arrays.copyOfRange(worldFromCamera, 9, 12));
    }

    /** The release of a stream's loop state (the stream was released). */
    public static LoopFrame release(String streamId) {
        LoopFrame f = new LoopFrame();
        f.streamId = streamId;
        f.release = true;
        return f;
    }

    /** The end of the stream's open segment, for {@code reason}. */
    public static LoopFrame segmentEnded(String streamId, io.geostream.avro.SegmentReason reason) {
        LoopFrame f = release(streamId);
        f.segmentEndReason = reason == null ? io.geostream.avro.SegmentReason.UNKNOWN : reason;
        return f;
    }

    @Override
    public String toString() {
        return "LoopFrame{" + streamId + (release ? ",release" + (segmentEndReason == null ? "" : " " + segmentEndReason)
                : "#" + frameIndex + ",seg " + segmentStartMicros + "/" + segmentId) + "}";
    }
}
