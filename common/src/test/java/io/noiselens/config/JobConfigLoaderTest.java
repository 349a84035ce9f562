package io.noiselens.config;

import io.noiselens.lang.NoiseLensException;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.IntegratedGradients;
import io.noiselens.attribution.Quadrature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class JobConfigLoaderTest {
    static final String METHODS = "methods = [{kind = gradient}, {kind = noisegrad, base = integrated_gradients, "
            + "steps = 16, quadrature = riemann_trapezoid, replicas = 5, sigma_w = 0.3}]\n";

    @TempDir
    Path dir;

    @Test
    void readsAFileWithOverridesAndFillsEveryDefault() throws Exception {
        Path f = dir.resolve("job.conf");
        Files.writeString(f, "run { id = nightly-1, seed = 5 }\n" + METHODS);
        JobConfig c = JobConfigLoader.load(f, List.of("run.seed=9", "engine.batch_size = 8"));
        assertEquals("nightly-1", c.run().id());
        assertEquals(9, c.run().seed());
        assertEquals(8, c.engine().batchSize());
        assertEquals(512, c.dataset().builtinImages());
        assertTrue(c.model().builtinDemo());
        AttributionMethod ng = c.methods().get(1).build();
        assertEquals("noisegrad", ng.id());
        assertEquals(5, ng.plan().replicas());
        assertEquals(0.3, ng.plan().weightNoise().sigma());
        assertInstanceOf(IntegratedGradients.class, ng.base());
        assertEquals(16, ((IntegratedGradients) ng.base()).points());
        assertEquals("riemann_trapezoid", ng.base().params().get("ig_quadrature"));
        assertTrue(c.json().contains("\"batch_size\":8"), c.json());
        assertEquals(Quadrature.RIEMANN_TRAPEZOID, c.methods().get(1).option("quadrature", Quadrature.class));
        assertEquals(io.noiselens.metrics.catalogue.MetricCatalogue.names(), c.metrics().names());
        assertFalse(c.metrics().explicit());
    }

    @Test
    void reportGallerySettingsHaveCaptumsDefaultsAndRefuseWhatCannotBeDrawn() {
        JobConfig.Report r = JobConfigLoader.fromString(METHODS, List.of()).run().report();
        assertEquals(new JobConfig.Report(true, 16, List.of(), List.of("heat_map", "blended_heat_map"),
                List.of("all", "absolute"), 2.0), r);
        r = JobConfigLoader.fromString(METHODS, List.of("report.gallery.signs=[positive]", "report.gallery.views=[heat_map]",
                "report.gallery.outlier_percent=0.5", "report.gallery.metrics=[pointing_game]")).run().report();
        assertEquals(List.of("positive"), r.signs());
        assertEquals(List.of("heat_map"), r.views());
        assertEquals(0.5, r.outlierPercent());
        assertEquals(List.of("pointing_game"), r.galleryMetrics());
        assertMessage(METHODS, List.of("report.gallery.signs=[sideways]"), "report.gallery.signs", "'sideways'", "absolute");
        assertMessage(METHODS, List.of("report.gallery.views=[histogram]"), "report.gallery.views", "blended_heat_map");
        assertMessage(METHODS, List.of("report.gallery.outlier_percent=100"), "report.gallery.outlier_percent", "below 100");
        assertMessage(METHODS, List.of("report.gallery.images=-1"), "report.gallery.images");
    }

    @Test
    void unknownKeyIsNamedWithTheKnownOnes() {
        NoiseLensException e = assertThrows(NoiseLensException.class,
                () -> JobConfigLoader.fromString(METHODS + "engine.batchsize = 3", List.of()));
        assertTrue(e.getMessage().contains("'engine.batchsize'") && e.getMessage().contains("engine.batch_size"), e.getMessage());
    }

    @Test
    void unknownMethodKeyIsNamedWithItsIndex() {
        NoiseLensException e = assertThrows(NoiseLensException.class,
                () -> JobConfigLoader.fromString("methods = [{kind = smoothgrad, sigmaa = 0.1}]", List.of()));
        assertTrue(e.getMessage().contains("methods[0].sigmaa"), e.getMessage());
    }

    @Test
    void wrongTypeNamesKeyValueAndExpectedType() {
        NoiseLensException e = assertThrows(NoiseLensException.class,
                () -> JobConfigLoader.fromString(METHODS, List.of("engine.batch_size=lots")));
        assertTrue(e.getMessage().contains("engine.batch_size") && e.getMessage().contains("'lots'")
                && e.getMessage().contains("an integer"), e.getMessage());
    }

    @Test
    void impossibleValuesAreRejectedWithTheFix() {
        assertMessage(METHODS, List.of("engine.batch_size=0"), "engine.batch_size", "≥ 1");
        assertMessage("methods = [{kind = smoothgrad, sigma = -0.1}]", List.of(), "methods[0].sigma", "≥ 0");
        assertMessage("methods = [{kind = fusiongrad, replicas = 0}]", List.of(), "methods[0].replicas", "≥ 1");
        assertMessage("methods = [{kind = magic}]", List.of(), "methods[0].kind", "noisegrad");
        assertMessage("methods = [{kind = smoothgrad, sigma_w = 0.2}]", List.of(), "methods[0].sigma_w", "does not apply");
        assertMessage("methods = [{kind = gradient}, {kind = gradient}]", List.of(), "methods[1].id", "distinct");
        assertMessage(METHODS, List.of("dataset.kind=folder"), "dataset.folder.path", "root");
        assertMessage(METHODS, List.of("run.id=bad id!"), "run.id", "letters");
        assertMessage("run.seed = 1", List.of(), "methods", "kind");
        assertMessage(METHODS, List.of("dataset.kind=s3"), "dataset.kind", "builtin");
        assertMessage(METHODS, List.of("metrics.names=[sparseness, magic]"), "metrics.names", "'magic'", "deletion_auc");
        assertMessage(METHODS, List.of("metrics.causal_step=-1"), "metrics.causal_step", "≥ 0");
        assertMessage(METHODS, List.of("model.path=/m/a.nlm", "model.splits=2"), "model.splits", "builtin:demo", "model.paths");
        assertMessage(METHODS, List.of("model.paths=[a.nlm, a.nlm]"), "model.paths", "once");
    }

    @Test
    void toleranceMakesAnAdaptivePlanWhereDrawsAreIndependent() {
        JobConfig c = JobConfigLoader.fromString("methods = [{kind = smoothgrad, samples = 64, tolerance = 0.1}, "
                + "{kind = noisegrad, tolerance = 0.05, min_draws = 4, check_every = 2}]", List.of());
        io.noiselens.attribution.SequentialStopping s = c.methods().get(0).build().plan().stopping();
        assertEquals(new io.noiselens.attribution.SequentialStopping(0.1, 8, 4), s);
        assertEquals(new io.noiselens.attribution.SequentialStopping(0.05, 4, 2), c.methods().get(1).build().plan().stopping());
        assertEquals(0.1, c.methods().get(0).build().params(1).get("tolerance"));
        assertNull(JobConfigLoader.fromString("methods = [{kind = smoothgrad}]", List.of()).methods().get(0).build().plan().stopping());
        assertMessage("methods = [{kind = fusiongrad, tolerance = 0.1}]", List.of(), "methods[0].tolerance", "independent draws");
        assertMessage("methods = [{kind = vargrad, tolerance = 0.1}]", List.of(), "methods[0].tolerance", "mean");
        assertMessage("methods = [{kind = gradient, tolerance = 0.1}]", List.of(), "methods[0].tolerance", "does not apply");
        assertMessage("methods = [{kind = smoothgrad, tolerance = 1.5}]", List.of(), "methods[0].tolerance", "(0, 1)");
        assertMessage("methods = [{kind = smoothgrad, tolerance = 0.1, min_draws = 1}]", List.of(), "methods[0].tolerance", "≥ 2");
    }

    @Test
    void aListOfSigmasIsASweepOfMethods() {
        JobConfig c = JobConfigLoader.fromString("methods = [{kind = gradient}, "
                + "{kind = smoothgrad, sigma = [0.05, 0.1, 0.20], samples = 8}, "
                + "{kind = fusiongrad, id = fg, sigma_w = [0.1, 0.2], sigma = [0, 0.5]}]", List.of());
        List<String> ids = c.methods().stream().map(m -> m.build().id()).toList();
        assertEquals(List.of("gradient", "smoothgrad_sigma0.05", "smoothgrad_sigma0.1", "smoothgrad_sigma0.2",
                "fg_sigma0_sigma_w0.1", "fg_sigma0_sigma_w0.2", "fg_sigma0.5_sigma_w0.1", "fg_sigma0.5_sigma_w0.2"), ids);
        assertEquals(0.1, c.methods().get(2).build().plan().inputNoise().sigma());
        assertEquals(8, c.methods().get(3).build().plan().samples());
        assertEquals(0.2, c.methods().get(7).build().plan().weightNoise().sigma());
        assertMessage("methods = [{kind = smoothgrad, sigma = [0.1, high]}]", List.of(), "methods[0].sigma", "'high'");
        assertMessage("methods = [{kind = gradient, sigma = [0.1]}]", List.of(), "methods[0].sigma", "does not apply");
    }

    @Test
    void theRetrievalAttackIsConfigured() {
        assertEquals(io.noiselens.adversarial.Pgd.lim(0.1), JobConfigLoader.fromString(METHODS, List.of()).metrics().adversarial());
        assertEquals(new io.noiselens.adversarial.Pgd(0.3, 0.02, 10, true), JobConfigLoader.fromString(METHODS, List.of(
                "metrics.adversarial_epsilon=0.3", "metrics.adversarial_step_size=0.02", "metrics.adversarial_steps=10"))
                .metrics().adversarial());
        assertEquals(io.noiselens.adversarial.Pgd.fgsm(0.3), JobConfigLoader.fromString(METHODS, List.of(
                "metrics.adversarial_epsilon=0.3", "metrics.adversarial_attack=fgsm")).metrics().adversarial());
        assertMessage(METHODS, List.of("metrics.adversarial_step_size=0"), "metrics.adversarial_step_size", "> 0");
        assertMessage(METHODS, List.of("metrics.adversarial_attack=cw"), "metrics.adversarial_attack", "fgsm");
    }

    @Test
    void severalModelsAndDemoSplitsAreRead() {
        JobConfig c = JobConfigLoader.fromString(METHODS, List.of("model.paths=[a.nlm, b.nlm]"));
        assertEquals(List.of("a.nlm", "b.nlm"), c.model().paths());
        assertFalse(c.model().builtinDemo());
        JobConfig d = JobConfigLoader.fromString(METHODS, List.of("model.splits=3", "model.train_images=500"));
        assertTrue(d.model().builtinDemo());
        assertEquals(3, d.model().splits());
        assertEquals(500, io.noiselens.model.BuiltinModels.demoRecipe(d.model().builtins("unused"), 2).trainSize());
        assertEquals(2, io.noiselens.model.BuiltinModels.demoRecipe(d.model().builtins("unused"), 2).split());
        assertEquals(io.noiselens.model.DemoModel.Recipe.standard(), io.noiselens.model.BuiltinModels.demoRecipe(
                JobConfigLoader.fromString(METHODS, List.of()).model().builtins("unused"), 0), "the defaults are the standard demo recipe, whose cached file is reused");
    }

    @Test
    void onnxClassesAndNormalisationAreRead() {
        JobConfig c = JobConfigLoader.fromString(METHODS, List.of("model.path=/m/resnet50.onnx",
                "model.classes=/m/imagenet_class_index.json", "model.mean=[0.5, 0.5, 0.5]", "model.std=[0.25, 0.25, 0.25]"));
        assertEquals("/m/imagenet_class_index.json", c.model().classes());
        assertArrayEquals(new float[]{0.5f, 0.5f, 0.5f}, c.model().mean());
        assertArrayEquals(new float[]{0.25f, 0.25f, 0.25f}, c.model().std());
        JobConfig d = JobConfigLoader.fromString(METHODS, List.of("model.path=/m/resnet50.onnx"));
        assertNull(d.model().mean(), "empty means the ImageNet default");
        assertMessage(METHODS, List.of("model.std=[0.2, 0]"), "model.std", "> 0");
        assertMessage(METHODS, List.of("model.mean=[a, b]"), "model.mean", "a list of numbers");
    }

    @Test
    void aScheduledRunIdTakesTodaysDate() {
        String before = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        JobConfig c = JobConfigLoader.fromString(METHODS, List.of("run.id=nightly-{date}"));
        String after = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        String id = c.run().id();
        assertTrue(id.equals("nightly-" + before) || id.equals("nightly-" + after), id);
        assertTrue(c.json().contains("\"" + id + "\""), "the stored configuration has the resolved id");
    }

    @Test
    void ingestReadsAFolderByDefaultAndNeedsItsOutput() {
        JobConfig.Ingest i = JobConfigLoader.ingest(null, List.of("dataset.folder.path=/data/val", "ingest.output=/data/v.parquet"));
        assertEquals("folder", i.dataset().kind());
        assertEquals(2000, i.imagesPerFile());
        String m = assertThrows(NoiseLensException.class, () -> JobConfigLoader.ingest(null,
                List.of("dataset.folder.path=/data/val"))).getMessage();
        assertTrue(m.contains("ingest.output"), m);
        m = assertThrows(NoiseLensException.class, () -> JobConfigLoader.ingest(null,
                List.of("dataset.kind=builtin", "ingest.output=/x"))).getMessage();
        assertTrue(m.contains("dataset.kind") && m.contains("folder"), m);
    }

    @Test
    void missingFileAndBadOverrideAreClear() {
        assertTrue(assertThrows(NoiseLensException.class, () -> JobConfigLoader.load(dir.resolve("nope.conf"), List.of()))
                .getMessage().contains("nope.conf"));
        assertTrue(assertThrows(NoiseLensException.class, () -> JobConfigLoader.fromString(METHODS, List.of("novalue")))
                .getMessage().contains("key=value"));
    }

    @Test
    void metricOptionsAreReadPerMetricAndResolvedOverTheMetricsDefaults() {
        JobConfig c = JobConfigLoader.fromString(METHODS + "metrics.options.infidelity { normalise = negative, "
                + "perturb_baseline = mean }", List.of("metrics.options.max_sensitivity.nan_on_prediction_change=true"));
        var o = c.metrics().options();
        assertEquals(io.noiselens.metrics.MapPreprocessing.Normalise.NEGATIVE, o.get("infidelity").normalise());
        assertEquals(io.noiselens.metrics.PerturbBaseline.MEAN, o.get("infidelity").baseline());
        assertNull(o.get("infidelity").abs(), "unset: the metric's default");
        assertTrue(o.get("max_sensitivity").nanOnPredictionChange());
        // Every value records them: the options set, and the defaults of those left alone.
        var metrics = io.noiselens.metrics.catalogue.MetricCatalogue.create(List.of("infidelity", "monotonicity",
                "max_sensitivity"), c.metrics().settings(), "metrics.names");
        assertEquals(java.util.Map.of("normalise", "negative", "abs", false, "perturb_baseline", "mean"),
                subset(metrics.get(0).info().params(), "normalise", "abs", "perturb_baseline"));
        assertEquals(java.util.Map.of("normalise", "max", "abs", true, "perturb_baseline", "black"),
                subset(metrics.get(1).info().params(), "normalise", "abs", "perturb_baseline"));
        assertEquals(true, metrics.get(2).info().params().get("nan_on_prediction_change"));
    }

    @Test
    void metricOptionsThatDoNotApplyAreRefusedNamingWhereTheyDo() {
        assertMessage(METHODS + "metrics.options.sparseness.perturb_baseline = mean", List.of(),
                "metrics.options.sparseness.perturb_baseline", "removes no features", "infidelity");
        assertMessage(METHODS + "metrics.options.sparseness.nan_on_prediction_change = true", List.of(),
                "metrics.options.sparseness.nan_on_prediction_change", "relative_input_stability");
        assertMessage(METHODS + "metrics.options.infidelity.perturb_baseline = grey", List.of(),
                "metrics.options.infidelity.perturb_baseline", "'grey'", "black, mean, uniform or blur");
        assertMessage(METHODS + "metrics.options.infidelity.normalize = max", List.of(),
                "metrics.options.infidelity.normalize", "normalise");
        assertMessage(METHODS + "metrics.options.infidelity.abs = yes please", List.of(),
                "metrics.options.infidelity.abs", "true or false");
        assertMessage(METHODS + "metrics.options.infidelty.abs = true", List.of(), "metrics.options.infidelty", "infidelity");
    }

    private static java.util.Map<String, Object> subset(java.util.Map<String, Object> m, String... keys) {
        java.util.Map<String, Object> out = new java.util.HashMap<>();
        for (String k : keys) out.put(k, m.get(k));
        return out;
    }

    private static void assertMessage(String hocon, List<String> sets, String... parts) {
        NoiseLensException e = assertThrows(NoiseLensException.class, () -> JobConfigLoader.fromString(hocon, sets));
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }
}
