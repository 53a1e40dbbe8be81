package io.scaleprotoseg.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.trainer.model.OwnedTensors;

/**
 * Entropy of the group weights (METHOD.md 2): the mean over (class, group) rows of
 * -sum_j w_j log(w_j + 1e-5) / log(P_c), the sum over the class's prototypes, normalised by the
 * entropy of the uniform row. Low entropy means sparse groups.
 *
 * <p>A class left with a single prototype (after duplicate removal) has rows [1] and log P_c = 0:
 * such a row adds 0, with no gradient, and still counts in the mean over rows (the reference
 * divides by 0 there). A class with no prototype has all-zero rows, which add 0 too.
 */
public final class GroupEntropyLoss {
    public static final float EPS = 1e-5f;

    private GroupEntropyLoss() {
    }

    /**
     * @param weights [C*G, P] group weights (zero outside each row's class)
     * @param rowPrototypeCount P_c of each row's class
     * @param m the manager for the result's intermediates
     */
    public static NDArray compute(NDArray weights, int[] rowPrototypeCount, NDManager m) {
        int rows = (int) weights.getShape().get(0);
        float[] norm = new float[rows];
        for (int r = 0; r < rows; r++) {
            int pc = rowPrototypeCount[r];
            // a class with one prototype has a single possible row: no entropy to penalise
            norm[r] = pc > 1 ? (float) (1 / (Math.log(pc) * rows)) : 0f;
        }
        NDArray scale = OwnedTensors.of(m, norm, new Shape(rows, 1));
        // the first operand decides where a result lives: keep every intermediate in m
        NDArray shifted = OwnedTensors.plus(weights, EPS);
        shifted.attach(m);
        NDArray plogp = shifted.log().mul(weights);
        return plogp.mul(scale).sum().neg();
    }
}
