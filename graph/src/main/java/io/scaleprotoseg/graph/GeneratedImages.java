package io.scaleprotoseg.graph;

import java.util.SplittableRandom;

/** Deterministic generated images with structure: for checks of written models (edit) and the runtime modules' tests. */
public final class GeneratedImages {
    private GeneratedImages() {
    }

    /** RGB in 0..1, CHW: smooth blobs plus a little noise, so that classes form regions. */
    public static float[] image(int width, int height, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] img = new float[3 * width * height];
        double[][] f = new double[3][4];
        for (double[] row : f) {
            for (int i = 0; i < row.length; i++) {
                row[i] = rnd.nextDouble() * 0.3 + 0.05;
            }
        }
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double v = 0.5 + 0.25 * Math.sin(f[c][0] * x + f[c][1] * y) + 0.2 * Math.cos(f[c][2] * x - f[c][3] * y)
                            + 0.05 * (rnd.nextDouble() - 0.5);
                    img[(c * height + y) * width + x] = (float) Math.max(0, Math.min(1, v));
                }
            }
        }
        return img;
    }
}
