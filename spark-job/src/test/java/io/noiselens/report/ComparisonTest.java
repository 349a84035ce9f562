package io.noiselens.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Run-over-run flags on hand-worked intervals, in both metric directions. */
class ComparisonTest {
    private static Comparison.Change change(boolean higherIsBetter, Double now, Double nowLow, Double nowHigh, Double before,
                                            Double beforeLow, Double beforeHigh) {
        return new Comparison.Change("", "gradient", "m", "faithfulness", higherIsBetter, now, nowLow, nowHigh, before,
                beforeLow, beforeHigh);
    }

    @Test
    void intervalsThatDoNotOverlapAreFlaggedInTheMetricsDirection() {
        assertEquals("better", change(true, 0.8, 0.75, 0.85, 0.6, 0.55, 0.65).flag());
        assertEquals("worse", change(false, 0.8, 0.75, 0.85, 0.6, 0.55, 0.65).flag());
        assertEquals("worse", change(true, 0.6, 0.55, 0.65, 0.8, 0.75, 0.85).flag());
        assertEquals("better", change(false, 0.6, 0.55, 0.65, 0.8, 0.75, 0.85).flag());
        // Touching or overlapping intervals: not a change, however far the means moved.
        assertEquals("unchanged", change(true, 0.8, 0.65, 0.95, 0.6, 0.45, 0.65).flag());
        assertEquals("unchanged", change(true, 0.9, 0.1, 1.0, 0.2, 0.15, 0.25).flag());
        // One value: no interval, no claim.
        assertEquals("unchanged", change(true, 0.9, null, null, 0.2, 0.15, 0.25).flag());
        assertEquals("new", change(true, 0.9, 0.8, 1.0, null, null, null).flag());
        assertEquals("gone", change(true, null, null, null, 0.2, 0.15, 0.25).flag());
    }

    @Test
    void rowsListTheFlaggedPairsFirstWithTheChangeOfTheMean() {
        List<Map<String, Object>> rows = Comparison.rows(List.of(change(true, 0.5, 0.4, 0.6, 0.5, 0.4, 0.6),
                change(true, 0.8, 0.75, 0.85, 0.6, 0.55, 0.65)));
        assertEquals("better", rows.get(0).get("flag"));
        assertEquals("0.2000", rows.get(0).get("delta"));
        assertEquals("0.8000 [0.7500, 0.8500]", rows.get(0).get("now"));
        assertEquals("unchanged", rows.get(1).get("flag"));
    }
}
