package io.noiselens.attribution;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QuadratureTest {
    @ParameterizedTest
    @EnumSource(Quadrature.class)
    void weightsSumToOneAndNodesLieInTheUnitInterval(Quadrature q) {
        for (int n : new int[]{2, 5, 50, 64}) {
            double[][] r = q.rule(n);
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += r[1][k];
                assertEquals(0.5, r[0][k], 0.5 + 1e-12);
            }
            assertEquals(1.0, sum, 1e-12);
        }
    }

    @ParameterizedTest
    @EnumSource(Quadrature.class)
    void integratesPolynomialsToTheirDegreeOfExactness(Quadrature q) {
        // ∫₀¹ α^p dα = 1/(p+1). Gauss–Legendre with n nodes is exact to degree 2n−1; the others converge.
        int n = 8;
        double[][] r = q.rule(n);
        for (int p = 0; p <= (q == Quadrature.GAUSS_LEGENDRE ? 15 : 1); p++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += r[1][k] * Math.pow(r[0][k], p);
            double tol = q == Quadrature.GAUSS_LEGENDRE || q == Quadrature.RIEMANN_MIDDLE || q == Quadrature.RIEMANN_TRAPEZOID ? 1e-12 : 0.07;
            assertEquals(1.0 / (p + 1), s, tol, q + " degree " + p);
        }
    }
}
