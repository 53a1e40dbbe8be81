package io.scaleprotoseg.trainer.model;

import io.scaleprotoseg.graph.network.NetworkConfig;
import java.util.Arrays;

/**
 * Who the current prototypes are: for each row of the {@code prototypes} parameter, its stable id
 * (its index in the initial layout), class and scale. Rows stay sorted by scale, so each scale's
 * prototypes are one contiguous block. Immutable.
 */
public record PrototypeTable(int[] ids, int[] classes, int[] scales) {
    public PrototypeTable {
        ids = ids.clone();
        classes = classes.clone();
        scales = scales.clone();
        if (ids.length != classes.length || ids.length != scales.length) {
            throw new IllegalArgumentException("prototype table columns differ in length");
        }
        for (int j = 1; j < scales.length; j++) {
            if (scales[j] < scales[j - 1]) {
                throw new IllegalArgumentException("prototype rows must be sorted by scale");
            }
        }
    }

    /** The initial table of a network: j = s * (P / S) + c * K + k. */
    public static PrototypeTable initial(NetworkConfig config) {
        int p = config.numPrototypes();
        int[] ids = new int[p];
        int[] cls = new int[p];
        int[] sc = new int[p];
        for (int j = 0; j < p; j++) {
            ids[j] = j;
            cls[j] = config.classOf(j);
            sc[j] = config.scaleOf(j);
        }
        return new PrototypeTable(ids, cls, sc);
    }

    public int size() {
        return ids.length;
    }

    /** First row of scale {@code s} (or where it would start). */
    public int start(int s) {
        int j = 0;
        while (j < scales.length && scales[j] < s) {
            j++;
        }
        return j;
    }

    /** One past the last row of scale {@code s}. */
    public int end(int s) {
        int j = start(s);
        while (j < scales.length && scales[j] == s) {
            j++;
        }
        return j;
    }

    /** The table without the rows in {@code drop} (sorted ascending). */
    public PrototypeTable without(int[] drop) {
        int n = ids.length - drop.length;
        int[] i2 = new int[n];
        int[] c2 = new int[n];
        int[] s2 = new int[n];
        int k = 0;
        for (int j = 0; j < ids.length; j++) {
            if (Arrays.binarySearch(drop, j) >= 0) {
                continue;
            }
            i2[k] = ids[j];
            c2[k] = classes[j];
            s2[k++] = scales[j];
        }
        return new PrototypeTable(i2, c2, s2);
    }
}
