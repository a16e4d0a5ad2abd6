package io.geostream.operators.sink;

import io.geostream.avro.CameraModel;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.Pose;
import io.geostream.avro.ScaleStatus;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.avro.StitchQuality;
import io.geostream.geometry.Rotations;
import io.geostream.model.ModelInfo;
import io.geostream.stitch.StitchEvent;
import io.geostream.storage.FrameSidecar;
import io.geostream.storage.ObjectKeys;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.PayloadCodecs;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Turns stitched frames into output: payloads first (depth PNG16, normals PNG, point map and confidence
 * .npy, model RGB as JPEG) under deterministic keys, then the {@link GeometryFrame} event that names
 * them. A replay writes the same bytes to the same keys, so the object store needs no transactions.
 * So that the objects can be read without the record (topics expire): the depth PNG carries its unit and scale
 * status as object metadata, and a JSON sidecar ({@link FrameSidecar}, {@code frame.json}) made from the record
 * lies next to the payloads.
 */
public final class GeometryFrameWriter {
    public static final float JPEG_QUALITY = 0.92f;

    private final ObjectStore store;
    private final ModelInfo model;
    private final Executor puts;

    public GeometryFrameWriter(ObjectStore store, ModelInfo model) {
        this(store, model, null);
    }

    /**
     * @param puts runs the encoding and put of each payload file of a frame concurrently (a frame's five puts
     *             are independent; one round trip instead of five); null = one after the other in the caller
     */
    public GeometryFrameWriter(ObjectStore store, ModelInfo model, Executor puts) {
        this.store = Objects.requireNonNull(store, "store");
        this.model = Objects.requireNonNull(model, "model");
        this.puts = puts;
    }

    /** Writes the frame's payloads and returns its event; {@code nowMillis} only feeds the latency figure. */
    public GeometryFrame write(StitchEvent.StitchedFrame f, long nowMillis) throws IOException {
        return start(f).finish(nowMillis);
    }

    /**
     * Starts encoding and storing the frame's payloads (on the put executor, when there is one) and returns at once;
     * {@link PendingFrame#finish} waits for them and gives the event. Starting all the frames of a clip before
     * finishing the first keeps the object store busy instead of one frame's round trip at a time.
     */
    public PendingFrame start(StitchEvent.StitchedFrame f) {
        String stream = f.frame().streamId;
        long seg = f.segmentId(), idx = f.frame().frameIndex, captured = f.frame().captureTimeMicros;
        int w = f.width(), h = f.height();
        double depthUnit = PayloadCodecs.chooseDepthUnit(f.depth());
        Map<String, String> files = new LinkedHashMap<>();
        files.put("depth", "depth.png");
        files.put("normals", "normals.png");
        files.put("points", "points.npy");
        if (f.confidence() != null) files.put("confidence", "confidence.npy");
        files.put("rgb", "rgb.jpg");
        Map<String, String> keys = new LinkedHashMap<>();
        files.forEach((what, name) -> keys.put(what, ObjectKeys.framePayload(model, stream, seg, idx, captured, name)));
        // The record is made first (its keys are deterministic) so that the depth metadata and the sidecar say what
        // it says; finish() only adds the latency figure.
        GeometryFrame record = event(f, depthUnit, keys.get("depth"), keys.get("normals"), keys.get("points"),
                keys.get("confidence"), keys.get("rgb"), 0);
        var depth = put(keys.get("depth"), files.get("depth"), () -> PayloadCodecs.depthPng16(f.depth(), w, h, depthUnit), record);
        var normals = put(keys.get("normals"), files.get("normals"), () -> PayloadCodecs.normalsPng(f.normalsCamera(), w, h), record);
        var points = put(keys.get("points"), files.get("points"), () -> PayloadCodecs.npyFloat32(f.worldPoints(), h, w, 3), record);
        var conf = f.confidence() == null ? null
                : put(keys.get("confidence"), files.get("confidence"), () -> PayloadCodecs.npyFloat32(f.confidence(), h, w), record);
        var rgb = put(keys.get("rgb"), files.get("rgb"), () -> PayloadCodecs.jpeg(f.rgb(), w, h, JPEG_QUALITY), record);
        var sidecar = put(ObjectKeys.framePayload(model, stream, seg, idx, captured, FrameSidecar.FILE_NAME), FrameSidecar.FILE_NAME,
                () -> FrameSidecar.json(record, files), record);
        return new PendingFrame(f, record, depth, normals, points, conf, rgb, sidecar);
    }

