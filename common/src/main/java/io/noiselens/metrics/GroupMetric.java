package io.noiselens.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * A metric of a map among other maps (Quantus's batch-level Sufficiency and Consistency): each map is scored against
 * the other maps of its group and their predictions. The job forms the groups from the {@code attributions} table —
 * about {@link #GROUP_SIZE} images per group, assigned by a hash of (run seed, image id) — so a score never depends on
 * how the run was partitioned or batched (Quantus's depend on its batch).
 */
public interface GroupMetric {
    /** Images per group the job aims at (Quantus's default batch size). */
    int GROUP_SIZE = 64;

    MetricInfo info();

    /** The score of every map of the group, in the group's order. */
    MetricValue[] scores(Group group);

    /**
     * One group of one method's maps (as emitted, C′×H×W) with the model's predicted class for each image.
     */
    record Group(List<float[]> maps, int[] predicted, int height, int width) {
        /** Map i reduced to its H×W heat map (signed channel sum). */
        public float[] heatmap(int i) {
            float[] m = maps.get(i);
            return MetricContext.heatmap(m, m.length / (height * width), height * width);
        }

        /** The group with every map passed through {@code p}. */
        public Group preprocessed(MapPreprocessing p) {
            if (p.isIdentity()) return this;
            List<float[]> out = new ArrayList<>(maps.size());
            for (float[] m : maps) out.add(p.apply(m));
            return new Group(out, predicted, height, width);
        }

        public int size() {
            return maps.size();
        }
    }

    /** A group metric reading its maps after a pre-processing, which it records with every value. */
    record Preprocessed(GroupMetric base, MapPreprocessing preprocessing) implements GroupMetric {
        @Override
        public MetricInfo info() {
            return io.noiselens.metrics.Preprocessed.withParams(base.info(), preprocessing);
        }

        @Override
        public MetricValue[] scores(Group group) {
            return base.scores(group.preprocessed(preprocessing));
        }
    }
}
