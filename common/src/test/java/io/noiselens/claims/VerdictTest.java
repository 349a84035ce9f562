package io.noiselens.claims;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.noiselens.claims.Verdict.Expected.*;
import static io.noiselens.claims.Verdict.Outcome.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The paired t-interval and the verdicts, on hand-worked differences. */
class VerdictTest {
    @Test
    void theIntervalIsStudentsTOnThePairedDifferences() {
        // d = 1, 2, 3, 4, 5: mean 3, s = √2.5, t(0.975, 4) = 2.7764451 (the textbook table's 2.776).
        double half = 2.7764451051977987 * Math.sqrt(2.5) / Math.sqrt(5);
        Verdict v = Verdict.of(BETTER, 0, 5, 3, Math.sqrt(2.5));
        assertEquals(3 - half, v.low(), 1e-9);
        assertEquals(3 + half, v.high(), 1e-9);
        assertEquals(HOLDS, v.outcome());
        // Large n: close to the normal interval 1.96 s / √n.
        Verdict large = Verdict.of(BETTER, 0, 10_000, 0.1, 1);
        assertEquals(0.1 - 1.9602 * 0.01, large.low(), 1e-5);
    }

    @Test
    void eachExpectationDecidesOnWhereTheIntervalLies() {
        // Interval [0.2, 0.6] (mean 0.4), [-0.6, -0.2] and [-0.2, 0.2] with n = 10, s chosen for a half-width of 0.2.
        double s = 0.2 * Math.sqrt(10) / 2.2621571627409915;
        assertEquals(HOLDS, Verdict.of(BETTER, 0, 10, 0.4, s).outcome());
        assertEquals(DOES_NOT_HOLD, Verdict.of(BETTER, 0, 10, -0.4, s).outcome());
        assertEquals(INCONCLUSIVE, Verdict.of(BETTER, 0, 10, 0.0, s).outcome());
        assertEquals(HOLDS, Verdict.of(WORSE, 0, 10, -0.4, s).outcome());
        assertEquals(DOES_NOT_HOLD, Verdict.of(WORSE, 0, 10, 0.4, s).outcome());
        // Non-inferiority within 0.25: [-0.2, 0.2] lies above -0.25; [-0.6, -0.2] straddles it; [-0.9, -0.5] lies below.
        assertEquals(HOLDS, Verdict.of(NO_WORSE, 0.25, 10, 0.0, s).outcome());
        assertEquals(INCONCLUSIVE, Verdict.of(NO_WORSE, 0.25, 10, -0.4, s).outcome());
        assertEquals(DOES_NOT_HOLD, Verdict.of(NO_WORSE, 0.25, 10, -0.7, s).outcome());
        // Too few differences to say anything.
        assertEquals(INCONCLUSIVE, Verdict.of(BETTER, 0, 1, 5, Double.NaN).outcome());
        assertTrue(Double.isNaN(Verdict.of(BETTER, 0, 0, Double.NaN, Double.NaN).mean()));
    }

    @Test
    void aClaimHoldsWhenEveryComparisonHolds() {
        assertEquals(HOLDS, Verdict.Outcome.all(List.of(HOLDS, HOLDS)));
        assertEquals(INCONCLUSIVE, Verdict.Outcome.all(List.of(HOLDS, INCONCLUSIVE)));
        assertEquals(DOES_NOT_HOLD, Verdict.Outcome.all(List.of(HOLDS, INCONCLUSIVE, DOES_NOT_HOLD)));
        assertEquals(INCONCLUSIVE, Verdict.Outcome.all(List.of()));
    }
}
