package io.geostream.geometry;

/**
 * A camera pose fitted to 3-D points and the pixels where they are seen (perspective-n-point), as every PnP solver of
 * the project returns it ({@link OpenCvPoseEstimator}, the hand-written {@link PoseEstimator}).
 *
 * @param worldFromCamera   the camera pose (camera coordinates to world coordinates)
 * @param reprojectionRmsPx RMS reprojection error in pixels over the inliers
 * @param inliers           correspondences in front of the camera with a reprojection error below the inlier threshold
 * @param used              correspondences with finite coordinates (the others are skipped)
 */
public record PoseFit(RigidTransform worldFromCamera, double reprojectionRmsPx, int inliers, int used) {}
