package io.scaleprotoseg.trainer.metrics;

/**
 * Accumulates a C x C confusion matrix over a whole split (METHOD.md 5): rows are the true class,
 * columns the predicted one; void pixels are skipped. IoU per class = TP / (TP + FP + FN); mIoU
 * is the mean over classes whose union is not empty; pixel accuracy = TP / labelled pixels.
 * Not thread-safe; merge per-thread matrices with {@link #add(ConfusionMatrix)}.
 */
public final class ConfusionMatrix {
    private final int classes;
    private final int ignore;
    private final long[] counts;

    public ConfusionMatrix(int classes, int ignore) {
        this.classes = classes;
        this.ignore = ignore;
        this.counts = new long[classes * classes];
    }

    /** Adds one image's labels and predictions. */
    public void add(int[] labels, int[] predictions) {
        if (labels.length != predictions.length) {
            throw new IllegalArgumentException("labels and predictions differ in length: " + labels.length + " vs "
                    + predictions.length);
        }
        for (int i = 0; i < labels.length; i++) {
            int t = labels[i];
            if (t == ignore || t < 0 || t >= classes) {
                continue;
            }
            int p = predictions[i];
            if (p < 0 || p >= classes) {
                throw new IllegalArgumentException("prediction " + p + " outside 0.." + (classes - 1));
            }
            counts[t * classes + p]++;
        }
    }

    /** Adds another matrix's counts. */
    public void add(ConfusionMatrix other) {
        if (other.classes != classes) {
            throw new IllegalArgumentException("class counts differ");
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
    }

    public long count(int truth, int predicted) {
        return counts[truth * classes + predicted];
    }

    /** IoU of each class; NaN where the class is neither labelled nor predicted. */
    public double[] iou() {
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
        double sum = 0;
        int n = 0;
        for (double v : iou()) {
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
        long all = 0;
        for (int c = 0; c < classes; c++) {
            tp += counts[c * classes + c];
            for (int k = 0; k < classes; k++) {
                all += counts[c * classes + k];
            }
        }
        return all == 0 ? 0 : (double) tp / all;
    }
}
