package io.scaleprotoseg.trainer.data;

/**
 * Per-channel mean/std normalisation of 0..1 RGB images, ImageNet statistics by default (METHOD.md 3).
 * The model applies it inside its graph, so samples stay 0..1 RGB; this helper is for code that needs
 * the normalised values outside the model (e.g. noise added "on the normalised input" in the
 * stability metric) and for the padding colour. Immutable.
 */
public final class Normalization {
    /** ImageNet channel means in 0..1 RGB. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet channel standard deviations in 0..1 RGB. */
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private static final Normalization IMAGENET = new Normalization(IMAGENET_MEAN, IMAGENET_STD);

    private final float[] mean;
    private final float[] std;

    public Normalization(float[] mean, float[] std) {
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 channels");
        }
        for (float v : std) {
            if (!(v > 0)) {
                throw new IllegalArgumentException("std " + v + " must be positive");
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** ImageNet mean and std. */
    public static Normalization imagenet() {
        return IMAGENET;
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    /** {@code (x - mean) / std} per channel of a CHW image, as a new array. */
    public float[] normalize(float[] chw) {
        float[] out = new float[chw.length];
        int n = plane(chw);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                out[c * n + i] = (chw[c * n + i] - mean[c]) / std[c];
            }
        }
        return out;
    }

    /** {@code x * std + mean} per channel, the inverse of {@link #normalize}, as a new array. */
    public float[] denormalize(float[] chw) {
        float[] out = new float[chw.length];
        int n = plane(chw);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                out[c * n + i] = chw[c * n + i] * std[c] + mean[c];
            }
        }
        return out;
    }

    private static int plane(float[] chw) {
        if (chw.length % 3 != 0) {
            throw new IllegalArgumentException("a CHW RGB image has 3 planes; got " + chw.length + " values");
        }
        return chw.length / 3;
    }
}
