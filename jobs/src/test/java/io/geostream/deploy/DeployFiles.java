package io.geostream.deploy;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Locates the repository's deployment files and reads YAML as plain maps and lists (SnakeYAML). */
final class DeployFiles {
    private DeployFiles() {}

    /** The repository root: the first parent of the working directory holding docker-compose.yml and k8s/. */
    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isRegularFile(p.resolve("docker-compose.yml")) && Files.isDirectory(p.resolve("k8s"))) return p;
            p = p.getParent();
        }
        throw new IllegalStateException("repository root (docker-compose.yml + k8s/) not found above " + Path.of("").toAbsolutePath());
    }

    /** Whether this run is CI's ({@code CI=true}): there, optional tools and ../shared are required. */
    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * A flat job config as the line-by-line reader before JobConfigs used a YAML parser read it ({@code key: value}
     * per line, {@code #} lines skipped, one pair of quotes removed): the deploy files must mean the same to both.
     */
    static Map<String, String> asFormerLineReaderRead(String text) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int colon = line.indexOf(':');
            String v = line.substring(colon + 1).strip();
            if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
                v = v.substring(1, v.length() - 1);
            }
            out.put(line.substring(0, colon).strip(), v);
        }
        return out;
    }

    static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(options);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> readOne(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return (Map<String, Object>) yaml().load(r);
        }
    }

    /** Every non-empty document of a multi-document YAML file. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> readAll(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (Object d : yaml().loadAll(r)) {
                if (d != null) docs.add((Map<String, Object>) d);
            }
        }
        return docs;
    }

    /** The value at a dotted path of nested maps ({@code "spec.job.upgradeMode"}); fails when absent. */
    @SuppressWarnings("unchecked")
    static <T> T at(Map<String, Object> root, String path) {
        Object cur = root;
        for (String part : path.split("\\.")) {
            if (!(cur instanceof Map<?, ?> m) || !m.containsKey(part)) {
                throw new AssertionError("missing " + path + " (at '" + part + "')");
            }
            cur = m.get(part);
        }
        return (T) cur;
    }
}
