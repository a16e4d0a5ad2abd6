package io.geostream.eval;

import io.geostream.clip.ClipCutter;
import io.geostream.clip.ClipCutterSettings;
import io.geostream.clip.ClipCutterState;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Sim3;
import io.geostream.geometry.TrajectoryMetrics;
import io.geostream.loop.LoopCloser;
import io.geostream.loop.LoopCloserState;
import io.geostream.loop.LoopClosureSettings;
import io.geostream.loop.LoopCorrection;
import io.geostream.inference.ClipConversions;
import io.geostream.model.GeometryModel;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.stitch.StitchEvent;
import io.geostream.stitch.Stitcher;
import io.geostream.stitch.StitcherSettings;
import io.geostream.stitch.StitcherState;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TruthSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs several stitching methods on the SAME model outputs of one synthetic stream (frames -> clip cutter -> the
 * simulated model, or a model package -> each stitcher, in lockstep, one clip in memory at a time) and scores
 * each against the scene's truth with {@link TrajectoryErrors}, {@link DepthErrors} and {@link NormalErrors}.
 * Depth and normal metrics use every {@link #PIXEL_STEP}-th pixel in each direction (bounded memory).
 */
public final class StitchingEvaluation {

    private static final Logger LOG = LoggerFactory.getLogger(StitchingEvaluation.class);
    /** Pixel subsampling step of the depth and normal metrics. */
    public static final int PIXEL_STEP = 4;

    /**
     * A method name with this suffix ({@code per_frame+loops}) is the method with loop closure ({@link LoopCloser}) on
     * its output, scored on the poses after the segment's latest correction; it shares the method's stitching run.
     */
    public static final String LOOPS_SUFFIX = "+loops";

    private StitchingEvaluation() {}

    /**
     * Scores of one method on one stream; docs/metrics.md defines each figure.
     *
     * @param rpeTranslation     1-frame RPE translation RMSE after the ATE Sim(3) fit ({@code rpe1})
     * @param pointsGlobalRel    stitched world points, one Sim(3) per segment onto the truth: median relative point error
     * @param pointsClipRel      the model's raw clip output, one Sim(3) per clip: the same figure (method-independent)
     * @param consistency        cross-frame depth consistency at clip boundaries and inside clips
     * @param spikeShare         share of frame-to-frame steps (after the ATE fit) longer than 3x the truth's p99 step
     * @param fusedMap           the fused map of each segment (its points_global_rel alignment) against the fused truth
     */
    public record Scores(String method, int frames, double ateRmse, double ateOverLength, double driftOverLength,
                         double rpeTranslation, double rpeRotationDeg, double absrelGlobal, double absrelClip,
                         double delta1Global, double normalMeanDeg, double normalMedianDeg, int segmentBreaks,
                         double msPerFrame, double pointsGlobalRel, double pointsClipRel,
                         FrameConsistency.Result consistency, double spikeShare, FusedMapErrors.Result fusedMap,
                         double[][] estimatedPositions,
                         double[][] truePositions, RigidTransform[] estimatedPoses, RigidTransform[] truePoses,
                         double[] timestampsSeconds) {

        public double boundaryConsistency() {
            return consistency.boundary();
        }

        /** Drift with the first window fitted on camera centres alone, as before session 29 (for comparison). */
        public double driftPositionsOverLength() {
            return TrajectoryErrors.driftPositionsOverLength(estimatedPositions, truePositions, TrajectoryErrors.DRIFT_WINDOW);
        }

        public double withinConsistency() {
            return consistency.within();
        }

        /** boundary / within consistency. */
        public double consistencyRatio() {
            return consistency.ratio();
        }

        public double fusedAccuracy() {
            return fusedMap.accuracy();
        }

        public double fusedCompleteness() {
            return fusedMap.completeness();
        }

        public double fusedCompletenessWithin() {
            return fusedMap.completenessWithin();
        }

        /** points_global_rel / points_clip_rel: what the stitching costs over the model alone. */
        public double pointsRatio() {
            return pointsGlobalRel / pointsClipRel;
        }
    }

    /**
     * @param methods method names for {@link Stitcher#forMethod}
     * @return scores per method, in the given order
     */
    public static Map<String, Scores> run(SceneSpec spec, SimulatedModelSettings modelOptions, ClipCutterSettings clips,
                                          StitcherSettings stitcherConfig, boolean giveIntrinsics, List<String> methods)
            throws Exception {
        return run(new SyntheticScene(spec), "eval", spec.encode(), new SimulatedGeometryModel(modelOptions), clips, stitcherConfig,
                giveIntrinsics, methods);
    }

    /**
     * The same on a recorded truth sequence (e.g. {@link TumSequence}): the simulated model degrades its
     * depth and poses instead of a synthetic scene's.
     *
     * @param streamId the stream's id, which seeds the simulated model's errors ("eval" for the synthetic scenes)
     */
    public static Map<String, Scores> run(TruthSource source, String streamId, SimulatedModelSettings modelOptions,
                                          ClipCutterSettings clips, StitcherSettings stitcherConfig, boolean giveIntrinsics,
                                          List<String> methods) throws Exception {
        return run(source, streamId, null, new SimulatedGeometryModel(modelOptions, source), clips, stitcherConfig,
                giveIntrinsics, methods);
    }

    /**
     * The same with another model's outputs, e.g. a model package opened by {@link
     * io.geostream.model.torchscript.GeometryModels#open}: the scene must be rendered at the model's output size and cut
     * into clips the model takes. The model stays open (the caller closes it).
     *
     * @throws IllegalArgumentException when a clip's output is not at the scene's size (truth and prediction are compared
     *                                  pixel for pixel)
     * @throws io.geostream.model.ModelException when the model rejects a clip (e.g. a clip length it does not take)
     */
    public static Map<String, Scores> run(SceneSpec spec, GeometryModel model, ClipCutterSettings clips,
                                          StitcherSettings stitcherConfig, boolean giveIntrinsics, List<String> methods)
            throws Exception {
        return run(new SyntheticScene(spec), "eval", spec.encode(), model, clips, stitcherConfig, giveIntrinsics, methods);
    }

    /** The same on a recorded truth sequence with another model's outputs (the sequence at the model's output size). */
    public static Map<String, Scores> run(TruthSource source, String streamId, GeometryModel model, ClipCutterSettings clips,
                                          StitcherSettings stitcherConfig, boolean giveIntrinsics, List<String> methods)
            throws Exception {
        return run(source, streamId, null, model, clips, stitcherConfig, giveIntrinsics, methods);
    }

    private static Map<String, Scores> run(TruthSource scene, String streamId, String encodedSpecOrNull, GeometryModel model,
                                           ClipCutterSettings clips, StitcherSettings stitcherConfig, boolean giveIntrinsics,
                                           List<String> methods) throws Exception {
        ClipCutter cutter = new ClipCutter(clips);
        ClipCutterState cutterState = new ClipCutterState();
        Map<String, Collector> collectors = new LinkedHashMap<>();
        for (String m : methods) {
            String base = m.endsWith(LOOPS_SUFFIX) ? m.substring(0, m.length() - LOOPS_SUFFIX.length()) : m;
            Collector c = collectors.computeIfAbsent(base, b -> new Collector(b, Stitcher.forMethod(b, stitcherConfig), scene));
            if (!base.equals(m)) c.closeLoops(new LoopCloser(LoopClosureSettings.defaults()));
        }
        Map<Long, FrameTruth> truths = new HashMap<>();
        WorldPointErrors clipPoints = new WorldPointErrors();
        int frames = scene.frames();
        for (int i = 0; i <= frames; i++) {
            FrameRecord f;
            if (i < frames) {
                FrameTruth t = scene.render(i);
                truths.put((long) i, t);
                f = frameRecord(streamId, t, encodedSpecOrNull, giveIntrinsics);
            } else {
                f = new FrameRecord();
                f.streamId = streamId;
                f.frameIndex = i;
                f.captureTimeMicros = scene.captureTimeMicros(frames - 1) + 1;
                f.endOfStream = true;
            }
            for (ClipTask task : cutter.onFrame(cutterState, f).tasks()) {
                ClipResult r = new ClipResult();
                r.task = task;
                r.modelId = model.info().id();
                r.modelVersion = model.info().version();
                if (!task.isMarker()) {
                    ClipConversions.fill(r, model.predict(ClipConversions.toInput(task)));
                    requireTruthSize(scene, r);
                    addClipPoints(clipPoints, scene, r, truths);
                }
                for (Collector c : collectors.values()) c.accept(r, truths);
                // Truth is kept from the clip's first stream frame on (a keyframe slot holds an old frame).
                long oldest = task.isMarker() || task.frames.length <= task.keyframeSlots ? -1
                        : task.frames[task.keyframeSlots].frameIndex;
                truths.keySet().removeIf(k -> k < oldest);
            }
        }
        Map<String, Scores> out = new LinkedHashMap<>();
        double pointsClipRel = clipPoints.medianRelative();
        for (String m : methods) {
            boolean loops = m.endsWith(LOOPS_SUFFIX);
            Collector c = collectors.get(loops ? m.substring(0, m.length() - LOOPS_SUFFIX.length()) : m);
            out.put(m, loops ? c.scoresAfterLoops(m, pointsClipRel) : c.scores(pointsClipRel));
            if (loops) {
                // How many loops a seed's figure rests on: one loop more or less can move it by half (fr1_desk seed 1).
                LOG.info("{}: {} corrections published, {} verified loops refused by the scale gate", m, c.correctionsPublished,
                        c.loopCloser.loopsRefusedByScale());
            }
        }
        return out;
    }

    /** A clip's output must be at the truth's size: a mismatch would leave every frame unscored, so it is an error. */
    private static void requireTruthSize(TruthSource scene, ClipResult r) {
        if (r.width != scene.width() || r.height != scene.height()) {
            throw new IllegalArgumentException("model " + r.modelId + "@" + r.modelVersion + " returned " + r.width + "x"
                    + r.height + " geometry for clip " + r.task.clipId + " but the truth is " + scene.width() + "x"
                    + scene.height() + ": render the scene at the model's output size");
        }
    }

    /** The model's raw output of a clip's stream frames against their truth, grouped by clip. */
    private static void addClipPoints(WorldPointErrors into, TruthSource scene, ClipResult r, Map<Long, FrameTruth> truths) {
        ClipTask task = r.task;
        long group = (task.segmentId << 32) ^ task.clipId;
        for (int slot = task.keyframeSlots; slot < task.realSlots(); slot++) {
            FrameTruth t = truths.get(task.frames[slot].frameIndex);
            if (t == null) continue;
            into.add(group, r.width, r.height, r.pointMaps[slot], t.pointsWorld(), t.worldFromCamera().center());
        }
    }

    private static final class Collector {
        final String method;
        final Stitcher stitcher;
        final TruthSource scene;
        final StitcherState state = new StitcherState();
        final List<double[]> est = new ArrayList<>();
        final List<double[]> truth = new ArrayList<>();
        final List<RigidTransform> estPoses = new ArrayList<>();
        final List<RigidTransform> truePoses = new ArrayList<>();
        final List<Double> times = new ArrayList<>();
        final DepthErrors depth = new DepthErrors();
        final NormalErrors normals = new NormalErrors();
        final WorldPointErrors points = new WorldPointErrors();
        final FrameConsistency consistency = new FrameConsistency();
        final List<Long> frameIndices = new ArrayList<>();
        final List<Long> segmentIds = new ArrayList<>();
        long nanos;
        long loopNanos;
        int segmentsStarted;
        /** Each placed clip's overlap fit (inlier share, relative RMS residual): what decides a break. */
        final List<double[]> overlapFits = new ArrayList<>();
        long lastClipId = Long.MIN_VALUE;
        LoopCloser loopCloser;
        final LoopCloserState loopState = new LoopCloserState();
        /** Latest correction per segment id. */
        final Map<Long, LoopCorrection> corrections = new HashMap<>();
        /** Corrections the loop closer published (closed loops and re-localisations). */
        int correctionsPublished;

        Collector(String method, Stitcher stitcher, TruthSource scene) {
            this.method = method;
            this.stitcher = stitcher;
            this.scene = scene;
        }

        void closeLoops(LoopCloser closer) {
            this.loopCloser = closer;
        }

        void accept(ClipResult r, Map<Long, FrameTruth> truths) {
            long t0 = System.nanoTime();
            List<StitchEvent> events = stitcher.process(state, r);
            nanos += System.nanoTime() - t0;
            for (StitchEvent e : events) {
                if (e instanceof StitchEvent.SegmentStarted) segmentsStarted++;
                if (e instanceof StitchEvent.SegmentEnded end) {
                    // a break's reason is what tells a too-strict bound from a model whose clips disagree
                    LOG.info("{}: segment {} ended after frame {} ({} frames): {} {}", method, end.segmentId(),
                            end.lastFrameIndex(), end.frameCount(), end.reason(), end.detail());
                }
                if (!(e instanceof StitchEvent.StitchedFrame f)) continue;
                if (f.clipId() != lastClipId && f.overlapPoints() > 0) {
                    overlapFits.add(new double[] {f.inlierShare(), f.residualRms()});
                }
                lastClipId = f.clipId();
                FrameTruth t = truths.get(f.frame().frameIndex);
                RigidTransform truePose = scene.worldFromCamera((int) f.frame().frameIndex);
                est.add(f.worldFromCamera().center());
                truth.add(truePose.center());
                estPoses.add(f.worldFromCamera());
                truePoses.add(truePose);
                frameIndices.add(f.frame().frameIndex);
                segmentIds.add(f.segmentId());
                if (loopCloser != null) {
                    long l0 = System.nanoTime();
                    LoopCorrection c = loopCloser.accept(loopState, f.segmentId(), f.segmentStartMicros(), f.frame().frameIndex,
                            f.worldFromCamera(), f.intrinsics(), f.depth(), f.rgb());
                    loopNanos += System.nanoTime() - l0;
                    if (c != null) {
                        corrections.put(f.segmentId(), c);
                        correctionsPublished++;
                    }
                }
                times.add(f.frame().captureTimeMicros / 1e6);
                consistency.add(f.segmentId(), f.clipId(), f.worldFromCamera(), f.intrinsics(), f.width(), f.height(), f.depth());
                if (t != null) {
                    points.add(f.segmentId(), f.frame().frameIndex, f.width(), f.height(), f.worldPoints(), t.pointsWorld(),
                            truePose.center(), f.confidence());
                    depth.add(f.clipId() + (f.segmentId() << 32), subsample(f.depth(), f.width(), f.height(), 1),
                            subsample(t.depth(), t.width(), t.height(), 1));
                    normals.add(subsample(f.normalsCamera(), f.width(), f.height(), 3),
                            subsample(t.normalsCamera(), t.width(), t.height(), 3));
                }
            }
        }

        Scores scores(double pointsClipRel) {
            logOverlapFits();
            return scores(method, estPoses.toArray(new RigidTransform[0]), nanos, pointsClipRel);
        }

        /** How well consecutive clips agree where they overlap: the figures a break is decided on. */
        private void logOverlapFits() {
            if (overlapFits.isEmpty()) return;
            double[] share = overlapFits.stream().mapToDouble(f -> f[0]).sorted().toArray();
            double[] residual = overlapFits.stream().mapToDouble(f -> f[1]).sorted().toArray();
            LOG.info("{}: {} clips placed; overlap inlier share p10 {} median {}, residual median {} p90 {}", method,
                    share.length, String.format("%.3f", share[share.length / 10]),
                    String.format("%.3f", share[share.length / 2]), String.format("%.3f", residual[residual.length / 2]),
                    String.format("%.3f", residual[residual.length * 9 / 10]));
        }

        /**
         * The trajectory figures on the poses after each segment's latest loop correction (the geometry figures stay
         * those of the published frames); ms/frame includes the loop closer's time.
         */
        Scores scoresAfterLoops(String name, double pointsClipRel) {
            RigidTransform[] corrected = new RigidTransform[estPoses.size()];
            Map<Long, Sim3> byFrame = new HashMap<>();
            for (int i = 0; i < corrected.length; i++) {
                LoopCorrection c = corrections.get(segmentIds.get(i));
                if (c == null) {
                    corrected[i] = estPoses.get(i);
                    continue;
                }
                Sim3 frameCorrection = c.forFrame(frameIndices.get(i), estPoses.get(i).center());
                byFrame.put((segmentIds.get(i) << 32) ^ frameIndices.get(i), frameCorrection);
                corrected[i] = frameCorrection.transformPose(estPoses.get(i));
            }
            WorldPointErrors.FrameCorrections afterLoops = (segment, frame) -> byFrame.get((segment << 32) ^ frame);
            return scores(name, corrected, nanos + loopNanos, points.global(afterLoops), pointsClipRel);
        }

        private Scores scores(String name, RigidTransform[] poses, long totalNanos, double pointsClipRel) {
            return scores(name, poses, totalNanos, points.global(null), pointsClipRel);
        }

        private Scores scores(String name, RigidTransform[] poses, long totalNanos, WorldPointErrors.Global global,
                              double pointsClipRel) {
            double pointsGlobalRel = global.medianRelative();
            FusedMapErrors.Result fused = global.fused();
            int n = poses.length;
            double[][] e = TrajectoryErrors.centres(poses);
            double[][] t = truth.toArray(new double[0][]);
            TrajectoryMetrics.AteResult ate = TrajectoryErrors.ate(e, t);
            RigidTransform[] truthPoses = truePoses.toArray(new RigidTransform[0]);
            TrajectoryErrors.Rpe rpe = TrajectoryErrors.rpe(poses, truthPoses);
            double drift = TrajectoryErrors.driftOverLength(poses, truthPoses, TrajectoryErrors.DRIFT_WINDOW);
            DepthErrors.Result g = depth.global();
            DepthErrors.Result c = depth.perClip();
            NormalErrors.Result nr = normals.result();
            double[] ts = times.stream().mapToDouble(Double::doubleValue).toArray();
            return new Scores(name, n, ate.rmse(), ate.rmseOverPathLength(), drift, rpe.translationRmse(),
                    rpe.rotationMeanDeg(), g.absRel(), c.absRel(), g.delta1(), nr.meanDeg(), nr.medianDeg(),
                    Math.max(0, segmentsStarted - 1), n == 0 ? Double.NaN : totalNanos / 1e6 / n, pointsGlobalRel,
                    pointsClipRel, consistency.result(), TrajectoryErrors.spikeShare(e, t, ate.alignment()), fused, e, t,
                    poses, truthPoses, ts);
        }
    }

    /** Every PIXEL_STEP-th pixel in each direction of a per-pixel array with {@code channels} values per pixel. */
    static float[] subsample(float[] values, int width, int height, int channels) {
        int cols = (width + PIXEL_STEP - 1) / PIXEL_STEP, rows = (height + PIXEL_STEP - 1) / PIXEL_STEP;
        float[] out = new float[cols * rows * channels];
        int i = 0;
        for (int v = 0; v < height; v += PIXEL_STEP) {
            for (int u = 0; u < width; u += PIXEL_STEP) {
                int p = v * width + u;
                for (int c = 0; c < channels; c++) out[i++] = values[channels * p + c];
            }
        }
        return out;
    }

    /**
     * A rendered synthetic frame as ingest would hand it on: raw RGB, the scene spec in the attributes
     * (none when null), and the intrinsics when the camera gives them.
     */
    public static FrameRecord frameRecord(String streamId, FrameTruth t, String encodedSpec, boolean giveIntrinsics) {
        if (t.rgb() == null) {
            throw new IllegalArgumentException("frame " + t.frameIndex() + " has no pixels (TruthSource.renderGeometry): render it");
        }
        FrameRecord f = new FrameRecord();
        f.streamId = streamId;
        f.frameIndex = t.frameIndex();
        f.captureTimeMicros = t.captureTimeMicros();
        f.width = t.width();
        f.height = t.height();
        f.rgb = t.rgb();
        if (giveIntrinsics) {
            f.intrinsics = new double[] {t.intrinsics().fx(), t.intrinsics().fy(), t.intrinsics().cx(), t.intrinsics().cy()};
        }
        f.attributes = new HashMap<>();
        if (encodedSpec != null) f.attributes.put(SceneSpec.ATTRIBUTE_KEY, encodedSpec);
        return f;
    }
}
