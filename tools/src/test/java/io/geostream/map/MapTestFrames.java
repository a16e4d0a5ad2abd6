package io.geostream.map;

import io.geostream.avro.CameraModel;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.Pose;
import io.geostream.avro.ScaleStatus;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.avro.SegmentReason;
import io.geostream.avro.StitchQuality;
import io.geostream.geometry.RigidTransform;
import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.PayloadCodecs;

/** GeometryFrames and SegmentEvents of a small synthetic camera, with payloads encoded as the job writes them. */
public final class MapTestFrames {
    public static final int W = 32, H = 24;

    private MapTestFrames() {}

    /**
     * A fronto-parallel plane at z = 2 in the camera: pixel (u, v) at ((u - 16) / 10, (v - 12) / 10, 2) (plus 0.05), its
     * normal (0, 0, -1) (facing the camera), moved into the world by {@code worldFromCamera}. {@code start}: the segment's
     * start time, -1 for a record without one (as v1 wrote).
     */
    public static GeometryFrame frame(LocalDirectoryObjectStore store, String stream, long segment, long start, long index,
                                      long captureMicros, RigidTransform worldFromCamera, ScaleStatus scale, double factor,
                                      int[] colour, boolean withConfidence) throws Exception {
        float[] xyz = new float[W * H * 3];
        float[] normals = new float[W * H * 3];
        float[] conf = new float[W * H];
        byte[] rgb = new byte[W * H * 3];
        for (int v = 0; v < H; v++)
            for (int u = 0; u < W; u++) {
                int i = v * W + u;
                double[] p = worldFromCamera.apply(new double[] {(u - 16 + 0.05) / 10, (v - 12 + 0.05) / 10, 2});
                for (int k = 0; k < 3; k++) xyz[3 * i + k] = (float) p[k];
                normals[3 * i + 2] = -1f;
                conf[i] = 1 + u;
                for (int k = 0; k < 3; k++) rgb[3 * i + k] = (byte) colour[k];
            }
        String prefix = stream + "/s" + segment + "-t" + start + "/f" + index + "/";
        store.put(prefix + "points.npy", PayloadCodecs.npyFloat32(xyz, H, W, 3), "application/octet-stream");
        store.put(prefix + "conf.npy", PayloadCodecs.npyFloat32(conf, H, W), "application/octet-stream");
        store.put(prefix + "rgb.jpg", PayloadCodecs.jpeg(rgb, W, H, 0.95f), "image/jpeg");
        store.put(prefix + "normals.png", PayloadCodecs.normalsPng(normals, W, H), "image/png");
        double[] q = worldFromCamera.quaternion(), t = worldFromCamera.translation();
        return GeometryFrame.newBuilder().setStreamId(stream).setFrameIndex(index).setCaptureTimeMicros(captureMicros)
                .setSegmentId(segment).setSegmentStartMicros(start).setClipId(0)
                .setWorldFromCamera(Pose.newBuilder().setQx(q[0]).setQy(q[1]).setQz(q[2]).setQw(q[3]).setTx(t[0]).setTy(t[1]).setTz(t[2]).build())
                .setIntrinsics(CameraModel.newBuilder().setFx(20).setFy(20).setCx(16).setCy(12).setSource(IntrinsicsSource.GIVEN).build())
                .setScaleStatus(scale).setScaleFactor(factor)
                .setPayloads(PayloadRefs.newBuilder().setWidth(W).setHeight(H).setDepthUri(store.uriOf(prefix + "depth.png"))
                        .setDepthUnit(0.001).setNormalsUri(store.uriOf(prefix + "normals.png"))
                        .setPointMapUri(store.uriOf(prefix + "points.npy"))
                        .setConfidenceUri(withConfidence ? store.uriOf(prefix + "conf.npy") : null)
                        .setRgbUri(store.uriOf(prefix + "rgb.jpg")).build())
                .setQuality(StitchQuality.newBuilder().setMethod("anchor").setOverlapPoints(0).setResidualRms(0).setInlierShare(1)
                        .setClipScale(1).setPoseReprojectionRms(0).build())
                .setModelId("test").setModelVersion("1").setProcessingLatencyMillis(0).build();
    }

    public static SegmentEvent segmentEvent(String stream, long segment, long start, SegmentEventKind kind, long frames) {
        return SegmentEvent.newBuilder().setStreamId(stream).setSegmentId(segment).setSegmentStartMicros(start).setKind(kind)
                .setReason(SegmentReason.STREAM_START).setFirstFrameIndex(0)
                .setLastFrameIndex(kind == SegmentEventKind.ENDED ? frames - 1 : null).setFrameCount(frames)
                .setEventTimeMicros(0).build();
    }
}
