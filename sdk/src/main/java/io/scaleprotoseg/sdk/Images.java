package io.scaleprotoseg.sdk;

import io.scaleprotoseg.sdk.internal.ImageInput;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.nio.file.Path;
import java.util.Locale;

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

    /**
     * Decodes the bytes of an image file by the rules of {@link #read(Path, long)} (what a
     * distributed job reads from HDFS, S3 or a local disk); {@code name} names the file in messages.
     * {@code Segmenter.segment(Images.read(bytes, name, max))} gives the result
     * {@link Segmenter#segment(Path)} gives for the same file.
     *
     * @throws InvalidImageException naming the file: unknown format, truncated, corrupt, empty or
     *     over the limit
     */
    public static BufferedImage read(byte[] data, String name, long maxPixels) throws InvalidImageException {
        return ImageInput.read(data, name, maxPixels);
    }

    /**
     * The raw values of a label image, row-major ({@code values[y * width + x]}).
     *
     * @param width the width in pixels
     * @param height the height in pixels
     * @param values one value per pixel: a class id or a void label, as stored
     */
    public record LabelValues(int width, int height, int[] values) {
    }

    /**
     * Decodes a label file's bytes: the project's one decoder of label images, used by the trainer's
     * data sets and by distributed evaluation alike. A label image has one channel: 8- or 16-bit
     * grey (the sample is the value) or a palette image (the palette index is the value, the colour
     * is ignored). Whether each value is a class id is for the caller, who knows the classes.
     *
     * @param name the file, for messages
     * @throws InvalidImageException naming the file when it holds JPEG data whatever its name (JPEG
     *     is lossy: its values are wrong along every class border), cannot be decoded, or has colour
     *     channels
     */
    public static LabelValues readLabels(byte[] data, String name) throws InvalidImageException {
        if (isJpeg(data)) {
            throw new InvalidImageException(ErrorCode.UNREADABLE_IMAGE, jpegLabelMessage("label " + name,
                    name.toLowerCase(Locale.ROOT).endsWith(".png")));
        }
        return labelValues(ImageInput.read(data, name, Long.MAX_VALUE), "label " + name);
    }

    /**
     * The values of a decoded label image (see {@link #readLabels}).
     *
     * @param what the file as messages name it ("label FILE")
     * @throws InvalidImageException when the image has more than one channel
     */
    public static LabelValues labelValues(BufferedImage image, String what) throws InvalidImageException {
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 1) {
            throw new InvalidImageException(ErrorCode.UNREADABLE_IMAGE, what + " has " + raster.getNumBands()
                    + " channels; expected a single-channel image of ids (8/16-bit grey or palette PNG), not a colour rendering");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        return new LabelValues(w, h, raster.getSamples(0, 0, w, h, 0, new int[w * h]));
    }

    /** Whether bytes start with the JPEG signature (FF D8 FF), whatever the file's name. */
    public static boolean isJpeg(byte[] head) {
        return head.length >= 3 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8 && (head[2] & 0xff) == 0xFF;
    }

    /**
     * The message for a label file that holds JPEG data.
     *
     * @param what the file as messages name it ("label FILE")
     * @param pngName whether the file's name ends in .png
     */
    public static String jpegLabelMessage(String what, boolean pngName) {
        return what + " holds JPEG data" + (pngName ? " under a .png name" : "")
                + ": JPEG is lossy, so its values are wrong along every class border and no longer ids; use the "
                + "original lossless PNG label files of the data set";
    }
}
