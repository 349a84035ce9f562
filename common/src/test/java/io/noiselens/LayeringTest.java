package io.noiselens;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The package layering of {@code common}, as rules that fail the build when broken. {@link #FLOORS} lists the
 * packages from the ground up; a package may use only the floors below it (sub-packages belong to their parent's
 * floor: {@code model.onnx} is part of the model, {@code metrics.faithfulness} of the metrics). The ground floor
 * ({@code lang}: errors, configuration keys) uses nothing of ours, and nothing in common uses Spark.
 */
class LayeringTest {
    private static final JavaClasses COMMON = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.noiselens");

    /** The floors, bottom first, each with what it holds. */
    static final List<String> FLOORS = List.of(
            "lang",         // errors (what/why/fix), the exception type, configuration keys
            "random",       // keyed, stateless random streams
            "data",         // labelled images, datasets, class indexes
            "image",        // decoding, orientation, resampling, geometry of boxes
            "model",        // classifiers, weights, engines, the ONNX import, training of the built-in models
            "noise",        // weight and input noise on models and inputs
            "attribution",  // the attribution engine: base explainers, noise plans, aggregation, stopping
            "adversarial",  // attacks on models and on explanations
            "metrics",      // metric contexts, statistics and the metrics by category, their catalogue
            "drivers",      // per-image searches over the engine: adaptive noising, RelEx, DANCE
            "methods",      // method families and their catalogue
            "config",       // the job configuration and its loader
            "claims");      // the seeds' claims: claim files (a job configuration each) and their verdicts

    @Test
    void eachFloorUsesOnlyTheFloorsBelowIt() {
        Architectures.LayeredArchitecture rule = Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (String floor : FLOORS) rule = rule.layer(floor).definedBy("io.noiselens." + floor + "..");
        for (int i = 0; i < FLOORS.size() - 1; i++) {
            rule = rule.whereLayer(FLOORS.get(i)).mayOnlyBeAccessedByLayers(
                    FLOORS.subList(i + 1, FLOORS.size()).toArray(String[]::new));
        }
        rule = rule.whereLayer(FLOORS.get(FLOORS.size() - 1)).mayNotBeAccessedByAnyLayer();
        rule.check(COMMON);
    }

    @Test
    void theGroundFloorsUseNothingOfOurs() {
        noClasses().that().resideInAPackage("io.noiselens.lang..")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.noiselens.lang..", "java..")
                .check(COMMON);
        noClasses().that().resideInAPackage("io.noiselens.random..")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.noiselens.random..", "java..")
                .check(COMMON);
    }

    @Test
    void everyPackageIsOnAFloor() {
        for (var c : COMMON) {
            String pkg = c.getPackageName();
            org.junit.jupiter.api.Assertions.assertTrue(FLOORS.stream().anyMatch(
                    f -> pkg.equals("io.noiselens." + f) || pkg.startsWith("io.noiselens." + f + ".")),
                    c.getName() + " is in a package on no floor: add it to LayeringTest.FLOORS");
        }
    }

    /**
     * What a user configures is checked where it is read: the configuration and the method catalogue raise their
     * errors through {@code lang.Errors} (what, why, fix), never as bare exceptions.
     */
    @Test
    void configurationErrorsGoThroughTheFactory() {
        noClasses().that().resideInAnyPackage("io.noiselens.config..", "io.noiselens.methods..")
                .should().callConstructor(IllegalArgumentException.class, String.class)
                .orShould().callConstructor(IllegalStateException.class, String.class)
                .check(COMMON);
    }

    @Test
    void commonNeverImportsSpark() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "scala..").check(COMMON);
    }
}
