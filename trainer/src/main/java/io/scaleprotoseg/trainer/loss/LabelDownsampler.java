package io.scaleprotoseg.trainer.loss;

/**
 * Labels to feature resolution by centre-aligned nearest sampling (METHOD.md 2): output cell x
 * takes input pixel floor((x + 0.5) * in / out). Done in Java on integers, never with an
 * interpolating (or antialiasing) resize, so no label value is ever mixed.
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
