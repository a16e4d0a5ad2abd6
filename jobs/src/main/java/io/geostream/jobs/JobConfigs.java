package io.geostream.jobs;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Job configuration from a file and {@code key=value} overrides. The file is flat YAML
 * ({@code key: value} per line, {@code #} comments), the same shape as Flink's {@code config.yaml}.
 * Keys under {@code geostream.} must be options of the job's option classes, so a typo fails at
 * start instead of being silently ignored; other keys are passed to Flink.
 */
public final class JobConfigs {
    private JobConfigs() {}

    /** All keys of the job's option classes ({@link GeometryJobOptions#OPTION_CLASSES}). */
    public static Set<String> knownKeys() {
        Set<String> keys = new TreeSet<>();
        for (Class<?> options : GeometryJobOptions.OPTION_CLASSES) {
            keys.addAll(keysOf(options));
        }
        return keys;
    }

    private static Set<String> keysOf(Class<?> options) {
        Set<String> keys = new TreeSet<>();
        for (Field f : options.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                try {
                    keys.add(((ConfigOption<?>) f.get(null)).key());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return keys;
    }

    /** Reads a flat YAML file into key/value pairs. */
    public static Map<String, String> readFile(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected 'key: value', got: " + line);
            }
            out.put(line.substring(0, colon).strip(), unquote(line.substring(colon + 1).strip()));
        }
        return out;
    }

    /** Parses {@code key=value} overrides. */
    public static Map<String, String> parseOverrides(List<String> pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("expected key=value, got: " + p);
            out.put(p.substring(0, eq).strip(), p.substring(eq + 1).strip());
        }
        return out;
    }

    /** Validates the keys and turns them into a Flink configuration (later maps override earlier ones). */
    @SafeVarargs
    public static Configuration toConfiguration(Map<String, String>... layers) {
        Set<String> known = knownKeys();
        Map<String, String> merged = new LinkedHashMap<>();
        for (Map<String, String> layer : layers) {
            for (Map.Entry<String, String> e : layer.entrySet()) {
                if (e.getKey().startsWith("geostream.") && !known.contains(e.getKey())
                        && !e.getKey().startsWith(GeometryJobOptions.KAFKA_PROPERTIES_PREFIX)) {
                    throw new IllegalArgumentException("unknown option " + e.getKey() + "; known: " + known);
                }
                merged.put(e.getKey(), e.getValue());
            }
        }
        return Configuration.fromMap(merged);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && ((v.startsWith("\"") && v.endsWith("\"")) || (v.startsWith("'") && v.endsWith("'")))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
