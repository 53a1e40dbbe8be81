package io.scaleprotoseg.trainer.phase;

import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.model.SimplexProjection;
import io.scaleprotoseg.trainer.random.SeedStreams;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The stage-2 group layer of METHOD.md 1.5: per class c, G rows of weights over the class's
 * prototypes (all scales), kept on the simplex; a group last layer (C*G -> C). Group k of class c
 * is row c*G + k of {@code group_weights} [C*G, P] (entries outside the class are 0).
 */
public final class GroupLayer {
    /** The group weights before thresholding (a record; not used by the forward pass). */
    public static final String DENSE_GROUP_WEIGHTS = "group_weights_before_threshold";
    private GroupLayer() {
    }

    /** For each class, the prototype rows (columns of the group weights) that belong to it. */
    public static int[][] classColumns(PrototypeTable table, int numClasses) {
        List<List<Integer>> cols = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            cols.add(new ArrayList<>());
        }
        for (int j = 0; j < table.size(); j++) {
            cols.get(table.classes()[j]).add(j);
        }
        int[][] out = new int[numClasses][];
        for (int c = 0; c < numClasses; c++) {
            out[c] = cols.get(c).stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    /**
     * Replaces the stage-1 last layer by the group layer: rows drawn from U(-1/sqrt(P_c),
     * 1/sqrt(P_c)) on the class's prototypes and projected onto the simplex; the group last layer
     * 1 for the class's own groups, -0.5 elsewhere.
     */
    public static void create(SegmentationNetwork net, int groupsPerClass, long seed) {
        ParameterSet params = net.params();
        PrototypeTable table = net.prototypes();
        int c = net.config().numClasses();
        int p = table.size();
        int rows = c * groupsPerClass;
        int[][] cols = classColumns(table, c);
        float[] w = initialDraws(table, c, groupsPerClass, seed);
        for (int row = 0; row < rows; row++) {
            int cls = row / groupsPerClass;
            if (cols[cls].length > 0) {
                SimplexProjection.projectRow(w, p, row, cols[cls]);
            }
        }
        float[] last = new float[c * rows];
        for (int cls = 0; cls < c; cls++) {
            for (int k = 0; k < rows; k++) {
                last[cls * rows + k] = k / groupsPerClass == cls ? 1f : -0.5f;
            }
        }
        if (params.contains("last_layer")) {
            params.remove("last_layer");
        }
        params.add(SegmentationNetwork.GROUP_WEIGHTS, ParamGroup.GROUP_WEIGHTS, w, rows, p);
        params.add(SegmentationNetwork.GROUP_LAST_LAYER, ParamGroup.GROUP_LAST_LAYER, last, c, rows);
    }

    /**
     * The group weights before their projection onto the simplex: row c*G + k holds draws from
     * U(-1/sqrt(P_c), 1/sqrt(P_c)) on class c's prototypes (in ascending row order) and 0 elsewhere,
     * from the run seed's own stream for the group layer.
     */
    static float[] initialDraws(PrototypeTable table, int numClasses, int groupsPerClass, long seed) {
        int p = table.size();
        int[][] cols = classColumns(table, numClasses);
        SplittableRandom r = SeedStreams.stream(seed, "group-layer");
        float[] w = new float[numClasses * groupsPerClass * p];
        for (int cls = 0; cls < numClasses; cls++) {
            double bound = 1 / Math.sqrt(Math.max(1, cols[cls].length));
            for (int k = 0; k < groupsPerClass; k++) {
                int row = cls * groupsPerClass + k;
                for (int j : cols[cls]) {
                    w[row * p + j] = (float) ((2 * r.nextDouble() - 1) * bound);
                }
            }
        }
        return w;
    }

    /** Projects every row back onto the simplex over its class's prototypes (after an optimiser step). */
    public static void project(SegmentationNetwork net, int groupsPerClass) {
        ParameterSet params = net.params();
        int c = net.config().numClasses();
        int p = net.prototypes().size();
        int[][] cols = classColumns(net.prototypes(), c);
        float[] w = params.floats(SegmentationNetwork.GROUP_WEIGHTS);
        for (int row = 0; row < c * groupsPerClass; row++) {
            int cls = row / groupsPerClass;
            if (cols[cls].length > 0) {
                SimplexProjection.projectRow(w, p, row, cols[cls]);
            }
        }
        params.set(SegmentationNetwork.GROUP_WEIGHTS, w);
    }

    /**
     * Zeroes the weights below {@code threshold} (no renormalisation, METHOD.md 1.5) and returns
     * the ids of prototypes left with no non-zero weight in any group (inactive).
     */
    public static List<Integer> threshold(SegmentationNetwork net, double threshold) {
        ParameterSet params = net.params();
        float[] w = params.floats(SegmentationNetwork.GROUP_WEIGHTS);
        // the weights before thresholding stay in the checkpoint, so that an export can apply another threshold
        if (!params.contains(DENSE_GROUP_WEIGHTS)) {
            params.add(DENSE_GROUP_WEIGHTS, ParamGroup.RECORD, w.clone(), params.shape(SegmentationNetwork.GROUP_WEIGHTS));
        }
        int p = net.prototypes().size();
        boolean[] used = new boolean[p];
        for (int i = 0; i < w.length; i++) {
            if (w[i] < threshold) {
                w[i] = 0f;
            } else {
                used[i % p] = true;
            }
        }
        params.set(SegmentationNetwork.GROUP_WEIGHTS, w);
        List<Integer> inactive = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            if (!used[j]) {
                inactive.add(net.prototypes().ids()[j]);
            }
        }
        return inactive;
    }

    /** The class of each group row (for the off-class L1 on the group last layer). */
    public static int[] rowClasses(int numClasses, int groupsPerClass) {
        int[] out = new int[numClasses * groupsPerClass];
        for (int k = 0; k < out.length; k++) {
            out[k] = k / groupsPerClass;
        }
        return out;
    }

    /** P_c for each group row (for the entropy normalisation). */
    public static int[] rowPrototypeCounts(PrototypeTable table, int numClasses, int groupsPerClass) {
        int[][] cols = classColumns(table, numClasses);
        int[] out = new int[numClasses * groupsPerClass];
        for (int k = 0; k < out.length; k++) {
            out[k] = cols[k / groupsPerClass].length;
        }
        return out;
    }
}
