package io.scaleprotoseg.trainer.data;

import java.util.SplittableRandom;

/**
 * The training augmentation of METHOD.md 3: random scale, pad bottom/right, random crop,
 * horizontal flip. Images are resampled bilinearly (align_corners false), labels and parts by
 * centre-aligned nearest sampling ({@code src = floor((x + 0.5) * in / out)}, never blending ids).
 * Padding: the image with the ImageNet mean colour (in 0..1 space, i.e. zero after normalisation),
 * labels with the void label, parts with 0. Samples stay RGB 0..1; the model normalises.
 *
 * <p>Deterministic given the {@link SplittableRandom}: {@link #apply} draws, in this order, the scale
 * ({@code nextDouble}), the crop's x and y ({@code nextInt}) and the flip ({@code nextDouble}), always
 * all four, so a stream of samples stays aligned whatever the outcomes. The scale, pad and crop are
 * fused into one resampling pass over the output pixels, so a 2048x1024 image costs only the crop.
 * Immutable and thread-safe.
 */
public final class Augmentation {
    private final double minScale;
    private final double maxScale;
    private final int cropWidth;
    private final int cropHeight;
    private final double flipProbability;
    private final int ignoreLabel;

    /**
     * @param minScale smallest scale factor (> 0)
     * @param maxScale largest scale factor (>= minScale)
     * @param cropWidth output width
     * @param cropHeight output height
     * @param flipProbability probability of a horizontal flip
     * @param ignoreLabel the void label used to pad labels
     */
    public Augmentation(double minScale, double maxScale, int cropWidth, int cropHeight, double flipProbability,
            int ignoreLabel) {
        if (!(minScale > 0) || !(maxScale >= minScale)) {
            throw new IllegalArgumentException("scale range [" + minScale + ", " + maxScale + "] must satisfy 0 < min <= max");
        }
        if (cropWidth < 1 || cropHeight < 1) {
            throw new IllegalArgumentException("crop " + cropWidth + "x" + cropHeight + " must be positive");
        }
        if (!(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("flip probability " + flipProbability + " outside [0, 1]");
        }
        this.minScale = minScale;
        this.maxScale = maxScale;
        this.cropWidth = cropWidth;
        this.cropHeight = cropHeight;
        this.flipProbability = flipProbability;
        this.ignoreLabel = ignoreLabel;
    }

    /** The paper's pipeline: scale in [0.5, 1.5], square crop, flip p = 0.5. */
    public static Augmentation standard(int crop, int ignoreLabel) {
        return new Augmentation(0.5, 1.5, crop, crop, 0.5, ignoreLabel);
    }

    public double minScale() {
        return minScale;
    }

    public double maxScale() {
        return maxScale;
    }

    public int cropWidth() {
        return cropWidth;
    }

    public int cropHeight() {
        return cropHeight;
    }

    public double flipProbability() {
        return flipProbability;
    }

    public int ignoreLabel() {
        return ignoreLabel;
    }

    /** Returns an augmented copy of {@code s} of size cropWidth x cropHeight; {@code s} is not modified. */
    public Sample apply(Sample s, SplittableRandom rng) {
        double scale = minScale + (maxScale - minScale) * rng.nextDouble();
        int sw = Math.max(1, (int) Math.round(s.width() * scale));
        int sh = Math.max(1, (int) Math.round(s.height() * scale));
        int pw = Math.max(sw, cropWidth);
        int ph = Math.max(sh, cropHeight);
        int x0 = rng.nextInt(pw - cropWidth + 1);
        int y0 = rng.nextInt(ph - cropHeight + 1);
        boolean flip = rng.nextDouble() < flipProbability;
        return resample(s, sw, sh, x0, y0, cropWidth, cropHeight, flip, ignoreLabel);
    }

    /** Resizes a sample to w x h (bilinear image, nearest labels and parts). */
    public static Sample resize(Sample s, int w, int h) {
        return resample(s, w, h, 0, 0, w, h, false, 0);
    }

    /** Pads a sample at the bottom/right to at least w x h (mean colour, void labels, part 0). */
    public static Sample pad(Sample s, int w, int h, int ignoreLabel) {
        return resample(s, s.width(), s.height(), 0, 0, Math.max(w, s.width()), Math.max(h, s.height()), false, ignoreLabel);
    }

    /** Mirrors a sample horizontally. */
    public static Sample flip(Sample s) {
        return resample(s, s.width(), s.height(), 0, 0, s.width(), s.height(), true, 0);
    }

    /**
     * The fused operation: scale {@code s} to sw x sh, pad to cover the window, take the window
     * (x0, y0, ow, oh) of the padded image, optionally mirror it.
     */
    static Sample resample(Sample s, int sw, int sh, int x0, int y0, int ow, int oh, boolean flip, int ignoreLabel) {
        int w = s.width();
        int h = s.height();
        int n = w * h;
        int on = ow * oh;
        float[] img = new float[3 * on];
        int[] lab = new int[on];
        int[] parts = s.parts() == null ? null : new int[on];
        // per output column / row: source indices and weights, or -1 in the padding
        int[] cx0 = new int[ow];
        int[] cx1 = new int[ow];
        float[] cwx = new float[ow];
        int[] cnx = new int[ow];
        for (int ox = 0; ox < ow; ox++) {
            int sx = x0 + ox;
            if (sx >= sw) {
                cnx[ox] = -1;
                continue;
            }
            double fx = Math.max(0, Math.min(w - 1, (sx + 0.5) * w / sw - 0.5));
            cx0[ox] = (int) Math.floor(fx);
            cx1[ox] = Math.min(w - 1, cx0[ox] + 1);
            cwx[ox] = (float) (fx - cx0[ox]);
            cnx[ox] = Math.min(w - 1, (int) Math.floor((sx + 0.5) * w / sw));
        }
        float[] mean = Normalization.IMAGENET_MEAN;
        for (int oy = 0; oy < oh; oy++) {
            int sy = y0 + oy;
            boolean padRow = sy >= sh;
            int ry0 = 0;
            int ry1 = 0;
            float wy = 0;
            int ny = 0;
            if (!padRow) {
                double fy = Math.max(0, Math.min(h - 1, (sy + 0.5) * h / sh - 0.5));
                ry0 = (int) Math.floor(fy);
                ry1 = Math.min(h - 1, ry0 + 1);
                wy = (float) (fy - ry0);
                ny = Math.min(h - 1, (int) Math.floor((sy + 0.5) * h / sh));
            }
            for (int ox = 0; ox < ow; ox++) {
                int dx = flip ? ow - 1 - ox : ox;
                int o = oy * ow + dx;
                if (padRow || cnx[ox] < 0) {
                    img[o] = mean[0];
                    img[on + o] = mean[1];
                    img[2 * on + o] = mean[2];
                    lab[o] = ignoreLabel;
                    if (parts != null) {
                        parts[o] = 0;
                    }
                    continue;
                }
                int a = ry0 * w + cx0[ox];
                int b = ry0 * w + cx1[ox];
                int c = ry1 * w + cx0[ox];
                int d = ry1 * w + cx1[ox];
                float wx = cwx[ox];
                for (int ch = 0; ch < 3; ch++) {
                    float[] src = s.image();
                    int base = ch * n;
                    float top = src[base + a] + (src[base + b] - src[base + a]) * wx;
                    float bottom = src[base + c] + (src[base + d] - src[base + c]) * wx;
                    img[ch * on + o] = top + (bottom - top) * wy;
                }
                int src = ny * w + cnx[ox];
                lab[o] = s.labels()[src];
                if (parts != null) {
                    parts[o] = s.parts()[src];
                }
            }
        }
        return new Sample(s.id(), ow, oh, img, lab, parts);
    }

    @Override
    public String toString() {
        return "Augmentation[scale " + minScale + ".." + maxScale + ", crop " + cropWidth + "x" + cropHeight + ", flip "
                + flipProbability + ", void " + ignoreLabel + "]";
    }
}
