package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Euclidean projection onto the simplex: hand cases, its defining properties, and sparsemax. */
class SimplexProjectionTest {
    @Test
    void handComputedCases() {
        assertArrayEquals(new double[] {0.5, 0.5}, SimplexProjection.project(new double[] {0.5, 0.5}), 1e-12);
        assertArrayEquals(new double[] {1, 0}, SimplexProjection.project(new double[] {2, 0}), 1e-12);
        assertArrayEquals(new double[] {0.5, 0.5}, SimplexProjection.project(new double[] {0.6, 0.6}), 1e-12);
        // sorted 1, 0.5, -1: rho = 2, theta = (1.5 - 1) / 2 = 0.25
        assertArrayEquals(new double[] {0.75, 0.25, 0}, SimplexProjection.project(new double[] {1, 0.5, -1}), 1e-12);
        // all equal and negative: uniform
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, SimplexProjection.project(new double[] {-2, -2, -2}), 1e-12);
    }

    /** sparsemax(z) = max(z - tau, 0) with tau solving sum max(z - tau, 0) = 1, found by bisection. */
    private static double[] sparsemaxByBisection(double[] z) {
        double lo = -1e6;
        double hi = 1e6;
        for (int it = 0; it < 200; it++) {
            double mid = (lo + hi) / 2;
            double s = 0;
            for (double v : z) {
                s += Math.max(v - mid, 0);
            }
            if (s > 1) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double tau = (lo + hi) / 2;
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = Math.max(z[i] - tau, 0);
        }
        return out;
    }

    @Test
    void randomRowsLandOnTheSimplexIdempotentlyAndEqualSparsemax() {
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 500; t++) {
            double[] v = new double[1 + r.nextInt(30)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (r.nextDouble() - 0.5) * (1 + r.nextInt(10));
            }
            double[] w = SimplexProjection.project(v);
            double sum = 0;
            for (double x : w) {
                assertTrue(x >= 0, "non-negative");
                sum += x;
            }
            assertEquals(1, sum, 1e-9, "sums to 1");
            assertArrayEquals(w, SimplexProjection.project(w), 1e-12, "idempotent");
            assertArrayEquals(sparsemaxByBisection(v), w, 1e-9, "equals sparsemax");
        }
    }

    @Test
    void rowProjectionLeavesOtherColumnsAtZero() {
        float[] m = {9f, 0.2f, 7f, 0.2f, /* row 1 */ 1f, 1f, 1f, 1f};
        SimplexProjection.projectRow(m, 4, 0, new int[] {1, 3});
        assertArrayEquals(new float[] {0f, 0.5f, 0f, 0.5f}, Arrays.copyOf(m, 4), 1e-7f);
        assertEquals(1f, m[4], "other rows untouched");
    }
}
