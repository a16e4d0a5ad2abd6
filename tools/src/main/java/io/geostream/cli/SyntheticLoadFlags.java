package io.geostream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The synthetic cameras and job parallelism the load commands share ({@code bench pipeline}, {@code soak}). */
final class SyntheticLoadFlags {
    @Option(names = "--streams", defaultValue = "4", description = "Synthetic cameras (default ${DEFAULT-VALUE}).")
    int streams;
    @Option(names = "--width", defaultValue = "160", description = "Frame width (default ${DEFAULT-VALUE}).")
    int width;
    @Option(names = "--height", defaultValue = "120", description = "Frame height (default ${DEFAULT-VALUE}).")
    int height;
    @Option(names = "--parallelism", defaultValue = "1", description = "Job parallelism and input partitions (default ${DEFAULT-VALUE}).")
    int parallelism;
    @Option(names = "--seed", defaultValue = "1", description = "Scene seed (default ${DEFAULT-VALUE}).")
    long seed;

    /** Checks --streams against the command's bound, and the frame size. */
    void validate(CommandLine.Model.CommandSpec spec, int maxStreams) {
        if (streams < 1 || streams > maxStreams) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--streams must be in [1, " + maxStreams + "]");
        }
        if (width < 16 || height < 16 || width > 2048 || height > 2048) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--width/--height must be in [16, 2048]");
        }
    }
}
