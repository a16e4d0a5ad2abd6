package io.geostream.stitch;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.GaugeCameraEstimator;
import io.geostream.geometry.RigidTransform;

/**
 * Puts a clip's points on the rays of the segment's camera. A clip-local model predicts each frame's geometry through
 * its own idea of the field of view; when it errs (a 5-10 % focal error is typical), the points lie off the true pixel
 * rays, a pose fitted with the true intrinsics moves along the optical axis to compensate, and two clips with different
 * errors give the same frame poses that differ by the focal difference times the depth: a jump at every clip change.
 * So, per slot: the camera that best explains the slot's point map ({@link GaugeCameraEstimator}: its own focal length
 * and its pose in the clip frame), each pixel's depth in that camera, and the point at that depth on the pixel's ray
 * of the segment's intrinsics ("the model's depth, the camera's rays").
 */
final class RayRectifier {
    /** A clip whose first slot's focal length is within this share of the segment's is left as predicted. */
    static final double ON_RAYS = 0.005;

    private RayRectifier() {}

    /**
     * @param k      the segment's intrinsics at the clip's resolution
     * @param solver the PnP of each slot's camera
     * @return the rectified point maps of the real slots (the padding slots' maps unchanged), or null when the clip's
     *         first slot already has the segment's focal length (within {@link #ON_RAYS}) or a slot's camera cannot be
     *         recovered (either way the clip is used as predicted)
     */
    static float[][] rectify(float[][] pointMaps, int realSlots, int width, int height, CameraIntrinsics k, PoseSolver solver) {
        float[][] out = pointMaps.clone();
        for (int slot = 0; slot < realSlots; slot++) {
            GaugeCameraEstimator.Camera camera;
            try {
                camera = GaugeCameraEstimator.estimate(pointMaps[slot], width, height, null, solver);
            } catch (IllegalArgumentException degenerate) {
                return null;
            }
            if (slot == 0 && Math.abs(camera.intrinsics().fx() / k.fx() - 1) < ON_RAYS
                    && Math.abs(camera.intrinsics().fy() / k.fy() - 1) < ON_RAYS) {
                return null; // the clip already sees through the segment's camera: nothing to move
            }
            out[slot] = rectifySlot(pointMaps[slot], width, height, camera.frameFromCamera(), k);
        }
        return out;
    }

    private static float[] rectifySlot(float[] points, int width, int height, RigidTransform clipFromCamera, CameraIntrinsics k) {
        double[] r = clipFromCamera.rotation(), t = clipFromCamera.translation();
        float[] out = new float[points.length];
        for (int p = 0; p < width * height; p++) {
            double dx = points[3 * p] - t[0], dy = points[3 * p + 1] - t[1], dz = points[3 * p + 2] - t[2];
            double z = r[2] * dx + r[5] * dy + r[8] * dz; // third row of R^T
            if (!(z > 0) || !Double.isFinite(z)) {
                out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = Float.NaN;
                continue;
            }
            double x = (p % width - k.cx()) / k.fx() * z, y = (p / width - k.cy()) / k.fy() * z;
            out[3 * p] = (float) (r[0] * x + r[1] * y + r[2] * z + t[0]);
            out[3 * p + 1] = (float) (r[3] * x + r[4] * y + r[5] * z + t[1]);
            out[3 * p + 2] = (float) (r[6] * x + r[7] * y + r[8] * z + t[2]);
        }
        return out;
    }
}
