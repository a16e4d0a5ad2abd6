package io.geostream.jobs;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Job configuration from a file and {@code key=value} overrides. The file is YAML, read by a YAML parser
 * (snakeyaml-engine, the one Flink reads its own {@code config.yaml} with) and flattened as Flink flattens
 * {@code config.yaml}: {@code geostream:} with an indented {@code clip.length: 9} is {@code geostream.clip.length}.
 * Keys under {@code geostream.} must be options of the job's option classes, so a typo fails at
 * start instead of being silently ignored, nested or not; other keys are passed to Flink.
 */
public final class JobConfigs {
    private JobConfigs() {}

    /** Whether a setting is the job's own ({@code geostream.*}); every other key is Flink's. */
    public static boolean isJobKey(String key) {
        return key.startsWith("geostream.");
    }

    /** All keys of the job's option classes ({@link GeometryJobOptions#OPTION_CLASSES}). */
    public static Set<String> knownKeys() {
        Set<String> keys = new TreeSet<>();
        for (ConfigOption<?> option : knownOptions()) keys.add(option.key());
        return keys;
    }

    /** All options of the job's option classes ({@link GeometryJobOptions#OPTION_CLASSES}). */
    private static List<ConfigOption<?>> knownOptions() {
        List<ConfigOption<?>> out = new ArrayList<>();
        for (Class<?> options : GeometryJobOptions.OPTION_CLASSES) {
            for (Field f : options.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                    try {
                        out.add((ConfigOption<?>) f.get(null));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Reads a YAML file into flat key/value pairs. Nested mappings join their keys with dots; values are the scalars
     * as written (comments and quotes removed, no number or boolean conversion, so {@code 007} stays {@code 007});
     * a list of scalars becomes Flink's list syntax ({@code [a, b]}). A file that is not a mapping, a key given twice
     * (also once nested, once dotted), a key without a value, or a list of mappings fails, naming file and line.
     */
    public static Map<String, String> readFile(Path file) throws IOException {
        Optional<Node> root = composeYaml(file);
        Map<String, String> out = new LinkedHashMap<>();
        if (root.isEmpty()) return out; // empty file or comments only
        if (!(root.get() instanceof MappingNode mapping)) {
            throw new IllegalArgumentException(where(file, root.get()) + ": expected 'key: value' lines, got: "
                    + describe(root.get()));
        }
        flatten(file, "", mapping, out);
        return out;
    }

    /**
     * A YAML file's node tree (empty for an empty file), whose nodes know their line; also what
     * {@code geostream produce --cameras} reads its file with.
     *
     * @throws IllegalArgumentException naming the file, line and column when it is not valid YAML
     */
    public static Optional<Node> composeYaml(Path file) throws IOException {
        LoadSettings settings = LoadSettings.builder().setLabel(file.toString()).build();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return new Compose(settings).composeReader(in);
        } catch (YamlEngineException e) {
            // The parser's message names the file (the label), line and column.
            throw new IllegalArgumentException("not valid YAML: " + e.getMessage().strip(), e);
        }
    }

    private static void flatten(Path file, String prefix, MappingNode mapping, Map<String, String> out) {
        for (NodeTuple t : mapping.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode keyNode) || keyNode.getValue().isBlank()) {
                throw new IllegalArgumentException(where(file, t.getKeyNode()) + ": a key must be a non-empty word");
            }
            String key = prefix + keyNode.getValue().strip();
            Node value = t.getValueNode();
            if (value instanceof MappingNode nested) {
                flatten(file, key + ".", nested, out);
                continue;
            }
            String text;
            if (value instanceof ScalarNode scalar) {
                if (scalar.getTag().equals(Tag.NULL)) {
                    throw new IllegalArgumentException(where(file, value) + ": " + key + " has no value");
                }
                text = scalar.getValue();
            } else if (value instanceof SequenceNode sequence) {
                text = flowList(file, key, sequence);
            } else {
                throw new IllegalArgumentException(where(file, value) + ": " + key + ": unsupported value " + describe(value));
            }
            if (out.putIfAbsent(key, text) != null) {
                throw new IllegalArgumentException(where(file, keyNode) + ": " + key + " is given twice");
            }
        }
    }

    /** A list of scalars in YAML flow style, which Flink's list options parse ({@code [a, 'b;c']}). */
    private static String flowList(Path file, String key, SequenceNode sequence) {
        List<String> items = new ArrayList<>();
        for (Node item : sequence.getValue()) {
            if (!(item instanceof ScalarNode scalar)) {
                throw new IllegalArgumentException(where(file, item) + ": " + key + ": list items must be plain values");
            }
            items.add(scalar.getValue());
        }
        DumpSettings flow = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.FLOW).build();
        return new Dump(flow).dumpToString(items).strip();
    }

    private static String where(Path file, Node node) {
        return file + node.getStartMark().map(m -> ":" + (m.getLine() + 1)).orElse("");
    }

    private static String describe(Node node) {
        return node instanceof ScalarNode s ? s.getValue() : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
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

    /**
     * Validates the keys, and the values of the job's own options as their types read them (a memory size, an enum, a
     * duration...), and turns them into a Flink configuration (later maps override earlier ones).
     */
    @SafeVarargs
    public static Configuration toConfiguration(Map<String, String>... layers) {
        Set<String> known = knownKeys();
        Map<String, String> merged = new LinkedHashMap<>();
        for (Map<String, String> layer : layers) {
            for (Map.Entry<String, String> e : layer.entrySet()) {
                if (isJobKey(e.getKey()) && !known.contains(e.getKey())
                        && !e.getKey().startsWith(GeometryJobOptions.KAFKA_PROPERTIES_PREFIX)) {
                    throw new IllegalArgumentException("unknown option " + e.getKey() + "; known: " + known);
                }
                merged.put(e.getKey(), e.getValue());
            }
        }
        Configuration conf = Configuration.fromMap(merged);
        for (ConfigOption<?> option : knownOptions()) {
            if (!merged.containsKey(option.key())) continue;
            try {
                conf.get(option);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad value for " + option.key() + ": '" + merged.get(option.key()) + "' ("
                        + e.getMessage() + ")", e);
            }
        }
        return conf;
    }
}
