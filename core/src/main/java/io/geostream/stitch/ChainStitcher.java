package io.geostream.stitch;

import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.SegmentReason;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.GaugeCameraEstimator;
import io.geostream.geometry.PoseFit;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.Sim3Interpolation;
import io.geostream.model.ImageResize;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The clip chain every stitching method shares: each new clip is mapped into the segment's world frame
 * by a Sim(3) that an {@link OverlapAligner} fits on the frames it shares with the previous clip
 * (anchors); every frame is emitted once, by the first clip that holds it, with its camera pose (PnP
 * against its world points), camera-frame depth and normals. A fit beyond the tracking bounds ends the
 * segment (TRACKING_LOST) and the clip opens a new one.
 *
 * <p>Pure logic over a {@link StitcherState}; results must arrive in per-stream task order.
 */
final class ChainStitcher implements Stitcher {

    static final String METHOD_ANCHOR = "anchor";
    /**
     * Dead-letter reason of a frame whose predicted geometry no camera explains (no PnP pose with enough inliers):
     * the frame is reported, not emitted with a made-up pose, and never fails the job.
     */
    public static final String POSE_NOT_FOUND = "POSE_NOT_FOUND";

    private final StitcherSettings config;
    private final OverlapAligner aligner;
    private final String method;
    private final boolean useKeyframes;
    private final boolean perFrame;

    ChainStitcher(StitcherSettings config, OverlapAligner aligner, String method) {
        this(config, aligner, method, false);
    }

    ChainStitcher(StitcherSettings config, OverlapAligner aligner, String method, boolean useKeyframes) {
        this(config, aligner, method, useKeyframes, false);
    }

