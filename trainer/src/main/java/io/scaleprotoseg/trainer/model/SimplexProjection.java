package io.scaleprotoseg.trainer.model;

import java.util.Arrays;

/**
 * Euclidean projection onto the probability simplex {w : w &gt;= 0, sum w = 1}, by sorting (Duchi et
 * al., 2008): sort v descending into u, find the largest rho with u_rho - (sum_{i&lt;=rho} u_i - 1)/rho
 * &gt; 0, then w = max(v - theta, 0) with theta = (sum_{i&lt;=rho} u_i - 1) / rho. Keeps the group
 * weights of METHOD.md 1.5 on the simplex, at initialisation and after every optimiser step.
 */
public final class SimplexProjection {
    private SimplexProjection() {
    }

    /** The projection of {@code v} (a new array). */
    public static double[] project(double[] v) {
        if (v.length == 0) {
            throw new IllegalArgumentException("cannot project an empty vector onto the simplex");
        }
        double[] u = v.clone();
        Arrays.sort(u);
        double cumulative = 0;
        double theta = 0;
        // walk u in descending order
        for (int i = u.length - 1, rho = 1; i >= 0; i--, rho++) {
            cumulative += u[i];
            double t = (cumulative - 1) / rho;
            if (u[i] - t > 0) {
                theta = t;
            }
        }
        double[] w = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            w[i] = Math.max(v[i] - theta, 0);
        }
        return w;
    }

    /**
     * Projects, in place, the entries {@code columns} of row {@code row} of a row-major matrix with
     * {@code width} columns; the other entries of the row are set to 0.
     */
    public static void projectRow(float[] matrix, int width, int row, int[] columns) {
        double[] v = new double[columns.length];
        for (int i = 0; i < columns.length; i++) {
            v[i] = matrix[row * width + columns[i]];
        }
        double[] w = project(v);
        Arrays.fill(matrix, row * width, (row + 1) * width, 0f);
        for (int i = 0; i < columns.length; i++) {
            matrix[row * width + columns[i]] = (float) w[i];
        }
    }
}
