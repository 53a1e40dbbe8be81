package io.scaleprotoseg.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.trainer.model.OwnedTensors;
import io.scaleprotoseg.trainer.model.PrototypeTable;

/**
 * Jeffrey's diversity loss on distances (METHOD.md 2). For each image b, each class c present
 * with at least two labelled cells, and each scale s, take the class's prototypes at that scale;
 * q_j = softmax over the class's cells of d_j; for each pair j &lt; k,
 * J2 = (KL(q_j || q_k) + KL(q_k || q_j)) / 2; the loss is the mean of exp(-J2) over all pairs of
 * the batch (0 without pairs). ProtoSeg, with one scale, pairs all of a class's prototypes.
 *
 * <p>Prototype j is paired with the cells of its own class j's class. (The original ProtoSeg
 * code pairs class-c prototypes with class c-1's cells; this is the corrected alignment, for
 * both methods.)
 *
 * <p>Computation: per scale, one batched product A = q . (log q)^T over the cells gives
 * J2[j,k] = (A[j,j] + A[k,k] - A[j,k] - A[k,j]) / 2; masked cells get a large negative logit so
 * that q is exactly 0 there and log q stays finite.
 */
public final class JeffreysDiversityLoss {
    private static final float MASKED = -1e4f;

    private JeffreysDiversityLoss() {
    }

    /**
     * @param distances d, [B, P, h, w]
     * @param labels B*h*w class ids at feature resolution (void = anything not a class of the table)
     * @param table the prototypes' classes and scales
     * @param numScales S
     * @return a scalar
     */
    public static NDArray compute(NDArray distances, int[] labels, PrototypeTable table, int numScales) {
        NDManager m = distances.getManager();
        Shape s = distances.getShape();
        int b = (int) s.get(0);
        int p = (int) s.get(1);
        int hw = (int) (s.get(2) * s.get(3));
        int maxClass = 0;
        for (int c : table.classes()) {
            maxClass = Math.max(maxClass, c);
        }
        int[][] cellCount = new int[b][maxClass + 1];
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < hw; k++) {
                int l = labels[i * hw + k];
                if (l >= 0 && l <= maxClass) {
                    cellCount[i][l]++;
                }
            }
        }
        // additive mask: 0 on the cells of the prototype's class, MASKED elsewhere
        float[] mask = new float[b * p * hw];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < p; j++) {
                int cls = table.classes()[j];
                int base = (i * p + j) * hw;
                for (int k = 0; k < hw; k++) {
                    mask[base + k] = labels[i * hw + k] == cls ? 0f : MASKED;
                }
            }
        }
        NDArray logq = distances.reshape(b, p, hw).add(OwnedTensors.of(m, mask, new Shape(b, p, hw))).logSoftmax(2);
        NDArray q = logq.exp();
        NDArray total = null;
        int pairs = 0;
        for (int sc = 0; sc < numScales; sc++) {
            int start = table.start(sc);
            int end = table.end(sc);
            int n = end - start;
            if (n < 2) {
                continue;
            }
            float[] pairMask = new float[b * n * n];
            int scalePairs = 0;
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < n; j++) {
                    int cls = table.classes()[start + j];
                    if (cellCount[i][cls] < 2) {
                        continue;
                    }
                    for (int k = j + 1; k < n; k++) {
                        if (table.classes()[start + k] == cls) {
                            pairMask[(i * n + j) * n + k] = 1f;
                            scalePairs++;
                        }
                    }
                }
            }
            if (scalePairs == 0) {
                continue;
            }
            NDIndex rows = new NDIndex(":, {}:{}, :", start, end);
            NDArray qs = q.get(rows);
            NDArray ls = logq.get(rows);
            NDArray a = qs.matMul(ls.transpose(0, 2, 1));
            NDArray diag = qs.mul(ls).sum(new int[] {2});
            NDArray j2 = diag.expandDims(2).add(diag.expandDims(1)).sub(a).sub(a.transpose(0, 2, 1));
            j2 = OwnedTensors.times(j2, 0.5);
            NDArray term = j2.neg().exp().mul(OwnedTensors.of(m, pairMask, new Shape(b, n, n))).sum();
            total = total == null ? term : total.add(term);
            pairs += scalePairs;
        }
        if (total == null) {
            return OwnedTensors.times(distances.sum(), 0);
        }
        return OwnedTensors.dividedBy(total, pairs);
    }
}
