package io.geostream.cli;

import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's log configuration (tools' log4j2.properties, as the launcher runs it; tests run under core's
 * log4j2-test.properties) drops the checkpoint declines a bounded run always has, and nothing else of that logger.
 */
class ExpectedCheckpointDeclineFilterTest {
    private static final String LOGGER = "org.apache.flink.runtime.checkpoint.CheckpointFailureManager";

    @Test
    void theEndOfInputDeclinesAreDroppedAndOtherCheckpointFailuresPass() throws Exception {
        Configuration config;
        try (var in = getClass().getClassLoader().getResourceAsStream("log4j2.properties")) {
            assertThat(in).as("tools' log4j2.properties").isNotNull();
            config = new PropertiesConfigurationFactory().getConfiguration(new LoggerContext("filter-test"),
                    new ConfigurationSource(in));
        }
        config.initialize();
        LoggerConfig logger = config.getLoggerConfig(LOGGER);
        assertThat(logger.getName()).isEqualTo(LOGGER);

        for (CheckpointFailureReason expected : ExpectedCheckpointDeclineFilter.EXPECTED) {
            assertThat(logger.isFiltered(event(new CheckpointException(expected)))).as(expected.name()).isTrue();
        }
        assertThat(logger.isFiltered(event(new CheckpointException(ExpectedCheckpointDeclineFilter.FINISHED_TASK + " 7cb5_0_0.",
                CheckpointFailureReason.TASK_CHECKPOINT_FAILURE)))).as("a finished task").isTrue();

        // Real failures keep their warning and stack trace.
        assertThat(logger.isFiltered(event(new CheckpointException(CheckpointFailureReason.CHECKPOINT_EXPIRED)))).isFalse();
        assertThat(logger.isFiltered(event(new CheckpointException(CheckpointFailureReason.TASK_CHECKPOINT_FAILURE,
                new java.io.IOException("S3 unreachable"))))).as("a task's snapshot failure").isFalse();
        assertThat(logger.isFiltered(event(new IllegalStateException("task is closing")))).isFalse();
        assertThat(logger.isFiltered(event(null))).isFalse();
    }

    private static LogEvent event(Throwable thrown) {
        return Log4jLogEvent.newBuilder().setLoggerName(LOGGER).setLevel(Level.WARN)
                .setMessage(new SimpleMessage("Failed to trigger or complete checkpoint 2 for job 95. (0 consecutive failed attempts so far)"))
                .setThrown(thrown).build();
    }
}
