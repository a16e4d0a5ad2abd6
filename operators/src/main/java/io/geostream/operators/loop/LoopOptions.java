package io.geostream.operators.loop;

import io.geostream.loop.LoopClosureSettings;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Settings of the loop-closure stage. Keys under {@code geostream.}; the job reads them in {@code GeometryJob}. The
 * corrections' topic is {@code geostream.topics.corrections} (SinkOptions). Other {@link LoopClosureSettings} keep their
 * defaults.
 */
public final class LoopOptions {
    private LoopOptions() {}

    public static final ConfigOption<Boolean> ENABLED = ConfigOptions.key("geostream.loop.enabled")
            .booleanType().defaultValue(true)
            .withDescription("Close loops: when a segment comes back to a place it has seen, re-optimise the chain of keyframes"
                    + " between the two views as a Sim(3) pose graph and publish a SegmentCorrection on geostream.topics.corrections (published frames are never rewritten).");

    public static final ConfigOption<Integer> KEYFRAME_EVERY = ConfigOptions.key("geostream.loop.keyframe-every")
            .intType().defaultValue(LoopClosureSettings.defaults().keyframeEvery())
            .withDescription("Every n-th stitched frame of a segment becomes a loop-closure keyframe.");

    public static final ConfigOption<Integer> MAX_KEYFRAMES = ConfigOptions.key("geostream.loop.max-keyframes")
            .intType().defaultValue(LoopClosureSettings.defaults().maxKeyframes())
            .withDescription("Keyframes of a stream's open window: searchable (their features, about 22 KB each at 500"
                    + " features, kept in state) and moved by a loop; an older keyframe settles with its final correction.");

    public static final ConfigOption<Integer> MIN_FRAME_GAP = ConfigOptions.key("geostream.loop.min-frame-gap")
            .intType().defaultValue(LoopClosureSettings.defaults().minFrameGap())
            .withDescription("A loop joins frames at least this many frames apart (nearer ones are odometry).");

    public static final ConfigOption<Integer> MIN_INLIERS = ConfigOptions.key("geostream.loop.min-inliers")
            .intType().defaultValue(LoopClosureSettings.defaults().minInliers())
            .withDescription("3-D feature pairs a loop needs within the inlier distance of its RANSAC Sim(3); also the reprojection"
                    + " inliers each direction of its PnP measurement needs.");

    public static final ConfigOption<Integer> COOLDOWN = ConfigOptions.key("geostream.loop.cooldown-keyframes")
            .intType().defaultValue(LoopClosureSettings.defaults().loopCooldown())
            .withDescription("Keyframes after a closed loop in which no other loop is searched for (a camera that stays in one"
                    + " place would otherwise close one, and publish a correction, at every keyframe).");

    public static final ConfigOption<Integer> MAX_SETTLED_KEYFRAMES = ConfigOptions.key("geostream.loop.max-settled-keyframes")
            .intType().defaultValue(LoopClosureSettings.defaults().maxSettledKeyframes())
            .withDescription("Settled keyframes whose corrections a segment keeps and each SegmentCorrection carries (67 bytes"
                    + " each); past it the older half is thinned to every other keyframe, so records stay bounded.");

    public static final ConfigOption<Integer> RELOCALISE_KEYFRAMES = ConfigOptions.key("geostream.loop.relocalise-keyframes")
            .intType().defaultValue(LoopClosureSettings.defaults().relocaliseKeyframes())
            .withDescription("After a segment break (tracking lost, missing frames, a clip without geometry, a new image size),"
                    + " the ended segment's newest keyframes kept (features in state, about 22 KB each) for the next segment"
                    + " to re-localise against; 0 = no re-localisation. Not after an end of stream, the event-time idle"
                    + " timeout or the release of the stream's state (idle TTL).");

    public static final ConfigOption<Integer> RELOCALISE_TRIES = ConfigOptions.key("geostream.loop.relocalise-tries")
            .intType().defaultValue(LoopClosureSettings.defaults().relocaliseTries())
            .withDescription("The next segment's first keyframes matched against the kept ones; on the first match the new"
                    + " segment's SegmentCorrections map it into the earlier segment's world (worldSegmentId), and after the"
                    + " last try without one the kept keyframes are released.");

    public static final ConfigOption<Double> SCALE_GATE = ConfigOptions.key("geostream.loop.scale-gate")
            .doubleType().defaultValue(LoopClosureSettings.DEFAULT_LOOP_SCALE_GATE)
            .withDescription("Largest |ln| of a verified loop's scale over the stitched chain's between its two keyframes that"
                    + " closes a loop (0.3: a factor 1.35); a loop beyond it is most likely one keyframe's depth error and is"
                    + " left out. A model whose stitched world drifts in scale by more than that between two visits of a"
                    + " place needs a wider gate (> 0).");

    /** The defaults with the options of {@code config}; an invalid combination fails naming the rule. */
    public static LoopClosureSettings settings(ReadableConfig config) {
        LoopClosureSettings d = LoopClosureSettings.defaults();
        // all at once: the settings are checked together (a window must reach min-frame-gap back)
        return new LoopClosureSettings(config.get(KEYFRAME_EVERY), config.get(MAX_KEYFRAMES), config.get(MIN_FRAME_GAP),
                d.searchRadius(), d.maxViewAngleDeg(), d.candidates(), d.features(), config.get(MIN_INLIERS),
                d.inlierDistance(), d.ransacIterations(), config.get(COOLDOWN), config.get(MAX_SETTLED_KEYFRAMES),
                config.get(RELOCALISE_KEYFRAMES), config.get(RELOCALISE_TRIES), config.get(SCALE_GATE));
    }
}
