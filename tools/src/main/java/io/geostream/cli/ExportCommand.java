package io.geostream.cli;

import io.geostream.avro.GeometryFrame;
import io.geostream.export.SegmentExport;
import io.geostream.export.StreamTruth;
import io.geostream.map.MapBuilder;
import io.geostream.map.OutputDirectory;
import io.geostream.map.StreamMap;
import io.geostream.map.StreamMaps;
import io.geostream.records.StreamIds;
import io.geostream.storage.ObjectStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code geostream export ...}: every stream's (or one stream's) committed output as per-segment files for map and
 * SLAM tools: the fused cloud with normals and colour ({@code geostream map}'s fusion), the trajectory in TUM format,
 * the cameras, and the truth where there is one.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export the committed output per segment: DIR/<stream>/segment-<startMicros>-<id>/ (segment-<id>/ for"
                + " records without a start time) with points.ply (fused as geostream map fuses, binary PLY with normals and"
                + " colour), trajectory.tum (TUM: timestamp tx ty tz qx qy qz qw, camera to the segment's world), cameras.json"
                + " (intrinsics per frame, width/height, depth unit, scale status) and, where truth exists, truth.tum;"
                + " DIR/<stream>/map.json as geostream map writes it. Ends with a result=... line.")
public final class ExportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KafkaFlags kafka;
    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;
    @Option(names = "--stream", description = "Export only this stream (default: every stream in the topics).")
    String stream;
    @Option(names = "--from-output", description = "Export a demo's output directory (geometry-frames.avro, objects/ and"
            + " truth/) offline instead of reading Kafka and S3; its truth/<stream>.tum give truth.tum.")
    Path fromOutput;
    @Option(names = "--truth", paramLabel = "DIR", description = "Truth poses as DIR/<stream>.tum (TUM, camera to the truth's"
            + " world, by capture time), written per segment as truth.tum (default with --from-output: its truth/).")
    Path truthDir;
    @CommandLine.Mixin
    MapFlags flags;

    @Override
    public Integer call() {
        if (stream != null && !StreamIds.isValid(stream)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--stream must be 1-128 of A-Z a-z 0-9 . _ - starting"
                    + " with a letter or digit (it names a directory), got: " + StreamIds.describe(stream));
        }
        flags.validate(spec.commandLine());
        if (fromOutput != null && !Files.isRegularFile(fromOutput.resolve("geometry-frames.avro"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from-output needs a demo output directory"
                    + " (geometry-frames.avro and objects/), got " + fromOutput);
        }
        if (truthDir != null && !Files.isDirectory(truthDir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--truth must be a directory of <stream>.tum files, got " + truthDir);
        }
        Map<String, String> kafkaProperties;
        try {
            kafkaProperties = kafka.clientProperties();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter console = spec.commandLine().getOut();
        Path truth = truthDir != null ? truthDir
                : fromOutput != null && Files.isDirectory(fromOutput.resolve(OutputDirectory.TRUTH)) ? fromOutput.resolve(OutputDirectory.TRUTH)
                : null;
        SegmentExport export = new SegmentExport(truth == null ? null : new StreamTruth(truth));
        long undecodable = 0;
        StreamMaps maps;
        // Loop-closure corrections come from their topic, or from the file a demo's output directory keeps them in.
        try (ObjectStore store = openStore()) {
            io.geostream.map.SegmentCorrections corrections = flags.noCorrections ? null
                    : fromOutput == null ? new io.geostream.map.SegmentCorrections(stream) : OutputDirectory.corrections(fromOutput, stream);
            maps = new StreamMaps(id -> {
                StreamMap m = new StreamMap(id, store, flags.voxel, flags.maxVoxels, out).withNormals().inSegmentDirectories()
                        .withSegmentWriter(export);
                if (corrections != null) m.withCorrections(corrections);
                return flags.topView ? m.withTopViews() : m;
            });
            if (fromOutput != null) {
                err.printf("export: reading %s%s%n", fromOutput, truth == null ? " (no truth/)" : ", truth from " + truth);
                for (GeometryFrame g : OutputDirectory.frames(fromOutput)) {
                    if (stream == null || stream.equals(g.getStreamId())) maps.accept(g);
                }
                maps.writeSnapshots();
            } else {
                err.printf("export: reading %s and %s at %s (read_committed)%s%n", flags.geometryTopic, flags.segmentsTopic,
                        kafka.bootstrapServers, stream == null ? "" : ", stream " + stream);
                MapBuilder builder = new MapBuilder(kafka.bootstrapServers, kafkaProperties, flags.geometryTopic, flags.segmentsTopic,
                        stream, maps, err).withClientId("geostream-export");
                if (corrections != null) builder.withCorrections(flags.correctionsTopic, corrections);
                builder.run(false, Duration.ofSeconds(10), () -> false);
                undecodable = builder.undecodable();
            }
        } catch (CommandLine.ParameterException e) {
            throw e;
        } catch (Exception e) {
            err.println("error: " + e.getMessage());
            if (System.getenv("GEOSTREAM_DEBUG") != null) e.printStackTrace(err);
            console.printf(Locale.ROOT, "result=error error=%s out=%s%n", e.getClass().getSimpleName(), out.toAbsolutePath());
            console.flush();
            return 1;
        }
        long frames = 0, points = 0, truthSegments = 0;
        for (SegmentExport.Written w : export.written()) {
            frames += w.frames();
            points += w.points();
            if (w.truthFrames() > 0) truthSegments++;
            err.printf(Locale.ROOT, "export: %s/%s: %d frames, %d points%s%n", w.streamId(), w.key().baseName(), w.frames(), w.points(),
                    w.truthFrames() > 0 ? ", truth for " + w.truthFrames() : "");
        }
        if (maps.invalidStreamIds() > 0) {
            err.printf(Locale.ROOT, "export: left out %d records whose stream id cannot name a directory%n", maps.invalidStreamIds());
        }
        boolean ok = frames > 0;
        if (!ok) err.println("error: no frames to export (wrong topics, --stream or an empty output?)");
        console.printf(Locale.ROOT, "result=%s streams=%d segments=%d frames=%d frames_fused=%d points=%d truth_segments=%d"
                        + " undecodable=%d out=%s%n", ok ? "ok" : "error", maps.maps().size(), export.written().size(), frames,
                maps.framesFused(), points, truthSegments, undecodable, out.toAbsolutePath());
        console.flush();
        return ok ? 0 : 1;
    }

    private ObjectStore openStore() throws Exception {
        return fromOutput != null ? OutputDirectory.objects(fromOutput) : flags.openStore(spec.commandLine());
    }
}
