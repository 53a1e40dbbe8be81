package io.scaleprotoseg.sdk;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A C x C confusion matrix accumulated over a whole split (METHOD.md 5), the one definition of the
 * metrics every part of the project reports: the trainer's validation, {@code eval}, the demo, and
 * jobs that evaluate partitions separately and merge them (the counts are exact integers, so a merged
 * matrix equals the one accumulated in a single pass, in any order).
 *
 * <p>Rows are the true class, columns the predicted one. Pixels labelled {@code ignoreLabel} or with a
 * label outside {@code 0..C-1} are skipped. IoU per class = TP / (TP + FP + FN); mIoU is the mean over
 * classes whose union is not empty; pixel accuracy = TP / labelled pixels.
 *
 * <p><b>Thread safety.</b> Not thread-safe: give each thread (or partition) its own matrix and
 * {@link #add(ConfusionMatrix) merge} them. Serializable, so that a matrix can travel between JVMs.
 */
public final class ConfusionMatrix implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int classes;
    private final int ignore;
    private final long[] counts;

    /**
     * An empty matrix.
     *
     * @param classes the number of classes C, at least 1
     * @param ignoreLabel the label of void pixels (skipped), such as 255
     */
    public ConfusionMatrix(int classes, int ignoreLabel) {
        if (classes < 1) {
            throw new IllegalArgumentException("a confusion matrix needs at least one class, got " + classes);
        }
        this.classes = classes;
        this.ignore = ignoreLabel;
        this.counts = new long[Math.multiplyExact(classes, classes)];
    }

    /** The number of classes C. */
    public int classes() {
        return classes;
    }

    /** The label of void pixels, which are skipped. */
    public int ignoreLabel() {
        return ignore;
    }

    /**
     * Adds one image's labels and predictions, pixel by pixel.
     *
     * @throws IllegalArgumentException when the arrays differ in length or a labelled pixel's
     *     prediction is outside {@code 0..C-1} (nothing is added then)
     */
    public void add(int[] labels, int[] predictions) {
        if (labels.length != predictions.length) {
            throw new IllegalArgumentException("labels and predictions differ in length: " + labels.length + " vs "
                    + predictions.length);
        }
        for (int i = 0; i < labels.length; i++) {
            int t = labels[i];
            int p = predictions[i];
            if (t != ignore && t >= 0 && t < classes && (p < 0 || p >= classes)) {
                throw new IllegalArgumentException("prediction " + p + " at pixel " + i + " is outside 0.." + (classes - 1));
            }
        }
        for (int i = 0; i < labels.length; i++) {
            int t = labels[i];
            if (t == ignore || t < 0 || t >= classes) {
                continue;
            }
            counts[t * classes + predictions[i]]++;
        }
    }

    /**
     * Adds another matrix's counts.
     *
     * @throws IllegalArgumentException when the class counts or void labels differ
     */
    public void add(ConfusionMatrix other) {
        if (other.classes != classes || other.ignore != ignore) {
            throw new IllegalArgumentException("cannot merge a " + other.classes + "-class matrix (void label " + other.ignore
                    + ") into a " + classes + "-class one (void label " + ignore + ")");
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
    }

    /** Pixels of true class {@code truth} predicted as {@code predicted}. */
    public long count(int truth, int predicted) {
        return counts[truth * classes + predicted];
    }

    /** All labelled (non-void) pixels counted so far. */
    public long labelledPixels() {
        long all = 0;
        for (long v : counts) {
            all += v;
        }
        return all;
    }

    /** IoU of each class; NaN where the class is neither labelled nor predicted. */
    public double[] iou() {
        return iou(counts, classes);
    }

    /** {@link #iou()} of row-major C x C counts (for {@link PartAudit}'s matrices without a part). */
    static double[] iou(long[] counts, int classes) {
        double[] out = new double[classes];
        for (int c = 0; c < classes; c++) {
            long tp = counts[c * classes + c];
            long row = 0;
            long col = 0;
            for (int k = 0; k < classes; k++) {
                row += counts[c * classes + k];
                col += counts[k * classes + c];
            }
            long union = row + col - tp;
            out[c] = union == 0 ? Double.NaN : (double) tp / union;
        }
        return out;
    }

    /** Mean IoU over classes with a non-empty union (0 when there is none). */
    public double meanIou() {
        return meanIou(counts, classes);
    }

    /** {@link #meanIou()} of row-major C x C counts. */
    static double meanIou(long[] counts, int classes) {
        double sum = 0;
        int n = 0;
        for (double v : iou(counts, classes)) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** Correct labelled pixels over labelled pixels (0 when there is none). */
    public double pixelAccuracy() {
        long tp = 0;
        for (int c = 0; c < classes; c++) {
            tp += counts[c * classes + c];
        }
        long all = labelledPixels();
        return all == 0 ? 0 : (double) tp / all;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix && ((ConfusionMatrix) o).classes == classes && ((ConfusionMatrix) o).ignore == ignore
                && Arrays.equals(((ConfusionMatrix) o).counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * classes + ignore) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "ConfusionMatrix[" + classes + " classes, " + labelledPixels() + " labelled pixels]";
    }
}
