package io.scaleprotoseg.sdk;

import java.util.Locale;

/**
 * How an image is sized before it enters the network. Whatever the policy, every result
 * ({@link Segmentation#mask()}, scores, heat maps, explanations) is in the coordinates of the
 * <em>original</em> image: when the network input differs from the image, the class scores are
 * upsampled from the feature grid straight to the image size (bilinear, half-pixel centres) and
 * the mask is their argmax.
 *
 * <p>Resizing is bilinear with half-pixel centres and no antialiasing, the same interpolation the
 * trainer uses for its multi-scale inputs. Instances are immutable.
 */
public final class InputSizing {
    private enum Mode { KEEP, FIXED, SHORTER_SIDE }

    private final Mode mode;
    private final int width;
    private final int height;

    private InputSizing(Mode mode, int width, int height) {
        this.mode = mode;
        this.width = width;
        this.height = height;
    }

    /** Run the network at the image's own size (the default). */
    public static InputSizing keep() {
        return new InputSizing(Mode.KEEP, 0, 0);
    }

    /** Resize every image to exactly {@code width x height}. */
    public static InputSizing fixed(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("fixed input size must be positive, got " + width + "x" + height);
        }
        return new InputSizing(Mode.FIXED, width, height);
    }

    /** Resize so that the shorter side is {@code side} pixels, keeping the aspect ratio. */
    public static InputSizing shorterSide(int side) {
        if (side < 1) {
            throw new IllegalArgumentException("shorter side must be positive, got " + side);
        }
        return new InputSizing(Mode.SHORTER_SIDE, side, side);
    }

    /** Parses {@code keep}, {@code WxH} or a single number (shorter side). */
    public static InputSizing parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.equals("keep")) {
                return keep();
            }
            int x = t.indexOf('x');
            if (x > 0) {
                return fixed(Integer.parseInt(t.substring(0, x)), Integer.parseInt(t.substring(x + 1)));
            }
            return shorterSide(Integer.parseInt(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("input size '" + text
                    + "' is not 'keep', WIDTHxHEIGHT or a shorter-side length", e);
        }
    }

    /** The network input size for an image of {@code w x h}, as {width, height}. */
    public int[] networkSize(int w, int h) {
        switch (mode) {
            case FIXED:
                return new int[] {width, height};
            case SHORTER_SIDE: {
                double s = (double) width / Math.min(w, h);
                return new int[] {Math.max(1, (int) Math.round(w * s)), Math.max(1, (int) Math.round(h * s))};
            }
            default:
                return new int[] {w, h};
        }
    }

    /** True when images are not resized. */
    public boolean isKeep() {
        return mode == Mode.KEEP;
    }

    @Override
    public String toString() {
        switch (mode) {
            case FIXED:
                return width + "x" + height;
            case SHORTER_SIDE:
                return "shorter side " + width;
            default:
                return "keep";
        }
    }
}
