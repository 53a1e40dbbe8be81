package io.scaleprotoseg.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.Images;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No train/serve skew: the trainer's reading of an image file gives the very tensor the SDK feeds
 * the model for that file, for every kind of image, and both follow the documented rules.
 */
class TrainServeImageTest {
    private static final int W = 7;
    private static final int H = 5;

    @TempDir
    Path dir;

    /** A sample value per (x, y, band) that varies over the image, within {@code bits}. */
    private static int sample(int x, int y, int band, int bits) {
        long max = (1L << bits) - 1;
        return (int) ((x * 37L + y * 101L + band * 53L) * (max / 255) % (max + 1));
    }

    private static BufferedImage component(ColorSpace cs, int bands, boolean alpha, int transfer) {
        ComponentColorModel cm = new ComponentColorModel(cs, alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, transfer);
        WritableRaster r = cm.createCompatibleWritableRaster(W, H);
        int bits = cm.getComponentSize(0);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int b = 0; b < bands + (alpha ? 1 : 0); b++) {
                    r.setSample(x, y, b, b == bands ? (x * 40) % 256 : sample(x, y, b, bits));
                }
            }
        }
        return new BufferedImage(cm, r, false, null);
    }

    private static BufferedImage indexed() {
        byte[] red = new byte[16];
        byte[] green = new byte[16];
        byte[] blue = new byte[16];
        for (int i = 0; i < 16; i++) {
            red[i] = (byte) (i * 16);
            green[i] = (byte) (255 - i * 9);
            blue[i] = (byte) (i * 5);
        }
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 16, red, green, blue));
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img.getRaster().setSample(x, y, 0, (x + 3 * y) % 16);
            }
        }
        return img;
    }

    /** The tensor the rules give: {@code value(x, y, c)} / max, channel-major. */
    private static float[] expected(IntUnaryOperator valueAt, float max) {
        float[] out = new float[3 * W * H];
        for (int i = 0; i < out.length; i++) {
            out[i] = valueAt.applyAsInt(i) / max;
        }
        return out;
    }

    private static int x(int i) {
        return i % (W * H) % W;
    }

    private static int y(int i) {
        return i % (W * H) / W;
    }

    private static int c(int i) {
        return i / (W * H);
    }

    @Test
    void everyKindOfImageFileGivesTheSameTensorInTrainingAndServing() throws Exception {
        ColorSpace srgb = ColorSpace.getInstance(ColorSpace.CS_sRGB);
        ColorSpace grey = ColorSpace.getInstance(ColorSpace.CS_GRAY);
        BufferedImage rgb8 = component(srgb, 3, false, DataBuffer.TYPE_BYTE);
        BufferedImage rgba8 = component(srgb, 3, true, DataBuffer.TYPE_BYTE);
        BufferedImage rgb16 = component(srgb, 3, false, DataBuffer.TYPE_USHORT);
        BufferedImage grey8 = component(grey, 1, false, DataBuffer.TYPE_BYTE);
        BufferedImage grey16 = component(grey, 1, false, DataBuffer.TYPE_USHORT);
        BufferedImage greyAlpha = component(grey, 1, true, DataBuffer.TYPE_BYTE);
        BufferedImage palette = indexed();
        Map<String, float[]> rules = Map.of(
                "rgb8", expected(i -> sample(x(i), y(i), c(i), 8), 255f),
                "rgba8", expected(i -> sample(x(i), y(i), c(i), 8), 255f),
                "rgb16", expected(i -> sample(x(i), y(i), c(i), 16), 65535f),
                "grey8", expected(i -> sample(x(i), y(i), 0, 8), 255f),
                "grey16", expected(i -> sample(x(i), y(i), 0, 16), 65535f),
                "greyAlpha", expected(i -> sample(x(i), y(i), 0, 8), 255f),
                "palette", expected(i -> (palette.getRGB(x(i), y(i)) >> (16 - 8 * c(i))) & 0xff, 255f));
        Map<String, BufferedImage> images = Map.of("rgb8", rgb8, "rgba8", rgba8, "rgb16", rgb16, "grey8", grey8,
                "grey16", grey16, "greyAlpha", greyAlpha, "palette", palette);
        for (Map.Entry<String, BufferedImage> e : images.entrySet()) {
            Path file = dir.resolve(e.getKey() + ".png");
            ImageFiles.write(e.getValue(), "png", file);
            float[] training = ImageFiles.readRgb(file).chw();
            float[] serving = Images.toRgbChw(Images.read(file, 1_000_000));
            assertArrayEquals(serving, training, e.getKey() + ": the same numbers in training and serving");
            assertArrayEquals(rules.get(e.getKey()), training, e.getKey() + ": stored samples / (2^bits - 1)");
        }
        // a lossy file: whatever the decoder gives, both sides agree
        Path jpeg = dir.resolve("photo.jpg");
        ImageFiles.write(component(srgb, 3, false, DataBuffer.TYPE_BYTE), "jpg", jpeg);
        assertArrayEquals(Images.toRgbChw(Images.read(jpeg, 1_000_000)), ImageFiles.readRgb(jpeg).chw());
    }

    @Test
    void anImageWithAnotherColourProfileIsTakenAsStoredOnBothSides() {
        // linear RGB (an ICC colour space that is not sRGB): the samples, not a colour-managed conversion
        BufferedImage linear = component(ColorSpace.getInstance(ColorSpace.CS_LINEAR_RGB), 3, false, DataBuffer.TYPE_BYTE);
        float[] serving = Images.toRgbChw(linear);
        assertArrayEquals(serving, ImageFiles.toRgb(linear).chw());
        assertArrayEquals(expected(i -> sample(x(i), y(i), c(i), 8), 255f), serving);
        int managed = (linear.getRGB(3, 2) >> 16) & 0xff;
        assertTrue(sample(3, 2, 0, 8) != managed, "getRGB would have converted the colour");
    }

    @Test
    void eightBitValuesAreTheExactQuotientNotAProductWithTheInverse() {
        BufferedImage img = new BufferedImage(256, 1, BufferedImage.TYPE_INT_RGB);
        for (int v = 0; v < 256; v++) {
            img.setRGB(v, 0, v << 16 | v << 8 | v);
        }
        float[] chw = Images.toRgbChw(img);
        int differ = 0;
        for (int v = 0; v < 256; v++) {
            assertEquals(v / 255f, chw[v], "value " + v);
            if (v / 255f != v * (1f / 255f)) {
                differ++;
            }
        }
        // where the two roundings part (the reference divides)
        assertTrue(differ > 0, "the test distinguishes the two");
    }
}
