package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngTest {
    private static int[] roundTrip(int[] mask, int w, int h, int classes, int expectedType) throws Exception {
        BufferedImage read = ImageIO.read(new ByteArrayInputStream(Png.encode(Png.maskImage(mask, w, h, classes))));
        assertEquals(expectedType, read.getType());
        return read.getRaster().getPixels(0, 0, w, h, (int[]) null);
    }

    @Test
    void eightBitMasksKeepTheirIdsExactly() throws Exception {
        int[] mask = new int[16 * 16];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % 255;
        }
        // grey values must not be gamma-converted on the way
        assertArrayEquals(mask, roundTrip(mask, 16, 16, 255, BufferedImage.TYPE_BYTE_GRAY));
    }

    @Test
    void moreThan255ClassesGiveSixteenBitMasks() throws Exception {
        int[] mask = new int[20 * 15];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (i * 7) % 300;
        }
        assertArrayEquals(mask, roundTrip(mask, 20, 15, 300, BufferedImage.TYPE_USHORT_GRAY));
        assertEquals(BufferedImage.TYPE_USHORT_GRAY, Png.maskImage(new int[1], 1, 1, 256).getType());
    }
}
