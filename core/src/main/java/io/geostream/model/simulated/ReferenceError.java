package io.geostream.model.simulated;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import io.geostream.geometry.Sim3;
import io.geostream.model.ClipInput;
import io.geostream.synthetic.DeterministicRandom;
import io.geostream.synthetic.FrameTruth;

/**
 * The realistic instrument's reference error ({@link RealisticErrors#referenceErrorDeg}): a slot's pose in the clip is
 * off, about its own camera, by (1 - o)^2 of the term's angle and shift, where o is the share of the slot's view that
 * the clip's reference frame (slot 0) also shows. One axis, direction and magnitude factor per clip: a model that cannot
 * see how its frames relate to the reference misplaces them together.
 */
final class ReferenceError {
    /** Every n-th pixel in each direction is tested for the overlap (1,200 of 160x120). */
    private static final int SAMPLE_STEP = 4;

    private final RigidTransform referenceFromWorld;
    private final CameraIntrinsics reference;
    private final double[] axis, direction;
    private final double angleRad, shift;

    private ReferenceError(FrameTruth first, double[] axis, double[] direction, double angleRad, double shift) {
        this.referenceFromWorld = first.worldFromCamera().inverse();
        this.reference = first.intrinsics();
        this.axis = axis;
        this.direction = direction;
        this.angleRad = angleRad;
        this.shift = shift;
    }

    /**
     * The clip's draw, or null when the term is off. Its own random stream, so every other draw stays as it was.
     *
     * @param depthInClip the clip's first-frame mean depth in the clip's units (its gauge scale applied)
     */
    static ReferenceError draw(RealisticErrors terms, ClipInput clip, FrameTruth first, double depthInClip) {
        if (!(terms.referenceErrorDeg() > 0) && !(terms.referenceErrorDepthShare() > 0)) return null;
        DeterministicRandom random = new DeterministicRandom(
                DeterministicRandom.stableHash(clip.streamId() + "#reference", clip.segmentId(), clip.clipId()));
        double[] axis = SimulatedGeometryModel.randomDirection(random);
        double[] direction = SimulatedGeometryModel.randomDirection(random);
        double factor = random.uniform(0.5, 1.5);
        return new ReferenceError(first, axis, direction, factor * Math.toRadians(terms.referenceErrorDeg()),
                factor * terms.referenceErrorDepthShare() * depthInClip);
    }

    /** The slot's transform with its reference error. */
    Sim3 apply(FrameTruth slot, Sim3 slotFromWorld) {
        double missing = 1 - overlap(slot);
        double m = missing * missing;
        if (!(m > 0)) return slotFromWorld;
        double[] c = slotFromWorld.apply(slot.worldFromCamera().center());
        return SimulatedGeometryModel.aboutCamera(c, Rotations.axisAngle(axis, m * angleRad), m * shift, direction)
                .compose(slotFromWorld);
    }

    /** The share of the slot's valid pixels (sampled) whose surface point lies in front of the reference camera and inside its image. */
    double overlap(FrameTruth slot) {
        float[] pw = slot.pointsWorld();
        int w = slot.width(), h = slot.height(), valid = 0, seen = 0;
        for (int v = SAMPLE_STEP / 2; v < h; v += SAMPLE_STEP) {
            for (int u = SAMPLE_STEP / 2; u < w; u += SAMPLE_STEP) {
                int p = 3 * (v * w + u);
                double x = pw[p], y = pw[p + 1], z = pw[p + 2];
                if (!Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(z)) continue;
                valid++;
                double[] q = referenceFromWorld.apply(new double[] {x, y, z});
                if (!(q[2] > 1e-6)) continue;
                double pu = reference.fx() * q[0] / q[2] + reference.cx(), pv = reference.fy() * q[1] / q[2] + reference.cy();
                if (pu >= 0 && pv >= 0 && pu < reference.width() && pv < reference.height()) seen++;
            }
        }
        return valid == 0 ? 1 : (double) seen / valid;
    }
}
