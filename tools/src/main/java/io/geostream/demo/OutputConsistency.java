package io.geostream.demo;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.Pose;
import io.geostream.eval.FrameConsistency;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.storage.PayloadCodecs;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cross-frame consistency ({@link FrameConsistency}) of a committed output, read as a consumer reads it: each frame's
 * record (pose, intrinsics, segment, clip) and its point map from the object store's mirror, its camera-frame depth
 * the z of those points in its camera. {@code scripts/check_consistency.py} computes the same with numpy.
 */
public final class OutputConsistency {
    private OutputConsistency() {}

    /** Overall (pooled over streams) and per stream. */
    public record Figures(FrameConsistency.Result overall, Map<String, FrameConsistency.Result> byStream) {}

    /**
     * @param objects the directory the object store was mirrored to: object key {@code K} of {@code s3://bucket/K} is
     *                the file {@code objects/K}
     */
    public static Figures measure(List<GeometryFrame> frames, Path objects) throws IOException {
        Map<String, List<GeometryFrame>> byStream = new TreeMap<>();
        for (GeometryFrame g : frames) byStream.computeIfAbsent(g.getStreamId(), k -> new ArrayList<>()).add(g);
        FrameConsistency overall = new FrameConsistency();
        Map<String, FrameConsistency.Result> perStream = new LinkedHashMap<>();
        for (Map.Entry<String, List<GeometryFrame>> e : byStream.entrySet()) {
            List<GeometryFrame> stream = new ArrayList<>(e.getValue());
            stream.sort(Comparator.comparingLong(GeometryFrame::getFrameIndex));
            FrameConsistency one = new FrameConsistency();
            for (GeometryFrame g : stream) {
                Path file = objects.resolve(URI.create(g.getPayloads().getPointMapUri()).getPath().substring(1));
                float[] world = PayloadCodecs.readNpyFloat32(Files.readAllBytes(file)).data();
                RigidTransform pose = pose(g.getWorldFromCamera());
                int w = g.getPayloads().getWidth(), h = g.getPayloads().getHeight();
                CameraIntrinsics k = new CameraIntrinsics(g.getIntrinsics().getFx(), g.getIntrinsics().getFy(),
                        g.getIntrinsics().getCx(), g.getIntrinsics().getCy(), w, h);
                float[] depth = cameraDepth(world, pose);
                one.add(g.getSegmentId(), g.getClipId(), pose, k, w, h, depth);
                overall.add(g.getSegmentId(), g.getClipId(), pose, k, w, h, depth);
            }
            overall.endSequence();
            perStream.put(e.getKey(), one.result());
        }
        return new Figures(overall.result(), perStream);
    }

    private static RigidTransform pose(Pose p) {
        return RigidTransform.fromQuaternion(new double[] {p.getQx(), p.getQy(), p.getQz(), p.getQw()},
                new double[] {p.getTx(), p.getTy(), p.getTz()});
    }

    /** z of each world point in the camera (NaN where not in front of it or not finite). */
    private static float[] cameraDepth(float[] world, RigidTransform worldFromCamera) {
        double[] r = worldFromCamera.rotation(), t = worldFromCamera.translation();
        float[] depth = new float[world.length / 3];
        for (int i = 0; i < depth.length; i++) {
            double dx = world[3 * i] - t[0], dy = world[3 * i + 1] - t[1], dz = world[3 * i + 2] - t[2];
            double z = r[2] * dx + r[5] * dy + r[8] * dz;
            depth[i] = Double.isFinite(z) && z > 0 ? (float) z : Float.NaN;
        }
        return depth;
    }
}
