package io.noiselens.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The maps of a {@link MetricContext.Variant} of the scored method on every item's own input and target, as the
 * method emits them, or null when the method has no such variant: MPRT's randomised models, fidelity's noise-free
 * base. Items keep their own ids, so the variant draws the noise the scored map drew.
 */
public record VariantMaps(MetricContext.Variant variant) implements Statistic<float[][]> {
    @Override
    public float[][] compute(MetricContext ctx) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < ctx.size(); i++) ids.add(ctx.item(i).id());
        return ctx.reexplain(ctx.inputs(), ids, ctx.targets(), variant);
    }
}