    /**
     * @param useKeyframes keep the segment's keyframes (its first frame and the frames the clip cutter promotes,
     *                     {@link ClipTask#promotedKeyframeIndex}) and hand them to the aligner beside the overlap
     *                     frames (each counts when the clip cutter places it in the clip)
     * @param perFrame     correct each frame instead of moving the whole clip by one Sim(3): a clip's frames wait for the
     *                     next clip (one stride of latency); each frame the two clips share gives a per-frame Sim(3)
     *                     between their predictions, both sides move part of the way to a consensus, and the frames in
     *                     between get corrections interpolated by slot from both ends (see {@link #emitCorrected})
     */
    ChainStitcher(StitcherSettings config, OverlapAligner aligner, String method, boolean useKeyframes, boolean perFrame) {
        this.config = Objects.requireNonNull(config, "config");
        this.aligner = Objects.requireNonNull(aligner, "aligner");
        this.method = Objects.requireNonNull(method, "method");
        this.useKeyframes = useKeyframes;
        this.perFrame = perFrame;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public List<StitchEvent> process(StitcherState s, ClipResult r) {
        List<StitchEvent> out = new ArrayList<>();
        process(s, r, out::add);
        return out;
    }

    @Override
    public void process(StitcherState s, ClipResult r, Consumer<StitchEvent> out) {
        Objects.requireNonNull(s, "state");
        Objects.requireNonNull(r, "result");
        Objects.requireNonNull(out, "out");
        ClipTask task = Objects.requireNonNull(r.task, "result.task");
        if (task.startsSegment && task.frames.length > 0) {
            // A new input segment (possibly a restarted stream): indices may start over.
            s.lastHandledFrameIndex = task.frames[0].frameIndex - 1;
        }
        if (task.isMarker()) {
            flushHeld(s, out);
            // The segment ended without another clip: frames a failed clip left to it are failed too.
            for (FrameRecord f : s.heldAfterFailure) {
                if (f.frameIndex > s.lastHandledFrameIndex) {
                    out.accept(new StitchEvent.FrameFailed(f, s.heldFailureReason, s.heldFailureDetail));
                    s.lastHandledFrameIndex = f.frameIndex;
                }
            }
            s.heldAfterFailure.clear();
            if (task.endsSegment) {
                endSegment(s, out, task.streamId, task.endReason, task.endDetail);
            }
            return;
        }
        s.heldAfterFailure.clear(); // this clip holds them again
        if (r.failed()) {
            handleFailure(s, r, out);
            return;
        }
        stitch(s, r, out);
        if (task.endsSegment) {
            endSegment(s, out, task.streamId, task.endReason, task.endDetail);
        }
    }

    private void handleFailure(StitcherState s, ClipResult r, Consumer<StitchEvent> out) {
        ClipTask task = r.task;
        flushHeld(s, out); // before the failed frames, so the stream's output stays in index order
        // Frames the next clip holds again are not lost yet: it may still give them geometry.
        long cutoff = task.endsSegment || task.nextClipFirstFrameIndex < 0 ? Long.MAX_VALUE : task.nextClipFirstFrameIndex;
        for (int i = 0; i < task.realSlots(); i++) {
            FrameRecord f = task.frames[i];
            if (f.frameIndex > s.lastHandledFrameIndex && f.frameIndex < cutoff) {
                out.accept(new StitchEvent.FrameFailed(f, r.failureReason, r.failureDetail));
                s.lastHandledFrameIndex = f.frameIndex;
            } else if (f.frameIndex >= cutoff) {
                s.heldAfterFailure.add(f.withoutPixels());
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

    /**
     * Where a clip goes: mapped into the open segment's world frame by the aligner's fit on the overlap (and
     * keyframes), or, when there is no open segment or the fit is unusable, opening a new one.
     *
     * @param worldFromClip null when the clip opens a segment (its world frame is fixed by {@link #openSegment})
     */
    private record Placement(Sim3 worldFromClip, String method, int overlapPoints, double residual, double inlierShare,
                             boolean opensSegment) {
        static Placement opening() {
            return new Placement(null, METHOD_ANCHOR, 0, 0, 1, true);
        }
    }

    private void stitch(StitcherState s, ClipResult r, Consumer<StitchEvent> out) {
        if (perFrame) r = onSegmentRays(s, r);
        ClipTask task = r.task;
        Grid grid = new Grid(r.width, r.height, config.gridStepFor(r.width, r.height));
        Placement placement = place(s, r, grid, out);
        java.util.Map<Long, RigidTransform> sharedPoses = new java.util.HashMap<>();
        if (perFrame && !placement.opensSegment() && !s.heldForCorrection().isEmpty()) {
            placement = new Placement(towardsHeldCameras(s, r, placement.worldFromClip(), grid, sharedPoses), placement.method(),
                    placement.overlapPoints(), placement.residual(), placement.inlierShare(), false);
        }
        if (!placement.opensSegment() && !s.heldForCorrection().isEmpty()) {
            emitCorrected(s, r, placement.worldFromClip(), grid, sharedPoses, out);
        }
        if (!placement.opensSegment() && !s.heldForBlend.isEmpty()) {
            emitBlended(s, r, placement.worldFromClip(), grid, out);
        }
        int firstSlot = firstUnhandledSlot(s, task);
        if (placement.opensSegment()) {
            if (firstSlot < 0) {
                // Nothing new in this clip and no segment to extend: nothing to anchor a world frame on.
                s.anchors.clear();
                return;
            }
            Sim3 opened;
            try {
                opened = openSegment(s, r, firstSlot, grid, out);
            } catch (IllegalArgumentException noPose) {
                // No camera explains the first new frame: nothing to anchor a world frame on; the clip counts as failed.
                ClipResult failed = r.withPointMaps(r.pointMaps);
                failed.failureReason = POSE_NOT_FOUND;
                failed.failureDetail = "clip " + task.clipId + " opens no segment: " + noPose.getMessage();
                handleFailure(s, failed, out);
                return;
            }
            placement = new Placement(opened, METHOD_ANCHOR, 0, 0, 1, true);
        }
        emitFrames(s, r, placement, firstSlot, grid, out);
    }

    /**
     * The clip with its points on the rays of the segment's camera ({@link RayRectifier}): the given intrinsics, else
     * those of the open segment; a clip that opens a segment without given intrinsics defines them and stays as is.
     */
    private ClipResult onSegmentRays(StitcherState s, ClipResult r) {
        FrameRecord f0 = r.task.frames.length > 0 ? r.task.frames[0] : null;
        CameraIntrinsics k;
        if (f0 != null && f0.intrinsics != null) {
            k = new CameraIntrinsics(f0.intrinsics[0], f0.intrinsics[1], f0.intrinsics[2], f0.intrinsics[3], f0.width, f0.height)
                    .scaledTo(r.width, r.height);
        } else if (s.segmentOpen && s.intrinsics != null) {
            k = new CameraIntrinsics(s.intrinsics[0], s.intrinsics[1], s.intrinsics[2], s.intrinsics[3], r.width, r.height);
        } else {
            return r;
        }
        float[][] rectified = RayRectifier.rectify(r.pointMaps, r.task.realSlots(), r.width, r.height, k, config.poseSolver());
        return rectified == null ? r : r.withPointMaps(rectified);
    }

    /** Fits the clip to the open segment; ends the segment (TRACKING_LOST) when the fit is missing or out of bounds. */
    private Placement place(StitcherState s, ClipResult r, Grid grid, Consumer<StitchEvent> out) {
        if (!s.segmentOpen) {
            return Placement.opening();
        }
        ClipTask task = r.task;
        List<AnchorFrame> references = s.anchors;
        if (useKeyframes && !s.keyframes.isEmpty()) {
            references = new ArrayList<>(s.anchors);
            references.addAll(s.keyframes);
        }
        OverlapAligner.Fit fit = aligner.fit(references, r, grid);
        if (fit == null) {
            endSegment(s, out, task.streamId, SegmentReason.TRACKING_LOST, "no usable overlap with the previous clip");
            s.pendingStartReason = SegmentReason.TRACKING_LOST;
            return Placement.opening();
        }
        if (fit.residual() > config.maxResidual() || fit.inlierShare() < config.minInlierShare()) {
            endSegment(s, out, task.streamId, SegmentReason.TRACKING_LOST, String.format(
                    "overlap residual %.3f (max %.3f), inlier share %.2f (min %.2f)",
                    fit.residual(), config.maxResidual(), fit.inlierShare(), config.minInlierShare()));
            s.pendingStartReason = SegmentReason.TRACKING_LOST;
            return Placement.opening();
        }
        return new Placement(fit.sim(), this.method, fit.count(), fit.residual(), fit.inlierShare(), false);
    }

    /**
     * Opens a segment on the clip's first new frame: the segment's world frame is that frame's camera frame. The clip
     * frame may be any similarity gauge of a camera frame, so even slot 0 needs a PnP. Returns the clip's world pose.
     */
    private Sim3 openSegment(StitcherState s, ClipResult r, int firstSlot, Grid grid, Consumer<StitchEvent> out) {
        ClipTask task = r.task;
        setSegmentIntrinsics(s, r, task);
        CameraIntrinsics k = intrinsicsFor(s, task.frames[firstSlot], r.width, r.height);
        RigidTransform clipFromCam = poseFromPoints(r.pointMaps[firstSlot], grid, k, null).worldFromCamera();
        RigidTransform camFromClip = clipFromCam.inverse();
        SegmentReason reason = task.startsSegment ? task.startReason
                : (s.pendingStartReason != null ? s.pendingStartReason : SegmentReason.UNKNOWN);
        FrameRecord first = task.frames[firstSlot];
        s.segmentOpen = true;
        s.segmentFirstIndex = first.frameIndex;
        s.segmentStartMicros = first.captureTimeMicros;
        s.segmentFrameCount = 0;
        s.pendingStartReason = null;
        out.accept(new StitchEvent.SegmentStarted(task.streamId, s.segmentId, s.segmentStartMicros, reason, first.frameIndex, first.captureTimeMicros));
        return new Sim3(1.0, camFromClip.rotation(), camFromClip.translation());
    }

    /**
     * Per frame of the clip: its pose (PnP against its world points), and as the clip's role for it says: emitted (the
     * first clip that holds it), held for blending, kept as an anchor for the next clip's fit, or kept as a keyframe.
     */
    private void emitFrames(StitcherState s, ClipResult r, Placement placement, int firstSlot, Grid grid, Consumer<StitchEvent> out) {
        ClipTask task = r.task;
        int w = r.width, h = r.height;
        Sim3 worldFromClip = placement.worldFromClip();
        boolean opensSegment = placement.opensSegment();
        RigidTransform previousPose = null;
        ArrayList<AnchorFrame> nextAnchors = new ArrayList<>();
        if (perFrame && opensSegment) {
            // The segment's first frame defines its world: its correction is the identity, whatever comes later.
            s.startCorrections().clear();
            s.startCorrections().add(new SlotCorrection(firstSlot, Sim3.identity()));
        }
        for (int slot = 0; slot < task.realSlots(); slot++) {
            FrameRecord f = task.frames[slot];
            boolean emit = f.frameIndex > s.lastHandledFrameIndex;
            boolean anchor = !task.endsSegment && task.nextClipFirstFrameIndex >= 0 && f.frameIndex >= task.nextClipFirstFrameIndex;
            boolean promote = useKeyframes && !task.endsSegment && f.frameIndex == task.promotedKeyframeIndex;
            if (!emit && !anchor && !promote) {
                continue;
            }
            float[] world = worldFromClip.applyToPoints(r.pointMaps[slot]);
            CameraIntrinsics k = intrinsicsFor(s, f, w, h);
            RigidTransform pose;
            double reproj = 0;
            if (opensSegment && slot == firstSlot) {
                pose = RigidTransform.identity(); // the segment's world frame is this camera's frame
            } else {
                PoseFit pf;
                try {
                    pf = poseFromPoints(world, grid, k, previousPose);
                } catch (IllegalArgumentException noPose) {
                    if (emit) {
                        out.accept(new StitchEvent.FrameFailed(f, POSE_NOT_FOUND, "clip " + task.clipId + ": " + noPose.getMessage()));
                        s.lastHandledFrameIndex = f.frameIndex;
                        s.segmentFrameCount++;
                    }
                    continue; // neither an anchor nor a keyframe: its geometry is not trusted
                }
                pose = pf.worldFromCamera();
                reproj = pf.reprojectionRmsPx();
            }
            previousPose = pose;
            if (useKeyframes && opensSegment && slot == firstSlot) {
                AnchorFrame k0 = anchorFrame(f, world, pose, r, slot, grid);
                k0.keyframe = true;
                s.keyframes.clear();
                s.keyframes.add(k0);
            } else if (promote) {
                // A later keyframe (clip cutter's refresh policy): its geometry from this clip is fixed from now on.
                AnchorFrame kf = anchorFrame(f, world, pose, r, slot, grid);
                kf.keyframe = true;
                s.keyframes.removeIf(old -> old.frameIndex == kf.frameIndex);
                s.keyframes.add(kf);
            }
            if (anchor) {
                nextAnchors.add(anchorFrame(f, world, pose, r, slot, grid));
            }
            if (!emit) {
                continue;
            }
            float[] normalsWorld = worldFromClip.rotateVectors(r.normals[slot]);
            float[] confidence = r.confidence == null ? null : r.confidence[slot];
            if (perFrame) {
                // Every frame waits for the next clip, which tells how this clip drifted towards its end.
                CorrectableFrame held = new CorrectableFrame(HalfPointsHeldFrame.of(heldFrame(f, task.clipId, w, h, world,
                        normalsWorld, confidence, placement), pose.center()), slot, pose, opensSegment && slot == firstSlot);
                held.reprojectionRms = reproj;
                s.heldForCorrection().add(held);
            } else if (anchor && config.overlapPolicy() == OverlapPolicy.BLENDED && !(opensSegment && slot == firstSlot)) {
                // The next clip predicts this frame again: emit it once, blended, when that clip arrives.
                s.heldForBlend.add(heldFrame(f, task.clipId, w, h, world, normalsWorld, confidence, placement));
            } else {
                out.accept(stitchedFrame(s, f, task.clipId, w, h, pose, k, world, normalsWorld, confidence, placement.method(),
                        placement.overlapPoints(), placement.residual(), placement.inlierShare(), worldFromClip.scale(), reproj));
            }
            s.lastHandledFrameIndex = f.frameIndex;
            s.segmentFrameCount++;
            s.segmentLastTimeMicros = f.captureTimeMicros;
        }
        s.anchors = nextAnchors;
        if (useKeyframes && (task.keyframeSlots > 0 || task.promotedKeyframeIndex >= 0)) {
            // The next clip holds at most this clip's keyframes and the promoted frame: forget the others.
            s.keyframes.removeIf(kept -> kept.frameIndex != task.promotedKeyframeIndex && !inKeyframeSlots(task, kept.frameIndex));
        }
    }

    /** A frame's world points sampled on the grid (with its confidence, when the model gives one), for later fits. */
    private static AnchorFrame anchorFrame(FrameRecord f, float[] world, RigidTransform pose, ClipResult r, int slot, Grid grid) {
        AnchorFrame a = new AnchorFrame(f.frameIndex, grid.sample(world), pose.center());
        if (r.confidence != null && r.confidence[slot] != null) a.gridConfidence = grid.sampleScalar(r.confidence[slot]);
        return a;
    }

    private static HeldFrame heldFrame(FrameRecord f, long clipId, int w, int h, float[] world, float[] normalsWorld,
                                       float[] confidence, Placement placement) {
        HeldFrame held = new HeldFrame();
        held.frame = f;
        held.clipId = clipId;
        held.width = w;
        held.height = h;
        held.worldPoints = world;
        held.normalsWorld = normalsWorld;
        held.confidence = confidence;
        held.method = placement.method();
        held.overlapPoints = placement.overlapPoints();
        held.residualRms = placement.residual();
        held.inlierShare = placement.inlierShare();
        held.clipScale = placement.worldFromClip().scale();
        return held;
    }

    private static boolean inKeyframeSlots(ClipTask task, long frameIndex) {
        for (int i = 0; i < task.keyframeSlots && i < task.frames.length; i++) {
            if (task.frames[i].frameIndex == frameIndex) return true;
        }
        return false;
    }

    private StitchEvent.StitchedFrame stitchedFrame(StitcherState s, FrameRecord f, long clipId, int w, int h,
                                                    RigidTransform pose, CameraIntrinsics k, float[] world,
                                                    float[] normalsWorld, float[] confidence, String method,
                                                    int overlapPoints, double residual, double inliers, double clipScale,
                                                    double reproj) {
        return stitchedFrame(s, f, clipId, w, h, pose, k, world, normalsWorld, Sim3.of(pose.inverse()), confidence, method,
                overlapPoints, residual, inliers, clipScale, reproj);
    }

    /** @param normalsToCamera the rotation that takes {@code normals} into the frame's camera */
    private StitchEvent.StitchedFrame stitchedFrame(StitcherState s, FrameRecord f, long clipId, int w, int h,
                                                    RigidTransform pose, CameraIntrinsics k, float[] world,
                                                    float[] normals, Sim3 normalsToCamera, float[] confidence, String method,
                                                    int overlapPoints, double residual, double inliers, double clipScale,
                                                    double reproj) {
        float[] depth = cameraDepth(world, pose);
        float[] normalsCam = normalsToCamera.rotateVectors(normals);
        byte[] rgb = (f.width == w && f.height == h) ? f.rgb : ImageResize.resizeRgb(f.rgb, f.width, f.height, w, h);
        return new StitchEvent.StitchedFrame(f, s.segmentId, s.segmentStartMicros, clipId, w, h, pose, k,
                s.intrinsicsGiven || f.intrinsics != null ? IntrinsicsSource.GIVEN : IntrinsicsSource.ESTIMATED,
                world, depth, normalsCam, confidence, rgb, method, overlapPoints, residual, inliers, clipScale, reproj);
    }

    /**
     * Emits the held frames, each blended with this clip's prediction of it (mapped into the world by
     * {@code worldFromClip}); a frame this clip does not hold goes out as first predicted.
     */
    private void emitBlended(StitcherState s, ClipResult r, Sim3 worldFromClip, Grid grid, Consumer<StitchEvent> out) {
        RigidTransform guess = null;
        for (HeldFrame held : s.heldForBlend) {
            int slot = OverlapAligner.slotOf(r, held.frame.frameIndex);
            if (slot >= 0 && r.width == held.width && r.height == held.height) {
                float[] conf2 = r.confidence == null ? null : r.confidence[slot];
                Blend b = blend(held.points(), held.normals(), held.confidenceValues(),
                        worldFromClip.applyToPoints(r.pointMaps[slot]), worldFromClip.rotateVectors(r.normals[slot]), conf2);
                held.setPoints(b.worldPoints());
                held.setNormalsAndConfidence(b.normalsWorld(), b.confidence());
            }
            guess = emitHeld(s, held, false, grid, guess, out);
        }
        s.heldForBlend.clear();
    }

    /**
     * Emits the held frames as first predicted (the segment ends before another clip can blend them); in per-frame
     * mode with the corrections known at the clip's start only.
     */
    private void flushHeld(StitcherState s, Consumer<StitchEvent> out) {
        for (CorrectableFrame c : s.heldForCorrection()) {
            Sim3 correction = s.startCorrections().isEmpty() ? Sim3.identity()
                    : correctionAt(s.startCorrections(), c.slot, c.cameraCenter);
            correctPoints(c.held, correction);
            emitCorrectedFrame(s, c, correction, out);
        }
        s.heldForCorrection().clear();
        s.startCorrections().clear();
        RigidTransform guess = null;
        for (HeldFrame held : s.heldForBlend) {
            Grid grid = new Grid(held.width, held.height, config.gridStepFor(held.width, held.height));
            guess = emitHeld(s, held, false, grid, guess, out);
        }
        s.heldForBlend.clear();
    }

    /**
     * Per-frame mode: the held clip's frames, corrected, now that the next clip (placed by {@code worldFromClip}) is
     * known. For each frame both clips hold, E = the similarity that moves the held clip's camera of that frame (its
     * PnP pose when held) onto the next clip's (a PnP on the next clip's world prediction), with the scale the aligner
     * finds between the two predictions' points. The consensus lies halfway: the held clip's end moves by E^(1/2), the
     * next clip's start by E^-(1/2). (An inverse-variance share that trusted the next clip's early slots, v = slot^2 + 1,
     * fits drift alone; a model's per-clip errors (depth field, focal length, gauge) do not shrink towards a clip's first
     * slot, and with the realistic instrument that share moved each clip's end fully onto the next clip's own error,
     * so the path zigzagged by a clip's error every stride: 2,000 frames, spike share 0.052 -> 0.006, ATE/length
     * 0.0125 -> 0.0104 with corrections, docs/benchmarks.md, session 12.) The held frames between the clip's start
     * corrections and these end corrections get corrections interpolated by slot; a shared frame is emitted once, as
     * the blend of both corrected predictions, weighted by confidence and by a share of the next clip that ramps up
     * over the shared frames. What the two predictions of the shared frames still differ by beyond that similarity, as
     * far as it is smooth over the image ({@link DepthRatioField}: a model's depth field), is spread over the held clip:
     * of its N held frames, the i-th of the m before the shared ones moves its depth along its rays i/(N+1) of the way
     * towards the next clip's; the shared frames start from m/(N+1) and the blend takes them the rest of the way, the
     * pair where the emitting clip changes taking the largest step ({@link #SWITCH_STEPS}). Before, the shared frames
     * carried all of it: inside-clip pairs disagreed 6 % more than {@code robust_keyframes}' (docs/benchmarks.md,
     * session 24; equal since session 28).
     */
    private void emitCorrected(StitcherState s, ClipResult r, Sim3 worldFromClip, Grid grid,
                               java.util.Map<Long, RigidTransform> sharedPoses, Consumer<StitchEvent> out) {
        ArrayList<SlotCorrection> controls = new ArrayList<>(s.startCorrections());
        ArrayList<SlotCorrection> nextStarts = new ArrayList<>();
        java.util.Map<Long, Sim3> nextCorrection = new java.util.HashMap<>();
        for (CorrectableFrame c : s.heldForCorrection()) {
            HeldFrame held = c.held;
            int slot = OverlapAligner.slotOf(r, held.frame.frameIndex);
            if (slot < 0 || r.width != held.width || r.height != held.height) continue;
            AnchorFrame a = new AnchorFrame(held.frame.frameIndex, grid.sample(held.points()), c.cameraCenter);
            float[] heldConfidence = held.confidenceValues();
            if (heldConfidence != null) a.gridConfidence = grid.sampleScalar(heldConfidence);
            OverlapAligner.Fit fit = aligner.fit(List.of(a), r, grid);
            if (fit == null) continue;
            // E moves the held clip's camera of this frame onto the next clip's (both fitted to their own geometry, so
            // the path stays continuous however the two geometries differ beyond a similarity), with the scale of the
            // two predictions' points about that camera.
            RigidTransform nextPose = sharedPoses.get(held.frame.frameIndex);
            if (nextPose == null) {
                try {
                    nextPose = poseFromPoints(worldFromClip.applyToPoints(r.pointMaps[slot]), grid,
                            intrinsicsFor(s, held.frame, r.width, r.height), c.worldFromCamera()).worldFromCamera();
                } catch (IllegalArgumentException noPose) {
                    continue; // this shared frame gives no correction; the others still do
                }
            }
            RigidTransform rigid = nextPose.compose(c.worldFromCamera().inverse());
            double scale = worldFromClip.compose(fit.sim().inverse()).scale();
            double[] centre = nextPose.center();
            Sim3 e = new Sim3(scale, IDENTITY, new double[] {(1 - scale) * centre[0], (1 - scale) * centre[1],
                    (1 - scale) * centre[2]}).compose(Sim3.of(rigid));
            double alpha = CONSENSUS_SHARE;
            if (!c.segmentFirst) {
                controls.add(new SlotCorrection(c.slot, Sim3Interpolation.power(e, alpha, c.cameraCenter)));
            }
            Sim3 back = Sim3Interpolation.power(e.inverse(), c.segmentFirst ? 1 : 1 - alpha, e.apply(c.cameraCenter));
            nextStarts.add(new SlotCorrection(slot, back));
            nextCorrection.put(held.frame.frameIndex, back.compose(worldFromClip));
        }
        controls.sort(java.util.Comparator.comparingInt(k -> k.slot));
        // The two clips' geometry of a shared frame differs beyond a similarity (a model's errors are not rigid), and a
        // camera pose follows the geometry it is fitted to: switching from one clip's geometry to the other's at one
        // frame makes the path jump. So the blend's weight of the next clip ramps over the shared stream frames
        // (SWITCH_STEPS), while the rigid consensus above stays halfway.
        List<Long> shared = new ArrayList<>();
        for (CorrectableFrame c : s.heldForCorrection()) {
            int slot = OverlapAligner.slotOf(r, c.held.frame.frameIndex);
            if (!c.segmentFirst && slot >= r.task.keyframeSlots && nextCorrection.containsKey(c.held.frame.frameIndex)) {
                shared.add(c.held.frame.frameIndex);
            }
        }
        List<Sim3> corrections = new ArrayList<>();
        for (CorrectableFrame c : s.heldForCorrection()) {
            Sim3 correction = controls.isEmpty() ? Sim3.identity() : correctionAt(controls, c.slot, c.cameraCenter);
            correctPoints(c.held, correction); // the normals where they are used (the blend, emitCorrectedFrame)
            corrections.add(correction);
        }
        // What the similarity consensus leaves of the two predictions' difference: spread over the whole held clip.
        java.util.Map<Long, float[]> nextWorld = new java.util.HashMap<>();
        for (long index : shared) {
            nextWorld.put(index, nextCorrection.get(index).applyToPoints(r.pointMaps[OverlapAligner.slotOf(r, index)]));
        }
        DepthRatioField field = nonRigidDifference(s, r, nextWorld, corrections);
        int heldCount = s.heldForCorrection().size();
        // The held frames before the first shared one step along the field; a frame after it that is not shared (an
        // overlap frame the next clip gave no correction) stays where the shared frames start from.
        int ownCount = 0;
        while (ownCount < heldCount && !shared.contains(s.heldForCorrection().get(ownCount).held.frame.frameIndex)) ownCount++;
        int ownRank = 0;
        RigidTransform guess = null;
        for (int j = 0; j < heldCount; j++) {
            CorrectableFrame c = s.heldForCorrection().get(j);
            HeldFrame held = c.held;
            Sim3 correction = corrections.get(j);
            // The emitted camera's centre (the segment's first camera is the world's origin whatever its correction).
            double[] centre = c.segmentFirst ? new double[3] : correction.apply(c.cameraCenter);
            boolean warp = field != null && held.width == r.width && held.height == r.height;
            Sim3 other = nextCorrection.get(held.frame.frameIndex);
            int rank = shared.indexOf(held.frame.frameIndex);
            if (other != null && rank >= 0) {
                int slot = OverlapAligner.slotOf(r, held.frame.frameIndex);
                double weight = (rank + 1.0) / (shared.size() + SWITCH_STEPS);
                // As far along the field as the last frame of its own (the blend below takes it the rest of the way).
                if (warp) field.warp(held.points(), centre, (double) ownCount / (heldCount + 1));
                float[] conf2 = r.confidence == null ? null : r.confidence[slot];
                Blend b = blend(held.points(), correction.rotateVectors(held.normals()), held.confidenceValues(),
                        nextWorld.get(held.frame.frameIndex),
                        other.rotateVectors(r.normals[slot]), conf2, 1 - weight, weight);
                held.setPoints(b.worldPoints());
                held.setNormalsAndConfidence(b.normalsWorld(), b.confidence());
                guess = emitHeld(s, held, c.segmentFirst, grid, guess, out); // blended: its pose from the new points
            } else {
                // Along the rays: the pose fitted when the frame was held, corrected, still fits.
                if (warp) field.warp(held.points(), centre, Math.min(ownRank + 1, ownCount) / (heldCount + 1.0));
                ownRank++;
                guess = emitCorrectedFrame(s, c, correction, out);
            }
        }
        s.heldForCorrection().clear();
        nextStarts.sort(java.util.Comparator.comparingInt(k -> k.slot));
        s.startCorrections = nextStarts;
    }

    /**
     * The blend's ramp over the n shared frames gives the next clip the weights 1/(n+s) .. n/(n+s): each step inside the
     * held clip moves 1/(n+s) of the way, the step to the next clip's own frames the last s/(n+s). What differs between
     * the two predictions once {@link DepthRatioField} has spread their smooth difference over the whole clip is mostly
     * per-pixel (noise, flying pixels), and a share of it on every inside pair costs more than a larger share on the one
     * pair where the emitting clip changes: with s = 1 (an even ramp) the inside pairs disagreed 1 % more than
     * {@code robust_keyframes}', with s = 3 they agree as well (realistic instrument, 2,000 frames, seeds 1-2;
     * docs/benchmarks.md, session 28).
     */
    static final int SWITCH_STEPS = 3;

    /**
     * What differs between the held clip's and the next clip's prediction of their shared frames beyond the similarity
     * consensus (both corrected): a smooth depth ratio per pixel, or null without shared frames.
     */
    private static DepthRatioField nonRigidDifference(StitcherState s, ClipResult r, java.util.Map<Long, float[]> nextWorld,
                                                      List<Sim3> corrections) {
        List<float[]> from = new ArrayList<>(), to = new ArrayList<>();
        List<double[]> centres = new ArrayList<>();
        for (int j = 0; j < s.heldForCorrection().size(); j++) {
            CorrectableFrame c = s.heldForCorrection().get(j);
            float[] next = nextWorld.get(c.held.frame.frameIndex);
            if (next == null) continue;
            from.add(c.held.points());
            to.add(next);
            centres.add(corrections.get(j).apply(c.cameraCenter));
        }
        if (from.isEmpty()) return null;
        return DepthRatioField.fit(from, centres, to, r.width, r.height);
    }

    private static final double[] IDENTITY = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    /** How far a shared frame's held-clip camera moves towards the next clip's (see {@link #emitCorrected}). */
    static final double CONSENSUS_SHARE = 0.5;

    /**
     * How far a clip's placement moves (rigidly) from where its points fit the held clip's towards where its cameras of
     * the shared frames meet the held clip's (see {@link #towardsHeldCameras}).
     */
    static final double CAMERA_PULL = 0.25;

    /**
     * The placement moved a share {@link #CAMERA_PULL} of the way towards the held clip's cameras. A clip is placed by its
     * points, and two clips' depth errors (a model's smooth depth field) tilt that fit: the next clip's camera of a shared
     * frame lands 0.6-2.3 (world units) from the held clip's camera of it although their surfaces agree. Split halfway
     * (emitCorrected) that still bends each clip's path by half the offset at each end, which in the slow parts of a
     * walk were spikes; a quarter of the offset taken into the placement itself moves the whole clip, not its ends.
     * Measured on 2,000 frames (realistic, seeds 1-5; docs/benchmarks.md, session 12); a larger share trades the
     * points' fit for the cameras' (0.5 and 1 on 900 frames: ATE/length 0.048 and 0.067 against 0.040).
     * The move is the one of the middle shared frame (next camera onto held camera), about the next camera.
     *
     * @param sharedPoses receives, per shared frame, the next clip's camera of it under the moved placement: the move is
     *                    rigid, and a PnP pose moves with its points (up to where the solver starts from), so
     *                    {@link #emitCorrected} need not fit it again (eval stitching figures equal to 6 digits)
     */
    private Sim3 towardsHeldCameras(StitcherState s, ClipResult r, Sim3 worldFromClip, Grid grid,
                                    java.util.Map<Long, RigidTransform> sharedPoses) {
        List<RigidTransform> moves = new ArrayList<>();
        List<double[]> pivots = new ArrayList<>();
        List<Long> frames = new ArrayList<>();
        List<RigidTransform> poses = new ArrayList<>();
        for (CorrectableFrame c : s.heldForCorrection()) {
            HeldFrame held = c.held;
            int slot = OverlapAligner.slotOf(r, held.frame.frameIndex);
            if (slot < r.task.keyframeSlots || r.width != held.width || r.height != held.height) continue;
            try {
                RigidTransform nextPose = poseFromPoints(worldFromClip.applyToPoints(r.pointMaps[slot]), grid,
                        intrinsicsFor(s, held.frame, r.width, r.height), c.worldFromCamera()).worldFromCamera();
                moves.add(c.worldFromCamera().compose(nextPose.inverse()));
                pivots.add(nextPose.center());
                frames.add(held.frame.frameIndex);
                poses.add(nextPose);
            } catch (IllegalArgumentException noPose) {
                // this shared frame gives no camera; the others still do
            }
        }
        if (moves.isEmpty()) return worldFromClip;
        int middle = moves.size() / 2;
        Sim3 pull = Sim3Interpolation.power(Sim3.of(moves.get(middle)), CAMERA_PULL, pivots.get(middle));
        for (int i = 0; i < frames.size(); i++) sharedPoses.put(frames.get(i), pull.transformPose(poses.get(i)));
        return pull.compose(worldFromClip);
    }

    /**
     * Applies a correction to a held frame's world points. Its normals stay as held: {@link #emitCorrectedFrame} takes
     * them into the camera in one rotation, and the blend rotates them itself (one pass over them instead of two).
     */
    private static void correctPoints(HeldFrame held, Sim3 correction) {
        held.setPoints(correction.applyToPoints(held.points()));
    }

    /** The correction at a slot: piecewise-linear (about the pivot) between the known slots, constant beyond them. */
    static Sim3 correctionAt(List<SlotCorrection> sortedControls, int slot, double[] pivot) {
        SlotCorrection first = sortedControls.get(0), last = sortedControls.get(sortedControls.size() - 1);
        if (slot <= first.slot) return first.sim();
        if (slot >= last.slot) return last.sim();
        for (int i = 0; i + 1 < sortedControls.size(); i++) {
            SlotCorrection lo = sortedControls.get(i), hi = sortedControls.get(i + 1);
            if (slot >= lo.slot && slot <= hi.slot) {
                if (hi.slot == lo.slot) return hi.sim();
                return Sim3Interpolation.blend(lo.sim(), hi.sim(), (double) (slot - lo.slot) / (hi.slot - lo.slot), pivot);
            }
        }
        return last.sim();
    }

    /**
     * Emits a held frame moved by a similarity as a whole: a PnP pose moves with its points (reprojection errors do not
     * change), so the pose fitted when the frame was held, moved by the correction, is what a new PnP would find. Its
     * points carry the correction ({@link #correctPoints}), its normals do not: the correction rotates the normals and
     * the camera alike, so in the camera they are the held normals seen from the held camera (the segment's first camera
     * stays the world's axes, so its normals take the correction's rotation).
     */
    private RigidTransform emitCorrectedFrame(StitcherState s, CorrectableFrame c, Sim3 correction, Consumer<StitchEvent> out) {
        HeldFrame held = c.held;
        CameraIntrinsics k = intrinsicsFor(s, held.frame, held.width, held.height);
        RigidTransform pose = c.segmentFirst ? RigidTransform.identity() : correction.transformPose(c.worldFromCamera());
        Sim3 normalsToCamera = c.segmentFirst ? correction : Sim3.of(c.worldFromCamera().inverse());
        out.accept(stitchedFrame(s, held.frame, held.clipId, held.width, held.height, pose, k,
                held.points(), held.normals(), normalsToCamera, held.confidenceValues(), held.method, held.overlapPoints, held.residualRms,
                held.inlierShare, held.clipScale, c.segmentFirst ? 0 : c.reprojectionRms));
        return pose;
    }

    /** @param segmentFirst the frame opened the segment: its pose is the identity by definition */
    private RigidTransform emitHeld(StitcherState s, HeldFrame held, boolean segmentFirst, Grid grid, RigidTransform guess,
                                    Consumer<StitchEvent> out) {
        CameraIntrinsics k = intrinsicsFor(s, held.frame, held.width, held.height);
        RigidTransform pose;
        double reproj = 0;
        if (segmentFirst) {
            pose = RigidTransform.identity(); // the segment's world frame is this camera's frame
        } else {
            PoseFit pf;
            try {
                pf = poseFromPoints(held.points(), grid, k, guess);
            } catch (IllegalArgumentException noPose) {
                out.accept(new StitchEvent.FrameFailed(held.frame, POSE_NOT_FOUND, "clip " + held.clipId + ": " + noPose.getMessage()));
                return guess;
            }
            pose = pf.worldFromCamera();
            reproj = pf.reprojectionRmsPx();
        }
        out.accept(stitchedFrame(s, held.frame, held.clipId, held.width, held.height, pose, k,
                held.points(), held.normals(), held.confidenceValues(), held.method, held.overlapPoints, held.residualRms,
                held.inlierShare, held.clipScale, reproj));
        return pose;
    }

    /** Two predictions of one frame averaged per pixel. */
    record Blend(float[] worldPoints, float[] normalsWorld, float[] confidence) {}

    /**
     * The per-pixel confidence-weighted average of two predictions of a frame in the same world frame
     * (weights 1 where a prediction has no confidence; a pixel valid in one prediction only keeps that
     * one). Normals are averaged with the same weights and renormalised; the confidence is the weighted
     * mean of the two, i.e. sum(c^2) / sum(c).
     */
    static Blend blend(float[] world1, float[] normals1, float[] conf1, float[] world2, float[] normals2, float[] conf2) {
        return blend(world1, normals1, conf1, world2, normals2, conf2, 1, 1);
    }

    /** The same with prior weights of the two predictions, multiplying their confidences. */
    static Blend blend(float[] world1, float[] normals1, float[] conf1, float[] world2, float[] normals2, float[] conf2,
                       double prior1, double prior2) {
        int n = world1.length / 3;
        float[] world = new float[3 * n];
        float[] normals = new float[3 * n];
        float[] conf = conf1 == null && conf2 == null ? null : new float[n];
        for (int p = 0; p < n; p++) {
            double w1 = prior1 * (conf1 == null ? 1 : conf1[p]), w2 = prior2 * (conf2 == null ? 1 : conf2[p]);
            boolean ok1 = finite(world1, p) && w1 >= 0 && Double.isFinite(w1);
            boolean ok2 = finite(world2, p) && w2 >= 0 && Double.isFinite(w2);
            if (!ok1) w1 = 0;
            if (!ok2) w2 = 0;
            double sum = w1 + w2;
            if (!(sum > 0)) {
                // Both invalid or both zero-confidence: an unweighted mean of what is finite.
                w1 = ok1 ? 1 : 0;
                w2 = ok2 ? 1 : 0;
                sum = w1 + w2;
            }
            if (sum == 0) {
                world[3 * p] = world[3 * p + 1] = world[3 * p + 2] = Float.NaN;
                normals[3 * p] = normals1[3 * p];
                normals[3 * p + 1] = normals1[3 * p + 1];
                normals[3 * p + 2] = normals1[3 * p + 2];
                if (conf != null) conf[p] = 0;
                continue;
            }
            double a = w1 / sum, b = w2 / sum;
            for (int c = 0; c < 3; c++) {
                double v1 = a > 0 ? world1[3 * p + c] : 0, v2 = b > 0 ? world2[3 * p + c] : 0;
                world[3 * p + c] = (float) (a * v1 + b * v2);
            }
            double nx = a * normals1[3 * p] + b * normals2[3 * p];
            double ny = a * normals1[3 * p + 1] + b * normals2[3 * p + 1];
            double nz = a * normals1[3 * p + 2] + b * normals2[3 * p + 2];
            double len = Math.sqrt(nx * nx + ny * ny + nz * nz);
            if (len > 0 && Double.isFinite(len)) {
                normals[3 * p] = (float) (nx / len);
                normals[3 * p + 1] = (float) (ny / len);
                normals[3 * p + 2] = (float) (nz / len);
            } else {
                // Opposite normals (or none): keep the more confident prediction's.
                float[] keep = a >= b ? normals1 : normals2;
                System.arraycopy(keep, 3 * p, normals, 3 * p, 3);
            }
            if (conf != null) {
                double c1 = conf1 == null ? 1 : conf1[p], c2 = conf2 == null ? 1 : conf2[p];
                conf[p] = (float) (a * (ok1 ? c1 : 0) + b * (ok2 ? c2 : 0));
            }
        }
        return new Blend(world, normals, conf);
    }

    private static boolean finite(float[] xyz, int p) {
        return Float.isFinite(xyz[3 * p]) && Float.isFinite(xyz[3 * p + 1]) && Float.isFinite(xyz[3 * p + 2]);
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
            // Slot 0 of a clip is one camera's view in the clip's gauge, so its point map fixes the focal length.
            CameraIntrinsics k = GaugeCameraEstimator.estimate(r.pointMaps[0], r.width, r.height, null, config.poseSolver()).intrinsics();
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

    private PoseFit poseFromPoints(float[] points, Grid grid, CameraIntrinsics k, RigidTransform guess) {
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
        return config.poseSolver().estimate(world.toArray(new double[0][]), pixels.toArray(new double[0][]), k, guess);
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

    private void endSegment(StitcherState s, Consumer<StitchEvent> out, String streamId, SegmentReason reason, String detail) {
        if (!s.segmentOpen) {
            return;
        }
        flushHeld(s, out);
        out.accept(new StitchEvent.SegmentEnded(streamId, s.segmentId, s.segmentStartMicros, reason, detail == null ? "" : detail,
                s.segmentFirstIndex, s.lastHandledFrameIndex, s.segmentFrameCount, s.segmentLastTimeMicros));
        s.segmentOpen = false;
        s.segmentId++;
        s.segmentStartMicros = -1;
        s.anchors.clear();
        s.keyframes.clear();
        s.intrinsics = null;
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

        float[] sampleScalar(float[] values) {
            float[] outValues = new float[cells()];
            for (int c = 0; c < cells(); c++) outValues[c] = values[pixel(c)];
            return outValues;
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
