package io.scaleprotoseg.spark;

import io.scaleprotoseg.sdk.ConfusionMatrix;
import io.scaleprotoseg.sdk.ModelCard;

/**
 * The result of {@link SparkSegmentation#evaluate}: the confusion matrix of the whole collection,
 * merged from the partitions' (exact integer counts, so equal to one pass over the images on one
 * machine), and the metrics read from it. Immutable apart from the matrix, which the caller owns.
 *
 * @param matrix rows the true class, columns the predicted one
 * @param images the images evaluated
 * @param card the model's card (class names)
 * @param modelSha256 the SHA-256 of the model file
 */
public record SparkEvaluation(ConfusionMatrix matrix, long images, ModelCard card, String modelSha256) {
    /** Mean IoU over classes with a non-empty union ({@link ConfusionMatrix#meanIou()}). */
    public double meanIou() {
        return matrix.meanIou();
    }

    /** IoU per class, NaN where a class is neither labelled nor predicted. */
    public double[] iou() {
        return matrix.iou();
    }

    /** Correct labelled pixels over labelled pixels. */
    public double pixelAccuracy() {
        return matrix.pixelAccuracy();
    }
}
