package io.geostream.model.simulated;

import java.util.Objects;

/**
 * The error terms a real clip-local geometry model shows and the mild instrument leaves out; each one is
 * calibrated to a published or measured figure ({@link #realistic()} says which). All are applied by
 * {@link RealisticDegradation}; {@link #NONE} switches every one off (the mild model, byte for byte).
 *
 * @param depthFieldSigma       standard deviation of a smooth, low-frequency field of log ray-distance error
 *                              (a few image-wide waves, up to 1.5 cycles across the image): a model's depth is
 *                              wrong in patches, not per pixel
 * @param depthFieldFrames      time scale of the field's per-frame part, in frames (it changes smoothly from frame
 *                              to frame, so neighbouring frames of a clip agree)
 * @param focalErrorMin         the clip's focal error |e| is uniform in [min, max] with a random sign: every point
 *                              lies on the ray of a camera with focal length f (1 + e), off the true ray
 * @param focalErrorMax         see focalErrorMin
 * @param frameScaleJitter      sigma of a per-slot scale error about the slot's camera (slot 0 fixes the clip's
 *                              scale, so it has none)
 * @param driftBias             share of the intra-clip drift's axis and direction that is the same for the whole
 *                              sequence (a systematic bias); the rest is drawn per clip
 * @param flyingPixelShare      share of the pixels at a depth discontinuity (relative jump over 10 % to a
 *                              4-neighbour) whose depth is pulled part-way (20-80 %) towards the neighbour's
 * @param normalCoreDeg         normal errors: Rayleigh-distributed tilt with this sigma for most pixels ...
 * @param normalTailShare       ... and, for this share, a tilt uniform in [20, 90] degrees (a heavy tail)
 * @param sharedFrameCorrelation correlation of the depth field and pixel noise between two clips that predict the
 *                              same frame (0: independent predictions; 1: identical errors)
 * @param confidence            how informative the confidence is
 * @param referenceErrorDeg     error of a slot's pose against the clip's reference frame (slot 0) for the part of the
 *                              view they do not share: a model relates two frames through what both show, so a slot
 *                              whose view overlaps slot 0's by the share o (truth: of the slot's pixels, those that
 *                              project into slot 0's image) is turned about its camera by (1 - o)^2 times this angle
 *                              (times U(0.5, 1.5) per clip, about one random axis per clip; a slot without valid
 *                              truth points counts as fully shared). 0: off. Not calibrated to a
 *                              published figure: a judgement of how badly a model places frames that share nothing with
 *                              its reference (a guess within this angle), added after the instrument was found to place
 *                              a keyframe hundreds of frames back, long out of view, as well as the frame before
 *                              (docs/benchmarks.md, session 20)
 * @param referenceErrorDepthShare the same term's shift, (1 - o)^2 times this share of the clip's first-frame mean depth,
 *                              in one random direction per clip
 */
