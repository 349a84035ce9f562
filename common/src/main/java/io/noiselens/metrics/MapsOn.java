package io.noiselens.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The scored method's maps (as it emits them) of other inputs, one per item — {@code inputs}, itself a statistic
 * (an attack's adversarial copies) — for the items' own targets. Item i's map is re-explained with the id
 * {@code "<item>#<name>"}.
 */
public record MapsOn(Statistic<List<float[]>> inputs, String name) implements Statistic<float[][]> {
    @Override
    public float[][] compute(MetricContext ctx) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < ctx.size(); i++) ids.add(ctx.item(i).id() + "#" + name);
        return ctx.reexplain(ctx.get(inputs), ids, ctx.targets(), MetricContext.Variant.SAME);
    }
}
