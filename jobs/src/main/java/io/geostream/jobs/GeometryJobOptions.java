package io.geostream.jobs;

import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.inference.InferenceOptions;
import io.geostream.operators.ingest.IngestOptions;
import io.geostream.operators.loop.LoopOptions;
import io.geostream.operators.sink.MetricsOptions;
import io.geostream.operators.sink.SinkOptions;
import io.geostream.operators.sink.StorageOptions;
import io.geostream.operators.stitch.StitchOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.util.List;

/**
 * The job's own settings, the Kafka connection its source and sink share; each stage's settings are in that stage's
 * {@code *Options} class ({@link #OPTION_CLASSES}). All are Flink {@link ConfigOption}s (config file keys or
 * {@code -D} flags).
 */
public final class GeometryJobOptions {
    private GeometryJobOptions() {}

    public static final ConfigOption<String> BOOTSTRAP_SERVERS = ConfigOptions.key("geostream.kafka.bootstrap-servers")
            .stringType().defaultValue("localhost:9092").withDescription("Kafka bootstrap servers.");
    /**
     * Prefix of Kafka client settings passed to the source and the sink as they are, for example
     * {@code geostream.kafka.properties.security.protocol: SASL_SSL} or {@code ...sasl.jaas.config}. Settings the
     * job relies on (isolation level, transactions, serialisers) cannot be overridden. Flink hides the values of
     * keys containing {@code password}, {@code secret} or {@code jaas.config} when it logs the configuration.
     */
    public static final String KAFKA_PROPERTIES_PREFIX = "geostream.kafka.properties.";

    /**
     * Every class of the job's {@link ConfigOption}s: this one (Kafka connection) and one per stage. Keys under
     * {@code geostream.} that none of them declares fail the job at start ({@link JobConfigs#knownKeys}).
     */
    public static final List<Class<?>> OPTION_CLASSES = List.of(GeometryJobOptions.class, IngestOptions.class,
            ClipOptions.class, InferenceOptions.class, StitchOptions.class, SinkOptions.class, StorageOptions.class,
            MetricsOptions.class, LoopOptions.class);
}
