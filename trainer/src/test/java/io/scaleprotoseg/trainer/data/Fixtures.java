package io.scaleprotoseg.trainer.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Writers for the tiny on-disk fixtures the reader tests lay out like the real data sets. */
final class Fixtures {
    static final int W = 16;
    static final int H = 12;

    private Fixtures() {
    }

    /** A deterministic colour image with channel values k/255. */
    static BufferedImage colourImage(int w, int h, int salt) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 13 + salt * 7) & 0xff;
                int g = (y * 17 + salt * 3) & 0xff;
                int b = (x * y + salt) & 0xff;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    static void png(Path file, BufferedImage img) throws IOException {
        ImageFiles.write(img, "png", file);
    }

    static void jpg(Path file, int w, int h, int salt) throws IOException {
        ImageFiles.write(colourImage(w, h, salt), "jpg", file);
    }

    static void rgbPng(Path file, int w, int h, int salt) throws IOException {
        png(file, colourImage(w, h, salt));
    }

    /** A grey label PNG, every pixel {@code fill}, with the listed (x, y, value) triples set. */
    static int[] labels(int w, int h, int fill, int... xyv) {
        int[] v = new int[w * h];
        Arrays.fill(v, fill);
        for (int i = 0; i < xyv.length; i += 3) {
            v[xyv[i + 1] * w + xyv[i]] = xyv[i + 2];
        }
        return v;
    }

    static void greyPng(Path file, int[] values, int w, int h) throws IOException {
        ImageFiles.writeValuesPng(file, values, w, h);
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text);
    }

    /** A multi-page TIFF. */
    static void tiff(Path file, List<BufferedImage> pages) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageWriter writer = ImageIO.getImageWritersByFormatName("tiff").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (BufferedImage p : pages) {
                writer.writeToSequence(new IIOImage(p, null, null), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
    }

    static BufferedImage grey(int w, int h, int[] values) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSamples(0, 0, w, h, 0, values);
        return img;
    }
}
