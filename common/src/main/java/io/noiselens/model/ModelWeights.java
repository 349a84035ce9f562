package io.noiselens.model;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameter view of a model: its named tensors in a fixed order, in the unfolded form the model was trained
 * in (convolution weights and BatchNorm γ, β, running mean and variance kept apart). Replicas perturb this view;
 * the compute graph folds it on assignment. Immutable by convention: perturbation makes a new instance.
 */
public final class ModelWeights {
    private final Map<String, Tensor> tensors;

    public ModelWeights(Collection<Tensor> tensors) {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (m.put(t.name(), t) != null) {
                throw new IllegalArgumentException("Duplicate parameter name '" + t.name() + "'");
            }
        }
        this.tensors = Collections.unmodifiableMap(m);
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("No parameter named '" + name + "'; the model has " + tensors.keySet());
        }
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Collection<Tensor> tensors() {
        return tensors.values();
    }

    /** Number of trainable scalars (what a NoiseGrad replica perturbs). */
    public long trainableCount() {
        long n = 0;
        for (Tensor t : tensors.values()) if (t.trainable()) n += t.size();
        return n;
    }
}
