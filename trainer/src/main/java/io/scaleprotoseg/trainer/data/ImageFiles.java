package io.scaleprotoseg.trainer.data;

import io.scaleprotoseg.sdk.Images;
import io.scaleprotoseg.sdk.InvalidImageException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decoding and encoding of the image files data sets are made of, with {@link DatasetException}s
 * that name the file. Pure JDK (javax.imageio: PNG, JPEG, BMP, GIF, TIFF).
 *
 * <p>Colour images become float RGB in 0..1, channel-major, by the SDK's conversion
 * ({@link Images#toRgbChw}): training and serving see the same numbers for the same file. Label images must have one
 * channel: 8- or 16-bit grey (the sample is the value) or a palette image (the palette index is the
 * value, the colour is ignored).
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /** A decoded colour image: RGB in 0..1, {@code chw[c * h * w + y * w + x]}. */
    public record Rgb(int width, int height, float[] chw) { }

    /** A decoded single-channel label image, row-major raw values. */
    public record Values(int width, int height, int[] values) { }

    /**
     * Reads a colour or grey image as RGB in 0..1.
     *
     * @throws DatasetException naming the file when it is missing or cannot be decoded
     */
    public static Rgb readRgb(Path file) throws DatasetException {
        return toRgb(readImage(file, "image"));
    }

    /**
     * Converts a decoded image to RGB in 0..1 with the SDK's conversion ({@link Images#toRgbChw}),
     * the one a deployed model's inputs go through.
     */
    public static Rgb toRgb(BufferedImage img) {
        return new Rgb(img.getWidth(), img.getHeight(), Images.toRgbChw(img));
    }

    /**
     * Reads a single-channel label image (grey or palette PNG) as raw values.
     *
     * @param kind what the file is, for messages ("label", "mask", "part label")
     * @throws DatasetException naming the file when it is missing, undecodable, holds JPEG (lossy)
     *     data whatever its name, or has colour channels
     */
    public static Values readValues(Path file, String kind) throws DatasetException {
        if (isJpeg(file)) {
            // ImageIO decodes it whatever its name; its values are smeared at every class border
            throw new DatasetException(DatasetException.LOSSY_LABEL, Images.jpegLabelMessage(kind + " " + file,
                    file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")));
        }
        // the SDK's label decoder: distributed evaluation reads label files with the same rules
        try {
            Images.LabelValues v = Images.labelValues(readImage(file, kind), kind + " " + file);
            return new Values(v.width(), v.height(), v.values());
        } catch (InvalidImageException e) {
            throw new DatasetException(e.getMessage(), e);
        }
    }

    /** Whether a file starts with the JPEG signature (FF D8 FF), whatever its name. */
    static boolean isJpeg(Path file) throws DatasetException {
        byte[] head = new byte[3];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 3) < 3) {
                return false;
            }
        } catch (NoSuchFileException e) {
            return false; // reported by the decoder, which names the file
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return Images.isJpeg(head);
    }

    /**
     * Decodes an image file with the SDK's decoder ({@link Images#read}): the first page, and a
     * decoder warning (a truncated JPEG, for instance) is an error, so no half-decoded image is
     * trained on.
     *
     * @throws DatasetException naming the file
     */
    public static BufferedImage readImage(Path file, String kind) throws DatasetException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(kind + " " + file + " does not exist");
        }
        try {
            return Images.read(file, Long.MAX_VALUE);
        } catch (InvalidImageException e) {
            throw new DatasetException("cannot read " + kind + " " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes every page of a (multi-page) TIFF file.
     *
     * @throws DatasetException naming the file
     */
    public static List<BufferedImage> readPages(Path file, String kind) throws DatasetException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(kind + " " + file + " does not exist");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new DatasetException("cannot read " + kind + " " + file + ": no image stream");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new DatasetException("cannot read " + kind + " " + file + ": not a TIFF (or other known) image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, false, true);
                int pages = reader.getNumImages(true);
                List<BufferedImage> out = new ArrayList<>(pages);
                for (int i = 0; i < pages; i++) {
                    out.add(reader.read(i));
                }
                return out;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot read " + kind + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Quantises an RGB 0..1 image to 8 bits per channel (values outside 0..1 are clamped). */
    public static BufferedImage toBufferedImage(float[] chw, int width, int height) {
        int n = width * height;
        if (chw.length != 3 * n) {
            throw new IllegalArgumentException("image has " + chw.length + " values, expected 3*" + width + "*" + height);
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] argb = new int[n];
        for (int i = 0; i < n; i++) {
            argb[i] = (to8(chw[i]) << 16) | (to8(chw[n + i]) << 8) | to8(chw[2 * n + i]);
        }
        img.setRGB(0, 0, width, height, argb, 0, width);
        return img;
    }

    /** The 8-bit code of a 0..1 value (clamped, rounded). */
    public static int to8(float v) {
        return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    }

    /** Writes an RGB 0..1 image as an 8-bit RGB PNG, creating parent directories. */
    public static void writeRgbPng(Path file, float[] chw, int width, int height) throws IOException {
        write(toBufferedImage(chw, width, height), "png", file);
    }

    /**
     * Writes ids as a grey PNG: 8-bit when every value is at most 255, 16-bit otherwise.
     *
     * @throws IllegalArgumentException when a value is negative or above 65535
     */
    public static void writeValuesPng(Path file, int[] values, int width, int height) throws IOException {
        if (values.length != width * height) {
            throw new IllegalArgumentException("label has " + values.length + " values, expected " + width + "*" + height);
        }
        int max = 0;
        for (int v : values) {
            if (v < 0 || v > 65535) {
                throw new IllegalArgumentException("value " + v + " cannot be stored in a grey PNG (0..65535)");
            }
            max = Math.max(max, v);
        }
        BufferedImage img = new BufferedImage(width, height,
                max <= 255 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSamples(0, 0, width, height, 0, values);
        write(img, "png", file);
    }

    /**
     * Writes indices 0..255 as an 8-bit palette PNG (the layout of Pascal VOC's SegmentationClass).
     *
     * @param palette 256 colours as 0xRRGGBB
     */
    public static void writeIndexedPng(Path file, int[] indices, int width, int height, int[] palette) throws IOException {
        if (palette.length != 256) {
            throw new IllegalArgumentException("palette has " + palette.length + " colours, expected 256");
        }
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            r[i] = (byte) (palette[i] >> 16);
            g[i] = (byte) (palette[i] >> 8);
            b[i] = (byte) palette[i];
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(8, 256, r, g, b));
        WritableRaster raster = img.getRaster();
        for (int v : indices) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("index " + v + " outside 0..255");
            }
        }
        raster.setSamples(0, 0, width, height, 0, indices);
        write(img, "png", file);
    }

    /** Writes an image in a format ImageIO knows ("png", "jpg", "bmp", "tiff"), creating parent directories. */
    public static void write(BufferedImage img, String format, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no ImageIO writer for " + format + " (" + file + ")");
        }
    }
}