public record RealisticErrors(double depthFieldSigma, double depthFieldFrames, double focalErrorMin, double focalErrorMax,
                              double frameScaleJitter, double driftBias, double flyingPixelShare, double normalCoreDeg,
                              double normalTailShare, double sharedFrameCorrelation, ConfidenceMode confidence,
                              double referenceErrorDeg, double referenceErrorDepthShare) {

    /** Every realistic term off: the mild model. */
    public static final RealisticErrors NONE =
            new RealisticErrors(0, 8, 0, 0, 0, 0, 0, 0, 0, 0, ConfidenceMode.INFORMATIVE);

    /** The terms without the reference error. */
    public RealisticErrors(double depthFieldSigma, double depthFieldFrames, double focalErrorMin, double focalErrorMax,
                           double frameScaleJitter, double driftBias, double flyingPixelShare, double normalCoreDeg,
                           double normalTailShare, double sharedFrameCorrelation, ConfidenceMode confidence) {
        this(depthFieldSigma, depthFieldFrames, focalErrorMin, focalErrorMax, frameScaleJitter, driftBias, flyingPixelShare,
                normalCoreDeg, normalTailShare, sharedFrameCorrelation, confidence, 0, 0);
    }

    public RealisticErrors {
        Objects.requireNonNull(confidence, "confidence");
        SimulatedModelSettings.requireRange(depthFieldSigma, 0, 1, "depthFieldSigma");
        SimulatedModelSettings.requireRange(depthFieldFrames, 1, 1e6, "depthFieldFrames");
        SimulatedModelSettings.requireRange(focalErrorMin, 0, 0.5, "focalErrorMin");
        SimulatedModelSettings.requireRange(focalErrorMax, focalErrorMin, 0.5, "focalErrorMax");
        SimulatedModelSettings.requireRange(frameScaleJitter, 0, 0.2, "frameScaleJitter");
        SimulatedModelSettings.requireRange(driftBias, 0, 1, "driftBias");
        SimulatedModelSettings.requireRange(flyingPixelShare, 0, 1, "flyingPixelShare");
        SimulatedModelSettings.requireRange(normalCoreDeg, 0, 45, "normalCoreDeg");
        SimulatedModelSettings.requireRange(normalTailShare, 0, 1, "normalTailShare");
        SimulatedModelSettings.requireRange(sharedFrameCorrelation, 0, 1, "sharedFrameCorrelation");
        SimulatedModelSettings.requireRange(referenceErrorDeg, 0, 90, "referenceErrorDeg");
        SimulatedModelSettings.requireRange(referenceErrorDepthShare, 0, 2, "referenceErrorDepthShare");
    }

    /**
     * The realistic terms, calibrated so that the realistic preset's per-clip errors match UniGeo's own table on
     * ScanNet++ (AbsRel 10.2 %, normal error 18.15 deg mean / 7.91 deg median):
     * <ul>
     *   <li>depth field sigma 0.21 with per-pixel noise of 3 % and 2 % outliers: per-clip AbsRel (UniGeo's way:
     *       ray distance from the clip's first camera, one least-squares scale and shift per clip, mean over
     *       pixels) about 0.10 ({@code SimulatedErrorPresetTest});</li>
     *   <li>focal error 5-10 %: a clip-local model's field-of-view estimate (the bound);</li>
     *   <li>scale jitter 2 % per slot (the 1-3 %); drift bias 0.5;</li>
     *   <li>flying pixels: half of the discontinuity pixels, as a regression network smooths edges;</li>
     *   <li>normals: Rayleigh sigma 5.5 deg for 77 % of pixels, U(20, 90) deg for 23 %: mean 18.1, median 8.0;</li>
     *   <li>two clips' predictions of a frame correlated 0.5; confidence weak.</li>
     * </ul>
     */
    public static RealisticErrors realistic() {
        return new RealisticErrors(0.21, 8, 0.05, 0.10, 0.02, 0.5, 0.5, 5.5, 0.23, 0.5, ConfidenceMode.WEAK);
    }

    /**
     * The realistic terms at geo-nano's strength ({@link SimulatedModelSettings#geoNano()}): a depth field of sigma 0.28
     * (with the preset's 5 % pixel noise and 2 % outliers: points_clip_rel 0.165 where geo-nano has 0.1825 on the same
     * clips, `eval stitching --model models/geo-nano`; 0.183 with the correlation of 0.5 it had before), normals with a 30 deg Rayleigh core and a 30 % tail (mean 42.8,
     * median 40.1 deg where geo-nano has 41.7 / 40.2); two clips' predictions of a frame independent (correlation 0:
     * with 0.5 the instrument's per_frame path was 55-58 % better than geo-nano's, with 0 it is within the 30 %,
     * docs/benchmarks.md, session 16); the other terms as {@link #realistic()}.
     */
    public static RealisticErrors geoNano() {
        return new RealisticErrors(0.28, 8, 0.05, 0.10, 0.02, 0.5, 0.5, 30, 0.3, 0, ConfidenceMode.WEAK);
    }

    /**
     * True when any term that {@link RealisticDegradation} applies is on (the model then degrades with it). The reference
     * error is applied on its own ({@link ReferenceError}) and does not count: the mild model with it stays the mild model
     * plus that term.
     */
    public boolean any() {
        return !withReferenceError(0, 0).equals(NONE);
    }

    /** A copy with another confidence mode. */
    public RealisticErrors withConfidence(ConfidenceMode mode) {
        return new RealisticErrors(depthFieldSigma, depthFieldFrames, focalErrorMin, focalErrorMax, frameScaleJitter, driftBias,
                flyingPixelShare, normalCoreDeg, normalTailShare, sharedFrameCorrelation, mode, referenceErrorDeg,
                referenceErrorDepthShare);
    }

    /** A copy with another correlation between two clips' predictions of a frame. */
    public RealisticErrors withSharedFrameCorrelation(double correlation) {
        return new RealisticErrors(depthFieldSigma, depthFieldFrames, focalErrorMin, focalErrorMax, frameScaleJitter, driftBias,
                flyingPixelShare, normalCoreDeg, normalTailShare, correlation, confidence, referenceErrorDeg,
                referenceErrorDepthShare);
    }

    /** A copy with the reference error: this angle and share of the depth at no shared view. */
    public RealisticErrors withReferenceError(double deg, double depthShare) {
        return new RealisticErrors(depthFieldSigma, depthFieldFrames, focalErrorMin, focalErrorMax, frameScaleJitter, driftBias,
                flyingPixelShare, normalCoreDeg, normalTailShare, sharedFrameCorrelation, confidence, deg, depthShare);
    }
}
