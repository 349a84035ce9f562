package io.noiselens.attribution;

/**
 * Adaptive sampling for a noise plan: stop drawing for an image once its running estimate is precise enough. After
 * {@code minDraws} draws, and then every {@code every} draws, the relative standard error of the running mean map,
 * <pre>  rse(n) = √(Σ_p s_p² / n) / ‖m̄‖₂,   s_p² the sample variance of pixel p over the n draws,</pre>
 * (the Monte-Carlo standard error of the map estimate, in the map's own Euclidean scale) is compared with
 * {@code tolerance}; the image stops at the first check where rse ≤ tolerance, or at the plan's full count. This is
 * a sequential fixed-width stopping rule (Chow &amp; Robbins, "On the asymptotic theory of fixed-width sequential
 * confidence intervals for the mean", Ann. Math. Statist. 36, 1965), applied to the whole map; the achieved rse
 * and the number of draws are stored with every map. Draws must be independent, so plans that use it draw either
 * one input sample per weight replica (NoiseGrad) or one replica (the SmoothGrad family), and aggregate by the mean.
 * The decision for an image depends on its own draws only, so results do not depend on the batch it is in.
 */
public record SequentialStopping(double tolerance, int minDraws, int every) {
    public SequentialStopping {
        if (!(tolerance > 0) || tolerance >= 1) {
            throw new IllegalArgumentException("tolerance (relative standard error) must be in (0, 1), got " + tolerance);
        }
        if (minDraws < 2) throw new IllegalArgumentException("min_draws must be ≥ 2 (a variance needs two draws), got " + minDraws);
        if (every < 1) throw new IllegalArgumentException("check_every must be ≥ 1, got " + every);
    }

    public static final int DEFAULT_MIN_DRAWS = 8;
    public static final int DEFAULT_EVERY = 4;
}
