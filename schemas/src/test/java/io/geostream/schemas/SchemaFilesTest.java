package io.geostream.schemas;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The .avsc files are the wire contract other languages read: each must stand alone and be documented. */
class SchemaFilesTest {

    private static List<Path> schemaFiles() throws IOException {
        Path dir = Path.of(System.getProperty("basedir", ".")); // surefire runs in the module directory
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".avsc")).sorted().toList();
        }
    }

    @Test
    void theFiveSchemaFilesArePresent() throws IOException {
        assertThat(schemaFiles()).extracting(p -> p.getFileName().toString())
                .containsExactly("DeadLetter.avsc", "FrameEvent.avsc", "GeometryFrame.avsc", "SegmentCorrection.avsc",
                        "SegmentEvent.avsc");
    }

    @Test
    void eachFileParsesOnItsOwnAndEveryFieldHasADoc() throws IOException {
        for (Path file : schemaFiles()) {
            Schema schema = new Schema.Parser().parse(file.toFile()); // a fresh parser: no shared named types
            assertThat(schema.getType()).as(file.toString()).isEqualTo(Schema.Type.RECORD);
            assertThat(schema.getName() + ".avsc").isEqualTo(file.getFileName().toString());
            List<String> undocumented = new ArrayList<>();
            collectUndocumented(schema, schema.getName(), undocumented, new HashSet<>());
            assertThat(undocumented).as("fields without doc in " + file).isEmpty();
        }
    }

    private static void collectUndocumented(Schema schema, String path, List<String> out, Set<String> seen) {
        switch (schema.getType()) {
            case RECORD -> {
                if (!seen.add(schema.getFullName())) {
                    return;
                }
                if (isBlank(schema.getDoc())) {
                    out.add(path + " (record " + schema.getFullName() + ")");
                }
                for (Schema.Field f : schema.getFields()) {
                    String fieldPath = path + "." + f.name();
                    if (isBlank(f.doc())) {
                        out.add(fieldPath);
                    }
                    collectUndocumented(f.schema(), fieldPath, out, seen);
                }
            }
            case ENUM -> {
                if (isBlank(schema.getDoc())) {
                    out.add(path + " (enum " + schema.getFullName() + ")");
                }
            }
            case UNION -> schema.getTypes().forEach(t -> collectUndocumented(t, path, out, seen));
            case ARRAY -> collectUndocumented(schema.getElementType(), path + "[]", out, seen);
            case MAP -> collectUndocumented(schema.getValueType(), path + "{}", out, seen);
            default -> {
            }
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    @Test
    void detectsAMissingDocInANestedRecord() {
        Schema bad = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"A\",\"doc\":\"a\",\"fields\":["
                + "{\"name\":\"b\",\"doc\":\"b\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"B\",\"doc\":\"B\","
                + "\"fields\":[{\"name\":\"c\",\"type\":\"int\"}]}]}]}");
        List<String> undocumented = new ArrayList<>();
        collectUndocumented(bad, "A", undocumented, new HashSet<>());
        assertThat(undocumented).containsExactly("A.b.c");
    }
}
