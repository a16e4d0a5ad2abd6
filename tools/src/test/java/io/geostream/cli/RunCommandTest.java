package io.geostream.cli;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code geostream run} settings that must be refused (exit 2) before anything connects, and the local Flink defaults. */
class RunCommandTest {

    @Test
    void badSettingsAreUsageErrors(@TempDir Path tmp) throws Exception {
        assertThat(GeostreamCli.execute("run", "--config", tmp.resolve("missing.yaml").toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("run", "geostream.no.such.key=1", "geostream.storage.kind=local")).isEqualTo(2);
        assertThat(GeostreamCli.execute("run", "not-a-pair")).isEqualTo(2);
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(file, "geostream.storage.kind: s3\ngeostream.storage.s3.bucket: Not_A_Bucket\n");
        assertThat(GeostreamCli.execute("run", "--config", file.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("run", "--remote", "no-port", "geostream.storage.kind=local")).isEqualTo(2);
        assertThat(GeostreamCli.execute("run", "--remote", "jm:8081", "--jar", tmp.resolve("none.jar").toString(),
                "geostream.storage.kind=local")).isEqualTo(2);
    }

    @Test
    void fromLatestCheckpointResumesFromTheNewestCompleteOne(@TempDir Path tmp) throws Exception {
        Path job = Files.createDirectories(tmp.resolve("checkpoints/3f2a"));
        Files.write(Files.createDirectories(job.resolve("chk-4")).resolve("_metadata"), new byte[] {1});
        Files.createDirectories(job.resolve("chk-5")); // in flight when the process was killed
        RunCommand run = new RunCommand();
        new picocli.CommandLine(run).parseArgs("--from-latest-checkpoint", tmp.resolve("checkpoints").toString(), "geostream.storage.kind=local");
        assertThat(run.settings().get(org.apache.flink.configuration.StateRecoveryOptions.SAVEPOINT_PATH))
                .isEqualTo("file:" + job.resolve("chk-4"));
        assertThat(GeostreamCli.execute("run", "--from-latest-checkpoint", tmp.resolve("none").toString(), "geostream.storage.kind=local")).isEqualTo(2);
        Files.createDirectories(tmp.resolve("empty/3f2a/chk-1"));
        assertThat(GeostreamCli.execute("run", "--from-latest-checkpoint", tmp.resolve("empty").toString(), "geostream.storage.kind=local")).isEqualTo(2);
        assertThat(GeostreamCli.execute("run", "--from-latest-checkpoint", tmp.resolve("checkpoints").toString(),
                "execution.state-recovery.path=/elsewhere/chk-1", "geostream.storage.kind=local")).isEqualTo(2);
    }

    @Test
    void aLocalRunCheckpointsToFilesUnlessTheSettingsSayOtherwise() {
        Configuration defaults = RunCommand.flinkSettings(new Configuration(), true);
        assertThat(defaults.getString("state.backend.type", null)).as("the job's Flink defaults, as in production").isEqualTo("rocksdb");
        assertThat(defaults.getString("execution.checkpointing.interval", null)).isEqualTo(RunCommand.DEFAULT_LOCAL_CHECKPOINT_INTERVAL);
        assertThat(defaults.getString("execution.checkpointing.storage", null)).isEqualTo("filesystem");
        assertThat(defaults.getString("execution.checkpointing.min-pause", null)).isEqualTo(RunCommand.DEFAULT_LOCAL_MIN_PAUSE);
        io.geostream.jobs.GeometryJob.FAILURE_POLICY.forEach((k, v) -> assertThat(defaults.getString(k, null)).as(k).isEqualTo(v));
        Configuration own = new Configuration();
        own.setString("execution.checkpointing.interval", "30 s");
        own.setString("execution.checkpointing.dir", "s3://b/cp");
        Configuration kept = RunCommand.flinkSettings(own, true);
        assertThat(kept.getString("execution.checkpointing.interval", null)).isEqualTo("30 s");
        assertThat(kept.getString("execution.checkpointing.dir", null)).isEqualTo("s3://b/cp");
        assertThat(RunCommand.flinkSettings(new Configuration(), false).toMap()).isEmpty();
    }

    @Test
    void remoteRunsShipTheSlimJarTheBuildMadeInJobsTarget() throws Exception {
        // In the reactor the job's classes come from jobs/target/classes and the slim jar was packaged beside them
        // (the CLI runs from tools/target/, so the checkout's jobs/target/ is the fallback).
        Path built = io.geostream.testing.RepoFiles.root().resolve("jobs/target/geostream-job-slim.jar");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(built), "no slim jar yet (mvn test without package)");
        assertThat(RunCommand.defaultSlimJar().toRealPath()).isEqualTo(built.toRealPath());
    }

    @Test
    void aClipTheModelPackageCannotTakeIsAUsageError(@TempDir Path tmp) throws Exception {
        String fourX = io.geostream.testing.RepoFiles.fourTimesTemporalPackage(tmp).toString();
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(GeostreamCli.execute("run", "--ui-port", "0", "geostream.storage.kind=local", "geostream.model=" + fourX,
                    "geostream.clip.length=16")).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("geostream.clip.length = 16 cannot feed model");
    }

    @Test
    void aTypoInANestedConfigBlockIsAUsageErrorNamingTheKey(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("nested.yaml");
        Files.writeString(file, """
                geostream:
                  storage.kind: local   # no S3 needed
                  clip:
                    lenght: 9
                """);
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(GeostreamCli.execute("run", "--ui-port", "0", "--config", file.toString())).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("unknown option geostream.clip.lenght");
    }
}
