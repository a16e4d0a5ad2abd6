package io.geostream.stitch;

import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.SegmentReason;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.FocalEstimator;
import io.geostream.geometry.PoseEstimator;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.Umeyama;
import io.geostream.model.ImageResize;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * v1 stitching, the "naive" baseline later methods are measured against: each new clip is mapped into
 * the segment's world frame by one unweighted Sim(3) (Umeyama) fitted on the frames it shares with the
 * previous clip; every frame is emitted once, by the first clip that holds it, with its camera pose
 * (PnP against its world points), camera-frame depth and normals.
 *
 * <p>Pure logic over a {@link StitcherState}; results must arrive in per-stream task order.
 */
public final class NaiveStitcher {

    public static final String METHOD = "naive-umeyama";
    public static final String METHOD_ANCHOR = "anchor";

    private final StitcherConfig config;

    public NaiveStitcher(StitcherConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Processes one clip result (or marker) of a stream. */
    public List<StitchEvent> process(StitcherState s, ClipResult r) {
        Objects.requireNonNull(s, "state");
        Objects.requireNonNull(r, "result");
        ClipTask task = Objects.requireNonNull(r.task, "result.task");
        List<StitchEvent> out = new ArrayList<>();
        if (task.startsSegment && task.frames.length > 0) {
            // A new input segment (possibly a restarted stream): indices may start over.
            s.lastHandledFrameIndex = task.frames[0].frameIndex - 1;
        }
        if (task.isMarker()) {
            // The segment ended without another clip: frames a failed clip left to it are failed too.
            for (FrameRecord f : s.heldAfterFailure) {
                if (f.frameIndex > s.lastHandledFrameIndex) {
                    out.add(new StitchEvent.FrameFailed(f, s.heldFailureReason, s.heldFailureDetail));
                    s.lastHandledFrameIndex = f.frameIndex;
                }
            }
            s.heldAfterFailure.clear();
            if (task.endsSegment) {
                endSegment(s, out, task.streamId, task.endReason, task.endDetail);
            }
            return out;
        }
        s.heldAfterFailure.clear(); // this clip holds them again
        if (r.failed()) {
            handleFailure(s, r, out);
            return out;
        }
        stitch(s, r, out);
        if (task.endsSegment) {
            endSegment(s, out, task.streamId, task.endReason, task.endDetail);
        }
        return out;
    }

    private void handleFailure(StitcherState s, ClipResult r, List<StitchEvent> out) {
        ClipTask task = r.task;
        // Frames the next clip holds again are not lost yet: it may still give them geometry.
        long cutoff = task.endsSegment || task.nextClipFirstFrameIndex < 0 ? Long.MAX_VALUE : task.nextClipFirstFrameIndex;
        for (int i = 0; i < task.realSlots(); i++) {
            FrameRecord f = task.frames[i];
            if (f.frameIndex > s.lastHandledFrameIndex && f.frameIndex < cutoff) {
                out.add(new StitchEvent.FrameFailed(f, r.failureReason, r.failureDetail));
                s.lastHandledFrameIndex = f.frameIndex;
            } else if (f.frameIndex >= cutoff) {
                FrameRecord held = withoutPixels(f);
                s.heldAfterFailure.add(held);
            }
        }
        s.heldFailureReason = r.failureReason;
        s.heldFailureDetail = r.failureDetail;
        String detail = "clip " + task.clipId + " failed: " + r.failureReason;
        if (s.segmentOpen) {
            endSegment(s, out, task.streamId, SegmentReason.INFERENCE_FAILED, detail);
        }
        s.anchors.clear();
        s.pendingStartReason = task.endsSegment ? null : SegmentReason.INFERENCE_FAILED;
    }

    private void stitch(StitcherState s, ClipResult r, List<StitchEvent> out) {
        ClipTask task = r.task;
        int w = r.width, h = r.height;
        Grid grid = new Grid(w, h, config.gridStepFor(w, h));

        Sim3 worldFromClip;
        String method;
        int overlapPoints = 0;
        double residual = 0, inliers = 1;
        boolean opensSegment = !s.segmentOpen;
        if (!opensSegment) {
            Fit fit = fitToAnchors(s, r, grid);
            if (fit == null) {
                endSegment(s, out, task.streamId, SegmentReason.TRACKING_LOST, "no usable overlap with the previous clip");
                opensSegment = true;
                s.pendingStartReason = SegmentReason.TRACKING_LOST;
                worldFromClip = null;
                method = METHOD_ANCHOR;
            } else if (fit.residual > config.maxResidual() || fit.inlierShare < config.minInlierShare()) {
                endSegment(s, out, task.streamId, SegmentReason.TRACKING_LOST, String.format(
                        "overlap residual %.3f (max %.3f), inlier share %.2f (min %.2f)",
                        fit.residual, config.maxResidual(), fit.inlierShare, config.minInlierShare()));
                opensSegment = true;
                s.pendingStartReason = SegmentReason.TRACKING_LOST;
                worldFromClip = null;
                method = METHOD_ANCHOR;
            } else {
                worldFromClip = fit.sim;
                method = METHOD;
                overlapPoints = fit.count;
                residual = fit.residual;
                inliers = fit.inlierShare;
            }
        } else {
            worldFromClip = null;
            method = METHOD_ANCHOR;
        }

        int firstSlot = firstUnhandledSlot(s, task);
        if (opensSegment) {
            if (firstSlot < 0) {
                // Nothing new in this clip and no segment to extend: nothing to anchor a world frame on.
                s.anchors.clear();
                return;
            }
            setSegmentIntrinsics(s, r, task);
            CameraIntrinsics k = intrinsicsFor(s, task.frames[firstSlot], w, h);
            // The world frame is the camera frame of the segment's first emitted frame.
            RigidTransform clipFromCam = firstSlot == 0 ? RigidTransform.identity()
                    : poseFromPoints(r.pointMaps[firstSlot], grid, k, null).worldFromCamera();
            RigidTransform camFromClip = clipFromCam.inverse();
            worldFromClip = new Sim3(1.0, camFromClip.rotation(), camFromClip.translation());
            SegmentReason reason = task.startsSegment ? task.startReason
                    : (s.pendingStartReason != null ? s.pendingStartReason : SegmentReason.UNKNOWN);
            FrameRecord first = task.frames[firstSlot];
            s.segmentOpen = true;
            s.segmentFirstIndex = first.frameIndex;
            s.segmentFrameCount = 0;
            s.pendingStartReason = null;
            out.add(new StitchEvent.SegmentStarted(task.streamId, s.segmentId, reason, first.frameIndex, first.captureTimeMicros));
        }

        RigidTransform clipPose = new RigidTransform(worldFromClip.rotation(), worldFromClip.translation());
        RigidTransform previousPose = clipPose;
        ArrayList<AnchorFrame> nextAnchors = new ArrayList<>();
        for (int slot = 0; slot < task.realSlots(); slot++) {
            FrameRecord f = task.frames[slot];
            boolean emit = f.frameIndex > s.lastHandledFrameIndex;
            boolean anchor = !task.endsSegment && task.nextClipFirstFrameIndex >= 0 && f.frameIndex >= task.nextClipFirstFrameIndex;
            if (!emit && !anchor) {
                continue;
            }
            float[] world = worldFromClip.applyToPoints(r.pointMaps[slot]);
            CameraIntrinsics k = intrinsicsFor(s, f, w, h);
            RigidTransform pose;
            double reproj = 0;
            if (slot == 0) {
                pose = clipPose;
            } else {
                PoseEstimator.PoseFit pf = poseFromPoints(world, grid, k, previousPose);
                pose = pf.worldFromCamera();
                reproj = pf.reprojectionRmsPx();
            }
            previousPose = pose;
            if (anchor) {
                nextAnchors.add(new AnchorFrame(f.frameIndex, grid.sample(world), pose.center()));
            }
            if (!emit) {
                continue;
            }
            float[] normalsWorld = worldFromClip.rotateVectors(r.normals[slot]);
            float[] depth = cameraDepth(world, pose);
            float[] normalsCam = Sim3.of(pose.inverse()).rotateVectors(normalsWorld);
            byte[] rgb = (f.width == w && f.height == h) ? f.rgb : ImageResize.bilinearRgb(f.rgb, f.width, f.height, w, h);
            out.add(new StitchEvent.StitchedFrame(f, s.segmentId, task.clipId, w, h, pose, k,
                    s.intrinsicsGiven || f.intrinsics != null ? IntrinsicsSource.GIVEN : IntrinsicsSource.ESTIMATED,
                    world, depth, normalsCam, r.confidence == null ? null : r.confidence[slot], rgb,
                    method, overlapPoints, residual, inliers, worldFromClip.scale(), reproj));
            s.lastHandledFrameIndex = f.frameIndex;
            s.segmentFrameCount++;
            s.segmentLastTimeMicros = f.captureTimeMicros;
        }
        s.anchors = nextAnchors;
    }

    private static int firstUnhandledSlot(StitcherState s, ClipTask task) {
        for (int i = 0; i < task.realSlots(); i++) {
            if (task.frames[i].frameIndex > s.lastHandledFrameIndex) return i;
        }
        return -1;
    }

    private void setSegmentIntrinsics(StitcherState s, ClipResult r, ClipTask task) {
        FrameRecord f0 = task.frames[0];
        if (f0.intrinsics != null) {
            CameraIntrinsics k = new CameraIntrinsics(f0.intrinsics[0], f0.intrinsics[1], f0.intrinsics[2], f0.intrinsics[3],
                    f0.width, f0.height).scaledTo(r.width, r.height);
            s.intrinsics = new double[] {k.fx(), k.fy(), k.cx(), k.cy()};
            s.intrinsicsGiven = true;
        } else {
            // Slot 0 of a clip is in its own camera frame, so its point map fixes the focal length.
            CameraIntrinsics k = FocalEstimator.estimate(r.pointMaps[0], r.width, r.height);
            s.intrinsics = new double[] {k.fx(), k.fy(), k.cx(), k.cy()};
            s.intrinsicsGiven = false;
        }
    }

    private static CameraIntrinsics intrinsicsFor(StitcherState s, FrameRecord f, int w, int h) {
        if (f.intrinsics != null) {
            return new CameraIntrinsics(f.intrinsics[0], f.intrinsics[1], f.intrinsics[2], f.intrinsics[3], f.width, f.height)
                    .scaledTo(w, h);
        }
        return new CameraIntrinsics(s.intrinsics[0], s.intrinsics[1], s.intrinsics[2], s.intrinsics[3], w, h);
    }

    private static PoseEstimator.PoseFit poseFromPoints(float[] points, Grid grid, CameraIntrinsics k, RigidTransform guess) {
        List<double[]> world = new ArrayList<>();
        List<double[]> pixels = new ArrayList<>();
        for (int c = 0; c < grid.cells(); c++) {
            int p = grid.pixel(c);
            float x = points[3 * p], y = points[3 * p + 1], z = points[3 * p + 2];
            if (Float.isFinite(x) && Float.isFinite(y) && Float.isFinite(z)) {
                world.add(new double[] {x, y, z});
                pixels.add(new double[] {p % grid.width, p / grid.width});
            }
        }
        return PoseEstimator.estimate(world.toArray(new double[0][]), pixels.toArray(new double[0][]), k, guess);
    }

    private static float[] cameraDepth(float[] world, RigidTransform worldFromCamera) {
        double[] r = worldFromCamera.rotation();
        double[] t = worldFromCamera.translation();
        int n = world.length / 3;
        float[] depth = new float[n];
        for (int i = 0; i < n; i++) {
            double dx = world[3 * i] - t[0], dy = world[3 * i + 1] - t[1], dz = world[3 * i + 2] - t[2];
            // z of R^T d: third column of R.
            double z = r[2] * dx + r[5] * dy + r[8] * dz;
            depth[i] = Double.isFinite(z) && z > 0 ? (float) z : Float.NaN;
        }
        return depth;
    }

    private record Fit(Sim3 sim, int count, double residual, double inlierShare) {}

    private Fit fitToAnchors(StitcherState s, ClipResult r, Grid grid) {
        List<double[]> src = new ArrayList<>();
        List<double[]> dst = new ArrayList<>();
        List<Double> dist = new ArrayList<>();
        ClipTask task = r.task;
        for (AnchorFrame a : s.anchors) {
            int slot = -1;
            for (int i = 0; i < task.realSlots(); i++) {
                if (task.frames[i].frameIndex == a.frameIndex) { slot = i; break; }
            }
            if (slot < 0 || a.gridPoints.length != 3 * grid.cells()) continue;
            float[] local = grid.sample(r.pointMaps[slot]);
            for (int c = 0; c < grid.cells(); c++) {
                double[] p = {local[3 * c], local[3 * c + 1], local[3 * c + 2]};
                double[] q = {a.gridPoints[3 * c], a.gridPoints[3 * c + 1], a.gridPoints[3 * c + 2]};
                if (finite(p) && finite(q)) {
                    src.add(p);
                    dst.add(q);
                    dist.add(Math.sqrt(sq(q[0] - a.cameraCenter[0]) + sq(q[1] - a.cameraCenter[1]) + sq(q[2] - a.cameraCenter[2])));
                }
            }
        }
        if (src.size() < 6) return null;
        double[][] srcA = src.toArray(new double[0][]);
        double[][] dstA = dst.toArray(new double[0][]);
        Sim3 sim;
        try {
            sim = Umeyama.fit(srcA, dstA, null);
        } catch (IllegalArgumentException degenerate) {
            return null;
        }
        double[] d = dist.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(d);
        double medianDepth = Math.max(1e-9, d[d.length / 2]);
        double sum = 0;
        int in = 0;
        for (int i = 0; i < srcA.length; i++) {
            double[] p = sim.apply(srcA[i]);
            double e = Math.sqrt(sq(p[0] - dstA[i][0]) + sq(p[1] - dstA[i][1]) + sq(p[2] - dstA[i][2]));
            sum += e * e;
            if (e < config.inlierThreshold() * medianDepth) in++;
        }
        double rms = Math.sqrt(sum / srcA.length) / medianDepth;
        return new Fit(sim, srcA.length, rms, (double) in / srcA.length);
    }

    private void endSegment(StitcherState s, List<StitchEvent> out, String streamId, SegmentReason reason, String detail) {
        if (!s.segmentOpen) {
            return;
        }
        out.add(new StitchEvent.SegmentEnded(streamId, s.segmentId, reason, detail == null ? "" : detail,
                s.segmentFirstIndex, s.lastHandledFrameIndex, s.segmentFrameCount, s.segmentLastTimeMicros));
        s.segmentOpen = false;
        s.segmentId++;
        s.anchors.clear();
        s.intrinsics = null;
    }

    private static FrameRecord withoutPixels(FrameRecord f) {
        FrameRecord c = new FrameRecord();
        c.streamId = f.streamId;
        c.frameIndex = f.frameIndex;
        c.captureTimeMicros = f.captureTimeMicros;
        c.endOfStream = f.endOfStream;
        c.width = f.width;
        c.height = f.height;
        c.ingestTimeMillis = f.ingestTimeMillis;
        c.sourceTopic = f.sourceTopic;
        c.sourcePartition = f.sourcePartition;
        c.sourceOffset = f.sourceOffset;
        return c;
    }

    private static boolean finite(double[] p) {
        return Double.isFinite(p[0]) && Double.isFinite(p[1]) && Double.isFinite(p[2]);
    }

    private static double sq(double v) {
        return v * v;
    }

    /** The fixed subsampling grid: cell centres every {@code step} pixels. */
    static final class Grid {
        final int width, height, step, cols, rows;

        Grid(int width, int height, int step) {
            this.width = width;
            this.height = height;
            this.step = step;
            this.cols = Math.max(1, width / step);
            this.rows = Math.max(1, height / step);
        }

        int cells() {
            return cols * rows;
        }

        int pixel(int cell) {
            int gx = cell % cols, gy = cell / cols;
            int u = Math.min(width - 1, gx * step + step / 2);
            int v = Math.min(height - 1, gy * step + step / 2);
            return v * width + u;
        }

        float[] sample(float[] xyz) {
            float[] outPts = new float[3 * cells()];
            for (int c = 0; c < cells(); c++) {
                int p = pixel(c);
                outPts[3 * c] = xyz[3 * p];
                outPts[3 * c + 1] = xyz[3 * p + 1];
                outPts[3 * c + 2] = xyz[3 * p + 2];
            }
            return outPts;
        }
    }
}
