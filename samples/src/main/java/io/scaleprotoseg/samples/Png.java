package io.scaleprotoseg.samples;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** PNG encoding, class-id masks and data URIs. */
public final class Png {
    private Png() {
    }

    /** The image as PNG bytes. */
    public static byte[] encode(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IllegalStateException("no PNG writer for image type " + image.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes the image as a PNG file. */
    public static void write(BufferedImage image, Path file) throws IOException {
        Files.write(file, encode(image));
    }

    /**
     * A {@code data:image/jpeg;base64,...} URI (quality 0.85): for photographs, overlays and heat
     * maps, which PNG stores several times larger; class masks and patches stay PNG.
     */
    public static String jpegDataUri(BufferedImage image) {
        BufferedImage rgb = image;
        if (image.getType() != BufferedImage.TYPE_INT_RGB && image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(image, 0, 0, null);
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.85f);
            writer.setOutput(out);
            writer.write(null, new IIOImage(rgb, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /** A {@code data:image/png;base64,...} URI for inline use in HTML. */
    public static String dataUri(BufferedImage image) {
        return dataUri(encode(image));
    }

    /** A data URI for PNG bytes. */
    public static String dataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    /**
     * A class-id mask as a grey image: 8-bit when every id fits below 255, 16-bit otherwise. 255
     * stays out of 8-bit masks because it is the usual void label ({@code ignoreLabel}) of label
     * images, so a model with more than 255 classes gets 16-bit masks.
     */
    public static BufferedImage maskImage(int[] mask, int width, int height, int numClasses) {
        if (mask.length != width * height) {
            throw new IllegalArgumentException("mask has " + mask.length + " values for a " + width + "x" + height + " image");
        }
        boolean wide = numClasses > 255;
        BufferedImage img = new BufferedImage(width, height, wide ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
        // the raster, not setRGB: grey colour models would gamma-convert the values
        img.getRaster().setPixels(0, 0, width, height, mask);
        return img;
    }
}
