package io.geostream.testing;

import io.geostream.avro.IntrinsicsSource;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.records.FrameRecord;
import io.geostream.stitch.StitchEvent;

/** Stitched frames for payload-writer tests: every array filled with a known pattern, and a few invalid pixels. */
public final class StitchedFrames {
    private StitchedFrames() {}

    /**
     * A {@code w} x {@code h} stitched frame of {@code stream}: depth 0.5 .. 5.0 over the pixels (pixels 0..2 invalid:
     * NaN, 0, negative), a non-trivial pose and intrinsics, stitch figures that are all different numbers.
     */
    public static StitchEvent.StitchedFrame patterned(String stream, long segment, long clip, long index, int w, int h,
                                                      long ingestMillis, boolean withConfidence) {
        FrameRecord f = TestFrames.frame(stream, index, 64, 48); // the input resolution, not the payloads'
        f.ingestTimeMillis = ingestMillis;
        int n = w * h;
        float[] world = new float[3 * n], depth = new float[n], normals = new float[3 * n], conf = new float[n];
        byte[] rgb = new byte[3 * n];
        float cu = (w - 1) / 2f, cv = (h - 1) / 2f;
        for (int p = 0; p < n; p++) {
            int u = p % w, v = p / w;
            depth[p] = 0.5f + 4.5f * p / (n - 1); // 0.5 .. 5.0
            world[3 * p] = (u - cu) * depth[p] / 40;
            world[3 * p + 1] = (v - cv) * depth[p] / 40;
            world[3 * p + 2] = depth[p] + 0.25f;
            double a = 0.1 * u, b = 0.07 * v;
            normals[3 * p] = (float) (Math.sin(a) * Math.cos(b));
            normals[3 * p + 1] = (float) Math.sin(b);
            normals[3 * p + 2] = (float) (-Math.cos(a) * Math.cos(b));
            conf[p] = (p % 101) / 100f;
            rgb[3 * p] = (byte) (u * 5);
            rgb[3 * p + 1] = (byte) (v * 7);
            rgb[3 * p + 2] = (byte) 128;
        }
        depth[0] = Float.NaN; // invalid depths are written as 0
        depth[1] = 0f;
        depth[2] = -1f;
        world[3 * 5] = world[3 * 5 + 1] = world[3 * 5 + 2] = Float.NaN;
        normals[3 * 7] = Float.NaN;
        RigidTransform pose = RigidTransform.fromQuaternion(new double[] {0.1, -0.2, 0.3, 0.9}, new double[] {1.5, -0.25, 3});
        CameraIntrinsics k = new CameraIntrinsics(41.5, 40.25, cu + 0.25, cv, w, h);
        return new StitchEvent.StitchedFrame(f, segment, f.captureTimeMicros - 1_000_000L, clip, w, h, pose, k, IntrinsicsSource.GIVEN, world, depth, normals,
                withConfidence ? conf : null, rgb, "robust-irls", 321, 0.0125, 0.875, 1.75, 0.375);
    }
}
