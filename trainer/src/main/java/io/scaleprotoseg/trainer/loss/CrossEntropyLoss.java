package io.scaleprotoseg.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.trainer.model.OwnedTensors;

/**
 * Pixel cross-entropy at feature resolution (METHOD.md 2): the mean over the batch's non-void
 * cells of -log softmax(logits)[label]. Labels must already be at the logits' resolution
 * ({@link LabelDownsampler}).
 *
 * <p>A batch without a labelled cell (all void) gives 0 with a zero gradient: nothing to learn
 * from, and the update goes on with the other terms. (The reference divides 0 by 0 there and
 * gets NaN; the reference fixture {@code ce-allvoid} is tested against this rule.)
 */
public final class CrossEntropyLoss {
    private CrossEntropyLoss() {
    }

    /**
     * @param logits [B, C, h, w]
     * @param labels B*h*w class ids or {@code ignore}
     * @return a scalar; 0 (still attached to the graph) when every cell is void
     */
    public static NDArray compute(NDArray logits, int[] labels, int ignore) {
        Shape s = logits.getShape();
        int b = (int) s.get(0);
        int c = (int) s.get(1);
        int hw = (int) (s.get(2) * s.get(3));
        if (labels.length != b * hw) {
            throw new IllegalArgumentException("labels hold " + labels.length + " cells, logits " + b * hw);
        }
        float[] onehot = new float[b * c * hw];
        int count = 0;
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < hw; k++) {
                int l = labels[i * hw + k];
                if (l == ignore) {
                    continue;
                }
                if (l < 0 || l >= c) {
                    throw new IllegalArgumentException("label " + l + " outside 0.." + (c - 1) + " and not the ignore label " + ignore);
                }
                onehot[(i * c + l) * hw + k] = 1f;
                count++;
            }
        }
        NDManager m = logits.getManager();
        NDArray target = OwnedTensors.of(m, onehot, s);
        NDArray picked = logits.logSoftmax(1).mul(target).sum();
        return count == 0 ? OwnedTensors.times(picked, 0) : OwnedTensors.dividedBy(picked, -count);
    }
}
