package io.geostream.cli;

import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.ObjectStore;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The flags of the commands that fuse the committed geometry ({@code map}, {@code export}): voxel size and budget, top
 * views, the topics, and where the payloads are (S3 through {@link S3Flags}, or a local object-store directory).
 */
final class MapFlags {
    @Option(names = "--voxel", defaultValue = "0.02",
            description = "Voxel size: metres for metric segments, else a share of the segment's median depth (default ${DEFAULT-VALUE}).")
    double voxel;
    @Option(names = "--max-voxels", defaultValue = "4000000",
            description = "Most voxels held in memory over a stream's open segments, about 80 bytes each (104 with normals;"
                    + " default ${DEFAULT-VALUE}).")
    int maxVoxels;
    @Option(names = "--top-view", description = "Also write a top view PNG beside each segment's PLY: the fused points seen"
            + " from above (the segment's first camera's up) in their colours, with the camera path in red and a scale bar.")
    boolean topView;
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

    /** @throws CommandLine.ParameterException unless --voxel > 0 and --max-voxels >= 1 */
    void validate(CommandLine cl) {
        if (!(voxel > 0) || !Double.isFinite(voxel) || maxVoxels < 1) {
            throw new CommandLine.ParameterException(cl, "need --voxel > 0 and --max-voxels >= 1");
        }
    }

    /** The payloads' store: --local-dir, else S3 (credentials resolved now). */
    ObjectStore openStore(CommandLine cl) throws IOException {
        if (localDir != null) return new LocalDirectoryObjectStore(localDir);
        try {
            return s3.open("geostream", true);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage() + " (or use --local-dir)");
        }
    }
}
