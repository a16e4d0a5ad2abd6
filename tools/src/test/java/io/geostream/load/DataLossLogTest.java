package io.geostream.load;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The soak fails on a logged "data loss"; the Kafka sink's committer logs it at ERROR under org.apache.flink (at WARN here). */
class DataLossLogTest {

    @Test
    void countsErrorsThatSayDataWasLostWhileInstalled() {
        Logger committer = LogManager.getLogger("org.apache.flink.connector.kafka.sink.internal.KafkaCommitter");
        try (DataLossLog log = DataLossLog.install()) {
            committer.error("Unable to commit transaction (x) because its producer is already fenced. ... In both cases this most "
                    + "likely signals data loss, please consult the Flink documentation for more details.");
            committer.error("Transaction (x) encountered error and data has been potentially lost.");
            committer.warn("... this most likely signals data loss ...");
            committer.error("Unable to commit transaction (x) because it's in an invalid state.");
            assertThat(log.count()).isEqualTo(2);
            assertThat(log.first()).startsWith("org.apache.flink.connector.kafka.sink.internal.KafkaCommitter: Unable to commit");
            log.close();
            committer.error("data loss after close");
            assertThat(log.count()).isEqualTo(2);
        }
    }
}
