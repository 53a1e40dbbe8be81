package io.scaleprotoseg.sdk.internal;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.InvalidImageException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image files with the SDK's checks and turns images into the graph's input form: float
 * RGB in 0..1, channel-major (CHW). The rules of the conversion are documented on the public
 * {@link io.scaleprotoseg.sdk.Images#toRgbChw}.
 */
public final class ImageInput {
    private ImageInput() {
    }

    /**
     * Decodes an image file (PNG, JPEG, BMP, TIFF, GIF; first page of a multi-page file), checking
     * its size against {@code maxPixels} from the header, before any pixel is decoded. Decoder
     * warnings (a truncated JPEG, for instance) are errors: a partly decoded image is never
     * segmented.
     *
     * @throws InvalidImageException naming the file: missing, unknown format, truncated, corrupt,
     *     empty or over the limit
     */
    public static BufferedImage read(Path path, long maxPixels) throws InvalidImageException {
        if (!Files.isRegularFile(path)) {
            throw new InvalidImageException(ErrorCode.UNREADABLE_IMAGE, "image file " + path + " does not exist or is not a regular file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
            return decode(in, path.toString(), maxPixels);
        } catch (IOException | RuntimeException e) {
            throw new InvalidImageException(ErrorCode.UNREADABLE_IMAGE, "image file " + path
                    + " is truncated or corrupt and cannot be decoded (" + e + ")", e);
        }
    }

    /**
     * Decodes the bytes of an image file (read from any file system) by the rules of
     * {@link #read(Path, long)}, so that a file gives the same pixels whichever way it arrives;
     * {@code name} names the file in messages.
     *
     * @throws InvalidImageException naming the file: unknown format, truncated, corrupt, empty or
     *     over the limit
     */
    public static BufferedImage read(byte[] data, String name, long maxPixels) throws InvalidImageException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            return decode(in, name, maxPixels);
        } catch (IOException | RuntimeException e) {
            throw new InvalidImageException(ErrorCode.UNREADABLE_IMAGE, "image file " + name
                    + " is truncated or corrupt and cannot be decoded (" + e + ")", e);
        }
    }

    private static BufferedImage decode(ImageInputStream in, String name, long maxPixels)
            throws InvalidImageException, IOException {
        if (in == null) {
            throw new InvalidImageException(ErrorCode.UNREADABLE_IMAGE, "image file " + name + " cannot be opened");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new InvalidImageException(ErrorCode.UNREADABLE_IMAGE, "image file " + name
                    + " is not in a format this SDK decodes (PNG, JPEG, BMP, TIFF, GIF)");
        }
        ImageReader reader = readers.next();
        try {
            reader.setInput(in, true, true);
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            checkSize(name, w, h, maxPixels);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage img = reader.read(0);
            if (!warnings.isEmpty()) {
                throw new InvalidImageException(ErrorCode.UNREADABLE_IMAGE, "image file " + name
                        + " is truncated or corrupt (decoder: " + String.join("; ", warnings) + ")");
            }
            return img;
        } finally {
            reader.dispose();
        }
    }

    /** Rejects empty images and images over the pixel limit. */
    public static void checkSize(String what, int width, int height, long maxPixels) throws InvalidImageException {
        if (width <= 0 || height <= 0) {
            throw new InvalidImageException(ErrorCode.EMPTY_IMAGE, what + " has no pixels (" + width + "x" + height + ")");
        }
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new InvalidImageException(ErrorCode.IMAGE_TOO_LARGE, what + " has " + width + "x" + height + " = " + pixels
                    + " pixels, over the limit of " + maxPixels + "; downscale it or raise Segmenter.Builder.maxPixels");
        }
    }

    /** {@code BYTE_TO_UNIT[v] = v / 255f}: the exact quotient (not v * (1/255f)), looked up. */
    private static final float[] BYTE_TO_UNIT = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            BYTE_TO_UNIT[v] = v / 255f;
        }
    }

    /**
     * The image as float CHW RGB in 0..1 (a new array of 3*w*h), by the rules of
     * {@link io.scaleprotoseg.sdk.Images#toRgbChw}: training and serving both call this.
     */
    public static float[] toChw(BufferedImage img) {
        return toChw(img, null);
    }

    /**
     * As {@link #toChw(BufferedImage)}, into {@code reuse} when it has exactly 3*w*h values (every
     * value is overwritten), else into a new array; returns the array written.
     */
    public static float[] toChw(BufferedImage img, float[] reuse) {
        int w = img.getWidth();
        int h = img.getHeight();
        int plane = w * h;
        float[] out = reuse != null && reuse.length == 3 * plane ? reuse : new float[3 * plane];
        Raster raster = img.getRaster();
        switch (img.getType()) {
            case BufferedImage.TYPE_3BYTE_BGR:
            case BufferedImage.TYPE_4BYTE_ABGR: {
                if (raster.getDataBuffer() instanceof DataBufferByte && isPlainRaster(raster)) {
                    byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
                    int step = img.getType() == BufferedImage.TYPE_3BYTE_BGR ? 3 : 4;
                    int first = step == 3 ? 0 : 1;
                    for (int i = 0, p = first; i < plane; i++, p += step) {
                        out[i] = BYTE_TO_UNIT[data[p + 2] & 0xff];
                        out[plane + i] = BYTE_TO_UNIT[data[p + 1] & 0xff];
                        out[2 * plane + i] = BYTE_TO_UNIT[data[p] & 0xff];
                    }
                    return out;
                }
                break;
            }
            case BufferedImage.TYPE_INT_RGB:
            case BufferedImage.TYPE_INT_ARGB: {
                if (raster.getDataBuffer() instanceof DataBufferInt && isPlainRaster(raster)) {
                    int[] data = ((DataBufferInt) raster.getDataBuffer()).getData();
                    for (int i = 0; i < plane; i++) {
                        int v = data[i];
                        out[i] = BYTE_TO_UNIT[(v >> 16) & 0xff];
                        out[plane + i] = BYTE_TO_UNIT[(v >> 8) & 0xff];
                        out[2 * plane + i] = BYTE_TO_UNIT[v & 0xff];
                    }
                    return out;
                }
                break;
            }
            default:
                break;
        }
        if (img.getColorModel() instanceof ComponentColorModel cm && !img.isAlphaPremultiplied()
                && raster.getTransferType() != DataBuffer.TYPE_FLOAT && raster.getTransferType() != DataBuffer.TYPE_DOUBLE) {
            int colorBands = cm.getNumColorComponents();
            int type = cm.getColorSpace().getType();
            boolean gray = type == ColorSpace.TYPE_GRAY && colorBands == 1;
            // any RGB space, sRGB or an embedded profile: the stored samples, no colour conversion
            boolean rgb = type == ColorSpace.TYPE_RGB && colorBands == 3;
            if (gray || rgb) {
                int[] row = new int[w];
                for (int c = 0; c < 3; c++) {
                    int band = gray ? 0 : c;
                    int bits = cm.getComponentSize(band);
                    float max = (float) ((1L << bits) - 1);
                    for (int y = 0; y < h; y++) {
                        raster.getSamples(0, y, w, 1, band, row);
                        int base = c * plane + y * w;
                        if (bits == 8) {
                            for (int x = 0; x < w; x++) {
                                out[base + x] = BYTE_TO_UNIT[row[x]];
                            }
                        } else {
                            for (int x = 0; x < w; x++) {
                                out[base + x] = row[x] / max;
                            }
                        }
                    }
                }
                return out;
            }
        }
        // indexed (the palette's colour), packed, premultiplied and non-RGB images: through the
        // colour model to 8-bit sRGB
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, argb, 0, w);
            int base = y * w;
            for (int x = 0; x < w; x++) {
                int v = argb[x];
                out[base + x] = BYTE_TO_UNIT[(v >> 16) & 0xff];
                out[plane + base + x] = BYTE_TO_UNIT[(v >> 8) & 0xff];
                out[2 * plane + base + x] = BYTE_TO_UNIT[v & 0xff];
            }
        }
        return out;
    }

    /**
     * The {@code w x h} region at ({@code x0}, {@code y0}) of {@code img} as CHW into {@code out} (3*w*h
     * values), by the same rules as {@link #toChw(BufferedImage)}: 8-bit BGR and RGB images are read
     * straight from their buffer, others through a sub-image.
     */
    public static void toChwRegion(BufferedImage img, int x0, int y0, int w, int h, float[] out) {
        Raster raster = img.getRaster();
        int plane = w * h;
        int iw = img.getWidth();
        if (isPlainRaster(raster) && (img.getType() == BufferedImage.TYPE_3BYTE_BGR
                || img.getType() == BufferedImage.TYPE_4BYTE_ABGR) && raster.getDataBuffer() instanceof DataBufferByte d) {
            byte[] data = d.getData();
            int step = img.getType() == BufferedImage.TYPE_3BYTE_BGR ? 3 : 4;
            int first = step == 3 ? 0 : 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0, i = y * w, p = ((y0 + y) * iw + x0) * step + first; x < w; x++, i++, p += step) {
                    out[i] = BYTE_TO_UNIT[data[p + 2] & 0xff];
                    out[plane + i] = BYTE_TO_UNIT[data[p + 1] & 0xff];
                    out[2 * plane + i] = BYTE_TO_UNIT[data[p] & 0xff];
                }
            }
            return;
        }
        if (isPlainRaster(raster) && (img.getType() == BufferedImage.TYPE_INT_RGB
                || img.getType() == BufferedImage.TYPE_INT_ARGB) && raster.getDataBuffer() instanceof DataBufferInt d) {
            int[] data = d.getData();
            for (int y = 0; y < h; y++) {
                for (int x = 0, i = y * w, p = (y0 + y) * iw + x0; x < w; x++, i++, p++) {
                    int v = data[p];
                    out[i] = BYTE_TO_UNIT[(v >> 16) & 0xff];
                    out[plane + i] = BYTE_TO_UNIT[(v >> 8) & 0xff];
                    out[2 * plane + i] = BYTE_TO_UNIT[v & 0xff];
                }
            }
            return;
        }
        toChw(img.getSubimage(x0, y0, w, h), out);
    }

    /**
     * Row {@code y} of the image as packed sRGB ({@code 0xRRGGBB}, the alpha byte unspecified), as
     * {@code getRGB} gives it: read directly for 8-bit BGR and RGB images, through the colour model
     * otherwise.
     */
    public static void rgbRow(BufferedImage img, int y, int[] row) {
        int w = img.getWidth();
        Raster raster = img.getRaster();
        if (isPlainRaster(raster)) {
            if (img.getType() == BufferedImage.TYPE_3BYTE_BGR && raster.getDataBuffer() instanceof DataBufferByte d) {
                byte[] data = d.getData();
                for (int x = 0, p = 3 * y * w; x < w; x++, p += 3) {
                    row[x] = (data[p + 2] & 0xff) << 16 | (data[p + 1] & 0xff) << 8 | (data[p] & 0xff);
                }
                return;
            }
            if ((img.getType() == BufferedImage.TYPE_INT_RGB || img.getType() == BufferedImage.TYPE_INT_ARGB)
                    && raster.getDataBuffer() instanceof DataBufferInt d) {
                System.arraycopy(d.getData(), y * w, row, 0, w);
                return;
            }
        }
        img.getRGB(0, y, w, 1, row, 0, w);
    }

    /** True when the raster is the whole, unshared buffer (no sub-image offsets). */
    private static boolean isPlainRaster(Raster r) {
        return r.getSampleModelTranslateX() == 0 && r.getSampleModelTranslateY() == 0
                && r.getDataBuffer().getNumBanks() == 1 && r.getDataBuffer().getOffset() == 0
                && r.getParent() == null;
    }
}
