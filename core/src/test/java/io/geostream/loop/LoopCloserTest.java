package io.geostream.loop;

import io.geostream.avro.SegmentCorrection;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A camera that keeps coming back to the same places for as long as it runs (a patrol, a pan-tilt camera, a soak's
 * repeating frames) closes a loop at nearly every keyframe. Before the loop closer was bounded, its pose graph, state
 * and correction records grew with every keyframe and every loop of the segment: a 16-camera soak at 1 fps slowed down
 * after 15 minutes and fell behind. Here its window, its settled keyframes and its records stay bounded, the cooldown
 * spaces the loops, and the corrections still take the drift out.
 */
class LoopCloserTest {

    /** The camera walks frames 0..239 of the scene and back, again and again. */
    private static final int PATROL = 240;
    private static final SceneSpec SCENE = new SceneSpec(1, 160, 120, PATROL, TrajectoryKind.WALK, 0, 30);
    /** Drift of the published world per frame: rotation about the vertical (rad) and a sideways shift (m). */
    private static final double DRIFT_ANGLE = Math.toRadians(6) / 670, DRIFT_STEP = 0.4 / 670;
    private static final Map<Integer, FrameTruth> RENDERED = new HashMap<>();

    @BeforeAll
    static void render() {
        SyntheticScene scene = new SyntheticScene(SCENE);
        for (int i = 0; i < PATROL; i += 8) RENDERED.put(i, scene.render(i));
    }

    private static FrameTruth truthAt(long frameIndex) {
        int phase = (int) (frameIndex % (2 * PATROL));
        int i = phase < PATROL ? phase : 2 * PATROL - 8 - phase; // back along the same path, frame 232 first
        return RENDERED.get(Math.floorMod(i, PATROL));
    }

    private static RigidTransform published(long frameIndex) {
        Sim3 drift = new Sim3(1, Rotations.axisAngle(new double[] {0, 0, 1}, DRIFT_ANGLE * frameIndex),
                new double[] {DRIFT_STEP * frameIndex, 0.5 * DRIFT_STEP * frameIndex, 0});
        return drift.transformPose(truthAt(frameIndex).worldFromCamera());
    }

    @Test
    void aCameraThatKeepsComingBackStaysBoundedAndCorrected() {
        // -Dgeostream.loop-window=400 -Dgeostream.loop-settled=1024 -Dgeostream.loop-keyframes=1200: the defaults over a
        // longer run (prints the cost)
        int window = Integer.getInteger("geostream.loop-window", 40);
        int settledMax = Integer.getInteger("geostream.loop-settled", 64);
        int keyframes = Integer.getInteger("geostream.loop-keyframes", 600);
        LoopClosureSettings settings = LoopClosureSettings.defaults().withMaxKeyframes(window).withMaxSettledKeyframes(settledMax);
        LoopCloser closer = new LoopCloser(settings);
        LoopCloserState s = new LoopCloserState();
        SingleObjectCodec<SegmentCorrection> codec = SingleObjectCodec.segmentCorrections();
        List<Long> loopKeyframes = new ArrayList<>();
        int largestRecord = 0;
        long firstHundredNanos = 0, lastHundredNanos = 0;
        LoopCorrection latest = null;
        for (int k = 0; k < keyframes; k++) {
            long f = 8L * k;
            FrameTruth t = truthAt(f);
            long t0 = System.nanoTime();
            LoopCorrection c = closer.accept(s, 0, 1_000_000L, f, published(f), t.intrinsics(), t.depth(), t.rgb());
            long took = System.nanoTime() - t0;
            if (k >= 50 && k < 150) firstHundredNanos += took;
            if (k >= keyframes - 100) lastHundredNanos += took;
            assertThat(s.windowSize()).isLessThanOrEqualTo(window);
            assertThat(s.settledSize()).isLessThanOrEqualTo(settledMax);
            assertThat(s.keyframeCount()).isEqualTo(k + 1);
            if (c == null) continue;
            loopKeyframes.add(s.keyframeCount());
            assertThat(c.keyframes().length).isLessThanOrEqualTo(window + settledMax);
            largestRecord = Math.max(largestRecord, codec.encode(SegmentCorrectionRecords.toRecord("cam", c, 0, "m", "1")).length);
            latest = c;
        }
        int stateBytes = serializedSize(s);
        System.err.printf(Locale.ROOT, "%d keyframes: %d loops, largest record %d bytes, state %d bytes (without features),"
                        + " %.1f ms per keyframe at keyframes 50-150, %.1f ms at the last 100%n", keyframes, loopKeyframes.size(),
                largestRecord, stateBytes, firstHundredNanos / 1e8, lastHundredNanos / 1e8);
        // What the operator rewrites with each keyframe: the window's poses and the settled corrections, bounded.
        // (and the kept loops, each a frame pair and a Sim(3), at most one per cooldown in the window)
        assertThat(stateBytes).isLessThan(window * 400 + (settledMax + 1) * 112 + (window / settings.loopCooldown() + 1) * 400 + 4_000);
        // The camera revisits all the time: many loops, never two within the cooldown.
        assertThat(loopKeyframes.size()).isGreaterThan(keyframes / (settings.loopCooldown() + 1) / 3);
        for (int i = 1; i < loopKeyframes.size(); i++) {
            assertThat(loopKeyframes.get(i) - loopKeyframes.get(i - 1)).isGreaterThan(settings.loopCooldown());
        }
        // 67 bytes per keyframe correction: the record is bounded by the window plus the settled keyframes.
        assertThat(largestRecord).isLessThan((window + settledMax) * 70 + 200);
        // The latest correction takes the accumulated drift (42 deg and 2.9 m by now) out of the newest frames.
        double publishedError = 0, correctedError = 0;
        for (long f = 8L * (keyframes - 20); f < 8L * keyframes; f += 8) {
            RigidTransform p = published(f);
            double[] truth = truthAt(f).worldFromCamera().center();
            publishedError += distance(p.center(), truth);
            correctedError += distance(latest.correctPose(f, p).center(), truth);
        }
        System.err.printf(Locale.ROOT, "newest 20 keyframes: corrected/published centre error %.3f%n", correctedError / publishedError);
        assertThat(correctedError).isLessThan(0.2 * publishedError);
    }

