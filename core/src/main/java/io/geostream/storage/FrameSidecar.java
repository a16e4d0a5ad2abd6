package io.geostream.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.geostream.avro.CameraModel;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.Pose;
import io.geostream.geometry.Rotations;

import java.io.IOException;
import java.util.Map;

/**
 * What a payload object needs to be read on its own, once the Kafka record that named it is gone (topics expire,
 * objects stay): the depth PNG's unit as object metadata ({@link #depthMetadata}) and, next to the payloads, a
 * per-frame JSON sidecar ({@value #FILE_NAME}, {@link #json}) with the frame's identity, pose as a 4x4 matrix,
 * intrinsics, scale and depth unit. Both are made from the {@link GeometryFrame} record itself, so they say what the
 * record says. The sidecar states that a later {@code SegmentCorrection} of its segment supersedes its pose: it is
 * written once, with the pose known when the frame was stitched.
 */
public final class FrameSidecar {
    /** File name of the sidecar in the frame's payload directory ({@link ObjectKeys#framePayload}). */
    public static final String FILE_NAME = "frame.json";
    /** Value of the sidecar's {@code format} field; {@code version} counts incompatible changes. */
    public static final String FORMAT = "geostream.frame-sidecar";
    public static final int VERSION = 1;

    /** Object metadata of the depth PNG: segment units per PNG count (depth = value * unit; 0 = invalid). */
    public static final String META_DEPTH_UNIT = "depth-unit";
    /** Object metadata of the depth PNG: the segment's scale status ({@code RELATIVE}: units of an unknown scale). */
    public static final String META_SCALE_STATUS = "scale-status";
    /** Object metadata of every payload: the sidecar's file name in the same directory. */
    public static final String META_SIDECAR = "sidecar";

    static final String POSE_SUPERSEDED_BY = "A SegmentCorrection for this stream and segment published after this frame"
            + " replaces this pose (and the segment's scale); apply the latest one. This file is written once and not updated.";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private FrameSidecar() {}

    /** Metadata of the depth PNG of {@code frame}: its unit and scale status, and where the sidecar is. */
    public static Map<String, String> depthMetadata(GeometryFrame frame) {
        return Map.of(META_DEPTH_UNIT, Double.toString(frame.getPayloads().getDepthUnit()),
                META_SCALE_STATUS, frame.getScaleStatus().name(),
                META_SIDECAR, FILE_NAME);
    }

    /** Metadata of the frame's other payloads: where the sidecar is. */
    public static Map<String, String> payloadMetadata() {
        return Map.of(META_SIDECAR, FILE_NAME);
    }

    /**
     * The sidecar of {@code frame}: {@code payloads} maps each payload to its file name in the frame's directory (the
     * object URIs of the record depend on the store; the names do not).
     */
    public static byte[] json(GeometryFrame frame, Map<String, String> payloadFiles) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("streamId", frame.getStreamId());
        root.put("segmentId", frame.getSegmentId());
        root.put("segmentStartMicros", frame.getSegmentStartMicros());
        root.put("frameIndex", frame.getFrameIndex());
        root.put("captureTimeMicros", frame.getCaptureTimeMicros());
        root.put("clipId", frame.getClipId());
        root.put("modelId", frame.getModelId());
        root.put("modelVersion", frame.getModelVersion());

        ObjectNode pose = root.putObject("worldFromCamera");
        pose.put("convention", "world = M * [x y z 1]^T: camera (optical: +x right, +y down, +z forward) to the"
                + " segment's world frame (the camera frame of its first frame), in segment units");
        ArrayNode m = pose.putArray("matrix");
        for (double[] row : matrix(frame.getWorldFromCamera())) {
            ArrayNode r = m.addArray();
            for (double v : row) r.add(v);
        }
        Pose p = frame.getWorldFromCamera();
        pose.putArray("quaternionXyzw").add(p.getQx()).add(p.getQy()).add(p.getQz()).add(p.getQw());
        pose.putArray("translation").add(p.getTx()).add(p.getTy()).add(p.getTz());
        pose.put("supersededBy", POSE_SUPERSEDED_BY);

        PayloadRefs payloads = frame.getPayloads();
        CameraModel k = frame.getIntrinsics();
        ObjectNode in = root.putObject("intrinsics");
        in.put("width", payloads.getWidth());
        in.put("height", payloads.getHeight());
        in.put("fx", k.getFx());
        in.put("fy", k.getFy());
        in.put("cx", k.getCx());
        in.put("cy", k.getCy());
        in.put("source", k.getSource().name());
        ArrayNode km = in.putArray("matrix");
        km.addArray().add(k.getFx()).add(0.0).add(k.getCx());
        km.addArray().add(0.0).add(k.getFy()).add(k.getCy());
        km.addArray().add(0.0).add(0.0).add(1.0);

        root.put("scaleStatus", frame.getScaleStatus().name());
        root.put("scaleFactor", frame.getScaleFactor());
        ObjectNode depth = root.putObject("depth");
        depth.put("file", payloadFiles.get("depth"));
        depth.put("unit", payloads.getDepthUnit());
        depth.put("encoding", "16-bit grey PNG; z-depth = value * unit in segment units (metres only when scaleStatus"
                + " is METRIC); 0 = invalid");
        ObjectNode files = root.putObject("payloads");
        payloadFiles.forEach(files::put);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("sidecar of " + frame.getStreamId() + " frame " + frame.getFrameIndex(), e);
        }
    }

    /** The 4x4 world-from-camera matrix of a pose (rotation from its unit quaternion, then the translation). */
    public static double[][] matrix(Pose p) {
        double[] r = Rotations.fromQuaternion(p.getQx(), p.getQy(), p.getQz(), p.getQw());
        double[] t = {p.getTx(), p.getTy(), p.getTz()};
        double[][] m = new double[4][4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) m[i][j] = r[3 * i + j];
            m[i][3] = t[i];
        }
        m[3][3] = 1;
        return m;
    }
}
