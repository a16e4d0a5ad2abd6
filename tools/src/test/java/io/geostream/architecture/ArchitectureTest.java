package io.geostream.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layering of the build, checked on the main classes of every module (this module sees them all):
 * <pre>
 *   schemas  <-  core  <-  operators (the Flink stages)  <-  jobs (wiring, entry point)  <-  tools (CLI, demo, benches)
 * </pre>
 * Maven already refuses an import against the arrows between modules; these rules add what it cannot see: no package
 * cycles anywhere, no Flink or Kafka in the core (whatever a future dependency brings in transitively), and the stage
 * packages of the operators module.
 */
class ArchitectureTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar")) // test-jars of core and operators
                .importPackages("io.geostream");
    }

    /**
     * Classes built by module {@code name}: from its target/ (classes/ or the jar, in a reactor build) or its installed
     * jar (geostream-NAME-VERSION.jar). A predicate that matches nothing fails the rule (ArchUnit's failOnEmptyShould).
     */
    private static DescribedPredicate<JavaClass> inModule(String name) {
        return DescribedPredicate.describe("in module " + name, c -> c.getSource().map(s -> {
            String uri = s.getUri().toString();
            return uri.contains("/" + name + "/target/") || uri.contains("/geostream-" + name + "-");
        }).orElse(false));
    }

    @Test
    void everyClassOfJobOptionsIsOneTheJobKnows() {
        // A stage's options class left out of GeometryJobOptions.OPTION_CLASSES makes its keys "unknown" in every config
        // file and -D override (geostream.loop.* was, until 2026-12-05).
        java.util.Set<String> listed = new java.util.HashSet<>();
        for (Class<?> c : io.geostream.jobs.GeometryJobOptions.OPTION_CLASSES) listed.add(c.getName());
        java.util.List<String> declaring = new java.util.ArrayList<>();
        for (JavaClass c : main) {
            boolean jobSide = c.getPackageName().startsWith("io.geostream.operators") || c.getPackageName().startsWith("io.geostream.jobs");
            boolean declaresOptions = c.getFields().stream().anyMatch(f -> f.getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.STATIC)
                    && f.getRawType().isEquivalentTo(org.apache.flink.configuration.ConfigOption.class));
            if (jobSide && declaresOptions) declaring.add(c.getName());
        }
        org.assertj.core.api.Assertions.assertThat(declaring).contains("io.geostream.operators.loop.LoopOptions")
                .allMatch(listed::contains, "listed in GeometryJobOptions.OPTION_CLASSES");
    }

    @Test
    void noPackageCycles() {
        check(slices().matching("io.geostream.(**)").should().beFreeOfCycles());
    }

    @Test
    void theCoreAndSchemasKnowNeitherFlinkNorKafkaNorTheModulesAboveThem() {
        check(noClasses().that(inModule("core").or(inModule("schemas"))).should().dependOnClassesThat()
                .resideInAnyPackage("org.apache.flink..", "org.apache.kafka..", "io.geostream.operators..", "io.geostream.jobs..")
                .orShould().dependOnClassesThat(inModule("tools")));
    }

    @Test
    void theStagesNeverImportTheJobOrTheTools() {
        check(noClasses().that(inModule("operators")).should().dependOnClassesThat(inModule("jobs").or(inModule("tools"))));
    }

    @Test
    void theJobNeverImportsTheTools() {
        check(noClasses().that(inModule("jobs")).should().dependOnClassesThat(inModule("tools")));
    }

    @Test
    void theOperatorsModuleHoldsOnePackagePerStage() {
        check(classes().that(inModule("operators")).should().resideInAnyPackage("io.geostream.operators.ingest",
                "io.geostream.operators.clip", "io.geostream.operators.inference", "io.geostream.operators.stitch", "io.geostream.operators.loop",
                "io.geostream.operators.sink"));
    }

    private static void check(ArchRule rule) {
        rule.check(main);
    }
}