    @Test
    void laterLoopsKeepTheEarlierOnesSoTheWholePatrolStaysCorrected() {
        // Three patrols back and forth: every place is seen again and again, and each loop closes a chain that earlier
        // loops already closed. Solved one at a time from the chain's latest shape, a later loop bent what an earlier
        // one had fixed; kept in the window's graph, every loop still holds after the last.
        wholePatrolStaysCorrected(LoopClosureSettings.defaults(), 0.15);
    }

    @Test
    void loopsWhoseOlderKeyframeSettledStillHoldInASlidingWindow() {
        // The same with a window of 40 keyframes, which slides many times: a loop whose older keyframe has settled must
        // still hold its newer end (anchored at the settled pose); dropped, the next loop re-solved that stretch from the
        // stitched steps alone and undid it. Keyframes that settled before the later loops keep the correction they had
        // then, so the whole segment keeps more error than with the default window: measured 0.177 of the published
        // error with the settled loops kept, 0.202 when they were dropped.
        wholePatrolStaysCorrected(LoopClosureSettings.defaults().withMaxKeyframes(40), 0.19);
    }

    @Test
    void aLoopWhoseScaleDisagreesWithTheStitchedChainMovesTheChainLessThanHalfWay() {
        // A verified loop's scale is its least certain part: features at similar depths fit a scale about the
        // camera or a shift along its axis almost equally well (on TUM fr1_desk one loop measured 1.51 where
        // the stitched chain's scale was the same at both ends, docs/benchmarks.md, session 13). Here the walk
        // back sees its depth 1.25x too deep, so the first loop measures a relative scale of about 1.25 while
        // the stitched chain says 1: the newest keyframe's world must not take that scale whole. The pose graph
        // splits the log-scale disagreement between the chain's 19 steps (variance 19 x 0.02^2) and the loop
        // (its deviation squared): 0.0076 / (0.0076 + 0.01) = 0.43 of it goes to the chain with the deviation
        // of 0.1 (measured: 0.44). The newer keyframes look 1.25x deeper, so the loop's new-to-old scale is
        // 1/1.25 and the newest keyframe's scale falls.
        LoopCorrection first = firstLoopWithTheWalkBackDeeperBy(1.25);
        assertThat(first).as("the walk back closes a loop").isNotNull();
        double scale = first.forFrame(first.loopNewFrame(), published(first.loopNewFrame()).center()).scale();
        double shareTaken = -Math.log(scale) / Math.log(1.25);
        System.err.printf(Locale.ROOT, "loop %d -> %d: newest keyframe's scale %.3f, %.2f of the loop's log scale%n",
                first.loopNewFrame(), first.loopOldFrame(), scale, shareTaken);
        assertThat(scale).as("the newest keyframe's scale moves towards the loop's 1/1.25").isLessThan(1);
        assertThat(shareTaken).isGreaterThan(0.1).isLessThan(0.5);
    }

