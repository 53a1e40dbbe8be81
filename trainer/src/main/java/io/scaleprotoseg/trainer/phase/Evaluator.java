package io.scaleprotoseg.trainer.phase;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.sdk.FeatureGrid;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.sdk.ConfusionMatrix;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;

/**
 * Un-augmented evaluation (METHOD.md 5): each image at full resolution, logits upsampled
 * bilinearly (half-pixel, as the exported graph does) to the image and argmaxed, accumulated into
 * one confusion matrix over the split.
 */
public final class Evaluator {
    private Evaluator() {
    }

    /** mIoU, per-class IoU and pixel accuracy of a split. */
    public record Result(double meanIou, double[] classIou, double pixelAccuracy, int images, double[] predictedShare) {
        /**
         * The class predicted on nearly every labelled pixel (at least 99%), or -1: a network that has
         * collapsed to one class (usually the most frequent) and learned nothing else yet.
         */
        public int collapsedTo() {
            for (int k = 0; k < predictedShare.length; k++) {
                if (predictedShare[k] >= 0.99) {
                    return k;
                }
            }
            return -1;
        }
    }

    /**
     * Evaluates {@code net} on the first {@code limit} images of {@code data} (0 = all).
     *
     * @throws DatasetException when an image cannot be read
     */
    public static Result evaluate(SegmentationNetwork net, SegmentationDataset data, int limit, NDManager base)
            throws DatasetException {
        int n = limit <= 0 ? data.size() : Math.min(limit, data.size());
        int c = net.config().numClasses();
        ConfusionMatrix cm = new ConfusionMatrix(c, data.labels().ignoreLabel());
        JniUtils.setGradMode(false);
        for (int i = 0; i < n; i++) {
            Sample s = data.get(i);
            cm.add(s.labels(), predict(net, s, base));
        }
        double[] share = new double[c];
        long total = 0;
        for (int t = 0; t < c; t++) {
            for (int p = 0; p < c; p++) {
                share[p] += cm.count(t, p);
                total += cm.count(t, p);
            }
        }
        for (int p = 0; p < c; p++) {
            share[p] = total == 0 ? 0 : share[p] / total;
        }
        return new Result(cm.meanIou(), cm.iou(), cm.pixelAccuracy(), n, share);
    }

    /** The predicted mask of one sample at its own resolution. */
    public static int[] predict(SegmentationNetwork net, Sample s, NDManager base) {
        try (NDManager m = base.newSubManager()) {
            var out = net.forward(m.create(s.image(), new Shape(1, 3, s.height(), s.width())));
            Shape ls = out.logits().getShape();
            float[] logits = out.logits().toFloatArray();
            return new FeatureGrid((int) ls.get(2), (int) ls.get(3), s.width(), s.height()).argmaxUpsampled(logits, (int) ls.get(1));
        }
    }
}