    /**
     * Content type of a frame's object by its file name (depth.png, normals.png, points.npy, confidence.npy, rgb.jpg,
     * frame.json): what the writer stores, and what the benchmark's I/O-only job stores in its place.
     */
    public static String contentType(String fileName) {
        if (fileName.endsWith(".png")) return "image/png";
        if (fileName.endsWith(".jpg")) return "image/jpeg";
        if (fileName.endsWith(".json")) return "application/json";
        return "application/octet-stream";
    }

    /**
     * Object metadata of a frame's object by its file name: the depth PNG's unit and scale status, where the sidecar
     * lies for the other payloads, none on the sidecar itself.
     */
    public static Map<String, String> objectMetadata(String fileName, GeometryFrame record) {
        if (fileName.equals(FrameSidecar.FILE_NAME)) return Map.of();
        if (fileName.equals("depth.png")) return FrameSidecar.depthMetadata(record);
        return FrameSidecar.payloadMetadata();
    }

    private CompletableFuture<String> put(String key, String fileName, Supplier<byte[]> bytes, GeometryFrame record) {
        return put(key, bytes, contentType(fileName), objectMetadata(fileName, record));
    }

    /** A frame whose payload writes are under way. */
    public final class PendingFrame {
        private final StitchEvent.StitchedFrame f;
        private final GeometryFrame record;
        private final CompletableFuture<String> depth, normals, points, conf, rgb, sidecar;

        private PendingFrame(StitchEvent.StitchedFrame f, GeometryFrame record, CompletableFuture<String> depth,
                             CompletableFuture<String> normals, CompletableFuture<String> points,
                             CompletableFuture<String> conf, CompletableFuture<String> rgb, CompletableFuture<String> sidecar) {
            this.f = f;
            this.record = record;
            this.depth = depth;
            this.normals = normals;
            this.points = points;
            this.conf = conf;
            this.rgb = rgb;
            this.sidecar = sidecar;
        }

        /** Whether every payload write of the frame has ended (stored or failed): {@link #finish} will not wait. */
        public boolean isDone() {
            return depth.isDone() && normals.isDone() && points.isDone() && (conf == null || conf.isDone()) && rgb.isDone()
                    && sidecar.isDone();
        }

        /** The stitched frame being written. */
        public StitchEvent.StitchedFrame frame() {
            return f;
        }

        /**
         * Waits until every payload of the frame is stored and returns the event naming them; the first failed put's
         * exception otherwise. {@code nowMillis} only feeds the latency figure.
         */
        public GeometryFrame finish(long nowMillis) throws IOException {
            await(depth);
            await(normals);
            await(points);
            if (conf != null) await(conf);
            await(rgb);
            await(sidecar);
            return GeometryFrame.newBuilder(record)
                    .setProcessingLatencyMillis(Math.max(0, nowMillis - f.frame().ingestTimeMillis)).build();
        }
    }