    @Test
    void aLoopWhoseScaleDisagreesWithTheStitchedChainBeyondTheGateIsLeftOut() {
        // 1.5x deeper on the walk back: |ln 1.5| = 0.41 > the default gate of 0.3. Under the realistic instrument
        // loops at one place measured log scales 0.77 apart, one keyframe's depth-field error, not the chain's drift
        // (docs/benchmarks.md, session 14): such a loop closes nothing, and the walk back closes none. A gate of 0.45
        // (geostream.loop.scale-gate) lets it close.
        LoopClosureSettings defaults = LoopClosureSettings.defaults();
        assertThat(Math.log(1.5)).isGreaterThan(defaults.loopScaleGate());
        LoopCloser gated = new LoopCloser(defaults);
        assertThat(firstLoopWithTheWalkBackDeeperBy(1.5, gated)).isNull();
        assertThat(gated.loopsRefusedByScale()).as("verified, then left out by the gate").isPositive();
        LoopCloser wider = new LoopCloser(defaults.withLoopScaleGate(0.45));
        assertThat(firstLoopWithTheWalkBackDeeperBy(1.5, wider)).isNotNull();
        assertThat(wider.loopsRefusedByScale()).isZero();
    }

    /** The first loop of the patrol when every keyframe of the walk back sees its depth {@code factor} too deep. */
    private static LoopCorrection firstLoopWithTheWalkBackDeeperBy(double factor) {
        return firstLoopWithTheWalkBackDeeperBy(factor, new LoopCloser(LoopClosureSettings.defaults()));
    }

    private static LoopCorrection firstLoopWithTheWalkBackDeeperBy(double factor, LoopCloser closer) {
        LoopCloserState s = new LoopCloserState();
        LoopCorrection first = null;
        for (int k = 0; first == null && k < 2 * PATROL / 8; k++) {
            long f = 8L * k;
            FrameTruth t = truthAt(f);
            float[] depth = t.depth().clone();
            if (f >= PATROL) for (int i = 0; i < depth.length; i++) depth[i] *= (float) factor;
            first = closer.accept(s, 0, 1_000_000L, f, published(f), t.intrinsics(), depth, t.rgb());
        }
        return first;
    }

    @Test
    void aCameraThatStandsStillClosesALoopOnlyEveryElevenKeyframes() {
        // A fixed camera sees the same place at every keyframe. With the cooldown of 1 keyframe it would close the same
        // loop every 2 keyframes and publish a correction (up to ~95 KB) each time; standing where the last loop closed,
        // it waits LoopCloser.STILL_COOLDOWN keyframes as before. Its stitched path wanders slowly, as a still camera's does.
        LoopCloser closer = new LoopCloser(LoopClosureSettings.defaults());
        LoopCloserState s = new LoopCloserState();
        FrameTruth view = truthAt(0);
        int keyframes = 300, corrections = 0;
        for (int k = 0; k < keyframes; k++) {
            long f = 8L * k;
            Sim3 wander = new Sim3(1, Rotations.axisAngle(new double[] {0, 0, 1}, 0.1 * DRIFT_ANGLE * f),
                    new double[] {0.1 * DRIFT_STEP * f, 0, 0});
            if (closer.accept(s, 0, 1_000_000L, f, wander.transformPose(view.worldFromCamera()), view.intrinsics(),
                    view.depth(), view.rgb()) != null) corrections++;
        }
        // The first loop needs min-frame-gap (150 frames, 19 keyframes) between its views; then one every 11 keyframes.
        int firstPossible = (int) Math.ceil(LoopClosureSettings.defaults().minFrameGap() / 8.0);
        System.err.printf(Locale.ROOT, "a still camera: %d corrections in %d keyframes%n", corrections, keyframes);
        assertThat(corrections).isGreaterThan(0)
                .isLessThanOrEqualTo((keyframes - firstPossible) / (LoopCloser.STILL_COOLDOWN + 1) + 1);
    }

