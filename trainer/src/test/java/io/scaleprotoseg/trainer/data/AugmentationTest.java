package io.scaleprotoseg.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    private static final Sample SCENE = Scenes.defaults().withSize(64, 48).scene(Split.TRAIN, 0).sample();

    @Test
    void outputHasTheCropSizeAndOnlyValidLabels() {
        Augmentation aug = Augmentation.standard(40, 255);
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 30; i++) {
            Sample out = aug.apply(SCENE, rng);
            assertEquals(40, out.width());
            assertEquals(40, out.height());
            assertEquals(3 * 40 * 40, out.image().length);
            for (int v : out.labels()) {
                assertTrue((v >= 0 && v < 7) || v == 255, "label " + v);
            }
            for (int p : out.parts()) {
                assertTrue(p >= 0 && p <= 16, "part " + p);
            }
            for (float v : out.image()) {
                assertTrue(v >= 0 && v <= 1, "pixel " + v);
            }
        }
    }

    @Test
    void deterministicGivenTheRandomStream() {
        Augmentation aug = new Augmentation(0.5, 2.0, 50, 30, 0.5, 255);
        Sample a = aug.apply(SCENE, new SplittableRandom(9));
        Sample b = aug.apply(SCENE, new SplittableRandom(9));
        assertArrayEquals(a.image(), b.image());
        assertArrayEquals(a.labels(), b.labels());
        assertArrayEquals(a.parts(), b.parts());
    }

    @Test
    void flipMirrorsTheSameCrop() {
        Augmentation never = new Augmentation(0.7, 1.3, 32, 24, 0, 255);
        Augmentation always = new Augmentation(0.7, 1.3, 32, 24, 1, 255);
        Sample plain = never.apply(SCENE, new SplittableRandom(4));
        Sample flipped = always.apply(SCENE, new SplittableRandom(4));
        int w = 32;
        int n = 32 * 24;
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int m = y * w + (w - 1 - x);
                assertEquals(plain.labels()[i], flipped.labels()[m]);
                assertEquals(plain.parts()[i], flipped.parts()[m]);
                for (int c = 0; c < 3; c++) {
                    assertEquals(plain.image()[c * n + i], flipped.image()[c * n + m]);
                }
            }
        }
        Sample twice = Augmentation.flip(Augmentation.flip(SCENE));
        assertArrayEquals(SCENE.image(), twice.image());
    }

    @Test
    void paddedAreaIsVoidMeanColourAndNoPart() {
        // scale 0.5 of 64x48 is 32x24, smaller than the 50x40 crop: the crop starts at (0, 0) and the
        // rest is padding
        Augmentation aug = new Augmentation(0.5, 0.5, 50, 40, 0, 255);
        Sample out = aug.apply(SCENE, new SplittableRandom(2));
        int n = 50 * 40;
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 50; x++) {
                int i = y * 50 + x;
                boolean padded = x >= 32 || y >= 24;
                if (padded) {
                    assertEquals(255, out.labels()[i]);
                    assertEquals(0, out.parts()[i]);
                    for (int c = 0; c < 3; c++) {
                        assertEquals(Normalization.IMAGENET_MEAN[c], out.image()[c * n + i]);
                    }
                } else {
                    assertTrue(out.labels()[i] < 7);
                }
            }
        }
        // nearest sampling keeps label values: every label of the scaled part comes from the source
        boolean[] inSource = new boolean[256];
        for (int v : SCENE.labels()) {
            inSource[v] = true;
        }
        for (int v : out.labels()) {
            assertTrue(v == 255 || inSource[v]);
        }
    }

    @Test
    void scaleOneFullCropWithoutFlipIsTheIdentity() {
        Augmentation aug = new Augmentation(1, 1, 64, 48, 0, 255);
        Sample out = aug.apply(SCENE, new SplittableRandom(3));
        assertArrayEquals(SCENE.image(), out.image());
        assertArrayEquals(SCENE.labels(), out.labels());
        assertArrayEquals(SCENE.parts(), out.parts());
    }

    @Test
    void resizeAndPadHelpers() {
        Sample half = Augmentation.resize(SCENE, 32, 24);
        assertEquals(32, half.width());
        // centre-aligned nearest: output (x, y) takes source (2x + 1, 2y + 1)
        assertEquals(SCENE.labels()[(2 * 5 + 1) * 64 + 2 * 7 + 1], half.labels()[5 * 32 + 7]);
        Sample noParts = new Sample("x", 4, 2, new float[24], new int[] {1, 2, 3, 4, 5, 6, 7, 8}, null);
        Sample padded = Augmentation.pad(noParts, 5, 3, 99);
        assertNull(padded.parts());
        assertArrayEquals(new int[] {1, 2, 3, 4, 99, 5, 6, 7, 8, 99, 99, 99, 99, 99, 99}, padded.labels());
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(0, 1, 10, 10, 0.5, 255));
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(1, 1, 10, 10, 1.5, 255));
    }

    @Test
    void normalizationRoundTripsAndUsesImagenetStatistics() {
        Normalization norm = Normalization.imagenet();
        float[] x = SCENE.image();
        float[] z = norm.normalize(x);
        float[] back = norm.denormalize(z);
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], back[i], 1e-6);
        }
        int n = 64 * 48;
        assertEquals((x[n + 5] - 0.456f) / 0.224f, z[n + 5], 1e-6);
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] meanImage = {mean[0], mean[1], mean[2]};
        assertArrayEquals(new float[] {0, 0, 0}, norm.normalize(meanImage), 1e-7f);
    }
}
