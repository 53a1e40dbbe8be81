package io.scaleprotoseg.sdk.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.InvalidImageException;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every image type becomes RGB in 0..1, channel-major, with the values the pixels hold. */
class ImageInputTest {
    private static final int W = 5;
    private static final int H = 3;

    @TempDir
    Path dir;

    /** The pixel (x, y) of the reference pattern as 0xRRGGBB. */
    private static int pattern(int x, int y) {
        return ((x * 50) << 16) | ((y * 80) << 8) | (x * 20 + y * 30);
    }

    private static void assertPattern(float[] chw) {
        assertEquals(3 * W * H, chw.length);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int v = pattern(x, y);
                assertEquals(((v >> 16) & 0xff) / 255f, chw[y * W + x], 1e-6, "R at " + x + "," + y);
                assertEquals(((v >> 8) & 0xff) / 255f, chw[W * H + y * W + x], 1e-6, "G at " + x + "," + y);
                assertEquals((v & 0xff) / 255f, chw[2 * W * H + y * W + x], 1e-6, "B at " + x + "," + y);
            }
        }
    }

    private static BufferedImage patternImage(int type) {
        BufferedImage img = new BufferedImage(W, H, type);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img.setRGB(x, y, 0xff000000 | pattern(x, y));
            }
        }
        return img;
    }

    @ParameterizedTest
    @ValueSource(ints = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_INT_BGR,
        BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_4BYTE_ABGR_PRE})
    void colourImagesOfEveryLayoutGiveTheSameValues(int type) {
        assertPattern(ImageInput.toChw(patternImage(type)));
    }

    @Test
    void alphaIsIgnoredNotComposited() {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x10204080);
        assertArrayEquals(new float[] {0x20 / 255f, 0x40 / 255f, 0x80 / 255f}, ImageInput.toChw(img), 1e-6f);
    }

    @Test
    void greyImagesAreReplicatedAsStoredWithoutGamma() {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(0, 0, 0, 64);
        img.getRaster().setSample(1, 0, 0, 200);
        float[] chw = ImageInput.toChw(img);
        for (int c = 0; c < 3; c++) {
            assertEquals(64 / 255f, chw[c * 2], 1e-6, "getRGB would have brightened 64 to about 136");
            assertEquals(200 / 255f, chw[c * 2 + 1], 1e-6);
        }
    }

    @Test
    void sixteenBitGreyKeepsItsPrecision() {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSample(0, 0, 0, 1000);
        img.getRaster().setSample(1, 0, 0, 65535);
        float[] chw = ImageInput.toChw(img);
        assertEquals(1000 / 65535f, chw[0], 1e-7);
        assertEquals(1f, chw[1], 1e-7);
        assertEquals(chw[0], chw[4], 0f);
    }

    @Test
    void sixteenBitRgbKeepsItsPrecision() {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(1, 1);
        r.setPixel(0, 0, new int[] {300, 30000, 65535});
        float[] chw = ImageInput.toChw(new BufferedImage(cm, r, false, null));
        assertArrayEquals(new float[] {300 / 65535f, 30000 / 65535f, 1f}, chw, 1e-7f);
    }

    @Test
    void indexedImagesGoThroughTheirPalette() {
        IndexColorModel palette = new IndexColorModel(8, 2, new byte[] {10, (byte) 200}, new byte[] {20, 0},
                new byte[] {30, 100});
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
        img.getRaster().setSample(0, 0, 0, 1);
        img.getRaster().setSample(1, 0, 0, 0);
        assertArrayEquals(new float[] {200 / 255f, 10 / 255f, 0, 20 / 255f, 100 / 255f, 30 / 255f}, ImageInput.toChw(img), 1e-6f);
    }

    @Test
    void subImagesReadTheirOwnPixels() {
        BufferedImage big = patternImage(BufferedImage.TYPE_3BYTE_BGR);
        BufferedImage sub = big.getSubimage(1, 1, 2, 2);
        float[] chw = ImageInput.toChw(sub);
        assertEquals(((pattern(1, 1) >> 16) & 0xff) / 255f, chw[0], 1e-6);
        assertEquals((pattern(2, 2) & 0xff) / 255f, chw[2 * 4 + 3], 1e-6);
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "bmp", "tiff"})
    void losslessFilesReadBackExactly(String format) throws Exception {
        Path p = dir.resolve("img." + format);
        assertTrue(ImageIO.write(patternImage(BufferedImage.TYPE_3BYTE_BGR), format, p.toFile()), format + " writer");
        assertPattern(ImageInput.toChw(ImageInput.read(p, 1000)));
    }

    @Test
    void jpegFilesRead() throws Exception {
        Path p = dir.resolve("img.jpg");
        ImageIO.write(patternImage(BufferedImage.TYPE_3BYTE_BGR), "jpg", p.toFile());
        float[] chw = ImageInput.toChw(ImageInput.read(p, 1000));
        assertEquals(3 * W * H, chw.length);
    }

    @Test
    void theSizeIsCheckedBeforeDecoding() throws Exception {
        Path p = dir.resolve("img.png");
        ImageIO.write(patternImage(BufferedImage.TYPE_3BYTE_BGR), "png", p.toFile());
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageInput.read(p, 14));
        assertEquals(ErrorCode.IMAGE_TOO_LARGE, e.code());
        assertTrue(e.getMessage().contains("5x3 = 15 pixels, over the limit of 14"), e.getMessage());
    }

    @Test
    void nonImageFilesNameTheFormatsThatWork() throws Exception {
        Path p = dir.resolve("data.bin");
        Files.write(p, new byte[64]);
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageInput.read(p, 1000));
        assertEquals(ErrorCode.UNREADABLE_IMAGE, e.code());
        assertTrue(e.getMessage().contains("PNG, JPEG, BMP, TIFF"), e.getMessage());
    }
}
