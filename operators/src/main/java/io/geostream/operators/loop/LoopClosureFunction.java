package io.geostream.operators.loop;

import io.geostream.avro.SegmentCorrection;
import io.geostream.avro.SegmentEvent;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.loop.KeyframeFeatureStore;
import io.geostream.loop.KeyframeFeatures;
import io.geostream.loop.LoopCloser;
import io.geostream.loop.LoopCloserState;
import io.geostream.loop.LoopClosureSettings;
import io.geostream.loop.LoopCorrection;
import io.geostream.loop.SegmentCorrectionRecords;
import io.geostream.records.LoopFrame;
import io.geostream.records.OutputRecord;
import io.geostream.schemas.SingleObjectCodec;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.InstantiationUtil;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The loop-closure stage, keyed by stream id behind the stitch stage: each stitched frame ({@link LoopFrame}) through
 * the stream's {@link LoopCloser}; a closed loop becomes a {@code SegmentCorrection} record for the corrections topic,
 * keyed by segment identity ({@link SegmentCorrectionRecords#key}). A segment's end releases its window; after a break
 * ({@link LoopFrame#segmentEndReason}) its newest keyframes stay for the next segment's first keyframes to re-localise
 * against (then they go too, see {@link LoopCloser#segmentEnded}; a segment re-localised so also gets a {@code RELOCALISED}
 * segment event, {@link SegmentCorrectionRecords#relocalisedEvent}); a stream's release, or an end of stream, drops all of
 * the stream's state.
 *
 * <p>State, split by how it changes: the searchable keyframes' features in a map state by frame index (about 22 KB
 * each, written once when the keyframe is added and removed when it leaves the window of
 * {@link LoopClosureSettings#maxKeyframes}); the rest of the {@link LoopCloserState} (the window's poses, a few hundred
 * bytes per keyframe, and the settled keyframes' corrections, 104 bytes each, both bounded) Java-serialized in a value
 * state, rewritten only when a keyframe is added; and the next keyframe's
 * index, so that the frames in between (7 of 8 by default) read nothing else; the keyframes kept after a break have
 * their features in a map state of their own ({@link LoopClosureSettings#relocaliseKeyframes}, 50 by default, about
 * 1.1 MB, written once at the break, cleared when the next segment re-localised or used its tries). One value state of the whole
 * {@link LoopCloserState} would rewrite up to {@code maxKeyframes x 22 KB} (8.8 MB by default) per keyframe.
 */
public class LoopClosureFunction extends KeyedProcessFunction<String, LoopFrame, OutputRecord> {
    private static final long serialVersionUID = 1L;

    private final LoopClosureSettings settings;
    private transient LoopCloser closer;
    private transient ValueState<byte[]> graph;
    private transient MapState<Long, KeyframeFeatures> features;
    /** Features of the keyframes kept after a break, by frame index. */
    private transient MapState<Long, KeyframeFeatures> keptFeatures;
    /** The open segment's identity and next keyframe index: {segmentStartMicros, segmentId, nextKeyframeIndex}. */
    private transient ValueState<long[]> cursor;
    private transient SingleObjectCodec<SegmentCorrection> codec;
    private transient SingleObjectCodec<SegmentEvent> segmentCodec;
    private transient Counter loopsClosed;
    private transient Counter loopsRefusedByScale;
    private transient Counter segmentsRelocalised;
    private transient Counter keyframes;
    private transient Histogram correctionDelayMs;
    private transient boolean incompatibleLogged;

    public LoopClosureFunction(LoopClosureSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public void open(OpenContext openContext) {
        closer = new LoopCloser(settings);
        graph = getRuntimeContext().getState(new ValueStateDescriptor<>("loop-graph",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        features = getRuntimeContext().getMapState(new MapStateDescriptor<>("loop-features", Types.LONG,
                Types.POJO(KeyframeFeatures.class)));
        keptFeatures = getRuntimeContext().getMapState(new MapStateDescriptor<>("loop-kept-features", Types.LONG,
                Types.POJO(KeyframeFeatures.class)));
        cursor = getRuntimeContext().getState(new ValueStateDescriptor<>("loop-cursor",
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        codec = SingleObjectCodec.segmentCorrections();
        segmentCodec = SingleObjectCodec.segmentEvents();
        var metrics = getRuntimeContext().getMetricGroup();
        loopsClosed = metrics.counter("loopsClosed");
        loopsRefusedByScale = metrics.counter("loopsRefusedByScale");
        segmentsRelocalised = metrics.counter("segmentsRelocalised");
        keyframes = metrics.counter("loopKeyframes");
        correctionDelayMs = metrics.histogram("loopCorrectionDelayMs", new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    public void processElement(LoopFrame f, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (f.release) {
            release(f);
            return;
        }
        long[] at = cursor.value();
        if (at != null && at[0] == f.segmentStartMicros && at[1] == f.segmentId && f.frameIndex < at[2]) return;
        LoopCloserState s = readState(f);
        long[] before = {s.segmentStartMicros(), s.segmentId(), s.keyframeCount()};
        boolean wasRelocalised = s.relocalised() && before[0] == f.segmentStartMicros && before[1] == f.segmentId;
        long refusedBefore = closer.loopsRefusedByScale();
        LoopCorrection c = closer.accept(s, f.segmentId, f.segmentStartMicros, f.frameIndex, f.publishedPose(), intrinsics(f), f.depth, f.rgb);
        loopsRefusedByScale.inc(closer.loopsRefusedByScale() - refusedBefore);
        // accept changes the state only by opening a segment or adding a keyframe (a loop closes at a new keyframe)
        if (!Arrays.equals(before, new long[] {s.segmentStartMicros(), s.segmentId(), s.keyframeCount()})) {
            if (s.keyframeCount() > 0) keyframes.inc(); // at most one per frame
            graph.update(InstantiationUtil.serializeObject(s));
        }
        long next = closer.nextKeyframeIndex(s);
        cursor.update(new long[] {f.segmentStartMicros, f.segmentId, next == Long.MIN_VALUE ? f.frameIndex + 1 : next});
        if (c == null) return;
        SegmentCorrection record = SegmentCorrectionRecords.toRecord(f.streamId, c, f.captureTimeMicros, f.modelId, f.modelVersion);
        out.collect(new OutputRecord(OutputRecord.Kind.CORRECTION,
                SegmentCorrectionRecords.key(f.streamId, f.segmentStartMicros, f.segmentId), codec.encode(record)));
        if (s.relocalised() && !wasRelocalised) {
            segmentsRelocalised.inc();
            // The segments topic says so too (key: the stream id, as the stitch stage's segment events).
            out.collect(new OutputRecord(OutputRecord.Kind.SEGMENT, f.streamId.getBytes(StandardCharsets.UTF_8),
                    segmentCodec.encode(SegmentCorrectionRecords.relocalisedEvent(f.streamId, c, f.captureTimeMicros,
                            f.modelId, f.modelVersion))));
        } else {
            loopsClosed.inc();
        }
        if (f.ingestTimeMillis > 0) correctionDelayMs.update(Math.max(0, System.currentTimeMillis() - f.ingestTimeMillis));
    }

    /**
     * A segment ended or the stream was released. After a break the state keeps what the next segment re-localises
     * against (its window goes); otherwise, or when nothing is kept, every state of the stream is cleared.
     */
    private void release(LoopFrame f) throws Exception {
        cursor.clear();
        byte[] bytes = f.segmentEndReason == null ? null : graph.value();
        LoopCloserState s = bytes == null ? null : deserialize(bytes);
        if (s != null) {
            s.useFeatureStore(new MapStateFeatures(features));
            s.useKeptFeatureStore(new MapStateFeatures(keptFeatures));
            closer.segmentEnded(s, f.segmentEndReason);
            if (s.keptSize() > 0) {
                graph.update(InstantiationUtil.serializeObject(s));
                return;
            }
        }
        graph.clear();
        features.clear();
        keptFeatures.clear();
    }

    private LoopCloserState readState(LoopFrame f) throws Exception {
        byte[] bytes = graph.value();
        LoopCloserState s = bytes == null ? new LoopCloserState() : deserialize(bytes);
        if (s == null) {
            // The segment open before the upgrade may have corrections out that this state cannot continue: suspend it
            // (no lower version, no record without its earlier keyframes under its key) until the stream's next segment.
            features.clear();
            keptFeatures.clear();
            s = LoopCloserState.suspendedFor(f.segmentId, f.segmentStartMicros);
            graph.update(InstantiationUtil.serializeObject(s));
        }
        s.useFeatureStore(new MapStateFeatures(features));
        s.useKeptFeatureStore(new MapStateFeatures(keptFeatures));
        return s;
    }

    /**
     * The state as a job of this version wrote it, or null for the state of an older version (restored from its
     * savepoint): the stream's loop closing starts over with its next segment.
     */
    private LoopCloserState deserialize(byte[] bytes) throws Exception {
        try {
            return deserializeState(bytes);
        } catch (java.io.InvalidClassException e) {
            if (!incompatibleLogged) {
                LoggerFactory.getLogger(LoopClosureFunction.class).warn("loop-closure state written by an older version"
                        + " ({}): each stream's loop closing starts over with its next segment", e.getMessage());
                incompatibleLogged = true;
            }
            return null;
        }
    }

    /** A state as {@link #processElement} writes it; an older version's throws {@link java.io.InvalidClassException}. */
    static LoopCloserState deserializeState(byte[] bytes) throws java.io.IOException, ClassNotFoundException {
        return InstantiationUtil.deserializeObject(bytes, LoopCloserState.class.getClassLoader());
    }

    private static CameraIntrinsics intrinsics(LoopFrame f) {
        double[] k = f.intrinsics;
        return new CameraIntrinsics(k[0], k[1], k[2], k[3], f.width, f.height);
    }

    /** The current key's features in the map state (a failing state backend fails the task). */
    private record MapStateFeatures(MapState<Long, KeyframeFeatures> map) implements KeyframeFeatureStore {
        @Override
        public KeyframeFeatures get(long frameIndex) {
            try {
                return map.get(frameIndex);
            } catch (Exception e) {
                throw new IllegalStateException("cannot read keyframe features from state", e);
            }
        }

        @Override
        public void put(long frameIndex, KeyframeFeatures f) {
            try {
                map.put(frameIndex, f);
            } catch (Exception e) {
                throw new IllegalStateException("cannot write keyframe features to state", e);
            }
        }

        @Override
        public void remove(long frameIndex) {
            try {
                map.remove(frameIndex);
            } catch (Exception e) {
                throw new IllegalStateException("cannot remove keyframe features from state", e);
            }
        }

        @Override
        public void clear() {
            map.clear();
        }
    }
}
