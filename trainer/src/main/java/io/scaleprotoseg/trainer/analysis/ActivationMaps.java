package io.scaleprotoseg.trainer.analysis;

import java.util.Arrays;

/** Binarising activation maps and comparing them (METHOD.md 5). */
public final class ActivationMaps {
    private ActivationMaps() {
    }

    /** The q-quantile of the values (nearest rank, q in [0, 1]). */
    public static double quantile(float[] values, double q) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        float[] s = values.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(q * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }

    /** The pixels at or above the q-quantile of the map. */
    public static boolean[] aboveQuantile(float[] map, double q) {
        double t = quantile(map, q);
        boolean[] on = new boolean[map.length];
        for (int i = 0; i < map.length; i++) {
            on[i] = map[i] >= t;
        }
        return on;
    }

    /**
     * The top {@code fraction} of the map (e.g. 0.05 for the top 5%): the ceil(fraction x n) largest
     * values (more on ties).
     */
    public static boolean[] top(float[] map, double fraction) {
        float[] s = map.clone();
        Arrays.sort(s);
        int k = Math.max(1, (int) Math.ceil(fraction * s.length - 1e-9));
        float t = s[s.length - Math.min(k, s.length)];
        boolean[] on = new boolean[map.length];
        for (int i = 0; i < map.length; i++) {
            on[i] = map[i] >= t;
        }
        return on;
    }

    /** Intersection over union of two binary maps (0 when both are empty). */
    public static double iou(boolean[] a, boolean[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("maps differ in size");
        }
        int inter = 0;
        int union = 0;
        for (int i = 0; i < a.length; i++) {
            inter += a[i] && b[i] ? 1 : 0;
            union += a[i] || b[i] ? 1 : 0;
        }
        return union == 0 ? 0 : (double) inter / union;
    }
}