    private static void wholePatrolStaysCorrected(LoopClosureSettings settings, double maxErrorShare) {
        LoopCloser closer = new LoopCloser(settings);
        LoopCloserState s = new LoopCloserState();
        int keyframes = 6 * PATROL / 8;
        for (int k = 0; k < keyframes; k++) {
            long f = 8L * k;
            FrameTruth t = truthAt(f);
            closer.accept(s, 0, 1_000_000L, f, published(f), t.intrinsics(), t.depth(), t.rgb());
        }
        LoopCorrection latest = s.latest();
        assertThat(latest).isNotNull();
        double publishedError = 0, correctedError = 0;
        for (int k = 0; k < keyframes; k++) {
            long f = 8L * k;
            RigidTransform p = published(f);
            double[] truth = truthAt(f).worldFromCamera().center();
            publishedError += distance(p.center(), truth);
            correctedError += distance(latest.correctPose(f, p).center(), truth);
        }
        System.err.printf(Locale.ROOT, "%d keyframes, %d loops, window %d: corrected/published centre error over the whole segment %.3f%n",
                keyframes, s.version, settings.maxKeyframes(), correctedError / publishedError);
        assertThat(correctedError).isLessThan(maxErrorShare * publishedError);
    }

    @Test
    void aStateWrittenBeforeLoopsWereKeptHasNoneAndGoesOn() {
        // Java serialization leaves a field the stream does not have null: such a state (written by the version before
        // loops were kept, same serialVersionUID) must read as one without kept loops and close the next loop as usual.
        LoopCloser closer = new LoopCloser(LoopClosureSettings.defaults());
        LoopCloserState s = new LoopCloserState();
        s.loopEdges = null;
        for (int k = 0; k < 2 * PATROL / 8; k++) {
            long f = 8L * k;
            FrameTruth t = truthAt(f);
            closer.accept(s, 0, 1_000_000L, f, published(f), t.intrinsics(), t.depth(), t.rgb());
        }
        assertThat(s.latest()).isNotNull();
        assertThat(s.loopEdges()).isNotEmpty();
    }

    @Test
    void aSuspendedSegmentTakesNothingUntilTheNextOne() {
        LoopCloser closer = new LoopCloser(LoopClosureSettings.defaults());
        LoopCloserState s = LoopCloserState.suspendedFor(3, 1_000_000L);
        FrameTruth t = truthAt(0);
        for (long f = 0; f < 400; f += 8) {
            assertThat(closer.accept(s, 3, 1_000_000L, f, published(f), t.intrinsics(), t.depth(), t.rgb())).isNull();
        }
        assertThat(s.keyframeCount()).isZero();
        assertThat(closer.nextKeyframeIndex(s)).isEqualTo(Long.MAX_VALUE);
        closer.accept(s, 4, 2_000_000L, 0, published(0), t.intrinsics(), t.depth(), t.rgb());
        assertThat(s.keyframeCount()).as("the next segment starts afresh").isEqualTo(1);
    }

    @Test
    void thinningKeepsTheBoundEvenAtItsSmallest() {
        LoopCloserState s = new LoopCloserState();
        for (int i = 0; i < 10; i++) {
            s.settle(i, new Sim3(1, Rotations.axisAngle(new double[] {0, 0, 1}, 0), new double[] {i, 0, 0}), 2);
            assertThat(s.settledSize()).isLessThanOrEqualTo(2);
        }
        assertThat(s.settledFrames.length).as("never more room than max + 1 (serialized whole)").isLessThanOrEqualTo(3);
    }

    @Test
    void settledKeyframesAreThinnedOldestFirstAndKeepTheirOrder() {
        LoopCloserState s = new LoopCloserState();
        for (int i = 0; i < 100; i++) s.settle(8L * i, new Sim3(1 + i / 100.0, Rotations.axisAngle(new double[] {0, 0, 1}, 0), new double[] {i, 0, 0}), 16);
        assertThat(s.settledSize()).isLessThanOrEqualTo(16);
        assertThat(s.settledFrame(0)).as("the segment's first keyframe stays").isZero();
        assertThat(s.settledFrame(s.settledSize() - 1)).as("the newest stays").isEqualTo(8L * 99);
        for (int i = 1; i < s.settledSize(); i++) {
            assertThat(s.settledFrame(i)).isGreaterThan(s.settledFrame(i - 1));
            // Each kept keyframe keeps its own correction.
            int original = (int) (s.settledFrame(i) / 8);
            assertThat(s.settledCorrection(i).translation()[0]).isEqualTo(original);
        }
        // The newest settled keyframes are the densest: thinning takes the oldest half.
        assertThat(s.settledFrame(s.settledSize() - 1) - s.settledFrame(s.settledSize() - 2)).isEqualTo(8L);
    }

    private static int serializedSize(LoopCloserState s) {
        try (java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
             java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(s);
            out.flush();
            return bytes.size();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double distance(double[] a, double[] b) {
        double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
}
