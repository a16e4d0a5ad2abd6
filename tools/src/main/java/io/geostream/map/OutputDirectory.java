package io.geostream.map;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentCorrection;
import io.geostream.eval.TumTrajectory;
import io.geostream.geometry.RigidTransform;
import io.geostream.storage.ForwardingObjectStore;
import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.ObjectStore;
import io.geostream.synthetic.TruthSource;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A demo's output directory read as the map builder's input, offline: {@code geometry-frames.avro} (the committed
 * records), {@code objects/} (the object store's mirror, where {@code s3://BUCKET/KEY} is {@code objects/KEY}) and, for
 * synthetic streams, {@code truth/<stream>.tum} (the true camera poses, TUM format, by capture time).
 */
public final class OutputDirectory {
    /** The directory of the streams' truth, {@code <stream>.tum} each. */
    public static final String TRUTH = "truth";
    /** The loop-closure corrections topic as read at the end of the run (Avro container file of SegmentCorrection). */
    public static final String CORRECTIONS = "segment-corrections.avro";

    private OutputDirectory() {}

    /**
     * Writes {@code truth/<streamId>.tum}: every frame's true camera-to-world pose (in the truth's own world frame and
     * units) at its capture time.
     */
    public static void writeTruth(Path dir, String streamId, TruthSource truth) throws IOException {
        int n = truth.frames();
        long[] micros = new long[n];
        RigidTransform[] poses = new RigidTransform[n];
        for (int i = 0; i < n; i++) {
            micros[i] = truth.captureTimeMicros(i);
            poses[i] = truth.worldFromCamera(i);
        }
        Files.createDirectories(dir.resolve(TRUTH));
        try (Writer w = Files.newBufferedWriter(dir.resolve(TRUTH).resolve(streamId + ".tum"), StandardCharsets.UTF_8)) {
            TumTrajectory.write(w, micros, poses);
        }
    }

    /** The records, in stream then frame order. */
    public static List<GeometryFrame> frames(Path dir) throws IOException {
        List<GeometryFrame> out = new ArrayList<>();
        try (DataFileReader<GeometryFrame> reader = new DataFileReader<>(dir.resolve("geometry-frames.avro").toFile(),
                new SpecificDatumReader<>(GeometryFrame.class))) {
            for (GeometryFrame g : reader) out.add(g);
        }
        out.sort(Comparator.comparing(GeometryFrame::getStreamId).thenComparingLong(GeometryFrame::getFrameIndex));
        return out;
    }

    /** Writes {@link #CORRECTIONS}: every record of the corrections topic, in the order read (consumers keep each segment's highest version). */
    public static void writeCorrections(Path dir, List<SegmentCorrection> records) throws IOException {
        try (DataFileWriter<SegmentCorrection> w = new DataFileWriter<>(
                new SpecificDatumWriter<>(SegmentCorrection.class))) {
            w.create(SegmentCorrection.getClassSchema(), dir.resolve(CORRECTIONS).toFile());
            for (SegmentCorrection r : records) w.append(r);
        }
    }

    /**
     * The corrections of {@link #CORRECTIONS}, each segment's latest, for {@code streamIdOrNull} (null: every stream);
     * none when the file is absent (an output written before corrections were kept).
     */
    public static SegmentCorrections corrections(Path dir, String streamIdOrNull) throws IOException {
        SegmentCorrections out = new SegmentCorrections(streamIdOrNull);
        if (!Files.isRegularFile(dir.resolve(CORRECTIONS))) return out;
        try (DataFileReader<SegmentCorrection> reader = new DataFileReader<>(dir.resolve(CORRECTIONS).toFile(),
                new SpecificDatumReader<>(SegmentCorrection.class))) {
            for (SegmentCorrection r : reader) out.accept(r);
        }
        return out;
    }

    /** The mirror as an object store that resolves the records' s3:// URIs. */
    public static ObjectStore objects(Path dir) throws IOException {
        return new ForwardingObjectStore(new LocalDirectoryObjectStore(dir.resolve("objects"))) {
            @Override
            public Optional<String> keyOf(String uri) {
                try {
                    URI parsed = new URI(uri);
                    if (!"s3".equalsIgnoreCase(parsed.getScheme()) || parsed.getPath() == null || parsed.getPath().length() < 2) {
                        return inner.keyOf(uri);
                    }
                    return Optional.of(parsed.getPath().substring(1));
                } catch (URISyntaxException e) {
                    return Optional.empty();
                }
            }
        };
    }
}
