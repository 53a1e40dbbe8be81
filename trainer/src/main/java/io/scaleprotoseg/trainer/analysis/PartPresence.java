package io.scaleprotoseg.trainer.analysis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which annotated parts an activation map covers, and the consistency and stability scores built
 * on it (METHOD.md 5): a map is binarised at its 0.8 quantile; a part is present when the binary
 * map is on at one of the centroids of the part's connected components (8-connectivity).
 */
public final class PartPresence {
    /** The quantile an activation map is binarised at. */
    public static final double QUANTILE = 0.8;
    /** A prototype is consistent when some part is present in more than this fraction of its images. */
    public static final double CONSISTENCY = 0.8;

    private PartPresence() {
    }

    /** The parts (ids &gt; 0 in {@code parts}) present in {@code on}. */
    public static Set<Integer> present(boolean[] on, int[] parts, int width, int height) {
        Set<Integer> ids = new TreeSet<>();
        for (int p : parts) {
            if (p > 0) {
                ids.add(p);
            }
        }
        Set<Integer> out = new TreeSet<>();
        for (int id : ids) {
            boolean[] mask = new boolean[parts.length];
            for (int i = 0; i < parts.length; i++) {
                mask[i] = parts[i] == id;
            }
            ConnectedComponents.Result cc = ConnectedComponents.of(mask, width, height);
            for (int c = 0; c < cc.count(); c++) {
                int x = (int) Math.round(cc.centroids()[2 * c]);
                int y = (int) Math.round(cc.centroids()[2 * c + 1]);
                x = Math.max(0, Math.min(width - 1, x));
                y = Math.max(0, Math.min(height - 1, y));
                if (on[y * width + x]) {
                    out.add(id);
                    break;
                }
            }
        }
        return out;
    }

    /** The parts present in a map binarised at {@link #QUANTILE}. */
    public static Set<Integer> present(float[] map, int[] parts, int width, int height) {
        return present(ActivationMaps.aboveQuantile(map, QUANTILE), parts, width, height);
    }

    /**
     * Consistency of one prototype: the largest fraction of its images in which one part is present.
     *
     * @param perImage the parts present, one set per image
     */
    public static double consistency(List<Set<Integer>> perImage) {
        if (perImage.isEmpty()) {
            return 0;
        }
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (Set<Integer> s : perImage) {
            for (int p : s) {
                counts.merge(p, 1, Integer::sum);
            }
        }
        int best = 0;
        for (int c : counts.values()) {
            best = Math.max(best, c);
        }
        return (double) best / perImage.size();
    }

    /** Whether a prototype is consistent: some part present in more than 80% of its images. */
    public static boolean consistent(List<Set<Integer>> perImage) {
        return consistency(perImage) > CONSISTENCY;
    }

    /**
     * Stability of one prototype: the fraction of its images whose set of present parts is the same
     * with and without noise on the input.
     */
    public static double stability(List<Set<Integer>> clean, List<Set<Integer>> noisy) {
        if (clean.size() != noisy.size()) {
            throw new IllegalArgumentException("clean and noisy lists differ in length");
        }
        if (clean.isEmpty()) {
            return 0;
        }
        int same = 0;
        for (int i = 0; i < clean.size(); i++) {
            same += clean.get(i).equals(noisy.get(i)) ? 1 : 0;
        }
        return (double) same / clean.size();
    }

    /** A copy as sorted lists, for JSON. */
    public static List<List<Integer>> asLists(List<Set<Integer>> sets) {
        List<List<Integer>> out = new ArrayList<>();
        for (Set<Integer> s : sets) {
            out.add(new ArrayList<>(s));
        }
        return out;
    }
}
