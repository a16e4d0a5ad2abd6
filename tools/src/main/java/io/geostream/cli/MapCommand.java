package io.geostream.cli;

import io.geostream.map.MapBuilder;
import io.geostream.map.StreamMap;
import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.ObjectStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/** {@code geostream map ...}: fuses one stream's committed geometry into per-segment coloured PLY point clouds. */
@Command(name = "map", mixinStandardHelpOptions = true,
        description = "Fuse one stream's committed GeometryFrames into a confidence-weighted voxel map per segment;"
                + " writes DIR/<stream>/segment-<startMicros>-<id>.ply (binary PLY with colour; segment-<id>.ply for records"
                + " without a start time) and DIR/<stream>/map.json.")
public final class MapCommand implements Callable<Integer> {
    private static final Pattern STREAM_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KafkaFlags kafka;
    @Option(names = "--stream", required = true, description = "Stream id to map.")
    String stream;
    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;
    @Option(names = "--voxel", defaultValue = "0.02",
            description = "Voxel size: metres for metric segments, else a share of the segment's median depth (default ${DEFAULT-VALUE}).")
    double voxel;
    @Option(names = "--max-voxels", defaultValue = "4000000",
            description = "Most voxels held in memory over all open segments, about 80 bytes each (default ${DEFAULT-VALUE}).")
    int maxVoxels;
    @Option(names = "--from-output", description = "Map a demo's output directory (geometry-frames.avro and objects/)"
            + " offline instead of reading Kafka and S3.")
    Path fromOutput;
    @Option(names = "--top-view", description = "Also write segment-...-top.png beside each PLY: the fused points seen from"
            + " above (the segment's first camera's up) in their colours, with the camera path in red and a scale bar.")
    boolean topView;
    @Option(names = "--follow", description = "Keep consuming new records (until interrupted) instead of stopping at the end offsets taken at start.")
    boolean follow;
    @Option(names = "--snapshot-interval", defaultValue = "PT10S",
            description = "With --follow: how often changed segments are rewritten (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration snapshotInterval;
    @Option(names = "--geometry-topic", defaultValue = "geostream.geometry", description = "GeometryFrame topic (default ${DEFAULT-VALUE}).")
    String geometryTopic;
    @Option(names = "--segments-topic", defaultValue = "geostream.segments", description = "SegmentEvent topic (default ${DEFAULT-VALUE}).")
    String segmentsTopic;
    @Option(names = "--corrections-topic", defaultValue = "geostream.corrections",
            description = "SegmentCorrection topic (loop closure): each segment's latest correction is applied to its frames;"
                    + " a topic that does not exist leaves the segments uncorrected (default ${DEFAULT-VALUE}).")
    String correctionsTopic;
    @Option(names = "--no-corrections", description = "Fuse the frames as published, without loop-closure corrections.")
    boolean noCorrections;
    @Option(names = "--local-dir", description = "Read payloads from this local object-store directory instead of S3.")
    Path localDir;
    /** Where the payloads are (default bucket geostream, path-style addressing). */
    @CommandLine.Mixin
    S3Flags s3;

    @Override
    public Integer call() throws Exception {
        if (!STREAM_ID.matcher(stream).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--stream must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit (it names a directory), got: " + stream);
        }
        if (!(voxel > 0) || !Double.isFinite(voxel) || maxVoxels < 1 || snapshotInterval.isNegative() || snapshotInterval.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "need --voxel > 0, --max-voxels >= 1 and --snapshot-interval > 0");
        }
        Map<String, String> kafkaProperties;
        try {
            kafkaProperties = kafka.clientProperties();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (fromOutput != null) return mapOutputDirectory();
        try (ObjectStore store = openStore()) {
            StreamMap map = new StreamMap(stream, store, voxel, maxVoxels, out);
            if (topView) map.withTopViews();
            MapBuilder builder = new MapBuilder(kafka.bootstrapServers, kafkaProperties, geometryTopic, segmentsTopic, stream, map, spec.commandLine().getErr());
            if (!noCorrections) {
                io.geostream.map.SegmentCorrections corrections = new io.geostream.map.SegmentCorrections(stream);
                map.withCorrections(corrections);
                builder.withCorrections(correctionsTopic, corrections);
            }
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                stop.set(true);
                try {
                    done.await(); // let the run write its final snapshot before the JVM exits
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "geostream-map-shutdown");
            if (follow) Runtime.getRuntime().addShutdownHook(hook);
            try {
                builder.run(follow, snapshotInterval, stop::get);
            } finally {
                done.countDown();
                if (follow) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // already running: it returns as soon as done is counted down
                    }
                }
            }
            spec.commandLine().getOut().printf("map %s: %d frames fused into %d segments; wrote %s%n", stream, map.framesFused(),
                    map.segmentCount(), map.streamDir().resolve("map.json"));
            return 0;
        }
    }

    /** --from-output: a demo's output directory instead of Kafka and S3. */
    private int mapOutputDirectory() throws Exception {
        if (!java.nio.file.Files.isRegularFile(fromOutput.resolve("geometry-frames.avro"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from-output needs a demo output directory"
                    + " (geometry-frames.avro and objects/), got " + fromOutput);
        }
        try (ObjectStore store = io.geostream.map.OutputDirectory.objects(fromOutput)) {
            StreamMap map = new StreamMap(stream, store, voxel, maxVoxels, out);
            if (topView) map.withTopViews();
            for (io.geostream.avro.GeometryFrame g : io.geostream.map.OutputDirectory.frames(fromOutput)) map.accept(g);
            map.writeSnapshots();
            spec.commandLine().getErr().printf("wrote %s%n", map.streamDir().resolve("map.json"));
            spec.commandLine().getOut().printf("stream=%s frames_fused=%d segments=%d out=%s%n", stream, map.framesFused(),
                    map.segmentCount(), map.streamDir());
            return map.framesFused() > 0 ? 0 : 1;
        }
    }

    private ObjectStore openStore() throws Exception {
        if (localDir != null) return new LocalDirectoryObjectStore(localDir);
        try {
            return s3.open("geostream", true);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage() + " (or use --local-dir)");
        }
    }
}
