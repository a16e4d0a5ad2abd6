package io.geostream.cli;

import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/** The Kafka client flags of the commands that talk to the job's topics ({@code produce}, {@code map}). */
final class KafkaFlags {
    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092",
            description = "Kafka bootstrap servers, HOST:PORT[,...] (default ${DEFAULT-VALUE}).")
    String bootstrapServers;
    @Option(names = "--kafka-property", description = "Extra Kafka client setting KEY=VALUE (security.protocol, sasl.*, ssl.*...), "
            + "repeatable; the settings the command relies on (isolation, serialisers) cannot be overridden.")
    Map<String, String> properties = new LinkedHashMap<>();
}
