package io.geostream.cli;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** The Kafka client flags of the commands that talk to the job's topics ({@code produce}, {@code map}, {@code run}). */
final class KafkaFlags {
    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092",
            description = "Kafka bootstrap servers, HOST:PORT[,...] (default ${DEFAULT-VALUE}).")
    String bootstrapServers;
    @Option(names = "--kafka-property", description = "Extra Kafka client setting KEY=VALUE (security.protocol, sasl.*, ssl.*...), "
            + "repeatable, over those of --kafka-properties; the settings the command relies on (isolation, serialisers) cannot be overridden.")
    Map<String, String> properties = new LinkedHashMap<>();
    @Option(names = "--kafka-properties", paramLabel = "FILE",
            description = "Kafka client settings file (Java properties, as Kafka's own tools take with --command-config: "
                    + "security.protocol, sasl.jaas.config, ssl.truststore.location...). Keeps secrets off the command line.")
    Path propertiesFile;

    /**
     * The client settings: the file's, then each {@code --kafka-property} over them.
     *
     * @throws IllegalArgumentException when the file cannot be read
     */
    Map<String, String> clientProperties() {
        Map<String, String> out = new TreeMap<>();
        if (propertiesFile != null) out.putAll(readPropertiesFile(propertiesFile));
        out.putAll(properties);
        return out;
    }

    /** A Java properties file as a map, or an IllegalArgumentException naming the file. */
    static Map<String, String> readPropertiesFile(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("--kafka-properties: cannot read " + file + ": " + e, e);
        }
        Map<String, String> out = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }
}
