package io.geostream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code geostream} command line. Exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(name = "geostream", mixinStandardHelpOptions = true, version = "geostream 0.1.0",
        description = "Streamed, globally consistent 3-D geometry from camera video (Flink + Kafka + S3).",
        subcommands = {DemoCommand.class, RunCommand.class, EvalCommand.class, ProduceCommand.class, MapCommand.class, ExportCommand.class,
                BenchCommand.class, ChaosCommand.class, SoakCommand.class})
public final class GeostreamCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new GeostreamCli());
        // --trajectory orbit as well as ORBIT: the help lists the constants, users type them as they like
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + ex.getMessage());
            if (System.getenv("GEOSTREAM_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
