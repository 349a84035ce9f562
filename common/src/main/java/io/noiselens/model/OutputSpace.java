package io.noiselens.model;

/**
 * Which scalar of the class output is explained or attacked (METHODS.md §1.1): the pre-softmax logit, the softmax
 * probability, or its logarithm (the negative cross-entropy, which adversarial attacks and RelEx differentiate).
 */
public enum OutputSpace {
    LOGIT, PROBABILITY, LOG_PROBABILITY;

    /** This scalar of class t, from the logits (softmax computed stably in float64). */
    public double of(double[] logits, int t) {
        if (this == LOGIT) return logits[t];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : logits) max = Math.max(max, v);
        for (double v : logits) sum += Math.exp(v - max);
        double log = logits[t] - max - Math.log(sum);
        return this == LOG_PROBABILITY ? log : Math.exp(log);
    }

    public double of(float[] logits, int t) {
        double[] d = new double[logits.length];
        for (int i = 0; i < d.length; i++) d[i] = logits[i];
        return of(d, t);
    }
}
