package io.geostream.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schema evolution rule: every schema in {@code schemas/*.avsc} is FULLY compatible with the same schema in every
 * released version ({@code schemas/released/vN/}), checked with Avro's own {@link SchemaCompatibility}:
 * <ul>
 *   <li>new reader, old writer: the job and consumers that upgraded still read records written before (they stay
 *       on the topics for the retention period, and cameras upgrade later than the job);</li>
 *   <li>old reader, new writer: consumers nobody upgraded (map builders, users' applications) read what the new
 *       job writes.</li>
 * </ul>
 * So a field may only be added or removed with a default, and an enum symbol only added (readers fall back
 * to the enum's default, {@code UNKNOWN}); a type change or a field removed without default fails here.
 */
class SchemaCompatibilityTest {

    private static Path moduleDir() {
        return Path.of(System.getProperty("basedir", ".")); // surefire runs in the module directory
    }

    private static Schema parse(Path file) {
        try {
            return new Schema.Parser().parse(file.toFile()); // a fresh parser: each file stands alone
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> releasedVersions() throws IOException {
        try (Stream<Path> dirs = Files.list(moduleDir().resolve("released"))) {
            return dirs.filter(Files::isDirectory).filter(d -> d.getFileName().toString().matches("v\\d+")).sorted().toList();
        }
    }

    /**
     * What breaks between a released schema and its successor, in both directions; empty when fully compatible.
     * The one check this test applies to the real files and to the deliberately broken ones below.
     */
    static List<String> fullCompatibilityProblems(Schema previous, Schema next) {
        List<String> problems = new ArrayList<>();
        SchemaPairCompatibility newReadsOld = SchemaCompatibility.checkReaderWriterCompatibility(next, previous);
        if (newReadsOld.getType() != SchemaCompatibilityType.COMPATIBLE) {
            problems.add("new reader cannot read old writer: " + newReadsOld.getResult().getIncompatibilities());
        }
        SchemaPairCompatibility oldReadsNew = SchemaCompatibility.checkReaderWriterCompatibility(previous, next);
        if (oldReadsNew.getType() != SchemaCompatibilityType.COMPATIBLE) {
            problems.add("old reader cannot read new writer: " + oldReadsNew.getResult().getIncompatibilities());
        }
        return problems;
    }

    @Test
    void everyCurrentSchemaIsFullyCompatibleWithEveryReleasedVersion() throws IOException {
        List<Path> versions = releasedVersions();
        assertThat(versions).as("released schema versions under " + moduleDir().resolve("released")).isNotEmpty();
        List<String> current;
        try (Stream<Path> files = Files.list(moduleDir())) {
            current = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".avsc")).sorted().toList();
        }
        assertThat(current).hasSize(5);
        for (Path version : versions) {
            for (String name : current) {
                Path released = version.resolve(name);
                if (!Files.isRegularFile(released)) continue; // a schema added after that release
                assertThat(fullCompatibilityProblems(parse(released), parse(moduleDir().resolve(name))))
                        .as(name + " against " + version.getFileName()).isEmpty();
            }
        }
        // A schema is never dropped once released: readers of its topic would be left with nothing.
        try (Stream<Path> files = Files.list(versions.get(versions.size() - 1))) {
            assertThat(current).containsAll(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".avsc")).toList());
        }
    }

    @Test
    void aCompatibleChangePasses() {
        Schema v1 = parse(moduleDir().resolve("released/v1/SegmentEvent.avsc"));
        Schema v2 = edited(v1, json -> json.replaceFirst("\"fields\"\\s*:\\s*\\[",
                "\"fields\": [{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": null, \"doc\": \"added later\"},"));
        assertThat(v2.getField("note")).isNotNull();
        assertThat(fullCompatibilityProblems(v1, v2)).isEmpty();
    }

    @Test
    void removingAFieldWithoutDefaultIsDetected() {
        Schema v1 = parse(moduleDir().resolve("released/v1/GeometryFrame.avsc"));
        Schema v2 = withoutField(v1, "segmentId");
        List<String> problems = fullCompatibilityProblems(v1, v2);
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("old reader cannot read new writer").contains("segmentId");
    }

    @Test
    void addingAFieldWithoutDefaultIsDetected() {
        Schema v1 = parse(moduleDir().resolve("released/v1/DeadLetter.avsc"));
        Schema v2 = edited(v1, json -> json.replaceFirst("\"fields\"\\s*:\\s*\\[",
                "\"fields\": [{\"name\": \"severity\", \"type\": \"int\", \"doc\": \"no default\"},"));
        List<String> problems = fullCompatibilityProblems(v1, v2);
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("new reader cannot read old writer").contains("severity");
    }

    @Test
    void changingAFieldTypeIsDetected() {
        Schema v1 = parse(moduleDir().resolve("released/v1/FrameEvent.avsc"));
        assertThat(v1.getField("frameIndex").schema().getType()).isEqualTo(Schema.Type.LONG);
        Schema v2 = edited(v1, json -> json.replaceFirst("(\"name\"\\s*:\\s*\"frameIndex\"\\s*,\\s*\"type\"\\s*:\\s*)\"long\"", "$1\"string\""));
        assertThat(v2.getField("frameIndex").schema().getType()).isEqualTo(Schema.Type.STRING);
        assertThat(fullCompatibilityProblems(v1, v2)).hasSize(2);
    }

    @Test
    void renamingAFieldWithoutAliasIsDetected() {
        Schema v1 = parse(moduleDir().resolve("released/v1/SegmentEvent.avsc"));
        Schema v2 = edited(v1, json -> json.replaceFirst("\"name\"\\s*:\\s*\"streamId\"", "\"name\": \"cameraId\""));
        assertThat(v2.getField("cameraId")).isNotNull();
        assertThat(fullCompatibilityProblems(v1, v2)).hasSize(2);
    }

    @Test
    void addingAnEnumSymbolPassesBecauseReadersFallBackToUnknown() {
        Schema v1 = parse(moduleDir().resolve("released/v1/GeometryFrame.avsc"));
        Schema v2 = edited(v1, json -> json.replace("\"symbols\" : [ \"UNKNOWN\", \"METRIC\", \"RELATIVE\" ]",
                "\"symbols\" : [ \"UNKNOWN\", \"METRIC\", \"RELATIVE\", \"METRIC_FROM_GPS\" ]"));
        assertThat(v2.toString()).contains("METRIC_FROM_GPS");
        assertThat(fullCompatibilityProblems(v1, v2)).isEmpty();
    }

    private static Schema edited(Schema schema, java.util.function.UnaryOperator<String> edit) {
        String before = schema.toString(true);
        String after = edit.apply(before);
        assertThat(after).as("the edit changed the schema text").isNotEqualTo(before);
        return new Schema.Parser().parse(after);
    }

    private static Schema withoutField(Schema record, String field) {
        List<Schema.Field> kept = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            if (!f.name().equals(field)) kept.add(new Schema.Field(f, f.schema()));
        }
        assertThat(kept).hasSize(record.getFields().size() - 1);
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, kept);
    }
}