    private GeometryFrame event(StitchEvent.StitchedFrame f, double depthUnit, String depthKey, String normalsKey, String pointsKey,
                                String confKey, String rgbKey, long latencyMillis) {
        int w = f.width(), h = f.height();
        double[] q = Rotations.toQuaternion(f.worldFromCamera().rotation());
        double[] t = f.worldFromCamera().translation();
        return GeometryFrame.newBuilder()
                .setStreamId(f.frame().streamId)
                .setFrameIndex(f.frame().frameIndex)
                .setCaptureTimeMicros(f.frame().captureTimeMicros)
                .setSegmentId(f.segmentId())
                .setSegmentStartMicros(f.segmentStartMicros())
                .setClipId(f.clipId())
                .setWorldFromCamera(Pose.newBuilder().setQx(q[0]).setQy(q[1]).setQz(q[2]).setQw(q[3])
                        .setTx(t[0]).setTy(t[1]).setTz(t[2]).build())
                .setIntrinsics(CameraModel.newBuilder().setFx(f.intrinsics().fx()).setFy(f.intrinsics().fy())
                        .setCx(f.intrinsics().cx()).setCy(f.intrinsics().cy()).setSource(f.intrinsicsSource()).build())
                .setScaleStatus(ScaleStatus.RELATIVE)
                .setScaleFactor(1.0)
                .setPayloads(PayloadRefs.newBuilder().setWidth(w).setHeight(h)
                        .setDepthUri(store.uriOf(depthKey)).setDepthUnit(depthUnit)
                        .setNormalsUri(store.uriOf(normalsKey))
                        .setPointMapUri(store.uriOf(pointsKey))
                        .setConfidenceUri(confKey == null ? null : store.uriOf(confKey))
                        .setRgbUri(store.uriOf(rgbKey)).build())
                .setQuality(StitchQuality.newBuilder().setMethod(f.method()).setOverlapPoints(f.overlapPoints())
                        .setResidualRms(f.residualRms()).setInlierShare(f.inlierShare()).setClipScale(f.clipScale())
                        .setPoseReprojectionRms(f.poseReprojectionRms()).build())
                .setModelId(model.id())
                .setModelVersion(model.version())
                .setProcessingLatencyMillis(latencyMillis)
                .build();
    }

    /** Encodes and stores one payload file, in the caller or on {@link #puts}; {@link #await} gives its key. */
    private CompletableFuture<String> put(String key, Supplier<byte[]> bytes, String type, Map<String, String> metadata) {
        Supplier<String> task = () -> {
            try {
                store.put(key, bytes.get(), type, metadata);
                return key;
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        };
        if (puts == null) {
            try {
                return CompletableFuture.completedFuture(task.get());
            } catch (CompletionException e) {
                return CompletableFuture.failedFuture(e.getCause());
            }
        }
        return CompletableFuture.supplyAsync(task, puts);
    }

    private static String await(CompletableFuture<String> put) throws IOException {
        try {
            return put.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof IOException io) throw io;
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error err) throw err;
            throw new IOException(cause);
        }
    }

    /** The Avro form of a segment boundary. */
    public static SegmentEvent segmentEvent(StitchEvent e, ModelInfo model) {
        SegmentEvent.Builder b = SegmentEvent.newBuilder().setModelId(model.id()).setModelVersion(model.version());
        if (e instanceof StitchEvent.SegmentStarted s) {
            return b.setStreamId(s.streamId()).setSegmentId(s.segmentId()).setSegmentStartMicros(s.segmentStartMicros())
                    .setKind(SegmentEventKind.STARTED)
                    .setReason(s.reason()).setDetail("").setFirstFrameIndex(s.firstFrameIndex()).setLastFrameIndex(null)
                    .setFrameCount(0).setEventTimeMicros(s.timeMicros()).build();
        }
        if (e instanceof StitchEvent.SegmentEnded s) {
            return b.setStreamId(s.streamId()).setSegmentId(s.segmentId()).setSegmentStartMicros(s.segmentStartMicros())
                    .setKind(SegmentEventKind.ENDED)
                    .setReason(s.reason()).setDetail(s.detail()).setFirstFrameIndex(s.firstFrameIndex())
                    .setLastFrameIndex(s.lastFrameIndex()).setFrameCount(s.frameCount()).setEventTimeMicros(s.timeMicros()).build();
        }
        throw new IllegalArgumentException("not a segment event: " + e);
    }
}
