package io.scaleprotoseg.trainer.analysis;

import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sparsity of a model's decision (METHOD.md 5): prototypes with a non-zero weight in some group
 * (all prototypes without groups), in total and per class; members per group; the mean absolute
 * last-layer weight.
 *
 * @param prototypes prototypes in the model
 * @param activePrototypes prototypes in use
 * @param activePerClass prototypes in use per class
 * @param membersPerGroup non-zero weights per group row (empty without groups)
 * @param meanMembersPerGroup their mean (0 without groups)
 * @param meanAbsLastLayerWeight mean |w| of the (group) last layer
 */
public record Sparsity(int prototypes, int activePrototypes, int[] activePerClass, int[] membersPerGroup,
        double meanMembersPerGroup, double meanAbsLastLayerWeight) {

    /** Measures the model's current parameters. */
    public static Sparsity of(SegmentationNetwork net) {
        ParameterSet p = net.params();
        PrototypeTable t = net.prototypes();
        int c = net.config().numClasses();
        int pa = t.size();
        boolean[] used = new boolean[pa];
        List<Integer> members = new ArrayList<>();
        String last = "last_layer";
        if (p.contains(SegmentationNetwork.GROUP_WEIGHTS)) {
            float[] w = p.floats(SegmentationNetwork.GROUP_WEIGHTS);
            int rows = w.length / pa;
            for (int k = 0; k < rows; k++) {
                int n = 0;
                for (int j = 0; j < pa; j++) {
                    if (w[k * pa + j] != 0f) {
                        used[j] = true;
                        n++;
                    }
                }
                members.add(n);
            }
            last = SegmentationNetwork.GROUP_LAST_LAYER;
        } else {
            Arrays.fill(used, true);
        }
        int[] perClass = new int[c];
        int active = 0;
        for (int j = 0; j < pa; j++) {
            if (used[j]) {
                active++;
                perClass[t.classes()[j]]++;
            }
        }
        double meanAbs = 0;
        if (p.contains(last)) {
            float[] w = p.floats(last);
            for (float v : w) {
                meanAbs += Math.abs(v);
            }
            meanAbs /= w.length;
        }
        int[] m = members.stream().mapToInt(Integer::intValue).toArray();
        double meanMembers = m.length == 0 ? 0 : members.stream().mapToInt(Integer::intValue).average().orElse(0);
        return new Sparsity(pa, active, perClass, m, meanMembers, meanAbs);
    }
}
