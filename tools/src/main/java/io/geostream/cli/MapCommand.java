package io.geostream.cli;

import io.geostream.map.MapBuilder;
import io.geostream.map.StreamMap;
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
    @CommandLine.Mixin
    MapFlags flags;
    @Option(names = "--from-output", description = "Map a demo's output directory (geometry-frames.avro and objects/)"
            + " offline instead of reading Kafka and S3.")
    Path fromOutput;
    @Option(names = "--follow", description = "Keep consuming new records (until interrupted) instead of stopping at the end offsets taken at start.")
    boolean follow;
    @Option(names = "--snapshot-interval", defaultValue = "PT10S",
            description = "With --follow: how often changed segments are rewritten (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration snapshotInterval;

    @Override
    public Integer call() throws Exception {
        if (!STREAM_ID.matcher(stream).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--stream must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit (it names a directory), got: " + stream);
        }
        flags.validate(spec.commandLine());
        if (snapshotInterval.isNegative() || snapshotInterval.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "need --snapshot-interval > 0");
        }
        Map<String, String> kafkaProperties;
        try {
            kafkaProperties = kafka.clientProperties();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (fromOutput != null) return mapOutputDirectory();
        try (ObjectStore store = flags.openStore(spec.commandLine())) {
            StreamMap map = new StreamMap(stream, store, flags.voxel, flags.maxVoxels, out);
            if (flags.topView) map.withTopViews();
            MapBuilder builder = new MapBuilder(kafka.bootstrapServers, kafkaProperties, flags.geometryTopic, flags.segmentsTopic,
                    stream, map, spec.commandLine().getErr());
            if (!flags.noCorrections) {
                io.geostream.map.SegmentCorrections corrections = new io.geostream.map.SegmentCorrections(stream);
                map.withCorrections(corrections);
                builder.withCorrections(flags.correctionsTopic, corrections);
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
            printResult(map);
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
            StreamMap map = new StreamMap(stream, store, flags.voxel, flags.maxVoxels, out);
            if (flags.topView) map.withTopViews();
            // The corrections the demo read from its topic at the end of the run (none in older output directories).
            if (!flags.noCorrections) map.withCorrections(io.geostream.map.OutputDirectory.corrections(fromOutput, stream));
            for (io.geostream.avro.GeometryFrame g : io.geostream.map.OutputDirectory.frames(fromOutput)) map.accept(g);
            map.writeSnapshots();
            printResult(map);
            return map.framesFused() > 0 ? 0 : 1;
        }
    }

    /** Where the map is on stderr; the one result line on stdout. */
    private void printResult(StreamMap map) {
        spec.commandLine().getErr().printf("map %s: %d frames fused into %d segments; wrote %s%n", stream, map.framesFused(),
                map.segmentCount(), map.streamDir().resolve("map.json"));
        spec.commandLine().getOut().printf("stream=%s frames_fused=%d segments=%d out=%s%n", stream, map.framesFused(),
                map.segmentCount(), map.streamDir());
        spec.commandLine().getOut().flush();
    }
}
