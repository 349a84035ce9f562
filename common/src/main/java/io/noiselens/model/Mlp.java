package io.noiselens.model;

/**
 * Fully connected models on the flattened image: {@code linear} (multinomial logistic regression, logits = Wᵀx + b)
 * and {@code mlp} (one ReLU hidden layer). Their input gradients have closed forms, which makes them the
 * reference models for exact tests of every attribution method.
 */
public final class Mlp implements Architecture {
    private final String name;
    private final int hidden;

    private Mlp(String name, int hidden) {
        this.name = name;
        this.hidden = hidden;
    }

    public static Mlp linear() {
        return new Mlp("linear", 0);
    }

    public static Mlp oneHidden(int width) {
        return new Mlp("mlp", width);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public <T> Layers.Act<T> define(Layers<T> l, Layers.Act<T> x, ModelSpec spec) {
        Layers.Act<T> h = l.flatten(x);
        if (hidden > 0) h = l.relu(l.dense("hidden", h, hidden));
        return l.dense("fc", h, spec.numClasses());
    }
}
