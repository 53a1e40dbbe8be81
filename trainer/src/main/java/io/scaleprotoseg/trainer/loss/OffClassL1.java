package io.scaleprotoseg.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.trainer.model.OwnedTensors;

/** L1 on a last layer's off-class weights: sum |W[c, j]| over columns j not of class c (METHOD.md 2). */
public final class OffClassL1 {
    private OffClassL1() {
    }

    /**
     * @param weight [C, J] last-layer weights
     * @param columnClass the class each column belongs to
     * @param m the manager the result (and its intermediates) should live in
     */
    public static NDArray compute(NDArray weight, int[] columnClass, NDManager m) {
        int c = (int) weight.getShape().get(0);
        int j = (int) weight.getShape().get(1);
        float[] mask = new float[c * j];
        for (int cls = 0; cls < c; cls++) {
            for (int col = 0; col < j; col++) {
                mask[cls * j + col] = columnClass[col] == cls ? 0f : 1f;
            }
        }
        NDArray off = OwnedTensors.of(m, mask, weight.getShape());
        NDArray abs = weight.abs();
        abs.attach(m);
        return off.mul(abs).sum();
    }
}
