package io.scaleprotoseg.runtime.trt;

import java.util.Locale;

/**
 * The TensorRT optimisation profile of the graph input {@code pixels} [N, 3, H, W]: the smallest,
 * the tuned-for and the largest batch and image size an engine accepts. Images outside it cannot
 * run on that engine; batches larger than {@code max.n()} are split.
 *
 * @param min the smallest shape (batch always 1, so that single images run)
 * @param opt the shape TensorRT tunes its kernels for
 * @param max the largest shape; device memory is reserved for it in every execution context
 */
public record ShapeProfile(Shape min, Shape opt, Shape max) {
    /** Smallest accepted image side: the models' output stride. */
    public static final int MIN_SIDE = 8;
    /** Largest accepted image side (the SDK's default pixel limit is 4096 x 4096). */
    public static final int MAX_SIDE = 8192;
    /** Largest accepted batch. */
    public static final int MAX_BATCH = 64;

    /** Default smallest shape: one 32 x 32 image. */
    public static final Shape DEFAULT_MIN = new Shape(1, 32, 32);
    /** Default tuning shape: one 513 x 513 image (the DeepLab / ProtoSeg evaluation crop). */
    public static final Shape DEFAULT_OPT = new Shape(1, 513, 513);
    /** Default largest shape: one 2048 x 2048 image (a 1024 x 2048 Cityscapes frame either way up). */
    public static final Shape DEFAULT_MAX = new Shape(1, 2048, 2048);

    /** The default profile. */
    public static final ShapeProfile DEFAULT = new ShapeProfile(DEFAULT_MIN, DEFAULT_OPT, DEFAULT_MAX);

    /** One input shape [n, 3, h, w]. */
    public record Shape(int n, int h, int w) {
        /** {@code NxCxHxW}, e.g. {@code 1x3x513x513} (the spelling of the options and of trtexec). */
        public String text() {
            return n + "x3x" + h + "x" + w;
        }

        /** The four dimensions as longs. */
        public long[] dims() {
            return new long[] {n, 3, h, w};
        }

        /** True when every dimension is at most the other's. */
        boolean fitsIn(Shape o) {
            return n <= o.n && h <= o.h && w <= o.w;
        }

        /** The element-wise minimum. */
        Shape min(Shape o) {
            return new Shape(Math.min(n, o.n), Math.min(h, o.h), Math.min(w, o.w));
        }

        /** The element-wise maximum. */
        Shape max(Shape o) {
            return new Shape(Math.max(n, o.n), Math.max(h, o.h), Math.max(w, o.w));
        }

        @Override
        public String toString() {
            return text();
        }

        /**
         * Parses {@code NxCxHxW} with C = 3 (separators {@code x} or {@code ,}; spaces ignored).
         *
         * @param option the option the text came from, named in the message
         * @throws IllegalArgumentException naming the option when the text is malformed or out of range
         */
        public static Shape parse(String text, String option) {
            String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT).replace(" ", "");
            String[] parts = t.split("[x,]", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException(option + "='" + text + "' is not a shape; write NxCxHxW with C = 3, "
                        + "e.g. 1x3x513x513");
            }
            int[] v = new int[4];
            for (int i = 0; i < 4; i++) {
                try {
                    v[i] = Integer.parseInt(parts[i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(option + "='" + text + "': '" + parts[i]
                            + "' is not a whole number; write NxCxHxW, e.g. 1x3x513x513", e);
                }
            }
            if (v[1] != 3) {
                throw new IllegalArgumentException(option + "='" + text + "': the channel dimension must be 3 (RGB), got "
                        + v[1]);
            }
            if (v[0] < 1 || v[0] > MAX_BATCH) {
                throw new IllegalArgumentException(option + "='" + text + "': the batch must be 1.." + MAX_BATCH + ", got "
                        + v[0]);
            }
            for (int i = 2; i < 4; i++) {
                if (v[i] < MIN_SIDE || v[i] > MAX_SIDE) {
                    throw new IllegalArgumentException(option + "='" + text + "': " + (i == 2 ? "the height" : "the width")
                            + " must be " + MIN_SIDE + ".." + MAX_SIDE + ", got " + v[i]);
                }
            }
            return new Shape(v[0], v[2], v[3]);
        }
    }

    public ShapeProfile {
        if (!min.fitsIn(opt) || !opt.fitsIn(max)) {
            throw new IllegalArgumentException("optimisation profile must satisfy min <= opt <= max in every dimension, got min "
                    + min.text() + ", opt " + opt.text() + ", max " + max.text());
        }
    }

    /**
     * The profile from the three option values, any of which may be null. Missing shapes are
     * derived from the given ones and the defaults: a missing min is the default min shrunk into
     * what is given; a missing max is the default max grown to cover what is given; a missing opt
     * is the default opt clamped into [min, max].
     *
     * @throws IllegalArgumentException naming the offending option(s)
     */
    public static ShapeProfile derive(String minText, String optText, String maxText,
            String minOption, String optOption, String maxOption) {
        Shape min = minText == null ? null : Shape.parse(minText, minOption);
        Shape opt = optText == null ? null : Shape.parse(optText, optOption);
        Shape max = maxText == null ? null : Shape.parse(maxText, maxOption);
        if (min != null && min.n != 1) {
            throw new IllegalArgumentException(minOption + "='" + minText + "': the smallest batch must be 1 so that "
                    + "single images can run");
        }
        Shape given = opt != null ? opt : max;
        if (max == null) {
            max = DEFAULT_MAX.max(opt != null ? opt : DEFAULT_MIN).max(min != null ? min : DEFAULT_MIN);
        }
        if (min == null) {
            min = DEFAULT_MIN.min(given != null ? given : DEFAULT_MIN);
        }
        if (opt == null) {
            opt = DEFAULT_OPT.max(min).min(max);
        }
        if (!min.fitsIn(max)) {
            throw new IllegalArgumentException(minOption + "=" + min.text() + " exceeds " + maxOption + "=" + max.text()
                    + " in some dimension; the smallest shape must fit in the largest");
        }
        if (!min.fitsIn(opt) || !opt.fitsIn(max)) {
            throw new IllegalArgumentException(optOption + "=" + opt.text() + " must lie between " + minOption + "="
                    + min.text() + " and " + maxOption + "=" + max.text() + " in every dimension");
        }
        return new ShapeProfile(min, opt, max);
    }

    /** True when an image of {@code h x w} fits the profile (any batch fits: larger ones are split). */
    public boolean admits(int h, int w) {
        return h >= min.h && h <= max.h && w >= min.w && w <= max.w;
    }

    /** {@code min 1x3x32x32, opt 1x3x513x513, max 1x3x2048x2048}. */
    public String describe() {
        return "min " + min.text() + ", opt " + opt.text() + ", max " + max.text();
    }
}
