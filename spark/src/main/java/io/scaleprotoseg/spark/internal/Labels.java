package io.scaleprotoseg.spark.internal;

import io.scaleprotoseg.sdk.Images;
import io.scaleprotoseg.sdk.InvalidImageException;
import io.scaleprotoseg.sdk.ModelCard;

/**
 * Label masks as the project's data layer reads them: the SDK's label decoder (one channel: grey or
 * palette; JPEG data refused), then every value must be a class id of the model or the void label,
 * with the message the trainer's data sets give for any other value.
 */
public final class Labels {
    private Labels() {
    }

    /** The void label of a job: the option's, else the card's, else 255. */
    public static int ignoreLabel(int option, ModelCard card) {
        return option >= 0 ? option : card.ignoreLabel() >= 0 ? card.ignoreLabel() : 255;
    }

    /**
     * The class ids of a label file, checked against the image's size and the model's classes.
     *
     * @throws InvalidImageException naming the file: undecodable, JPEG, colour, a size that differs
     *     from the image's, or a value that is neither a class id nor the void label
     */
    public static int[] read(byte[] data, String path, int width, int height, int classes, int ignore, String imagePath)
            throws InvalidImageException {
        Images.LabelValues v = Images.readLabels(data, path);
        if (v.width() != width || v.height() != height) {
            throw new InvalidImageException(io.scaleprotoseg.sdk.ErrorCode.DATASET_INVALID, "label " + path + " is "
                    + v.width() + "x" + v.height() + " but its image " + imagePath + " is " + width + "x" + height
                    + "; a label mask has the size of its image");
        }
        int[] values = v.values();
        for (int i = 0; i < values.length; i++) {
            int x = values[i];
            if (x != ignore && (x < 0 || x >= classes)) {
                throw new InvalidImageException(io.scaleprotoseg.sdk.ErrorCode.DATASET_INVALID, "label " + path + " has value "
                        + x + " at (x=" + (i % width) + ", y=" + (i / width) + "), outside the label range: expected class ids 0.."
                        + (classes - 1) + " or the void label " + ignore);
            }
        }
        return values;
    }
}
