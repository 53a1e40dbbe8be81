package io.scaleprotoseg.sdk;

import io.scaleprotoseg.sdk.internal.ImageInput;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

/**
 * Image decoding and conversion with the SDK's rules, for applications that need the pixels as
 * well as the segmentation (overlays, reports): exactly what {@link Segmenter#segment(Path)}
 * accepts, rejects and feeds the model. The trainer converts training images with the same
 * {@link #toRgbChw}, so a model sees the same numbers for the same file in training and in service.
 *
 * <p>Stateless and thread-safe.
 */
public final class Images {
    private Images() {
    }

    /**
     * Decodes an image file (PNG, JPEG, BMP, TIFF, GIF; the first page of a multi-page file). The
     * size is checked against {@code maxPixels} from the header before any pixel is decoded, and a
     * decoder warning (a truncated JPEG, for instance) is an error.
     *
     * @throws InvalidImageException naming the file: missing, unknown format, truncated, corrupt,
     *     empty or over the limit
     */
    public static BufferedImage read(Path file, long maxPixels) throws InvalidImageException {
        return ImageInput.read(file, maxPixels);
    }

    /**
     * The image as the model's input: float RGB in 0..1, channel-major ({@code chw[c * h * w + y * w
     * + x]}), a new array. The rules:
     * <ul>
     *   <li>a stored sample v of b bits becomes v / (2^b - 1), computed as a float division
     *       (8 bits: v / 255, exactly as the reference code's tensor conversion); 16-bit samples
     *       keep their precision;
     *   <li>grey images (with or without alpha) are replicated into the three channels, as stored:
     *       no gamma conversion ({@link BufferedImage#getRGB} would apply the linear-grey one);
     *   <li>RGB images are taken as stored whatever their colour space: an embedded ICC profile
     *       (Adobe RGB, Display P3, ...) is not applied, as PIL and torchvision do not apply it;
     *   <li>palette images give their palette colours; packed, premultiplied and non-RGB images
     *       (CMYK, YCbCr) go through their colour model to 8-bit sRGB;
     *   <li>alpha is ignored, not composited.
     * </ul>
     */
    public static float[] toRgbChw(BufferedImage image) {
        return ImageInput.toChw(image);
    }
}
