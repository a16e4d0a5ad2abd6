package io.geostream.chaos;

import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;

import java.io.IOException;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.TreeMap;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The job as an operator runs it, {@code geostream run}, in a JVM of its own (this JVM's class path), so that it can
 * be killed with SIGKILL like a crashed process: nothing of it runs a shutdown hook, closes a producer or cancels
 * the job. Its output goes to a log file.
 */
final class ChildJob implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final Path settingsFile; // null without settings

    private ChildJob(Process process, Path log, Path settingsFile) {
        this.process = process;
        this.log = log;
        this.settingsFile = settingsFile;
    }

    /**
     * Starts {@code geostream run --ui-port 0 [--from-latest-checkpoint DIR] --config FILE}, the settings in FILE.
     *
     * @param resumeFrom a checkpoint directory to resume from, or null for a fresh start
     */
    static ChildJob start(Map<String, String> settings, String resumeFrom, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        // A short-lived job on a few cores: the client compiler and one GC thread start it in a fraction of the time.
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        // The module opens Flink needs on Java 17, and the logging and DJL settings, as this JVM was started with.
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-Dai.djl")
                    || a.startsWith("-Dlog4j2.configurationFile") || a.startsWith("-Dgeostream.home")) cmd.add(a);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.geostream.cli.GeostreamCli");
        cmd.add("run");
        cmd.add("--ui-port");
        cmd.add("0");
        if (resumeFrom != null) {
            cmd.add("--from-latest-checkpoint");
            cmd.add(resumeFrom);
        }
        Path settingsFile = null;
        if (!settings.isEmpty()) {
            // In a file only its owner can read, not on the command line, which every user of the machine can list (the
            // settings hold the object store's secret key).
            settingsFile = writeSettings(settings, log.resolveSibling(log.getFileName() + ".settings.yaml"));
            cmd.add("--config");
            cmd.add(settingsFile.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new ChildJob(p, log, settingsFile);
    }

    /** Writes the settings as a YAML file (flat dotted keys, as {@code --config} reads them), readable by its owner only. */
    static Path writeSettings(Map<String, String> settings, Path file) throws IOException {
        Files.deleteIfExists(file);
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerOnly));
        } catch (UnsupportedOperationException notPosix) {
            System.err.println("chaos: " + file + " keeps the file system's default permissions (not a POSIX file system)");
            Files.createFile(file);
        }
        String yaml = new Dump(DumpSettings.builder().build()).dumpToString(new TreeMap<>(settings));
        Files.writeString(file, yaml);
        return file;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** {@code kill -9}: SIGKILL, then waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("process " + pid() + " survived SIGKILL for 60 s");
    }

    int exitValue() {
        return process.exitValue();
    }

    /** The last {@code lines} lines of the child's log. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Stops a job that is done (SIGTERM, then SIGKILL after 30 s) and deletes its settings file. */
    @Override
    public void close() throws InterruptedException {
        try {
            if (!process.isAlive()) return;
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
        } finally {
            if (settingsFile != null) {
                try {
                    Files.deleteIfExists(settingsFile);
                } catch (IOException e) {
                    System.err.println("chaos: cannot delete " + settingsFile + ": " + e.getMessage());
                }
            }
        }
    }
}
