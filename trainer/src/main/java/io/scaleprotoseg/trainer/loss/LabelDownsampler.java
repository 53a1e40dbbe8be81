package io.scaleprotoseg.trainer.loss;

/**
 * Labels to feature resolution by centre-aligned nearest sampling (METHOD.md 2): output cell x
 * takes input pixel floor((x + 0.5) * in / out). Done in Java on integers, never with an
 * interpolating (or antialiasing) resize, so no label value is ever mixed.
 *
 * <p><b>Ties.</b> The reference resizes labels with an image library's nearest filter. The two
 * agree except where (x + 0.5) * in / out is an exact integer, where the library may take the
 * neighbouring pixel: for example 8 -> 7 at x = 3 (3.5 * 8 / 7 = 4), or, when a 1024 x 2048 label
 * map is taken to the 129 x 257 feature grid for projection, row 64 and column 128. Of the
 * training crops, 321 -> 41 (Pascal, COCO-Stuff) and 513 -> 65 (Cityscapes) have no tie; an even
 * side over an odd number of cells ties at the middle cell, so ADE20K's 512 -> 65 has one middle
 * row and column (32.5 * 512 / 65 = 256), as has the scenes preset's 96 -> 13. This project keeps its exact
 * rule: it is the same in training, projection, pruning and evaluation, and at a tie both pixels
 * are equally near the cell's centre.
 */
public final class LabelDownsampler {
    private LabelDownsampler() {
    }

    /** The source index of output position {@code o} on an axis {@code in -> out}. */
    public static int source(int o, int in, int out) {
        return Math.min(in - 1, (int) Math.floor((o + 0.5) * in / out));
    }

    /** Downsamples one {@code width x height} label map to {@code outWidth x outHeight}. */
    public static int[] downsample(int[] labels, int width, int height, int outWidth, int outHeight) {
        if (labels.length != width * height) {
            throw new IllegalArgumentException("label map has " + labels.length + " values, not " + width + "x" + height);
        }
        int[] out = new int[outWidth * outHeight];
        int[] xs = new int[outWidth];
        for (int x = 0; x < outWidth; x++) {
            xs[x] = source(x, width, outWidth);
        }
        for (int y = 0; y < outHeight; y++) {
            int row = source(y, height, outHeight) * width;
            for (int x = 0; x < outWidth; x++) {
                out[y * outWidth + x] = labels[row + xs[x]];
            }
        }
        return out;
    }
}
