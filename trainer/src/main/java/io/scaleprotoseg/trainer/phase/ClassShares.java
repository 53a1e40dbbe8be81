package io.scaleprotoseg.trainer.phase;

import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.FeatureGrid;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.loss.LabelDownsampler;
import io.scaleprotoseg.sdk.ConfusionMatrix;

/**
 * What a data set gives a network to learn, before any training: per class, its share of the
 * labelled pixels and of the labelled feature-grid cells after the label downsampling the loss uses
 * (METHOD.md 2), and the mIoU that a perfect prediction on that grid would reach once upsampled as
 * the model's mask is. A class with a tiny cell share, or a ceiling far below 1, tells a user before a
 * long run that the data or the crop does not suit the network's stride. Immutable.
 *
 * @param images the images counted (the first ones of the split)
 * @param labelledShare share of the pixels that carry a class (not the void label)
 * @param pixelShare per class, share of the labelled pixels
 * @param cellShare per class, share of the labelled grid cells
 * @param perfectGridMiou mIoU of perfect cell predictions, upsampled, against the full-resolution labels
 * @param perfectGridIou per class, the IoU of those perfect cell predictions (NaN for a class absent
 *     from the images): a class the grid cannot resolve (thin or few-pixel objects) shows a low value
 *     here whatever the model learns
 */
public record ClassShares(int images, double labelledShare, double[] pixelShare, double[] cellShare, double perfectGridMiou,
        double[] perfectGridIou) {
    /**
     * Counts the first {@code maxImages} images of {@code data} at their own size.
     *
     * @throws DatasetException when an image or label cannot be read
     */
    public static ClassShares of(SegmentationDataset data, NetworkConfig net, int maxImages) throws DatasetException {
        int c = data.labels().numClasses();
        int ignore = data.labels().ignoreLabel();
        int n = Math.min(maxImages, data.size());
        long[] pixels = new long[c];
        long[] cells = new long[c];
        long all = 0;
        ConfusionMatrix perfect = new ConfusionMatrix(c, ignore);
        for (int i = 0; i < n; i++) {
            Sample s = data.get(i);
            int[] grid = MemoryEstimate.featureSize(net, s.height(), s.width());
            int fh = grid[0];
            int fw = grid[1];
            all += s.labels().length;
            for (int l : s.labels()) {
                if (l >= 0 && l < c) {
                    pixels[l]++;
                }
            }
            int[] down = LabelDownsampler.downsample(s.labels(), s.width(), s.height(), fw, fh);
            float[] scores = new float[c * fh * fw];
            for (int k = 0; k < down.length; k++) {
                int l = down[k];
                if (l >= 0 && l < c) {
                    cells[l]++;
                    scores[l * fh * fw + k] = 1f;
                }
            }
            perfect.add(s.labels(), new FeatureGrid(fh, fw, s.width(), s.height()).argmaxUpsampled(scores, c));
        }
        return new ClassShares(n, all == 0 ? 0 : (double) sum(pixels) / all, shares(pixels), shares(cells), perfect.meanIou(),
                perfect.iou());
    }

    private static long sum(long[] v) {
        long s = 0;
        for (long x : v) {
            s += x;
        }
        return s;
    }

    private static double[] shares(long[] v) {
        long total = sum(v);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = total == 0 ? 0 : (double) v[i] / total;
        }
        return out;
    }
}
