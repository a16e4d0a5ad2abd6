package io.geostream.synthetic;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;

/**
 * One rendered synthetic frame with its exact geometry. Arrays are row-major (pixel p = v * width + u),
 * channels interleaved; they are fresh for every {@link SyntheticScene#render(int)} call and are not
 * copied here (treat them as read-only when shared).
 *
 * @param frameIndex        the frame's index in the stream
 * @param captureTimeMicros capture time, microseconds since the epoch
 * @param width             image width
 * @param height            image height
 * @param rgb               interleaved RGB8, 3 * width * height bytes; null from {@link TruthSource#renderGeometry}
 * @param depth             camera-frame z of the surface seen at each pixel, metres, finite and > 0
 * @param normalsCamera     unit surface normals in the camera frame, facing the camera, 3 floats per pixel
 * @param pointsWorld       the world point seen at each pixel, 3 floats per pixel
 * @param moving            whether the pixel sees a moving object
 * @param worldFromCamera   the camera pose (optical frame: +x right, +y down, +z forward)
 * @param intrinsics        the camera intrinsics
 */
public record FrameTruth(int frameIndex, long captureTimeMicros, int width, int height, byte[] rgb, float[] depth,
                         float[] normalsCamera, float[] pointsWorld, boolean[] moving,
                         RigidTransform worldFromCamera, CameraIntrinsics intrinsics) {
}
