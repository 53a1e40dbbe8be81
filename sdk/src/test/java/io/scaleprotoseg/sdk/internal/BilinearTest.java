package io.scaleprotoseg.sdk.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Half-pixel bilinear resampling, against hand-computed values. */
class BilinearTest {
    @Test
    void upsamplingTwoPixelsToFourFollowsHalfPixelCentres() {
        // out x=0 -> src -0.25 -> clamped 0 -> 1; x=1 -> 0.25 -> 1.25; x=2 -> 0.75 -> 1.75; x=3 -> 1.25 -> clamped hi -> 2
        float[] out = Bilinear.resize(new float[] {1, 2}, 0, 1, 2, 1, 4);
        assertArrayEquals(new float[] {1f, 1.25f, 1.75f, 2f}, out, 1e-6f);
    }

    @Test
    void sameSizeIsTheIdentity() {
        float[] src = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(src, Bilinear.resize(src, 0, 2, 3, 2, 3), 0f);
    }

    @Test
    void sampleEqualsResize() {
        SplittableRandom r = new SplittableRandom(1);
        float[] src = new float[2 * 4 * 5];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) r.nextDouble();
        }
        float[] map = Bilinear.resize(src, 20, 4, 5, 13, 17);
        for (int y = 0; y < 13; y++) {
            for (int x = 0; x < 17; x++) {
                assertEquals(map[y * 17 + x], Bilinear.sample(src, 20, 4, 5, 13, 17, x, y), 1e-6);
            }
        }
    }

    @Test
    void argmaxOfResizedChannelsPicksTheLargestAndTheLowestOnTies() {
        float[] src = {0, 1, 0, 1, /* channel 1 */ 1, 0, 0, 1};
        int[] mask = Bilinear.argmaxResized(src, 0, 2, 1, 4, 1, 4);
        assertArrayEquals(new int[] {1, 0, 0, 0}, mask);
    }

    @Test
    void cellsAreChosenByTheNearestCentre() {
        // 16 pixels over 2 cells: pixels 0..7 -> cell 0, 8..15 -> cell 1
        assertEquals(0, Bilinear.cellOf(7, 16, 2));
        assertEquals(1, Bilinear.cellOf(8, 16, 2));
        // 65 pixels over 9 cells (stride ~7.2): pixel 64 -> last cell
        assertEquals(8, Bilinear.cellOf(64, 65, 9));
        assertEquals(0, Bilinear.cellOf(3, 65, 9));
    }

    @Test
    void aLargeArgmaxOnSeveralThreadsEqualsThePixelByPixelOne() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        int c = 5;
        int h = 130;
        int w = 250;
        float[] src = new float[c * h * w];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) rnd.nextGaussian();
        }
        int outH = 1037;
        int outW = 2011; // over the parallel threshold
        int[] mask = Bilinear.argmaxResized(src, 0, c, h, w, outH, outW);
        int[] all = new int[outH * outW];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        int[] one = new int[all.length];
        Bilinear.argmaxAt(src, c, h, w, outH, outW, all, all.length, one);
        org.junit.jupiter.api.Assertions.assertArrayEquals(one, mask);
    }
}
